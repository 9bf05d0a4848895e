// `npm run fuzz`: the long mutation-fuzz run (nightly-size). The mutants run in-process in worker
// processes of BATCH mutants each; a worker that reports nothing for HANG_MS is killed and its
// current mutant recorded as a hang, then the run goes on after it. Every CLI_EVERY-th mutant also
// runs through the real CLI. Failing mutants are written to fuzz-failures/ (name = how to rebuild).
//   npm run fuzz -- [--count 5000] [--seed 1] [--cli-every 100]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../helpers/paths.js';
import { fuzzSources, runCli, runInProcess } from './harness.js';
import { mutant } from './mutate.js';

const BATCH = 500;
const HANG_MS = 30_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const count = arg('count', 5000);
const seed = arg('seed', 1);
const cliEvery = arg('cli-every', 100);
const from = arg('from', -1);

if (from >= 0) {
  // Worker: mutants [from, to), one line before and after each.
  const to = arg('to', from + BATCH);
  const sources = await fuzzSources();
  const dir = mkdtempSync(join(tmpdir(), 'ww-fuzz-long-'));
  try {
    for (let i = from; i < to; i++) {
      const m = mutant(sources, seed, i);
      process.stdout.write(`> ${i}\n`);
      const v = await runInProcess(m.bytes);
      const c = v.ok && i % cliEvery === 0 ? await runCli([m], dir, HANG_MS) : undefined;
      const bad = !v.ok ? v : c !== undefined && !c.ok ? c : undefined;
      process.stdout.write(
        `${JSON.stringify({ i, name: m.name, ok: bad === undefined, why: bad && !bad.ok ? bad.why : undefined, refused: v.ok && v.refused, damaged: v.ok && v.damaged, cli: c !== undefined, ms: v.ms })}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  const t0 = Date.now();
  const tally = { mutants: 0, failures: 0, hangs: 0, refused: 0, damaged: 0, cli: 0, maxMs: 0 };
  const failures: { i: number; name: string; why: string }[] = [];
  const outDir = join(REPO_ROOT, 'fuzz-failures');
  let next = 0;
  while (next < count) {
    const start = next;
    const end = Math.min(count, start + BATCH);
    const child = spawn(
      join(REPO_ROOT, 'node_modules/.bin/vite-node'),
      [
        'test/fuzz/long.ts',
        '--',
        '--seed',
        `${seed}`,
        '--from',
        `${start}`,
        '--to',
        `${end}`,
        '--cli-every',
        `${cliEvery}`,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let current = start;
    let timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS * 3); // start-up
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      clearTimeout(timer);
      timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
      if (line.startsWith('> ')) {
        current = Number(line.slice(2));
        return;
      }
      if (!line.startsWith('{')) return;
      const r = JSON.parse(line) as {
        i: number;
        name: string;
        ok: boolean;
        why?: string;
        refused: boolean;
        damaged: boolean;
        cli: boolean;
        ms: number;
      };
      tally.mutants++;
      tally.maxMs = Math.max(tally.maxMs, r.ms);
      if (r.refused) tally.refused++;
      if (r.damaged) tally.damaged++;
      if (r.cli) tally.cli++;
      if (!r.ok) {
        tally.failures++;
        failures.push({ i: r.i, name: r.name, why: r.why ?? '' });
      }
      next = r.i + 1;
    });
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    clearTimeout(timer);
    if (next < end) {
      // Killed (or died) inside mutant `current`: a hang or a crash of the process itself.
      tally.mutants++;
      tally.hangs++;
      failures.push({
        i: current,
        name: `${current}`,
        why: `worker stopped (exit ${code}) in mutant ${current}: hang`,
      });
      next = current + 1;
    }
  }
  if (failures.length > 0) {
    const sources = await fuzzSources();
    mkdirSync(outDir, { recursive: true });
    for (const f of failures) writeFileSync(join(outDir, `${seed}-${f.i}.bin`), mutant(sources, seed, f.i).bytes);
    for (const f of failures.slice(0, 50)) process.stdout.write(`FAIL ${f.name}: ${f.why.split('\n')[0]}\n`);
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  process.stdout.write(
    `fuzz: seed ${seed}, ${JSON.stringify(tally)}, ${secs} s${failures.length ? `, mutants in ${outDir}` : ''}\n`,
  );
  process.exitCode = failures.length > 0 ? 1 : 0;
}
