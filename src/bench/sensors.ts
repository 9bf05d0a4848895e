// `npm run bench:sensors`: sensors shipping to one console on loopback (never in tests).
// 1. Sustained rate: 1, 2 and 4 sensor processes (`analyze WARD --to`) replaying simulated `mixed`
//    wards at once into one console on PostgreSQL; records + rows the console stored per second,
//    packets analysed per second, and the console's CPU (this process: the console runs in it).
// 2. The console alone (when it runs here): the same wards' batches, cut beforehand as the sensors
//    cut them, POSTed back to back by 1, 2 and 4 senders: batches and records + rows stored per second.
// 3. The sensor's CPU cost of shipping: user+sys CPU (/usr/bin/time, the launcher and its child)
//    of `analyze WARD` with and without `--to`, same file, one run each.
// Rows 1 and 2 are medians of WARDWATCH_BENCH_REPEAT (3) runs, each run with sensors of its own.
// The console: by default the real one (buildApp, POST /api/ingest) in this process on a fresh
// PostgreSQL schema of WARDWATCH_BENCH_PG / WARDWATCH_TEST_PG, or of the loopback cluster
// scripts/pg-start.sh starts (dropped after), with ingest tokens it creates.
// WARDWATCH_BENCH_CONSOLE=https://… with WARDWATCH_BENCH_TOKENS=name:token,… measures another
// console instead; WARDWATCH_BENCH_CONSOLE=stand-in a loopback stand-in that checks the contract
// and keeps the exactly-once ledger in memory (no database: the sensor side and the transport).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { SensorBatcher } from '../cli/sensor-batch.js';
import { IngestBatch } from '../contract/ingest.js';
import { analyzeCaptures } from '../engine/analyze.js';
import { DEFAULT_SITE_CIDRS } from '../net/zones.js';
import { buildApp } from '../server/app.js';
import { createToken } from '../server/auth/users.js';
import { writeScenario } from '../sim/scenarios.js';
import { openStore } from '../store/open.js';

const CLI = join(import.meta.dirname, '..', 'cli', 'bin.js');
const REPO = join(import.meta.dirname, '..', '..');
const SENSORS = [1, 2, 4];

interface Console {
  /** What the rows say it is. */
  label: string;
  url: string;
  /** Sensor name and token for sensor `i` of run `run` (a new sensor per run where the console allows,
   * so no run re-sends a batch id an earlier one stored: those would be duplicates, not ingest). */
  sensor(run: string, i: number): Promise<[string, string]>;
  /** Whether the console runs in this process (its CPU is this process's). */
  inProcess: boolean;
  /** Records + rows stored so far (NaN: not known here). */
  accepted(): Promise<number>;
  close(): Promise<void>;
}

/** The real console on a fresh PostgreSQL schema, in this process. */
async function realConsole(): Promise<Console> {
  const url =
    process.env.WARDWATCH_BENCH_PG ??
    process.env.WARDWATCH_TEST_PG ??
    execFileSync('bash', [join(REPO, 'scripts', 'pg-start.sh')], { encoding: 'utf8' }).trim();
  const schema = `bench_sensors_${randomBytes(4).toString('hex')}`;
  const store = await openStore(url, { schema });
  const { app } = await buildApp({ store, salt: 'ef'.repeat(32), webDist: join(REPO, 'no-web-in-bench') });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return {
    inProcess: true,
    label: `the real console (buildApp) on PostgreSQL, schema ${schema} on ${url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}`,
    url: `http://127.0.0.1:${port}`,
    sensor: async (run, i) => {
      const name = `bench-${run}-${i}`;
      return [name, (await createToken(store, name, 'ingest', 'bench')).token];
    },
    accepted: async () => {
      const r = await store.db
        .selectFrom('ingest_batches')
        .select((eb) => eb.fn.sum<number>('events').as('n'))
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    close: async () => {
      await app.close();
      await sql`DROP SCHEMA ${sql.raw(schema)} CASCADE`.execute(store.db);
      await store.close();
    },
  };
}

async function standIn(): Promise<Console> {
  const ledger = new Set<string>();
  let accepted = 0;
  const app = Fastify({ bodyLimit: 8 << 20 });
  app.post('/api/sensors/enrol', async (req) => ({
    sensor: (req.body as { sensor: string }).sensor,
    salt: 'ef'.repeat(32),
    saltId: 'bench',
    maxBatchBytes: 8 << 20,
  }));
  app.post('/api/ingest', async (req, reply) => {
    const p = IngestBatch.safeParse(req.body);
    if (!p.success) return reply.code(400).send({ message: p.error.message });
    const b = p.data;
    const key = `${b.sensor}\0${b.batch}`;
    const dup = ledger.has(key);
    const n = dup ? 0 : b.records.length + rowCount(b);
    ledger.add(key);
    accepted += n;
    return { accepted: n, duplicate: dup, seq: b.seq };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return {
    inProcess: false,
    label: 'loopback stand-in (no database)',
    url: `http://127.0.0.1:${port}`,
    sensor: async (run, i) => [`bench-${run}-${i}`, `bench-token-${run}-${i}`],
    accepted: async () => accepted,
    close: () => app.close(),
  };
}

async function chosen(): Promise<Console> {
  const url = process.env.WARDWATCH_BENCH_CONSOLE;
  if (url === undefined) return realConsole();
  if (url === 'stand-in') return standIn();
  const tokens = (process.env.WARDWATCH_BENCH_TOKENS ?? '').split(',').map((t) => t.split(':') as [string, string]);
  if (tokens.length < 4) throw new Error('WARDWATCH_BENCH_TOKENS needs 4 name:token pairs');
  // Four given sensors: a later run re-sends what an earlier one stored (duplicates): rates from the first run.
  return {
    inProcess: false,
    label: url,
    url,
    sensor: async (_run, i) => tokens[i]!,
    accepted: async () => Number.NaN,
    close: async () => undefined,
  };
}

/** Run the CLI under /usr/bin/time: CPU seconds (user+sys, children included) and its stderr. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ cpu: number; code: number | null; err: string }> {
  return new Promise((resolve) => {
    const c = spawn('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, CLI, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => {
      const m = /CPU (\d+\.\d+) (\d+\.\d+)/.exec(err);
      resolve({ cpu: m ? Number(m[1]) + Number(m[2]) : Number.NaN, code, err });
    });
  });
}

/** One sensor: `analyze FILE --to` as the console's sensor `as` (name, token), or without `--to`. */
function sensor(con: Console, file: string, as: [string, string] | undefined, spool: string, env: NodeJS.ProcessEnv) {
  const to = as === undefined ? [] : ['--to', con.url, '--token', as[1], '--sensor', as[0], '--spool', spool];
  return timed(['analyze', file, ...to, '--no-progress', '--format', 'jsonl'], env);
}

/** The ward's batches as its sensor cuts them (every 10 s of capture time), cut here in-process. */
async function cutBatches(file: string): Promise<IngestBatch[]> {
  const out: IngestBatch[] = [];
  const b = new SensorBatcher({
    sensor: 'cut',
    source: `capacity-${file}`,
    zones: DEFAULT_SITE_CIDRS,
    onBatch: (x) => out.push(x),
  });
  await analyzeCaptures([file], { salt: 'ef'.repeat(32), onEvent: b.onEvent, stream: { sink: b.sink } });
  b.cut();
  return out;
}

/** POST a sensor's batches one after the other as fast as the console acks them (429: wait, again). */
async function post(con: Console, as: [string, string], batches: readonly IngestBatch[]): Promise<void> {
  for (const b of batches) {
    const body = JSON.stringify({ ...b, sensor: as[0] });
    for (;;) {
      const r = await fetch(`${con.url}/api/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${as[1]}` },
        body,
      });
      await r.arrayBuffer();
      if (r.status === 200) break;
      if (r.status !== 429) throw new Error(`ingest answered ${r.status}`);
      await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after') ?? '1') * 1000));
    }
  }
}

const REPEAT = Math.max(1, Number(process.env.WARDWATCH_BENCH_REPEAT ?? '3'));

interface Row {
  wall: number;
  /** Records + rows the console stored per second. */
  stored: number;
  /** The console process's CPU over the run, % of one core (NaN: not in this process). */
  cpu: number;
}

/**
 * One table row: `go(run)` REPEAT times (each with a run name of its own, so new sensors and no
 * duplicates), timed with the console's stored count and CPU; the median of each figure.
 */
async function row(con: Console, go: (run: string) => Promise<void>, run: string): Promise<Row> {
  const rows: Row[] = [];
  for (let k = 0; k < REPEAT; k++) {
    const before = await con.accepted();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await go(`${run}-${k}`);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const stored = ((await con.accepted()) - before) / wall;
    rows.push({ wall, stored, cpu: con.inProcess ? ((cpu.user + cpu.system) / 1e6 / wall) * 100 : Number.NaN });
  }
  const med = (f: (r: Row) => number) => {
    const v = rows.map(f).sort((x, y) => x - y);
    return v[Math.floor(v.length / 2)]!;
  };
  return { wall: med((r) => r.wall), stored: med((r) => r.stored), cpu: med((r) => r.cpu) };
}

const num = (x: number) => (Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en'));

function print(n: number, r: Row, perSecond: number): void {
  console.log(
    `${String(n).padStart(7)}  ${r.wall.toFixed(2).padStart(6)}  ${num(perSecond).padStart(9)}  ${num(
      r.stored,
    ).padStart(21)}  ${Number.isNaN(r.cpu) ? 'elsewhere' : `${r.cpu.toFixed(0)} % of a core`}`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-bench-sensors-'));
  const env = { ...process.env, WARDWATCH_HOME: join(dir, 'home') };
  const con = await chosen();
  try {
    const files: string[] = [];
    let packets = 0;
    for (let i = 0; i < 4; i++) {
      const f = join(dir, `ward-${i}.pcap`);
      const r = await writeScenario('mixed', { durationSec: 600, seed: 100 + i, devices: 40, out: f });
      packets = r.packets;
      files.push(f);
    }
    const load = () =>
      loadavg()
        .map((l) => l.toFixed(1))
        .join(' ');
    console.log(`console: ${con.label}`);
    console.log(`wards: 4 × simulated mixed ward, 600 s, 40 devices, ${packets} packets each`);
    console.log(`machine: ${cpus().length} cores, load average ${load()}; medians of ${REPEAT} runs\n`);
    console.log('sensors  wall s  packets/s  records+rows stored/s  console CPU');
    for (const n of SENSORS) {
      const r = await row(
        con,
        async (run) => {
          const as = await Promise.all(files.slice(0, n).map((_, i) => con.sensor(run, i)));
          const runs = await Promise.all(
            files.slice(0, n).map((f, i) => sensor(con, f, as[i], join(dir, `spool-${run}-${i}`), env)),
          );
          for (const x of runs) if (x.code !== 0) throw new Error(`a sensor failed: ${x.err}`);
        },
        `s${n}`,
      );
      print(n, r, (n * packets) / r.wall);
    }
    if (con.inProcess) {
      // The console alone: the same wards' batches, cut beforehand, posted by 1, 2 and 4 senders at once.
      const cut = await Promise.all(files.map(cutBatches));
      const per = cut[0]!.reduce((s, b) => s + b.records.length + rowCount(b), 0);
      console.log(
        `\nconsole alone: each ward's ${cut[0]!.length} batches (${per} records+rows) cut beforehand, POSTed back to back by each sender (console CPU includes the senders)`,
      );
      console.log('senders  wall s  batches/s  records+rows stored/s  console CPU');
      for (const n of SENSORS) {
        const r = await row(
          con,
          async (run) => {
            const as = await Promise.all(cut.slice(0, n).map((_, i) => con.sensor(run, i)));
            await Promise.all(cut.slice(0, n).map((l, i) => post(con, as[i]!, l)));
          },
          `alone${n}`,
        );
        print(n, r, cut.slice(0, n).reduce((s, l) => s + l.length, 0) / r.wall);
      }
    }
    const plain = await sensor(con, files[0]!, undefined, '', env);
    const ship = await sensor(con, files[0]!, await con.sensor('cpu', 0), join(dir, 'spool-cpu'), env);
    const cost = (ship.cpu / plain.cpu - 1) * 100;
    console.log(
      `\nsensor CPU (user+sys): analyze ${plain.cpu.toFixed(2)} s, analyze --to ${ship.cpu.toFixed(2)} s: shipping adds ${cost.toFixed(1)} % (target ≤ 10 %)`,
    );
    console.log(`load average at the end: ${load()}`);
  } finally {
    await con.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

function rowCount(b: IngestBatch): number {
  const r = b.rows;
  return r.flows.length + r.addresses.length + r.dns.length + r.exposure.length + r.patients.length + r.minutes.length;
}
