// `npm run bench` / `wardwatch bench`: one synthetic mixed capture, then on that same file in one
// run: wardwatch analyze, tcpdump (the read floor), ndpiReader (nDPI, the nearest peer) and
// tshark. Reports packets/s, MB/s, peak RSS and ratios; writes bench/results/<date>.json and the
// README's performance table. Timings live here, never in tests.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchCapture } from './gen.js';
import { WardwatchError } from '../errors.js';

export interface BenchTool {
  name: string;
  cmd: string[];
  wallSec: number;
  /** User + system seconds of the process and its children (the OS's accounting, /usr/bin/time). */
  cpuSec: number;
  peakRssMb: number;
  pps: number;
  mbps: number;
  exit: number;
  note?: string;
}

/** wardwatch alone on a capture of another size: how time and memory grow with it. */
export interface ScalePoint {
  packets: number;
  fileBytes: number;
  workers: number;
  wallSec: number;
  cpuSec: number;
  peakRssMb: number;
  pps: number;
}

export interface BenchResult {
  date: string;
  machine: { cpus: number; node: string };
  capture: { file: string; packets: number; bytes: number; fileBytes: number };
  tools: BenchTool[];
  /** wardwatch at other capture sizes (the main size's two rows are in `tools`). */
  scaling: ScalePoint[];
  /** tcpdump, ndpiReader and tshark on the capture of each further size, as `tools` on the main one. */
  peersAtScale: { packets: number; fileBytes: number; tools: BenchTool[] }[];
  ratios: Record<string, number>;
  targets: Record<string, { target: number; met: boolean }>;
}

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Run a command under /usr/bin/time -v; stdout to /dev/null. */
function timed(
  cmd: string[],
): Promise<{ wallSec: number; cpuSec: number; peakRssMb: number; exit: number; stderr: string }> {
  return new Promise((resolveP) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', ...cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 1e6) stderr = stderr.slice(-1e5);
    });
    child.on('close', (code) => {
      const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolveP({
        wallSec,
        cpuSec: cpuSeconds(stderr),
        peakRssMb: m ? Number(m[1]) / 1024 : 0,
        exit: code ?? -1,
        stderr,
      });
    });
  });
}

/** User + system seconds from `/usr/bin/time -v`'s report (0 when it printed none). */
export function cpuSeconds(report: string): number {
  const user = /User time \(seconds\): ([\d.]+)/.exec(report);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(report);
  return (user ? Number(user[1]) : 0) + (sys ? Number(sys[1]) : 0);
}

/**
 * The most any split of a run over `cores` could gain on this machine: its wall time over the
 * least wall time its CPU seconds allow on that many cores (cores × wall ÷ CPU), at most `cores`.
 * A one-worker run that already keeps more than one core busy (V8's compiler and GC threads) has
 * less to gain than the core count says; splitting it only adds work.
 */
export function coreCeiling(wallSec: number, cpuSec: number, cores: number): number {
  if (!(cpuSec > 0) || !(wallSec > 0)) return cores;
  return Math.min(cores, (cores * wallSec) / cpuSec);
}

function have(tool: string): boolean {
  return ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin'].some((d) => existsSync(join(d, tool)));
}

/** Worker counts timed on every size: one engine, and the sharded run on two threads. */
export const BENCH_WORKERS = [1, 2] as const;
/** The further sizes of `npm run bench` (time and RSS vs size). */
export const DEFAULT_SCALE = [5_000_000];

function wardwatchCmd(cli: string, file: string, workers: number): string[] {
  return [process.execPath, cli, 'analyze', file, '--format', 'jsonl', '--workers', String(workers)];
}

interface Candidate {
  name: string;
  cmd: string[];
  /** The program that must be installed ('node' always is). */
  tool: string;
}

function wardwatchTool(cli: string, file: string, workers: number): Candidate {
  return {
    name: workers === 1 ? 'wardwatch' : `wardwatch --workers ${workers}`,
    cmd: wardwatchCmd(cli, file, workers),
    tool: 'node',
  };
}

/** The tools wardwatch is compared with, on one file. */
function peerTools(file: string): Candidate[] {
  return [
    { name: 'tcpdump', cmd: ['tcpdump', '-nr', file, '-w', '/dev/null'], tool: 'tcpdump' },
    { name: 'ndpiReader', cmd: ['ndpiReader', '-i', file, '-q'], tool: 'ndpiReader' },
    { name: 'tshark', cmd: ['tshark', '-r', file, '-q', '-z', 'conv,tcp'], tool: 'tshark' },
  ];
}

/** Each installed candidate once on `file`, one after another (a missing one is skipped and said). */
async function runTools(
  candidates: readonly Candidate[],
  packets: number,
  fileBytes: number,
  log: (s: string) => void,
): Promise<BenchTool[]> {
  const tools: BenchTool[] = [];
  for (const c of candidates) {
    if (c.tool !== 'node' && !have(c.tool)) {
      log(`${c.name}: not installed — skipped (npm run setup installs it)`);
      continue;
    }
    log(`running ${c.name} on ${packets} packets …`);
    const r = await timed(c.cmd);
    const t: BenchTool = {
      name: c.name,
      cmd: c.cmd.map((a) => a.replace(ROOT, '.')),
      wallSec: round(r.wallSec, 3),
      cpuSec: round(r.cpuSec, 2),
      peakRssMb: round(r.peakRssMb, 1),
      pps: Math.round(packets / r.wallSec),
      mbps: round(fileBytes / 1e6 / r.wallSec, 1),
      exit: r.exit,
    };
    if (r.exit !== 0) t.note = r.stderr.split('\n').slice(-3).join(' ').slice(0, 300);
    tools.push(t);
    log(
      `  ${t.name}: ${t.wallSec} s (CPU ${t.cpuSec} s), ${(t.pps / 1e6).toFixed(3)} Mpps, ${t.mbps} MB/s, peak RSS ${t.peakRssMb} MB`,
    );
  }
  return tools;
}

/** The faster of wardwatch's runs on one size (what the other tools are compared with). */
export function bestWardwatch<T extends { pps: number }>(runs: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const r of runs) if (best === undefined || r.pps > best.pps) best = r;
  return best;
}

export async function runBench(
  opts: { packets?: number; file?: string; scale?: readonly number[]; log?: (s: string) => void } = {},
): Promise<BenchResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  if (!existsSync('/usr/bin/time'))
    throw new WardwatchError(
      'WW_TOOL_MISSING',
      'bench needs /usr/bin/time (Debian package "time"): run npm run setup',
      {
        field: '/usr/bin/time',
      },
    );
  const work = join(ROOT, 'bench/work');
  mkdirSync(work, { recursive: true });
  const target = opts.packets ?? 2_000_000;
  let file = opts.file;
  let packets = 0;
  let bytes = 0;
  if (file === undefined) {
    file = join(work, `mixed-${target}.pcap`);
    log(`generating a mixed many-flow capture of ${target} packets → ${file}`);
    const t0 = Date.now();
    const r = writeBenchCapture(file, target, 7);
    packets = r.packets;
    bytes = r.bytes;
    log(`  ${r.flows} flows`);
    log(`generated ${packets} packets (${(bytes / 1e6).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    const r = await countPackets(file);
    packets = r.packets;
    bytes = r.bytes;
  }
  const fileBytes = statSync(file).size;
  const cli = join(ROOT, 'dist/cli/bin.js');
  const tools = await runTools(
    BENCH_WORKERS.map((w) => wardwatchTool(cli, file, w)),
    packets,
    fileBytes,
    log,
  );
  tools.push(...(await runTools(peerTools(file), packets, fileBytes, log)));
  const one = tools.find((t) => t.name === 'wardwatch')!;
  const two = tools.find((t) => t.name === 'wardwatch --workers 2')!;
  // Against the other tools: wardwatch's faster way on this machine.
  const ww = two.exit === 0 && two.pps > one.pps ? two : one;
  const cores = (await import('node:os')).cpus().length;
  const ratios: Record<string, number> = {
    'workers 2/workers 1': round(two.pps / one.pps, 3),
    // What 2 workers could reach at best here: the one-worker run's CPU on min(2, cores) cores.
    'ceiling of workers 2 on this machine': round(coreCeiling(one.wallSec, one.cpuSec, Math.min(2, cores)), 3),
  };
  for (const t of tools) if (!t.name.startsWith('wardwatch')) ratios[`wardwatch/${t.name}`] = round(ww.pps / t.pps, 3);
  const targets: BenchResult['targets'] = {
    '≥ 1.7 × single-worker rate on 2 workers': { target: 1.7, met: ratios['workers 2/workers 1']! >= 1.7 },
  };
  if (ratios['wardwatch/tcpdump'] !== undefined)
    targets['≥ 0.25 × tcpdump'] = { target: 0.25, met: ratios['wardwatch/tcpdump']! >= 0.25 };
  if (ratios['wardwatch/ndpiReader'] !== undefined)
    targets['≥ 2 × ndpiReader'] = { target: 2, met: ratios['wardwatch/ndpiReader']! >= 2 };
  if (ratios['wardwatch/tshark'] !== undefined)
    targets['≥ 20 × tshark'] = { target: 20, met: ratios['wardwatch/tshark']! >= 20 };
  const { points: scaling, peers: peersAtScale } = await scaleRuns(work, cli, opts.scale ?? DEFAULT_SCALE, log);
  // The same comparison at each further size: the ratios as the capture grows (the targets are the main size's).
  for (const at of peersAtScale) {
    const w = bestWardwatch(scaling.filter((p) => p.packets === at.packets));
    if (w === undefined) continue;
    for (const t of at.tools)
      if (t.exit === 0) ratios[`wardwatch/${t.name} at ${at.packets}`] = round(w.pps / t.pps, 3);
  }
  const peak = Math.max(one.peakRssMb, two.peakRssMb, ...scaling.map((p) => p.peakRssMb));
  targets['peak RSS ≤ 300 MB'] = { target: 300, met: peak <= 300 };
  const result: BenchResult = {
    date: new Date().toISOString(),
    machine: { cpus: cores, node: process.version },
    capture: { file: file.replace(ROOT, '.'), packets, bytes, fileBytes },
    tools,
    scaling,
    peersAtScale,
    ratios,
    targets,
  };
  const outDir = join(ROOT, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, `${result.date.slice(0, 10)}.json`);
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  updateReadme(result);
  log(`wrote ${outFile.replace(ROOT, '.')} and the README performance table`);
  return result;
}

/**
 * wardwatch with each worker count, then the other tools, on a generated capture of each further
 * size (deleted after).
 */
async function scaleRuns(
  work: string,
  cli: string,
  sizes: readonly number[],
  log: (s: string) => void,
): Promise<{ points: ScalePoint[]; peers: BenchResult['peersAtScale'] }> {
  const points: ScalePoint[] = [];
  const peers: BenchResult['peersAtScale'] = [];
  for (const n of sizes) {
    const file = join(work, `mixed-${n}.pcap`);
    log(`scaling: generating ${n} packets → ${file}`);
    const g = writeBenchCapture(file, n, 7);
    const fileBytes = statSync(file).size;
    try {
      for (const w of BENCH_WORKERS) {
        const r = await timed(wardwatchCmd(cli, file, w));
        if (r.exit !== 0)
          throw new WardwatchError('WW_INTERNAL', `bench: wardwatch failed on ${file}: ${r.stderr.slice(-300)}`);
        const p: ScalePoint = {
          packets: g.packets,
          fileBytes,
          workers: w,
          wallSec: round(r.wallSec, 3),
          cpuSec: round(r.cpuSec, 2),
          peakRssMb: round(r.peakRssMb, 1),
          pps: Math.round(g.packets / r.wallSec),
        };
        points.push(p);
        log(
          `  ${n} packets, ${w} worker(s): ${p.wallSec} s, ${(p.pps / 1e6).toFixed(3)} Mpps, peak RSS ${p.peakRssMb} MB`,
        );
      }
      peers.push({
        packets: g.packets,
        fileBytes,
        tools: await runTools(peerTools(file), g.packets, fileBytes, log),
      });
    } finally {
      rmSync(file, { force: true });
    }
  }
  return { points, peers };
}

async function countPackets(file: string): Promise<{ packets: number; bytes: number }> {
  const { readCapture } = await import('../capture/reader.js');
  let packets = 0;
  let bytes = 0;
  await readCapture(file, (p) => {
    packets++;
    bytes += p.data.length;
  });
  return { packets, bytes };
}

function round(n: number, d: number): number {
  const f = 10 ** d;
  return Math.round(n * f) / f;
}

/** Replace the table between the README's bench markers. */
export function updateReadme(r: BenchResult): void {
  const readme = join(ROOT, 'README.md');
  if (!existsSync(readme)) return;
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  const one = r.tools.find((t) => t.name === 'wardwatch')!;
  const two = r.tools.find((t) => t.name === 'wardwatch --workers 2');
  const ww = two !== undefined && two.pps > one.pps ? two : one;
  const rows = r.tools.map(
    (t) =>
      `| ${t.name} | ${t.wallSec} | ${t.cpuSec ?? '—'} | ${(t.pps / 1e6).toFixed(3)} | ${t.mbps} | ${t.peakRssMb} | ${t.name.startsWith('wardwatch') ? '—' : `${(ww.pps / t.pps).toFixed(2)}×`} |`,
  );
  const sizes = [
    ...r.tools
      .filter((t) => t.name.startsWith('wardwatch'))
      .map((t) => ({
        packets: r.capture.packets,
        workers: t === one ? 1 : 2,
        wallSec: t.wallSec,
        cpuSec: t.cpuSec,
        pps: t.pps,
        peakRssMb: t.peakRssMb,
      })),
    ...(r.scaling ?? []),
  ];
  const scaleRows = sizes.map(
    (p) =>
      `| ${p.packets.toLocaleString('en')} | ${p.workers} | ${p.wallSec} | ${p.cpuSec ?? '—'} | ${(p.pps / 1e6).toFixed(3)} | ${p.peakRssMb} |`,
  );
  const table = [
    `Measured ${r.date.slice(0, 10)} on ${r.machine.cpus} cores, Node ${r.machine.node}: ${r.capture.packets.toLocaleString('en')} packets, ${(r.capture.fileBytes / 1e6).toFixed(0)} MB (\`npm run bench\`).`,
    '',
    '| tool | seconds | CPU s | Mpps | MB/s | peak RSS MB | wardwatch speed vs tool |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Worker scaling (\`workers 2/workers 1\` = ${r.ratios['workers 2/workers 1'] ?? '—'}×; the most 2 workers could reach here, cores × wall ÷ CPU of the one-worker run: ${r.ratios['ceiling of workers 2 on this machine'] ?? '—'}×) and size:`,
    '',
    '| packets | workers | seconds | CPU s | Mpps | peak RSS MB |',
    '| --- | --- | --- | --- | --- | --- |',
    ...scaleRows,
    ...(r.peersAtScale ?? []).flatMap((at) => peersTable(at, r.scaling)),
    '',
    `Targets (on the ${r.capture.packets.toLocaleString('en')}-packet capture): ${Object.entries(r.targets)
      .map(([k, v]) => `${k} ${v.met ? 'met' : 'NOT met'}`)
      .join('; ')}.`,
  ].join('\n');
  writeFileSync(readme, `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}`);
}

/** The tools' table on one further size, wardwatch's faster run as the reference (README lines). */
export function peersTable(at: BenchResult['peersAtScale'][number], scaling: readonly ScalePoint[]): string[] {
  const own = scaling.filter((p) => p.packets === at.packets);
  const ww = bestWardwatch(own);
  if (ww === undefined || at.tools.length === 0) return [];
  const row = (name: string, t: { wallSec: number; cpuSec?: number; pps: number; peakRssMb: number }, vs: string) =>
    `| ${name} | ${t.wallSec} | ${t.cpuSec ?? '—'} | ${(t.pps / 1e6).toFixed(3)} | ${t.peakRssMb} | ${vs} |`;
  return [
    '',
    `The same tools on the ${at.packets.toLocaleString('en')}-packet capture (${(at.fileBytes / 1e6).toFixed(0)} MB, same run):`,
    '',
    '| tool | seconds | CPU s | Mpps | peak RSS MB | wardwatch speed vs tool |',
    '| --- | --- | --- | --- | --- | --- |',
    ...own.map((p) => row(p.workers === 1 ? 'wardwatch' : `wardwatch --workers ${p.workers}`, p, '—')),
    ...at.tools.map((t) =>
      row(t.name, t, t.exit === 0 ? `${(ww.pps / t.pps).toFixed(2)}×` : `failed (exit ${t.exit})`),
    ),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  // node dist/bench/run.js [FILE] [--packets N] [--scale N,N…|--scale none]
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const packets = opt('--packets');
  const scale = opt('--scale');
  const file = args[0];
  runBench({
    ...(file ? { file } : {}),
    ...(packets ? { packets: Number(packets) } : {}),
    ...(scale ? { scale: scale === 'none' ? [] : scale.split(',').map(Number) } : {}),
  }).catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
