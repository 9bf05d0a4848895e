// Issue 20 on both engines: a sensor batch is applied exactly once (its id in ingest_batches in the
// same transaction), devices and alerts are per sensor, and the breach report counts a patient that
// two sensors saw once.
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { PUMP_MAC, sensorBatch } from './sensor-batch.js';

for (const engine of ENGINES) {
  describe(`sensor ingest (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('applies a batch twice but stores it once; the next seq adds its deltas', async () => {
      db = await testDb(engine);
      const s = db.store;
      const first = await s.sensors.apply(sensorBatch('ward-a', 0));
      expect(first).toMatchObject({ duplicate: false, accepted: 2 + 5 });
      const again = await s.sensors.apply(sensorBatch('ward-a', 0));
      expect(again).toMatchObject({ duplicate: true, accepted: 0 });
      const dev = (await s.devices.list({ limit: 10, offset: 0 })).devices;
      expect(dev.map((d) => d.id)).toEqual([`ward-a/${PUMP_MAC}`]);
      const row = await s.db.selectFrom('devices').selectAll().executeTakeFirstOrThrow();
      expect([row.packets, row.bytes, row.sensor]).toEqual([10, 1000, 'ward-a']);
      const alerts = (await s.alerts.list({ limit: 10, offset: 0 })).alerts;
      expect(alerts.map((a) => a.count)).toEqual([2]);
      const flow = await s.db.selectFrom('flows').selectAll().executeTakeFirstOrThrow();
      expect([flow.bytes, flow.device_id, flow.sensor]).toEqual([1000, `ward-a/${PUMP_MAC}`, 'ward-a']);
      // seq 1 of the same source is new: its deltas are added
      expect(await s.sensors.apply(sensorBatch('ward-a', 1))).toMatchObject({ duplicate: false });
      const row2 = await s.db.selectFrom('devices').selectAll().executeTakeFirstOrThrow();
      expect(row2.packets).toBe(20);
      const batches = await s.db.selectFrom('ingest_batches').select(['batch', 'seq']).orderBy('seq').execute();
      expect(batches.map((b) => [b.batch, Number(b.seq)])).toEqual([
        ['src-ward-a:0', 0],
        ['src-ward-a:1', 1],
      ]);
      const sensor = await s.db.selectFrom('sensors').selectAll().executeTakeFirstOrThrow();
      expect([Number(sensor.batches), Number(sensor.records)]).toEqual([2, 4]);
    });

    it('two sensors with the same MAC are two devices and two alerts; the breach counts the patient once', async () => {
      db = await testDb(engine);
      const s = db.store;
      await s.sensors.apply(sensorBatch('ward-a', 0));
      await s.sensors.apply(sensorBatch('ward-b', 0));
      const dev = (await s.devices.list({ limit: 10, offset: 0 })).devices.map((d) => d.id).sort();
      expect(dev).toEqual([`ward-a/${PUMP_MAC}`, `ward-b/${PUMP_MAC}`]);
      expect((await s.alerts.list({ limit: 10, offset: 0 })).total).toBe(2);
      const onlyB = (await s.devices.list({ limit: 10, offset: 0, sensor: 'ward-b' })).devices.map((d) => d.id);
      expect(onlyB).toEqual([`ward-b/${PUMP_MAC}`]);
      expect((await s.alerts.list({ limit: 10, offset: 0, sensor: 'ward-a' })).total).toBe(1);
      const breach = await s.reports.breach();
      expect(breach.totals.patients).toBe(1);
    });
  });
}
