// Three sensor processes (the built CLI, `analyze FILE --to`) replaying three simulated wards —
// one with the CMS8000 backdoor — into one console on loopback. The console here is a stand-in
// that keeps the contract's exactly-once ledger (batch id per sensor, applied once) and sums the
// DELTAS it is sent; what it ends with must equal a single-box `analyze` of each ward: every alert
// count, device packet/byte count, exposure message and patient hash, exactly once. Then the
// faults: the console down mid-run (connections refused) and back, 503/429 bursts, an ack cut
// mid-request after the batch was stored, and `kill -9` of a sensor restarted with the same spool.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestBatch } from '../../src/contract/ingest.js';
import { alertKey } from '../../src/contract/records.js';
import { wardwatch } from '../helpers/cli.js';
import {
  OUTAGE_MS,
  SALT,
  type SingleBox,
  singleBox,
  sleep,
  spawnSensor,
  until,
  type Ward as SimWard,
  wardFile,
  writeWards,
} from './helpers.js';

const TOKENS: Record<string, string> = { 'tok-a': 'ward-a', 'tok-b': 'ward-b', 'tok-c': 'ward-c' };
type Ward = SimWard & { readonly token: string };
const WARDS: readonly Ward[] = [
  { sensor: 'ward-a', token: 'tok-a', scenario: 'ward', seed: 11 },
  { sensor: 'ward-b', token: 'tok-b', scenario: 'cms8000', seed: 12 }, // the backdoor
  { sensor: 'ward-c', token: 'tok-c', scenario: 'mixed', seed: 13 },
];

interface Totals {
  alerts: Map<string, number>;
  devices: Map<string, [number, number]>;
  exposure: Map<string, number>;
  patients: Set<string>;
  flows: number;
}
const totals = (): Totals => ({
  alerts: new Map(),
  devices: new Map(),
  exposure: new Map(),
  patients: new Set(),
  flows: 0,
});

type Fault = 'refuse-503' | 'busy-429' | 'cut' | 'slow';

/** A console stand-in keeping the contract's semantics: auth → sensor, schema, ledger, deltas summed. */
class FakeConsole {
  readonly ledger = new Set<string>();
  readonly bySensor = new Map<string, Totals>();
  requests = 0;
  duplicates = 0;
  faults: Fault[] = [];
  /** Delay every answer (keeps a sensor mid-run for the kill -9 test). */
  delayMs = 0;
  private app: FastifyInstance | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    const app = Fastify({ bodyLimit: 8 << 20 });
    const sensorOf = (auth: string | undefined) => TOKENS[(auth ?? '').replace(/^Bearer /, '')];
    app.post('/api/sensors/enrol', async (req, reply) => {
      const s = sensorOf(req.headers.authorization);
      if (s === undefined) return reply.code(401).send({ message: 'bad token' });
      return { sensor: s, salt: SALT, saltId: 'test', maxBatchBytes: 8 << 20 };
    });
    app.post('/api/ingest', async (req, reply) => {
      this.requests++;
      const s = sensorOf(req.headers.authorization);
      if (s === undefined) return reply.code(401).send({ message: 'bad token' });
      const parsed = IngestBatch.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ message: parsed.error.message });
      const b = parsed.data;
      if (b.sensor !== s) return reply.code(403).send({ message: 'sensor mismatch' });
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const fault = this.faults.shift();
      if (fault === 'refuse-503') return reply.code(503).send({ message: 'starting' });
      if (fault === 'busy-429') return reply.code(429).header('retry-after', '0').send({ message: 'busy' });
      const key = `${s}\0${b.batch}`;
      const dup = this.ledger.has(key);
      if (!dup) {
        this.ledger.add(key);
        this.apply(s, b);
      } else this.duplicates++;
      if (fault === 'cut') {
        req.raw.socket.destroy(); // stored, but the ack never arrives
        return new Promise(() => undefined);
      }
      return { accepted: dup ? 0 : b.records.length, duplicate: dup, seq: b.seq };
    });
    await app.listen({ host: '127.0.0.1', port });
    this.port = (app.server.address() as { port: number }).port;
    this.app = app;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private apply(sensor: string, b: IngestBatch): void {
    let t = this.bySensor.get(sensor);
    if (t === undefined) this.bySensor.set(sensor, (t = totals()));
    for (const r of b.records) {
      if (r.type === 'alert') t.alerts.set(alertKey(r), (t.alerts.get(alertKey(r)) ?? 0) + r.count);
      else {
        const [p, y] = t.devices.get(r.id) ?? [0, 0];
        t.devices.set(r.id, [p + (r.packets ?? 0), y + (r.bytes ?? 0)]);
      }
    }
    for (const e of b.rows.exposure)
      t.exposure.set(`${e.ip}|${e.port}`, (t.exposure.get(`${e.ip}|${e.port}`) ?? 0) + e.messages);
    for (const p of b.rows.patients) t.patients.add(`${p.ip}|${p.port}|${p.patient_hash}`);
    for (const f of b.rows.flows) t.flows += f.flows;
  }
}

let dir: string;
const expected = new Map<string, SingleBox>();

const run = (w: Ward, url: string, spool: string) =>
  spawnSensor({
    file: wardFile(dir, w),
    url,
    token: w.token,
    sensor: w.sensor,
    spool,
    home: join(dir, 'home'),
    timeoutMs: 1000,
  });

function expectExactlyOnce(c: FakeConsole): void {
  for (const w of WARDS) {
    const got = c.bySensor.get(w.sensor);
    const want = expected.get(w.sensor)!;
    expect(got, w.sensor).toBeDefined();
    expect(Object.fromEntries(got!.alerts), `${w.sensor} alerts`).toEqual(Object.fromEntries(want.alerts));
    expect(Object.fromEntries(got!.devices), `${w.sensor} devices`).toEqual(Object.fromEntries(want.devices));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ww-ship20-e2e-'));
  await writeWards(dir, WARDS);
  // The single-box answer, no console at all.
  for (const w of WARDS) expected.set(w.sensor, singleBox(dir, w));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('three sensors into one console', () => {
  it('every alert, device and exposure count arrives exactly once (and the backdoor ward is seen)', async () => {
    const c = new FakeConsole();
    await c.start();
    try {
      const runs = WARDS.map((w) => run(w, c.url, join(dir, `spool-1-${w.sensor}`)));
      for (const r of runs) expect((await r.done).code).toBe(0);
      expectExactlyOnce(c);
      const b = c.bySensor.get('ward-b')!;
      expect([...b.alerts.keys()].some((k) => k.startsWith('egress.ioc'))).toBe(true);
      expect(b.exposure.get('202.114.4.120|515')).toBeGreaterThan(0);
      expect(b.patients.size).toBeGreaterThan(0);
      expect(c.duplicates).toBe(0);
      const st = wardwatch(['sensor', 'status', '--spool', join(dir, 'spool-1-ward-b'), '--format', 'json']);
      expect(JSON.parse(st.stdout)).toMatchObject({ files: 0, dropped: 0, corrupt: 0 });
      expect(JSON.parse(st.stdout).acked).toBe(
        c.ledger.size - [...c.ledger].filter((k) => !k.startsWith('ward-b')).length,
      );
    } finally {
      await c.stop();
    }
  }, 60_000);

  it('a restarted replay (same files, same spool dirs gone) re-sends the same batch ids: all duplicates, nothing counted twice', async () => {
    const c = new FakeConsole();
    await c.start();
    try {
      for (const pass of [1, 2]) {
        const runs = WARDS.map((w) => run(w, c.url, join(dir, `spool-r${pass}-${w.sensor}`)));
        for (const r of runs) expect((await r.done).code).toBe(0);
      }
      expectExactlyOnce(c);
      expect(c.duplicates).toBe(c.ledger.size);
    } finally {
      await c.stop();
    }
  }, 60_000);

  it('under faults — console down for a while, 503/429 bursts, acks cut mid-request, kill -9 and restart — still exactly once', async () => {
    const c = new FakeConsole();
    await c.start();
    const port = c.port;
    try {
      c.faults = ['refuse-503', 'busy-429', 'cut', 'refuse-503', 'cut', 'busy-429', 'cut'];
      c.delayMs = 30;
      const spools = WARDS.map((w) => join(dir, `spool-f-${w.sensor}`));
      const runs = WARDS.map((w, i) => run(w, c.url, spools[i]!));
      // kill -9 ward-c once a few of its batches are in, then restart it on the same spool
      await until(() => (c.bySensor.get('ward-c')?.flows ?? 0) > 0 && c.ledger.size >= 6, 20_000, 'batches in');
      runs[2]!.child.kill('SIGKILL');
      expect((await runs[2]!.done).code).toBe(null);
      // the console goes away (connections refused) while the sensors go on, then comes back
      await c.stop();
      const restarted = run(WARDS[2]!, `http://127.0.0.1:${port}`, spools[2]!);
      await sleep(OUTAGE_MS);
      c.faults = ['cut', 'busy-429'];
      await c.start(port);
      for (const r of [runs[0]!, runs[1]!, restarted]) {
        const res = await r.done;
        expect(res.code, res.stderr).toBe(0);
      }
      expect(`${(await runs[0]!.done).stderr}`).toMatch(/console not taking batches/);
      expectExactlyOnce(c);
      expect(c.duplicates).toBeGreaterThan(0); // the cut acks and the killed sensor's re-sends
    } finally {
      await c.stop();
    }
  }, 90_000);

  it('a token of sensor A cannot write as sensor B: the run stops with the token error, nothing stored', async () => {
    const c = new FakeConsole();
    await c.start();
    try {
      const w: Ward = { ...WARDS[0]!, token: 'tok-b' }; // ward-b's token, claiming ward-a
      const r = run(w, c.url, join(dir, 'spool-wrong'));
      const res = await r.done;
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(/refused this sensor's token \(HTTP 403: sensor mismatch\)/);
      expect(c.ledger.size).toBe(0);
    } finally {
      await c.stop();
    }
  }, 30_000);
});
