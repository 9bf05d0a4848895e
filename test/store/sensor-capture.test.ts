// Migration 9 on both engines: a sensor's live-capture counts (what tcpdump said its kernel
// dropped) reach the sensors list — the latest batch that carries them wins, a batch without any
// keeps them, a damaged column reads as none — and migration 9 goes up and down.
import { afterEach, describe, expect, it } from 'vitest';
import { IngestBatch } from '../../src/contract/ingest.js';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { sensorBatch } from './sensor-batch.js';

for (const engine of ENGINES) {
  describe(`sensor capture counts (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('the sensors list carries the latest counts of a sensor, with their source and time', async () => {
      db = await testDb(engine);
      const s = db.store;
      await s.sensors.apply(sensorBatch('ward-a', 0), '2026-12-04T01:00:00.000Z');
      await s.sensors.apply(sensorBatch('ward-b', 0), '2026-12-04T01:00:00.000Z');
      expect((await s.sensors.list()).map((x) => x.capture)).toEqual([undefined, undefined]);
      const lossy = IngestBatch.parse({
        ...sensorBatch('ward-a', 1),
        capture: { received: 480_000, dropped: 1200, interfaceDropped: 3 },
      });
      await s.sensors.apply(lossy, '2026-12-04T01:00:10.000Z');
      await s.sensors.apply(sensorBatch('ward-a', 2), '2026-12-04T01:00:20.000Z'); // none: kept
      const [a, b] = await s.sensors.list();
      expect(a!.capture).toEqual({
        source: 'src-ward-a',
        received: 480_000,
        dropped: 1200,
        interfaceDropped: 3,
        at: '2026-12-04T01:00:10.000Z',
      });
      expect(b!.capture).toBeUndefined();
      // A new run of the sensor (another source) replaces them.
      const next = {
        ...sensorBatch('ward-a', 0, 'eth1@2026-12-04T02:00:00Z'),
        capture: { received: 10, dropped: 0, interfaceDropped: 0 },
      };
      await s.sensors.apply(next, '2026-12-04T02:00:05.000Z');
      expect((await s.sensors.list())[0]!.capture).toEqual({
        source: 'eth1@2026-12-04T02:00:00Z',
        received: 10,
        dropped: 0,
        interfaceDropped: 0,
        at: '2026-12-04T02:00:05.000Z',
      });
      // TCP gaps (any source) come the same way, in their own column.
      const gappy = IngestBatch.parse({
        ...sensorBatch('ward-b', 1),
        tcpGaps: { acks: 1040, gaps: 100, bytes: 100_000 },
      });
      await s.sensors.apply(gappy, '2026-12-04T02:01:00.000Z');
      await s.sensors.apply(sensorBatch('ward-b', 2), '2026-12-04T02:01:10.000Z');
      expect((await s.sensors.list())[1]!.tcpGaps).toEqual({
        source: 'src-ward-b',
        acks: 1040,
        gaps: 100,
        bytes: 100_000,
        at: '2026-12-04T02:01:00.000Z',
      });
      expect((await s.sensors.list())[0]!.tcpGaps).toBeUndefined();
      // A damaged column is no counts, not a failed list.
      await s.db.updateTable('sensors').set({ capture: '{"received":"lots"' }).where('name', '=', 'ward-a').execute();
      expect((await s.sensors.list())[0]!.capture).toBeUndefined();
    });

    it('refuses counts that are not counts', () => {
      for (const capture of [
        { received: -1, dropped: 0, interfaceDropped: 0 },
        { received: 1, dropped: 0.5, interfaceDropped: 0 },
        { received: 1 },
      ])
        expect(IngestBatch.safeParse({ ...sensorBatch('ward-a', 0), capture }).success, JSON.stringify(capture)).toBe(
          false,
        );
    });

    it('migration 9 up and down', async () => {
      db = await testDb(engine, { migrate: false });
      const s = db.store;
      await s.migrate('008-device-tls');
      await s.sensors.ensure('old-sensor');
      expect(await s.migrate('009-sensor-capture')).toEqual(['009-sensor-capture']);
      const row = await s.db.selectFrom('sensors').select(['name', 'capture', 'tcp_gaps']).executeTakeFirstOrThrow();
      expect(row).toEqual({ name: 'old-sensor', capture: null, tcp_gaps: null });
      expect((await s.sensors.list())[0]!.capture).toBeUndefined();
      expect(await s.migrate('008-device-tls')).toEqual(['009-sensor-capture']);
      await expect(s.db.selectFrom('sensors').select('capture').execute()).rejects.toThrow();
      await expect(s.db.selectFrom('sensors').select('tcp_gaps').execute()).rejects.toThrow();
    });
  });
}
