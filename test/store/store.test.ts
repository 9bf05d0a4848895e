// The store on both engines: migrations, ingest of a simulated CMS8000 ward through the real
// pipeline, snapshots upserted by stable key, acknowledge/suppress, the breach report, retention.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO_START_US } from '../../src/sim/scenarios.js';
import { alertId } from '../../src/store/ingest-writer.js';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { ingestWard } from './ward.js';

const ward = (db: TestDb) => ingestWard(db.store);

for (const engine of ENGINES) {
  describe(`store (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('migrates from empty to the latest version', async () => {
      db = await testDb(engine);
      expect(await db.store.applied()).toEqual([
        '001-initial',
        '002-token-use',
        '003-policies',
        '004-sensors',
        '005-dns-sensor',
        '006-exposure-via',
        '007-proxy-requests',
        '008-device-tls',
        '009-sensor-capture',
      ]);
      expect(await db.store.migrate()).toEqual([]); // nothing left to do
    });

    it('migrates from the previous version, keeping the data', async () => {
      db = await testDb(engine, { migrate: false });
      expect(await db.store.migrate('001-initial')).toEqual(['001-initial']);
      await db.store.db
        .insertInto('api_tokens')
        // migration 1's table has no last_used_at yet
        .values({
          id: 't1',
          name: 'sensor-a',
          scope: 'ingest',
          token_hash: 'h1',
          created_at: 'x',
          revoked_at: null,
        } as never)
        .execute();
      expect(await db.store.migrate()).toEqual([
        '002-token-use',
        '003-policies',
        '004-sensors',
        '005-dns-sensor',
        '006-exposure-via',
        '007-proxy-requests',
        '008-device-tls',
        '009-sensor-capture',
      ]);
      const t = await db.store.auth.tokenByHash('h1');
      expect(t).toMatchObject({ id: 't1', name: 'sensor-a', last_used_at: null });
      await db.store.auth.touchToken('t1', '2026-01-01T00:00:00.000Z');
      expect((await db.store.auth.tokenByHash('h1'))?.last_used_at).toBe('2026-01-01T00:00:00.000Z');
    });

    it('ingests a simulated CMS8000 ward: devices, flagged monitors, peers, DNS, the breach report', async () => {
      db = await testDb(engine);
      const { result, ingest } = await ward(db);
      expect(ingest.stats.committed).toBe(ingest.stats.events);
      expect(ingest.stats.batches).toBeGreaterThan(1);
      const list = await db.store.devices.list({ limit: 200, offset: 0 });
      expect(list.total).toBe(result.devices.length);
      const flagged = list.devices.filter((d) => d.flagged);
      expect(flagged.map((d) => d.model).sort()).toEqual(['Contec CMS8000', 'Epsimed MN-120']);
      expect(list.devices[0]?.flagged).toBe(true); // flagged devices sort first
      const cms = flagged.find((d) => d.model === 'Contec CMS8000')!;
      const detail = (await db.store.devices.detail(cms.id))!;
      expect(detail.advisories).toContain('ICSMA-25-030-01');
      const nfs = detail.peers.find((p) => p.ip === '202.114.4.119');
      expect(nfs).toMatchObject({ zone: 'outside', resolvedByDns: false, names: [] });
      expect(detail.peers.find((p) => p.ip === '202.114.4.120' && p.port === 515)).toMatchObject({ app: 'hl7' });
      expect(detail.traffic.some((b) => b.bytesOutside > 0)).toBe(true);
      // A workstation looked names up: its peers are resolved by DNS.
      const ws = list.devices.find((d) => d.class === 'workstation')!;
      const wsd = (await db.store.devices.detail(ws.id))!;
      expect(wsd.dns.length).toBeGreaterThan(0);
      expect(wsd.peers.some((p) => p.zone === 'outside' && p.resolvedByDns && p.names.length > 0)).toBe(true);
      // The breach report from the store equals the pipeline's own.
      const breach = await db.store.reports.breach();
      const mine = result.breach;
      expect(breach.totals).toEqual(mine.totals);
      expect(
        breach.destinations.map((d) => [d.ip, d.port, d.patients, d.messages, d.fields, d.proxies, d.direct]),
      ).toEqual(mine.destinations.map((d) => [d.ip, d.port, d.patients, d.messages, d.fields, d.proxies, d.direct]));
    });

    it('upserts snapshots by stable key and keeps acknowledgement; accumulate adds counts', async () => {
      db = await testDb(engine);
      const { result } = await ward(db);
      const a = result.alerts.find((x) => x.rule === 'phi.cleartext')!;
      const id = alertId(a);
      expect(await db.store.write.alerts(result.alerts)).toEqual([]); // same snapshot: nothing changed
      const acked = await db.store.alerts.ack(id, 'alice', 'called the vendor', '2026-01-01T00:00:00.000Z');
      expect(acked).toMatchObject({ state: 'acknowledged', ack: { by: 'alice', comment: 'called the vendor' } });
      expect(await db.store.write.alerts([a], { accumulate: true })).toEqual([id]);
      const again = (await db.store.alerts.get(id))!;
      expect(again.count).toBe(a.count * 2);
      expect(again.state).toBe('acknowledged');
      const open = await db.store.alerts.list({ state: 'open', limit: 1000, offset: 0 });
      expect(open.alerts.some((x) => x.id === id)).toBe(false);
      expect(open.total).toBe(result.alerts.length - 1);
    });

    it('suppresses until the expiry, then the alert is open again', async () => {
      db = await testDb(engine);
      const { result } = await ward(db);
      const id = alertId(result.alerts[0]!);
      const s = await db.store.alerts.suppress(
        id,
        'bob',
        'vendor NTP',
        '2026-02-01T00:00:00.000Z',
        '2026-01-01T00:00:00.000Z',
      );
      expect(s).toMatchObject({ state: 'suppressed', suppression: { by: 'bob', reason: 'vendor NTP' } });
      expect((await db.store.alerts.get(id, '2026-03-01T00:00:00.000Z'))?.state).toBe('open');
      const c = await db.store.alerts.counts('2026-01-15T00:00:00.000Z');
      expect(c.suppressed).toBe(1);
      expect(c.open).toBe(result.alerts.length - 1);
      expect(await db.store.alerts.suppress('no-such', 'bob', 'x', '2027-01-01T00:00:00Z')).toBeUndefined();
    });

    it('retention deletes old flow buckets only', async () => {
      db = await testDb(engine);
      await ward(db);
      const before = await db.store.db.selectFrom('flows').select(['bucket']).execute();
      const mid = Math.floor(SCENARIO_START_US / 1e6) + 30;
      const old = before.filter((r) => Number(r.bucket) < mid).length;
      expect(old).toBeGreaterThan(0);
      expect(await db.store.retainFlows(mid)).toBe(old);
      const after = await db.store.db.selectFrom('flows').select(['bucket']).execute();
      expect(after.length).toBe(before.length - old);
    });
  });
}

beforeAll(() => {
  expect(ENGINES).toContain('sqlite');
});
