// The console's proposal says what lies behind a proxy, as `policy learn` does on the capture: a
// monitor whose traffic goes through the ward's web proxy (the CMS8000 copy tunnelled to the
// indicator, the vendor's update server twice, a refused request) is ingested into a store with
// its alerts, and POST /api/policies/:device/propose gives the proxy entry the same `proxied` list
// and the same rule note. On SQLite, and on PostgreSQL when WARDWATCH_TEST_PG is set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { POLICY_ROUTES, ProposeResponse } from '../../src/contract/policy-api.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { learnFromCaptures } from '../../src/engine/policy.js';
import { Zones } from '../../src/net/zones.js';
import { type LearnResult, learn } from '../../src/policy/learn.js';
import { buildApp } from '../../src/server/app.js';
import { addUser } from '../../src/server/auth/users.js';
import { observedFlows } from '../../src/server/routes/policy-observed.js';
import { Ingestor } from '../../src/store/ingest.js';
import { writeProxiedWard } from '../detect/wire-captures.js';
import { ENGINES, type TestDb, testDb } from '../store/engines.js';
import { sessionCookie } from './helpers.js';

vi.mock('../../src/enforce/tools.js', () => {
  const refuse = () => {
    throw new Error('the console ran nft/conntrack in a test');
  };
  return {
    nft: refuse,
    nftCheck: refuse,
    nftApply: refuse,
    nftRuleset: refuse,
    conntrackFlush: refuse,
    describeTarget: () => 'x',
  };
});

const dir = mkdtempSync(join(tmpdir(), 'ww-console-proxied-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SALT = '00'.repeat(32);
/** The monitor of wire-captures.ts (MON), as the store and learn name it. */
const MON_ID = { mac: '00:0c:29:aa:bb:01', ip: '10.1.1.10' };
const config = parseConfig('dns: {warmupSeconds: 0}\n', 'test.yaml');
let capture: string;
let learnt: LearnResult;

beforeAll(async () => {
  capture = writeProxiedWard(dir, 'ward.pcap');
  learnt = await learnFromCaptures([capture], { salt: SALT, config });
}, 60_000);

for (const engine of ENGINES) {
  describe(`the console's proposal behind a proxy (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it("carries the proxy entry's proxied list and note exactly as policy learn on the capture", async () => {
      db = await testDb(engine);
      const store = db.store;
      // The capture into the store as the console keeps it: rows through the Ingestor (small
      // batches, so the requests arrive in several), then the devices and alerts.
      const ingest = new Ingestor(store, { zones: new Zones(), flushMs: 0, maxRows: 2 });
      const r = await analyzeCaptures([capture], { salt: SALT, config, onEvent: ingest.onEvent });
      await ingest.close();
      await store.write.devices(r.devices);
      await store.write.alerts(r.alerts);

      const password = await addUser(store, 'anna', 'analyst');
      const { app } = await buildApp({ store, webDist: join(dir, 'no-web') });
      try {
        await app.ready();
        const login = await app.inject({
          method: 'POST',
          url: '/api/session',
          payload: { username: 'anna', password },
        });
        const cookie = sessionCookie(login);
        const csrf = (login.json() as { csrfToken: string }).csrfToken;
        const res = await app.inject({
          method: 'POST',
          url: POLICY_ROUTES.propose.path.replace(':device', encodeURIComponent(MON_ID.mac)),
          payload: {},
          headers: { cookie, 'x-csrf-token': csrf },
        });
        expect(res.statusCode, res.body).toBe(200);
        const proposed = ProposeResponse.parse(res.json());

        const want = learnt.devices.find((d) => d.ip === MON_ID.ip)!.entries.find((e) => e.rule.peer === '10.1.1.5')!;
        expect(want.proxied).toHaveLength(3); // the capture's answer is not empty: the comparison means something
        const got = proposed.entries.filter((e) => e.proxied !== undefined);
        // denied: the device's flows to the proxy carried the copy to the indicator
        expect(got.map((e) => [e.decision, e.rule.peer, e.rule.proto])).toEqual([['deny', '10.1.1.5', 'any']]);
        expect(got[0]!.proxied).toEqual(want.proxied);
        expect(got[0]!.proxied).toEqual([
          { host: '202.114.4.120', port: 515, requests: 1, alerts: ['egress.ioc', 'egress.no-dns', 'phi.cleartext'] },
          { host: 'updates.vendor.example', port: 443, requests: 2 },
          { host: 'vendor-debug.example', port: 8443, requests: 1, refused: true },
        ]);
        expect(got[0]!.rule.note).toBe(want.rule.note);
        // the stored version's rule carries the note too
        const rule = proposed.version.policy.deny.find((a) => a.peer === '10.1.1.5');
        expect(rule?.note).toBe(want.rule.note);
      } finally {
        await app.close();
      }
    });
  });
}

describe('stored requests joined to the flows', () => {
  it('one proxy service recorded under two app names carries its destinations once, so learn does not count them twice', () => {
    const flow = (app: string) => ({
      peer: '10.1.1.5',
      proto: 'tcp',
      port: 3128,
      app,
      flows: 1,
      packets: 10,
      bytes: 900,
      first: 1_738_227_600,
      last: 1_738_227_600,
    });
    const flows = observedFlows({
      ips: [MON_ID.ip],
      flows: [flow('http'), flow('')],
      names: [],
      proxied: [
        {
          proxy: '10.1.1.5',
          port: 3128,
          targets: [{ host: 'updates.vendor.example', port: 443, requests: 2, refused: false }],
          more: 3,
        },
      ],
    });
    expect(flows.map((f) => [f.app, f.proxied?.length, f.proxiedMore])).toEqual([
      ['http', 1, 3],
      [undefined, undefined, undefined],
    ]);
    const r = learn({
      flows,
      alerts: [],
      devices: [{ type: 'device', id: MON_ID.mac, ips: [MON_ID.ip], advisories: [], first: '', last: '' }],
      isSite: (ip) => ip.startsWith('10.'),
    });
    const e = r.devices[0]!.entries;
    expect(e.map((x) => [x.rule.peer, x.flows, x.proxied])).toEqual([
      ['10.1.1.5', 2, [{ host: 'updates.vendor.example', port: 443, requests: 2 }]],
    ]);
    expect(e[0]!.rule.note).toContain('and 3 more requests not listed');
  });
});
