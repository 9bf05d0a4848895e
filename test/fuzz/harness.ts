// Runs mutants the way a user would meet them: through the library entry every command uses
// (Pipeline → records → every output format), and through the real CLI process. A mutant passes
// when nothing but "not a capture" (exit 2) refuses it, no internal error (exit 70) escapes,
// every jsonl line is a contract record, the summary comes last, and every time is a valid ISO time.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { devicesTable, summaryText } from '../../src/export/tables.js';
import type { WardConfig } from '../../src/contract/config.js';
import { OutputRecord } from '../../src/contract/records.js';
import { loadConfig } from '../../src/config/config.js';
import { formatCef } from '../../src/export/cef.js';
import { formatJsonl } from '../../src/export/jsonl.js';
import { formatAlertTable } from '../../src/export/table.js';
import { breachHtml } from '../../src/export/report/html.js';
import { breachMarkdown } from '../../src/export/report/md.js';
import { Pipeline } from '../../src/engine/analyze.js';
import { WardwatchError } from '../../src/errors.js';
import { writeScenario } from '../../src/sim/scenarios.js';
import { CLI } from '../helpers/cli.js';
import { CAPTURES_DIR, REPO_ROOT } from '../helpers/paths.js';

export interface Source {
  name: string;
  bytes: Uint8Array;
}

/** Every shared capture, plus simulated wards (pcap and pcapng) with HL7, DICOM, RPC and the backdoor. */
export async function fuzzSources(): Promise<Source[]> {
  const out: Source[] = readdirSync(CAPTURES_DIR)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(CAPTURES_DIR, f))) }));
  const dir = mkdtempSync(join(tmpdir(), 'ww-fuzz-src-'));
  try {
    for (const [scenario, ext] of [
      ['ward', 'pcapng'],
      ['cms8000', 'pcap'],
      ['cms8000', 'pcapng'],
    ] as const) {
      const file = join(dir, `${scenario}.${ext}`);
      // Small on purpose: every mutant is a copy, and damage near the start matters most.
      await writeScenario(scenario, { out: file, durationSec: 30, seed: 17, maxPackets: 600 });
      out.push({ name: `sim-${scenario}.${ext}`, bytes: new Uint8Array(readFileSync(file)) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export type Verdict =
  | { ok: true; refused: boolean; damaged: boolean; ms: number }
  | { ok: false; why: string; ms: number };

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** What every stdout of `analyze --format jsonl` must be; returns the problem, or null. */
export function checkJsonl(text: string): string | null {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length === 0) return 'no output';
  for (const [i, line] of lines.entries()) {
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      return `line ${i + 1} is not JSON: ${line.slice(0, 80)}`;
    }
    const parsed = OutputRecord.safeParse(rec);
    if (!parsed.success) return `line ${i + 1} is not a contract record: ${parsed.error.message.slice(0, 200)}`;
    const r = parsed.data;
    for (const t of [r.first, r.last]) {
      if (t !== undefined && (!ISO.test(t) || !Number.isFinite(Date.parse(t)))) return `line ${i + 1}: bad time ${t}`;
    }
    if ((r.type === 'summary') !== (i === lines.length - 1)) return `the summary is not the last line (line ${i + 1})`;
  }
  return null;
}

let config: WardConfig | undefined;
const SALT = '5a'.repeat(32);

/** One mutant through the library, rendered in every format. */
export async function runInProcess(bytes: Uint8Array): Promise<Verdict> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  config ??= loadConfig(undefined);
  const pipeline = new Pipeline({ config, salt: SALT, maxFlows: 1000 });
  try {
    await pipeline.readStream(Readable.from([Buffer.from(bytes)]), 'mutant');
  } catch (err) {
    if (err instanceof WardwatchError && err.exitCode === 2)
      return { ok: true, refused: true, damaged: false, ms: ms() };
    return {
      ok: false,
      why: `read threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      ms: ms(),
    };
  }
  try {
    const r = pipeline.finish();
    const bad = checkJsonl(formatJsonl([...r.alerts, ...r.devices, r.summary]));
    if (bad !== null) return { ok: false, why: bad, ms: ms() };
    formatAlertTable(r.alerts);
    devicesTable(r.devices);
    summaryText(r.summary);
    for (const a of r.alerts) formatCef(a);
    const meta = { files: r.summary.files, first: r.summary.first, last: r.summary.last };
    breachHtml(r.breach, meta);
    breachMarkdown(r.breach, meta);
    return { ok: true, refused: false, damaged: r.summary.damaged, ms: ms() };
  } catch (err) {
    return {
      ok: false,
      why: `finish threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      ms: ms(),
    };
  }
}

/**
 * Mutants through one installed-CLI process (`analyze m1 m2 … --format jsonl`, one run), with a
 * timeout: a hang is a failure. Batch only mutants that are captures at offset 0 (a refused one
 * ends the run with exit 2).
 */
export function runCli(
  mutants: readonly { name: string; bytes: Uint8Array }[],
  dir: string,
  timeoutMs = 30_000,
): Promise<Verdict> {
  const files = mutants.map((m) => {
    const file = join(dir, m.name.replace(/[^\w.-]/g, '_'));
    writeFileSync(file, m.bytes);
    return file;
  });
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'analyze', ...files, '--format', 'jsonl', '--no-progress'], {
      cwd: REPO_ROOT,
      env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      for (const f of files) rmSync(f, { force: true });
      const ms = Math.round(performance.now() - t0);
      if (hung) return resolve({ ok: false, why: `hang: no exit within ${timeoutMs} ms`, ms });
      if (code === 2 && /not a capture|cannot read capture/.test(stderr))
        return resolve({ ok: true, refused: true, damaged: false, ms });
      if (code !== 0) return resolve({ ok: false, why: `exit ${code}: ${stderr.slice(0, 600)}`, ms });
      const bad = checkJsonl(stdout);
      if (bad !== null) return resolve({ ok: false, why: bad, ms });
      resolve({ ok: true, refused: false, damaged: stdout.includes('"damaged":true'), ms });
    });
  });
}

/** Runs `jobs` with at most `n` at a time. */
export async function pool<T>(n: number, jobs: readonly (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}
