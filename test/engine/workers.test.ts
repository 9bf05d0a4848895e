// `--workers N` gives byte-identical records to one engine (src/engine/workers.ts): every shared
// capture, the simulator's scenarios and a many-flow capture, through the built CLI (the worker
// threads run dist/engine/shard-worker.js). The many-flow capture is the one that catches a
// merge that loses ordering or a flow's Endpoint identity: without the identity restored, the
// DNS server's MAC-less twin device got different counts there.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBenchCapture } from '../../src/bench/gen.js';
import { workerCount } from '../../src/cli/workers.js';
import { SCENARIOS, writeScenario } from '../../src/sim/scenarios.js';
import { CLI, wardwatch } from '../helpers/cli.js';
import { CAPTURES_DIR, REPO_ROOT } from '../helpers/paths.js';

function analyze(
  files: readonly string[],
  workers: number,
): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, 'analyze', '--format', 'jsonl', '--workers', String(workers), ...files],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
      },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out, err }));
  });
}

/** The runs two at a time (the machine is shared). */
async function all<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all([lane(), lane()]);
  return out;
}

async function expectSame(files: readonly string[], counts: readonly number[]): Promise<string> {
  const runs = await all(counts.map((n) => () => analyze(files, n)));
  const base = runs[0]!;
  expect(base.status, base.err).toBe(0);
  for (let i = 1; i < runs.length; i++) {
    expect(runs[i]!.status, runs[i]!.err).toBe(0);
    // toBe on the whole text: byte-identical, and a failure shows the first difference.
    expect(runs[i]!.out, `${files.join(' ')} with --workers ${counts[i]}`).toBe(base.out);
  }
  return base.out;
}

const shared = readdirSync(CAPTURES_DIR)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .sort()
  .map((f) => join(CAPTURES_DIR, f));

describe('--workers N: the same records as one engine', () => {
  let dir: string;
  const sims: string[] = [];
  let many: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ww-workers-'));
    for (const name of SCENARIOS) {
      const out = join(dir, `${name}.pcap`);
      await writeScenario(name, { durationSec: 120, seed: 5, out });
      sims.push(out);
    }
    many = join(dir, 'many.pcap');
    writeBenchCapture(many, 20_000, 3);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the shared captures', () => {
    expect(shared.length).toBeGreaterThan(20);
  });

  it('every shared capture, alone: 1 and 4 workers', { timeout: 300_000 }, async () => {
    for (const f of shared) await expectSame([f], [1, 4]);
  });

  it('every shared capture in one run: 1, 2 and 4 workers', { timeout: 180_000 }, async () => {
    const out = await expectSame(shared, [1, 2, 4]);
    expect(out).toContain('"type":"alert"');
  });

  it("the simulator's scenarios: 1, 2 and 4 workers", { timeout: 180_000 }, async () => {
    for (const f of sims) {
      const out = await expectSame([f], [1, 2, 4]);
      expect(out).toContain('"type":"device"');
    }
  });

  it('a many-flow capture (20 k packets): 1, 2 and 4 workers', { timeout: 180_000 }, async () => {
    const out = await expectSame([many], [1, 2, 4]);
    const summary = JSON.parse(out.trim().split('\n').at(-1)!) as { packets: number; flows: number };
    expect(summary.packets).toBe(20_000);
    expect(summary.flows).toBeGreaterThan(1000);
  });

  it('watch -r - (a stream): the cms8000 scenario with 1 and 2 workers tells the same records', () => {
    const cap = sims[SCENARIOS.indexOf('cms8000')]!;
    const input = readFileSync(cap);
    const one = wardwatch(['watch', '-r', '-', '--format', 'jsonl', '--workers', '1'], { input });
    const two = wardwatch(['watch', '-r', '-', '--format', 'jsonl', '--workers', '2'], { input });
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    expect(one.stdout).toContain('"type":"alert"');
    expect(two.stdout).toBe(one.stdout);
  });

  it('bad input with 2 workers: the same error and exit as one engine, and no thread left running', () => {
    const notCapture = join(dir, 'notes.pcap');
    writeFileSync(notCapture, 'hello\n');
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(many).subarray(0, 100_000));
    for (const args of [[notCapture], [shared[0]!, join(dir, 'missing.pcap')]]) {
      const one = wardwatch(['analyze', '--format', 'jsonl', '--workers', '1', ...args]);
      const two = wardwatch(['analyze', '--format', 'jsonl', '--workers', '2', ...args]);
      expect(one.status).toBe(2); // EXIT_INPUT
      expect(two.status).toBe(2);
      // (a 1-core machine also warns that 2 workers are more than its cores)
      expect(two.stderr.replace(/^wardwatch: --workers 2 is more than .*\n/m, '')).toBe(one.stderr);
    }
    // A capture cut mid-record: damaged, read up to the cut, the same records.
    const one = wardwatch(['analyze', '--format', 'jsonl', '--workers', '1', cut]);
    const two = wardwatch(['analyze', '--format', 'jsonl', '--workers', '2', cut]);
    expect(one.stdout).toContain('"damaged":true');
    expect(two.status).toBe(one.status);
    expect(two.stdout).toBe(one.stdout);
  });

  it('tells on stderr when the worker count is more than the cores, and still runs', () => {
    const told: string[] = [];
    expect(workerCount('4', (m) => told.push(m), 2)).toBe(4);
    expect(told).toEqual([
      "--workers 4 is more than this machine's 2 cores: the records are the same, but the run is slower and uses more memory (each worker holds its own engine)",
    ]);
    expect(workerCount('2', (m) => told.push(m), 2)).toBe(2);
    expect(workerCount('auto', (m) => told.push(m), 1)).toBe(1);
    expect(told).toHaveLength(1);
    const r = wardwatch(['analyze', '--format', 'jsonl', '--workers', String(availableParallelism() + 1), shared[0]!]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`is more than this machine's ${availableParallelism()} core`);
    expect(r.stdout).toContain('"type":"summary"');
  });

  it('refuses a worker count that is no positive integer', () => {
    for (const bad of ['0', '-1', '1.5', 'many', '65']) {
      const r = wardwatch(['analyze', '--workers', bad, shared[0]!]);
      expect(r.status, bad).toBe(1); // EXIT_USAGE
      expect(r.stderr).toContain('--workers must be "auto" or an integer from 1 to 64');
    }
  });
});
