// `npm run bench:sensors`: sensors shipping to one console on loopback (never in tests).
// 1. Sustained rate: 1, 2 and 4 sensor processes (`analyze WARD --to`) replaying simulated `mixed`
//    wards at once; records + rows acked per second by the console, and packets analysed per second.
// 2. The sensor's CPU cost of shipping: user+sys CPU (/usr/bin/time, the launcher and its child)
//    of `analyze WARD` with and without `--to`, same file, one run each.
// The console: WARDWATCH_BENCH_CONSOLE=https://… with WARDWATCH_BENCH_TOKENS=name:token,… (a real
// console, e.g. on PostgreSQL); without it a loopback stand-in that checks the contract and keeps
// the exactly-once ledger in memory (no database: it measures the sensor side and the transport).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { IngestBatch } from '../contract/ingest.js';
import { writeScenario } from '../sim/scenarios.js';

const CLI = join(import.meta.dirname, '..', 'cli', 'bin.js');
const SENSORS = [1, 2, 4];

interface Console {
  url: string;
  tokens: [string, string][];
  accepted(): number;
  close(): Promise<void>;
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
    const r = b.rows;
    const n = dup
      ? 0
      : b.records.length +
        r.flows.length +
        r.addresses.length +
        r.dns.length +
        r.exposure.length +
        r.patients.length +
        r.minutes.length;
    ledger.add(key);
    accepted += n;
    return { accepted: n, duplicate: dup, seq: b.seq };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens: [1, 2, 3, 4].map((i) => [`bench-${i}`, `bench-token-${i}`]),
    accepted: () => accepted,
    close: () => app.close(),
  };
}

function given(): Console | undefined {
  const url = process.env.WARDWATCH_BENCH_CONSOLE;
  if (url === undefined) return undefined;
  const tokens = (process.env.WARDWATCH_BENCH_TOKENS ?? '').split(',').map((t) => t.split(':') as [string, string]);
  if (tokens.length < 4) throw new Error('WARDWATCH_BENCH_TOKENS needs 4 name:token pairs');
  return { url, tokens, accepted: () => Number.NaN, close: async () => undefined };
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

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-bench-sensors-'));
  const env = { ...process.env, WARDWATCH_HOME: join(dir, 'home') };
  const con = given() ?? (await standIn());
  try {
    const files: string[] = [];
    let packets = 0;
    for (let i = 0; i < 4; i++) {
      const f = join(dir, `ward-${i}.pcap`);
      const r = await writeScenario('mixed', { durationSec: 600, seed: 100 + i, devices: 40, out: f });
      packets = r.packets;
      files.push(f);
    }
    console.log(`console: ${process.env.WARDWATCH_BENCH_CONSOLE ?? 'loopback stand-in (no database)'}`);
    console.log(`wards: 4 × simulated mixed ward, 600 s, 40 devices, ${packets} packets each`);
    console.log(
      `machine: ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    console.log('sensors  wall s  packets/s  records+rows acked/s');
    for (const n of SENSORS) {
      const before = con.accepted();
      const t0 = process.hrtime.bigint();
      const runs = await Promise.all(
        files.slice(0, n).map((f, i) => {
          const [name, token] = con.tokens[i]!;
          return timed(
            [
              'analyze',
              f,
              '--to',
              con.url,
              '--token',
              token,
              '--sensor',
              name,
              '--spool',
              join(dir, `spool-${n}-${i}`),
              '--no-progress',
              '--format',
              'jsonl',
            ],
            env,
          );
        }),
      );
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      for (const r of runs) if (r.code !== 0) throw new Error(`a sensor failed: ${r.err}`);
      const acked = con.accepted() - before;
      console.log(
        `${String(n).padStart(7)}  ${wall.toFixed(2).padStart(6)}  ${Math.round((n * packets) / wall)
          .toLocaleString('en')
          .padStart(9)}  ${Number.isNaN(acked) ? 'see the console' : Math.round(acked / wall).toLocaleString('en')}`,
      );
    }
    const [name, token] = con.tokens[0]!;
    const plain = await timed(['analyze', files[0]!, '--no-progress', '--format', 'jsonl'], env);
    const ship = await timed(
      [
        'analyze',
        files[0]!,
        '--to',
        con.url,
        '--token',
        token,
        '--sensor',
        name,
        '--spool',
        join(dir, 'spool-cpu'),
        '--no-progress',
        '--format',
        'jsonl',
      ],
      env,
    );
    const cost = (ship.cpu / plain.cpu - 1) * 100;
    console.log(
      `\nsensor CPU (user+sys): analyze ${plain.cpu.toFixed(2)} s, analyze --to ${ship.cpu.toFixed(2)} s: shipping adds ${cost.toFixed(1)} % (target ≤ 10 %)`,
    );
  } finally {
    await con.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
