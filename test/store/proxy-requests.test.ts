// Migration 7 on both engines: what devices asked proxies for (`proxy_requests`). The Ingestor
// folds `proxy-request` events per (device, proxy, target) with requests and refused counts; at
// most MAX_PROXIED targets per (device, proxy) are kept over everything stored, the requests for
// the others counted in the pair's '' row — also when two batches add targets at once; sensors
// ship the rows in the ingest contract, and an older sensor's batch without them is still valid.
import { afterEach, describe, expect, it } from 'vitest';
import { IngestBatch } from '../../src/contract/ingest.js';
import { MAX_PROXIED } from '../../src/contract/policy-api.js';
import { Zones } from '../../src/net/zones.js';
import { batchRows } from '../../src/store/batch.js';
import { Ingestor } from '../../src/store/ingest.js';
import type { Store } from '../../src/store/store.js';
import { MON, proxyReq } from '../detect/helpers.js';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { sensorBatch } from './sensor-batch.js';

type Row = [device: string, proxy: string, target: string, requests: number, refused: number];

async function stored(s: Store): Promise<Row[]> {
  const rows = await s.db.selectFrom('proxy_requests').selectAll().orderBy('first').orderBy('target_host').execute();
  return rows.map((r) => [
    r.device_id,
    `${r.proxy_ip}:${r.proxy_port}`,
    `${r.target_host}:${r.target_port}`,
    Number(r.requests),
    Number(r.refused),
  ]);
}

for (const engine of ENGINES) {
  describe(`proxy requests in the store (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('folds requests per (device, proxy, target) across batches: counts, refused, first and last', async () => {
      db = await testDb(engine);
      const ingest = new Ingestor(db.store, { zones: new Zones(), flushMs: 0 });
      ingest.onEvent(proxyReq(1, MON, '202.114.4.120:515'));
      ingest.onEvent(proxyReq(2, MON, 'updates.vendor.example:443'));
      await ingest.flush();
      ingest.onEvent(proxyReq(3, MON, 'updates.vendor.example:443'));
      ingest.onEvent(proxyReq(4, MON, 'vendor-debug.example:8443', { status: 403 }));
      // an outside client asking the proxy is no device of ours
      ingest.onEvent(proxyReq(5, { ip: '198.51.100.7' }, 'x.example:443'));
      await ingest.close();
      const pair = [MON.mac, '10.1.1.5:3128'] as const;
      expect(await stored(db.store)).toEqual([
        [...pair, ':-1', 0, 0], // the pair's row for targets past the bound: none yet
        [...pair, '202.114.4.120:515', 1, 0],
        [...pair, 'updates.vendor.example:443', 2, 0],
        [...pair, 'vendor-debug.example:8443', 1, 1],
      ]);
      const u = await db.store.db
        .selectFrom('proxy_requests')
        .select(['first', 'last', 'sensor'])
        .where('target_host', '=', 'updates.vendor.example')
        .executeTakeFirstOrThrow();
      expect(u).toEqual({ first: '2025-01-30T12:00:02.000Z', last: '2025-01-30T12:00:03.000Z', sensor: 'local' });
    });

    it(`keeps ${MAX_PROXIED} targets per (device, proxy), the first asked, over batches; the others' requests in the '' row`, async () => {
      db = await testDb(engine);
      const ingest = new Ingestor(db.store, { zones: new Zones(), flushMs: 0 });
      // 10 targets, then 10 more of which the first 6 still fit, then one listed again and one more new
      for (let i = 0; i < 10; i++) ingest.onEvent(proxyReq(i, MON, `203.0.113.${i + 1}:443`));
      await ingest.flush();
      for (let i = 10; i < 20; i++) ingest.onEvent(proxyReq(i, MON, `203.0.113.${i + 1}:443`));
      await ingest.flush();
      ingest.onEvent(proxyReq(30, MON, '203.0.113.1:443'));
      ingest.onEvent(proxyReq(31, MON, '203.0.113.99:443', { status: 403 }));
      await ingest.close();
      const rows = await stored(db.store);
      const targets = rows.filter((r) => r[2] !== ':-1').map((r) => r[2]);
      expect(targets).toEqual(Array.from({ length: MAX_PROXIED }, (_, i) => `203.0.113.${i + 1}:443`));
      expect(rows.find((r) => r[2] === '203.0.113.1:443')?.[3]).toBe(2);
      expect(rows.find((r) => r[2] === ':-1')).toEqual([MON.mac, '10.1.1.5:3128', ':-1', 5, 1]);
    });

    it('the bound holds when two sensor batches add targets to one pair at once', async () => {
      db = await testDb(engine);
      const s = db.store;
      const batch = (source: string, from: number) => {
        const b = sensorBatch('ward-a', 0, source);
        b.rows.proxyRequests = Array.from({ length: 12 }, (_, i) => ({
          device_id: '00:11:22:33:44:55',
          proxy_ip: '10.9.0.5',
          proxy_port: 8080,
          target_host: `host${from + i}.example`,
          target_port: 443,
          requests: 1,
          refused: 0,
          first: '2026-01-01T00:00:00.000Z',
          last: '2026-01-01T00:00:00.000Z',
        }));
        return b;
      };
      // 24 distinct targets in two batches, 6 of them in both
      await Promise.all([s.sensors.apply(batch('one', 0)), s.sensors.apply(batch('two', 6))]);
      const rows = await stored(s);
      expect(rows.every((r) => r[0] === 'ward-a/00:11:22:33:44:55')).toBe(true);
      const listed = rows.filter((r) => r[2] !== ':-1');
      expect(listed).toHaveLength(MAX_PROXIED);
      const total = rows.reduce((n, r) => n + r[3], 0);
      expect(total).toBe(24);
      const other = rows.find((r) => r[2] === ':-1')!;
      expect(other[3]).toBe(24 - listed.reduce((n, r) => n + r[3], 0));
      const sensors = await s.db.selectFrom('proxy_requests').select('sensor').distinct().execute();
      expect(sensors.map((r) => r.sensor)).toEqual(['ward-a']);
    });

    it("a sensor's batch carries the rows (batchRows); one from before them parses with none", async () => {
      db = await testDb(engine);
      const ingest = new Ingestor(undefined, { zones: new Zones() });
      ingest.onEvent(proxyReq(1, MON, '202.114.4.120:515'));
      const rows = batchRows(ingest.take());
      expect(rows.proxyRequests).toEqual([
        {
          device_id: MON.mac,
          proxy_ip: '10.1.1.5',
          proxy_port: 3128,
          target_host: '202.114.4.120',
          target_port: 515,
          requests: 1,
          refused: 0,
          first: '2025-01-30T12:00:01.000Z',
          last: '2025-01-30T12:00:01.000Z',
        },
      ]);
      const b = IngestBatch.parse({ ...sensorBatch('ward-b', 0), rows: { ...sensorBatch('ward-b', 0).rows, ...rows } });
      await db.store.sensors.apply(b);
      expect(await stored(db.store)).toEqual([
        ['ward-b/00:0c:29:aa:bb:01', '10.1.1.5:3128', ':-1', 0, 0],
        ['ward-b/00:0c:29:aa:bb:01', '10.1.1.5:3128', '202.114.4.120:515', 1, 0],
      ]);
      const old = JSON.parse(JSON.stringify(sensorBatch('ward-c', 0))) as { rows: Record<string, unknown> };
      delete old.rows.proxyRequests;
      expect(IngestBatch.parse(old).rows.proxyRequests).toEqual([]);
    });

    it('migration 7 up and down', async () => {
      db = await testDb(engine, { migrate: false });
      const s = db.store;
      await s.migrate('006-exposure-via');
      await expect(s.db.selectFrom('proxy_requests').selectAll().execute()).rejects.toThrow();
      expect(await s.migrate('007-proxy-requests')).toEqual(['007-proxy-requests']);
      expect(await s.db.selectFrom('proxy_requests').selectAll().execute()).toEqual([]);
      expect(await s.migrate('006-exposure-via')).toEqual(['007-proxy-requests']);
      await expect(s.db.selectFrom('proxy_requests').selectAll().execute()).rejects.toThrow();
    });
  });
}
