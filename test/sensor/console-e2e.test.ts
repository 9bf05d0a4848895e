// The sensors against the real console (src/server, migration 004, POST /api/ingest) on SQLite
// and on PostgreSQL: three CLI sensors replay three simulated wards (one with the backdoor) over
// loopback; one is killed with SIGKILL mid-run and restarted on its spool, and the console is
// stopped mid-run (connections refused) and started again on the same store. What the store
// holds per sensor — every alert's count, every device's packets and bytes — equals a single-box
// `analyze` of that ward: exactly once.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertKey } from '../../src/contract/records.js';
import { buildApp } from '../../src/server/app.js';
import { createToken } from '../../src/server/auth/users.js';
import { writeScenario } from '../../src/sim/scenarios.js';
import type { Store } from '../../src/store/store.js';
import { CLI, jsonl, wardwatch } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { ENGINES, testDb } from '../store/engines.js';

const SALT = 'ab'.repeat(32);
const WARDS = [
  { sensor: 'ward-a', scenario: 'ward', seed: 21 },
  { sensor: 'ward-b', scenario: 'cms8000', seed: 22 }, // the backdoor
  { sensor: 'ward-c', scenario: 'mixed', seed: 23 },
] as const;

let dir: string;
const expected = new Map<string, { alerts: Record<string, number>; devices: Record<string, [number, number]> }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ww-ship20-console-'));
  for (const w of WARDS) {
    const file = join(dir, `${w.sensor}.pcap`);
    await writeScenario(w.scenario, { durationSec: 120, seed: w.seed, out: file });
    const r = wardwatch(['analyze', file, '--format', 'jsonl', '--no-progress'], {
      env: { WARDWATCH_HOME: join(dir, 'single') },
    });
    expect(r.status, r.stderr).toBe(0);
    const alerts: Record<string, number> = {};
    const devices: Record<string, [number, number]> = {};
    for (const x of jsonl(r.stdout)) {
      if (x.type === 'alert') alerts[`${w.sensor}/${alertKey(x as never)}`] = x.count as number;
      if (x.type === 'device') devices[`${w.sensor}/${x.id as string}`] = [x.packets as number, x.bytes as number];
    }
    expected.set(w.sensor, { alerts, devices });
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function listen(store: Store, port = 0): Promise<{ app: FastifyInstance; port: number }> {
  const { app } = await buildApp({ store, webDist: join(dir, 'no-web'), salt: SALT });
  await app.listen({ host: '127.0.0.1', port });
  return { app, port: (app.server.address() as { port: number }).port };
}

function sensor(w: (typeof WARDS)[number], token: string, port: number, spool: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      CLI,
      'analyze',
      join(dir, `${w.sensor}.pcap`),
      '--to',
      `http://127.0.0.1:${port}`,
      '--token',
      token,
      '--sensor',
      w.sensor,
      '--spool',
      spool,
      '--batch-every',
      '5',
      '--drain-timeout',
      '60',
      '--no-progress',
      '--format',
      'jsonl',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, WARDWATCH_HOME: join(dir, 'home'), WARDWATCH_SENSOR_TIMEOUT_MS: '2000' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((r) =>
    child.on('close', (code) => r({ code, stderr })),
  );
  return { child, done };
}

describe.each(ENGINES)('sensors into the console on %s', (engine) => {
  it('three wards, a kill -9 and a console outage: every alert and device count stored exactly once', async () => {
    const db = await testDb(engine);
    let con = await listen(db.store);
    const port = con.port;
    try {
      const tokens = await Promise.all(WARDS.map((w) => createToken(db.store, w.sensor, 'ingest')));
      const spools = WARDS.map((w) => join(dir, `spool-${engine}-${w.sensor}`));
      const runs = WARDS.map((w, i) => sensor(w, tokens[i]!.token, port, spools[i]!));
      // kill -9 ward-c once some of its batches are stored, and restart it on the same spool
      const batchesOf = async (s: string) =>
        (await db.store.db.selectFrom('ingest_batches').select('batch').where('sensor', '=', s).execute()).length;
      const t0 = Date.now();
      while ((await batchesOf('ward-c')) < 2 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 10));
      runs[2]!.child.kill('SIGKILL');
      expect((await runs[2]!.done).code).toBe(null);
      // the console goes away mid-run and comes back on the same store
      await con.app.close();
      const restarted = sensor(WARDS[2], tokens[2]!.token, port, spools[2]!);
      await new Promise((r) => setTimeout(r, Number(process.env.WARDWATCH_TEST_OUTAGE_MS ?? '3000')));
      con = await listen(db.store, port);
      for (const r of [runs[0]!, runs[1]!, restarted]) {
        const res = await r.done;
        expect(res.code, res.stderr).toBe(0);
      }
      const alerts = await db.store.db.selectFrom('alerts').select(['id', 'count', 'sensor']).execute();
      const devices = await db.store.db.selectFrom('devices').select(['id', 'packets', 'bytes', 'sensor']).execute();
      for (const w of WARDS) {
        const want = expected.get(w.sensor)!;
        const gotAlerts = Object.fromEntries(
          alerts.filter((a) => a.sensor === w.sensor).map((a) => [a.id, Number(a.count)]),
        );
        const gotDevices = Object.fromEntries(
          devices.filter((d) => d.sensor === w.sensor).map((d) => [d.id, [Number(d.packets), Number(d.bytes)]]),
        );
        expect(gotAlerts, `${w.sensor} alerts`).toEqual(want.alerts);
        expect(gotDevices, `${w.sensor} devices`).toEqual(want.devices);
      }
      expect(alerts.some((a) => a.sensor === 'ward-b' && a.id.startsWith('ward-b/egress.ioc'))).toBe(true);
    } finally {
      await con.app.close();
      await db.drop();
    }
  }, 90_000);
});
