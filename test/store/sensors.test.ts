// Issue 20 on both engines: a sensor batch is applied exactly once (its id in ingest_batches in the
// same transaction), devices and alerts are per sensor, and the breach report counts a patient that
// two sensors saw once; DNS answers are per sensor (migration 5), down migration included.
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestBatch } from '../../src/contract/ingest.js';
import { deviceTraffic } from '../../src/store/policy-traffic.js';
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

    it('the same asker address on two sensors asking different names: each device sees only its own answers', async () => {
      db = await testDb(engine);
      const s = db.store;
      const t = '2026-01-01T00:00:00.000Z';
      const asking = (sensor: string, seq: number, name: string): IngestBatch => {
        const b = sensorBatch(sensor, seq);
        // the pump 10.1.2.3 on both sites resolves its peer 203.0.113.9, under a different name each
        b.rows.dns = [{ asker: '10.1.2.3', name, address: '203.0.113.9', ttl: 60, first: t, last: t, count: 1 }];
        return b;
      };
      await s.sensors.apply(asking('ward-a', 0, 'hl7-a.example'));
      await s.sensors.apply(asking('ward-b', 0, 'hl7-b.example'));
      await s.sensors.apply(asking('ward-a', 1, 'hl7-a.example')); // asked again: counted, same row
      await s.sensors.apply(asking('ward-a', 1, 'hl7-a.example')); // a re-sent batch: not counted
      const rows = await s.db.selectFrom('dns').selectAll().orderBy('sensor').execute();
      expect(rows.map((r) => [r.sensor, r.asker, r.name, Number(r.count)])).toEqual([
        ['ward-a', '10.1.2.3', 'hl7-a.example', 2],
        ['ward-b', '10.1.2.3', 'hl7-b.example', 1],
      ]);
      for (const [sensor, name] of [
        ['ward-a', 'hl7-a.example'],
        ['ward-b', 'hl7-b.example'],
      ] as const) {
        const d = (await s.devices.detail(`${sensor}/${PUMP_MAC}`))!;
        expect(
          d.dns.map((x) => [x.name, x.address]),
          sensor,
        ).toEqual([[name, '203.0.113.9']]);
        expect(
          d.peers.find((p) => p.ip === '203.0.113.9'),
          sensor,
        ).toMatchObject({ resolvedByDns: true, names: [name] });
        const traffic = await deviceTraffic(s.db, `${sensor}/${PUMP_MAC}`);
        expect(traffic.names, sensor).toEqual([{ name, address: '203.0.113.9' }]);
      }
    });

    it('migration 5 keys DNS by sensor: existing rows become local; down merges the sensors back', async () => {
      db = await testDb(engine, { migrate: false });
      const s = db.store;
      await s.migrate('004-sensors');
      const row = { name: 'pacs.example', address: '10.9.9.9', ttl: 30, count: 3 };
      await s.db
        .insertInto('dns')
        .values({ asker: '10.1.2.3', ...row, first: '2026-01-01T00:00:00Z', last: '2026-01-01T00:05:00Z' })
        .execute();
      expect(await s.migrate('005-dns-sensor')).toEqual(['005-dns-sensor']);
      const up = await s.db.selectFrom('dns').selectAll().execute();
      expect(up.map((r) => [r.sensor, r.asker, r.name, Number(r.count)])).toEqual([
        ['local', '10.1.2.3', 'pacs.example', 3],
      ]);
      await s.db
        .insertInto('dns')
        .values({
          sensor: 'ward-b',
          asker: '10.1.2.3',
          ...row,
          ttl: 90,
          count: 4,
          first: '2025-12-31T00:00:00Z',
          last: '2026-01-02T00:00:00Z',
        })
        .execute();
      expect(await s.migrate('004-sensors')).toEqual(['005-dns-sensor']);
      const down = await s.db.selectFrom('dns').selectAll().execute();
      expect(down.map((r) => ({ ...r, ttl: Number(r.ttl), count: Number(r.count) }))).toEqual([
        { asker: '10.1.2.3', ...row, ttl: 90, count: 7, first: '2025-12-31T00:00:00Z', last: '2026-01-02T00:00:00Z' },
      ]);
      expect(await s.migrate('005-dns-sensor')).toEqual(['005-dns-sensor']); // and up again
    });
  });
}
