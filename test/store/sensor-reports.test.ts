// Issue 20 on both engines: the overview's numbers for one sensor. The console's own ward (local,
// the simulated CMS8000 through the real pipeline) and two remote sensors with their own pump,
// destination and patient: the breach report, flow totals and the known-sensors list, per sensor.
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestBatch } from '../../src/contract/ingest.js';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { PUMP_MAC, sensorBatch } from './sensor-batch.js';
import { ingestWard } from './ward.js';

/** Sensor B's pump sends to its own destination (203.0.113.77), with two patients, over 3 flows. */
function otherBatch(): IngestBatch {
  const b = sensorBatch('ward-b', 0);
  const to = <T extends { ip: string }>(x: T): T => ({ ...x, ip: '203.0.113.77' });
  b.rows.flows = b.rows.flows.map((f) => ({ ...f, peer_ip: '203.0.113.77', flows: 3 }));
  b.rows.exposure = b.rows.exposure.map((e) => ({ ...to(e), fields: ['PID-3', 'PID-7'] }));
  b.rows.patients = ['aa', 'bb'].map((h) => ({ ip: '203.0.113.77', port: 2575, patient_hash: h.repeat(16) }));
  b.rows.minutes = b.rows.minutes.map(to);
  return b;
}

for (const engine of ENGINES) {
  describe(`reports per sensor (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('breach, flow totals and known sensors count one sensor only', async () => {
      db = await testDb(engine);
      const s = db.store;
      await ingestWard(s, 30);
      await s.sensors.apply(sensorBatch('ward-a', 0));
      await s.sensors.apply(otherBatch());
      await s.sensors.ensure('ward-c', 'East wing'); // enrolled, nothing sent yet

      const all = await s.reports.breach();
      const local = await s.reports.breach('local');
      const a = await s.reports.breach('ward-a');
      const b = await s.reports.breach('ward-b');
      expect(local.totals.patients).toBeGreaterThan(0);
      // a: one patient at 203.0.113.9:2575, its own pump only
      expect(a.destinations.map((d) => [d.ip, d.port, d.patients, d.devices])).toEqual([
        ['203.0.113.9', 2575, 1, [`ward-a/${PUMP_MAC}`]],
      ]);
      expect(a.totals).toMatchObject({ patients: 1, destinations: 1 });
      // b: two patients at its own destination, with the fields it saw
      expect(b.destinations.map((d) => [d.ip, d.patients, d.fields, d.devices])).toEqual([
        ['203.0.113.77', 2, ['PID-3', 'PID-7'], [`ward-b/${PUMP_MAC}`]],
      ]);
      expect(b.totals).toMatchObject({ patients: 2, destinations: 1 });
      // no remote device in the local part; the parts add up to the whole (no patient shared here)
      for (const d of local.destinations) for (const id of d.devices) expect(id).not.toContain('/');
      expect(local.totals.patients + 1 + 2).toBe(all.totals.patients);
      expect(local.totals.destinations + 2).toBe(all.totals.destinations);
      expect(await s.reports.breach('ward-c')).toMatchObject({ destinations: [], totals: { patients: 0 } });

      const fAll = await s.reports.flowTotals(0);
      const fB = await s.reports.flowTotals(0, 'ward-b');
      const fLocal = await s.reports.flowTotals(0, 'local');
      expect(fB).toEqual({ flows: 3, first: '2026-01-01T00:00:00.000Z', last: '2026-01-01T00:00:00.000Z' });
      expect(fLocal.flows).toBeGreaterThan(0);
      expect(fLocal.flows + 1 + 3).toBe(fAll.flows);
      expect(fLocal.first).toBeDefined();
      expect(await s.reports.flowTotals(0, 'ward-c')).toEqual({ flows: 0 });

      const known = await s.reports.knownSensors();
      expect(known.map((k) => [k.name, k.site, k.devices])).toEqual([
        ['local', undefined, await s.devices.count('local')],
        ['ward-a', undefined, 1],
        ['ward-b', undefined, 1],
        ['ward-c', 'East wing', 0],
      ]);
    });

    it('a patient two sensors sent to one destination counts under the first that reported it', async () => {
      db = await testDb(engine);
      const s = db.store;
      await s.sensors.apply(sensorBatch('ward-a', 0));
      await s.sensors.apply(sensorBatch('ward-b', 0)); // same destination, same patient hash
      expect((await s.reports.breach()).totals.patients).toBe(1);
      expect((await s.reports.breach('ward-a')).totals.patients).toBe(1);
      const b = await s.reports.breach('ward-b');
      // b's pump still shows at the destination, with no patient of its own counted there
      expect(b.destinations.map((d) => [d.patients, d.devices])).toEqual([[0, [`ward-b/${PUMP_MAC}`]]]);
    });
  });
}
