// Migration 6 on both engines: how patient data reached a destination (`exposure_via`: a proxy's
// `ip:port`, or '' for directly). The console's breach report from the store names the proxies and
// says whether records also went directly, as analyze's does from the ledger; rows stored before
// the migration read as direct; a sensor that predates the fields ships direct exposure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { IngestBatch } from '../../src/contract/ingest.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { Zones } from '../../src/net/zones.js';
import { host } from '../../src/sim/wire.js';
import { Ingestor } from '../../src/store/ingest.js';
import { MON, oru, outside, T0, tcpTalk, writeSim } from '../detect/wire-captures.js';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { sensorBatch } from './sensor-batch.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-exposure-via-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A monitor: HL7 to 202.114.4.120:515 only through the proxy; to 203.0.113.77:2575 directly and through it. */
function wardCapture(): string {
  const proxy = host('proxy', '00:0c:29:aa:bb:05', '10.1.1.5');
  const enc = new TextEncoder();
  const connect = (t: string) => enc.encode(`CONNECT ${t} HTTP/1.1\r\nHost: ${t}\r\n\r\n`);
  const ok = enc.encode('HTTP/1.1 200 Connection established\r\n\r\n');
  return writeSim(dir, 'ward.pcap', (sim) => {
    tcpTalk(sim, T0 + 1e6, MON, proxy, 3128, [
      [connect('202.114.4.120:515'), ok],
      [oru('CMS8000'), null],
    ]);
    tcpTalk(sim, T0 + 3e6, MON, outside('203.0.113.77'), 2575, [[oru('CMS8000'), null]]);
    tcpTalk(sim, T0 + 5e6, MON, proxy, 3128, [
      [connect('203.0.113.77:2575'), ok],
      [oru('CMS8000'), null],
    ]);
  });
}

const routes = (r: { destinations: { ip: string; port: number; proxies: string[]; direct: boolean }[] }) =>
  Object.fromEntries(r.destinations.map((d) => [`${d.ip}:${d.port}`, { proxies: d.proxies, direct: d.direct }]));

for (const engine of ENGINES) {
  describe(`exposure routes (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('the console ingesting a ward says what analyze says: the proxy-only destination is not direct, the mixed one is both', async () => {
      db = await testDb(engine);
      const ingest = new Ingestor(db.store, { zones: new Zones(), flushMs: 0, maxRows: 2 });
      const config = parseConfig('dns: {warmupSeconds: 0}\n', 'test.yaml');
      const r = await analyzeCaptures([wardCapture()], { salt: '00'.repeat(32), config, onEvent: ingest.onEvent });
      await ingest.close();
      const expected = {
        '202.114.4.120:515': { proxies: ['10.1.1.5:3128'], direct: false },
        '203.0.113.77:2575': { proxies: ['10.1.1.5:3128'], direct: true },
      };
      expect(routes(r.breach)).toEqual(expected);
      const stored = await db.store.reports.breach();
      expect(routes(stored)).toEqual(expected);
      const rows = await db.store.db.selectFrom('exposure_via').selectAll().execute();
      expect(rows.map((v) => [v.ip, Number(v.port), v.via]).sort()).toEqual([
        ['202.114.4.120', 515, '10.1.1.5:3128'],
        ['203.0.113.77', 2575, ''],
        ['203.0.113.77', 2575, '10.1.1.5:3128'],
      ]);
    });

    it('migration 6 gives destinations stored before it a direct route; down drops the table, up again works', async () => {
      db = await testDb(engine, { migrate: false });
      const s = db.store;
      await s.migrate('005-dns-sensor');
      const dest = {
        ip: '203.0.113.9',
        port: 2575,
        protocol: 'hl7/mllp',
        messages: 4,
        first: '2026-01-01T00:00:00.000Z',
        last: '2026-01-01T00:01:00.000Z',
        fields: '["PID-5"]',
        devices: '[]',
      };
      await s.db.insertInto('exposure_destinations').values(dest).execute();
      expect(await s.migrate('006-exposure-via')).toEqual(['006-exposure-via']);
      const rows = await s.db.selectFrom('exposure_via').selectAll().execute();
      expect(rows.map((v) => [v.ip, Number(v.port), v.via])).toEqual([['203.0.113.9', 2575, '']]);
      expect(routes(await s.reports.breach())).toEqual({ '203.0.113.9:2575': { proxies: [], direct: true } });
      expect(await s.migrate('005-dns-sensor')).toEqual(['006-exposure-via']);
      await expect(s.db.selectFrom('exposure_via').selectAll().execute()).rejects.toThrow();
      expect(await s.migrate('006-exposure-via')).toEqual(['006-exposure-via']);
      expect(await s.db.selectFrom('exposure_via').selectAll().execute()).toHaveLength(1);
    });

    it('sensors: one without the fields ships direct exposure, another a proxied one; the report unites them', async () => {
      db = await testDb(engine);
      const s = db.store;
      // an older sensor's batch, as the console's route parses it: no proxies, no direct
      const old = sensorBatch('ward-a', 0);
      const wire = JSON.parse(JSON.stringify(old)) as { rows: { exposure: Record<string, unknown>[] } };
      for (const e of wire.rows.exposure) {
        delete e.proxies;
        delete e.direct;
      }
      await s.sensors.apply(IngestBatch.parse(wire));
      expect(routes(await s.reports.breach())).toEqual({ '203.0.113.9:2575': { proxies: [], direct: true } });
      const proxied = sensorBatch('ward-b', 0);
      for (const e of proxied.rows.exposure) Object.assign(e, { proxies: ['10.9.0.5:8080'], direct: false });
      await s.sensors.apply(proxied);
      expect(routes(await s.reports.breach())).toEqual({
        '203.0.113.9:2575': { proxies: ['10.9.0.5:8080'], direct: true },
      });
      // ward-b's part alone: its devices' destination, its routes shared (routes are per destination)
      expect((await s.reports.breach('ward-b')).destinations.map((d) => [d.ip, d.proxies])).toEqual([
        ['203.0.113.9', ['10.9.0.5:8080']],
      ]);
    });
  });
}
