// The sensors against the real console (src/server, POST /api/ingest, the store) on SQLite and on
// PostgreSQL: three CLI sensors replay three simulated wards over loopback — ward-a benign, ward-b
// with the CMS8000 backdoor, ward-c a mixed ward whose CMS8000 is ward-b's (same seed: the same
// MAC, the same 10.x address, the same fictional patient). Under every fault at once — two of
// ward-b's requests cut before the console read their batch, the acks of two of ward-a's batches
// cut after the console stored them, ward-c killed with SIGKILL mid-run and
// restarted on its spool, the console stopped for 10 s mid-run (connections refused) and started
// again on the same store — what the console holds equals a single-box run of each ward: every
// alert's count and every device's packets and bytes per sensor, and every exposure row (per
// destination: messages, fields, devices, patient hashes, minutes). The breach report counts the
// patient both backdoor wards sent once. Then a token of one sensor writing as another and a
// revoked token are refused and store nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createToken } from '../../src/server/auth/users.js';
import type { Store } from '../../src/store/store.js';
import { ENGINES, testDb } from '../store/engines.js';
import {
  type Exposure,
  exposureOf,
  mergeExposure,
  OUTAGE_MS,
  SALT,
  type SingleBox,
  singleBox,
  singleBoxExposure,
  sleep,
  spawnSensor,
  until,
  type Ward,
  wardFile,
  writeWards,
} from './helpers.js';

const WARDS: readonly Ward[] = [
  { sensor: 'ward-a', scenario: 'ward', seed: 21 },
  { sensor: 'ward-b', scenario: 'cms8000', seed: 22 }, // the backdoor
  { sensor: 'ward-c', scenario: 'mixed', seed: 22, devices: 9 }, // the backdoor; its CMS8000 is ward-b's
];
const CUT_ACKS = 2;

let dir: string;
const expected = new Map<string, SingleBox>();
const exposures = new Map<string, Exposure>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ww-ship20-console-'));
  await writeWards(dir, WARDS);
  for (const w of WARDS) {
    expected.set(w.sensor, singleBox(dir, w));
    exposures.set(w.sensor, await singleBoxExposure(dir, w));
  }
}, 90_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Faults the console injects (kept across restarts). */
interface Faults {
  /** Acks of ward-a's stored batches still to cut (the socket closes after the commit). */
  cut: number;
  /** ward-b's requests still to cut before the console read the batch (nothing stored). */
  cutIn: number;
  /** ward-b's token (requests are told apart by it before the body is read). */
  tokenB?: string;
  /** Delay ward-c's batches (ms) so the kill -9 lands mid-run, not after it. */
  slowC: number;
}

async function listen(store: Store, faults: Faults, port = 0): Promise<{ app: FastifyInstance; port: number }> {
  const { app } = await buildApp({ store, webDist: join(dir, 'no-web'), salt: SALT });
  const sensorOf = (body: unknown) => (body as { sensor?: string } | undefined)?.sensor;
  app.addHook('preParsing', async (req) => {
    if (
      req.url === '/api/ingest' &&
      faults.cutIn > 0 &&
      faults.tokenB !== undefined &&
      req.headers.authorization === `Bearer ${faults.tokenB}`
    ) {
      faults.cutIn--;
      req.raw.socket.destroy(); // the batch cut mid-request: never read, never stored
    }
  });
  app.addHook('preHandler', async (req) => {
    if (req.url === '/api/ingest' && faults.slowC > 0 && sensorOf(req.body) === 'ward-c') await sleep(faults.slowC);
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (
      req.url === '/api/ingest' &&
      reply.statusCode === 200 &&
      sensorOf(req.body) === 'ward-a' &&
      String(payload).includes('"duplicate":false') &&
      faults.cut > 0
    ) {
      faults.cut--;
      req.raw.socket.destroy(); // stored and committed; the ack never arrives
    }
    return payload;
  });
  await app.listen({ host: '127.0.0.1', port });
  return { app, port: (app.server.address() as { port: number }).port };
}

describe.each(ENGINES)('sensors into the console on %s', (engine) => {
  it('three wards, cut requests and acks, a kill -9 and a 10 s console outage: every alert, device and exposure count stored exactly once', async () => {
    const db = await testDb(engine);
    const faults: Faults = { cut: CUT_ACKS, cutIn: CUT_ACKS, slowC: 150 };
    let con = await listen(db.store, faults);
    const port = con.port;
    try {
      const tokens = await Promise.all(WARDS.map((w) => createToken(db.store, w.sensor, 'ingest')));
      faults.tokenB = tokens[1]!.token;
      const spec = (i: number) => ({
        file: wardFile(dir, WARDS[i]!),
        url: `http://127.0.0.1:${port}`,
        token: tokens[i]!.token,
        sensor: WARDS[i]!.sensor,
        spool: join(dir, `spool-${engine}-${WARDS[i]!.sensor}`),
        home: join(dir, 'home'),
      });
      const runs = WARDS.map((_, i) => spawnSensor(spec(i)));
      // kill -9 ward-c once some of its batches are stored, and restart it on the same spool
      const batchesOf = async (s: string) =>
        (await db.store.db.selectFrom('ingest_batches').select('batch').where('sensor', '=', s).execute()).length;
      await until(async () => (await batchesOf('ward-c')) >= 2, 30_000, "ward-c's first batches");
      runs[2]!.child.kill('SIGKILL');
      expect((await runs[2]!.done).code).toBe(null);
      const storedBeforeKill = await batchesOf('ward-c');
      faults.slowC = 0;
      // the console goes away mid-run for 10 s and comes back on the same store
      await con.app.close();
      const restarted = spawnSensor(spec(2));
      await sleep(OUTAGE_MS);
      con = await listen(db.store, faults, port);
      const results = await Promise.all([runs[0]!.done, runs[1]!.done, restarted.done]);
      for (const res of results) expect(res.code, res.stderr).toBe(0);
      expect([faults.cut, faults.cutIn], 'the acks and the requests cut').toEqual([0, 0]);
      expect(await batchesOf('ward-c')).toBeGreaterThan(storedBeforeKill);

      // alerts and devices, per sensor, against each ward's single-box analyze
      const alerts = await db.store.db.selectFrom('alerts').select(['id', 'count', 'sensor']).execute();
      const devices = await db.store.db.selectFrom('devices').select(['id', 'packets', 'bytes', 'sensor']).execute();
      const scoped = <T>(s: string, m: Map<string, T>) => Object.fromEntries([...m].map(([k, v]) => [`${s}/${k}`, v]));
      for (const w of WARDS) {
        const want = expected.get(w.sensor)!;
        const gotAlerts = Object.fromEntries(
          alerts.filter((a) => a.sensor === w.sensor).map((a) => [a.id, Number(a.count)]),
        );
        const gotDevices = Object.fromEntries(
          devices.filter((d) => d.sensor === w.sensor).map((d) => [d.id, [Number(d.packets), Number(d.bytes)]]),
        );
        expect(gotAlerts, `${w.sensor} alerts`).toEqual(scoped(w.sensor, want.alerts));
        expect(gotDevices, `${w.sensor} devices`).toEqual(scoped(w.sensor, want.devices));
      }
      expect(alerts.some((a) => a.sensor === 'ward-b' && a.id.startsWith('ward-b/egress.ioc'))).toBe(true);
      // the same MAC and 10.x address on two sites is two devices
      const cms = devices.filter((d) => d.id.endsWith('/02:57:30:00:00:01')).map((d) => d.id);
      expect(cms.sort()).toEqual(['ward-b/02:57:30:00:00:01', 'ward-c/02:57:30:00:00:01']);

      // exposure: every row against the single boxes' (messages and minutes add, patients and devices unite)
      const singles = WARDS.map((w) => exposures.get(w.sensor)!);
      const want = mergeExposure(singles);
      const got = await exposureOf(db.store);
      expect(Object.fromEntries(got.destinations), 'exposure destinations').toEqual(
        Object.fromEntries(want.destinations),
      );
      expect([...got.patients].sort(), 'exposure patients').toEqual([...want.patients].sort());
      expect(Object.fromEntries(got.minutes), 'exposure minutes').toEqual(Object.fromEntries(want.minutes));
      expect(want.destinations.get('202.114.4.120|515')?.devices).toEqual([
        'ward-b/02:57:30:00:00:01',
        'ward-b/02:57:30:00:00:02',
        'ward-c/02:57:30:00:00:01',
      ]);
      // the breach report counts the patient ward-b and ward-c both sent once
      const hashes = (e: Exposure) => new Set([...e.patients].map((p) => p.split('|')[2]));
      const perWard = singles.map((e) => hashes(e).size);
      const distinct = new Set(singles.flatMap((e) => [...hashes(e)])).size;
      expect(distinct).toBeLessThan(perWard.reduce((a, b) => a + b, 0)); // a patient is shared
      const breach = await db.store.reports.breach();
      expect(breach.totals.patients).toBe(distinct);
      expect(breach.totals.messages).toBe(
        singles.reduce((s, e) => s + [...e.destinations.values()].reduce((t, d) => t + d.messages, 0), 0),
      );
      console.log(
        `exactly once on ${engine}: ${alerts.length} alerts, ${devices.length} devices, ${got.destinations.size} exposure destinations, ` +
          `${got.patients.size} patient rows, ${got.minutes.size} minute rows; patients ${perWard.join('+')} per ward, ${distinct} distinct`,
      );
    } finally {
      await con.app.close();
      await db.drop();
    }
  }, 120_000);

  it('a token of sensor A cannot write as sensor B, and a revoked token is refused: the run stops, nothing stored', async () => {
    const db = await testDb(engine);
    const con = await listen(db.store, { cut: 0, cutIn: 0, slowC: 0 });
    try {
      const b = await createToken(db.store, 'ward-b', 'ingest');
      const a = await createToken(db.store, 'ward-a', 'ingest');
      await db.store.auth.revokeToken(a.id);
      const run = (token: string, spool: string) =>
        spawnSensor({
          file: wardFile(dir, WARDS[0]!),
          url: `http://127.0.0.1:${con.port}`,
          token,
          sensor: 'ward-a',
          spool: join(dir, `${spool}-${engine}`),
          home: join(dir, 'home'),
        }).done;
      const [asB, revoked] = await Promise.all([run(b.token, 'spool-as-b'), run(a.token, 'spool-revoked')]);
      expect(asB.code).not.toBe(0);
      expect(asB.stderr).toMatch(/HTTP 403/);
      expect(revoked.code).not.toBe(0);
      expect(revoked.stderr).toMatch(/HTTP 401/);
      expect(await db.store.db.selectFrom('ingest_batches').selectAll().execute()).toEqual([]);
      expect(await db.store.db.selectFrom('devices').selectAll().execute()).toEqual([]);
    } finally {
      await con.app.close();
      await db.drop();
    }
  }, 60_000);
});
