// Coverage against nDPI, per protocol (issue 19): over every shared capture, the TCP/UDP flows
// ndpiReader gives a protocol to, and how many of them wardwatch names (its flow-end `app`, by
// content, by port or by heuristic — `appBy`). nDPI's own confidence splits its labels: "by
// content" is any `DPI…` confidence (DPI, DPI (partial), DPI (cache), DPI (aggressive)); the rest
// (match by port, by IP) is nDPI guessing too. The table is Markdown, the figure the README shows.
// Run: npm run coverage:ndpi [-- --out FILE] [--dir CAPTURES]   (needs ndpiReader: setup-system.sh)
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../src/capture/reader.js';
import type { FlowEnd } from '../src/events.js';
import { FlowEngine } from '../src/flow/engine.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = opt('--dir') ?? join(import.meta.dirname, '../../shared/testdata/captures');
const outFile = opt('--out');

if (spawnSync('ndpiReader', ['-h'], { stdio: 'ignore' }).error !== undefined) {
  console.error('coverage:ndpi: ndpiReader is not installed (scripts/setup-system.sh installs it)');
  process.exit(2);
}

const key = (proto: string, a: string, b: string) => `${proto} ${[a, b].sort().join(' ')}`;
const ep = (ip: string, port: number | undefined) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

interface NdpiFlow {
  readonly proto: string;
  readonly byContent: boolean;
}

/** nDPI's master protocol and whether it decided by content, per flow (ndpiReader -v 2). */
function ndpiFlows(file: string): Map<string, NdpiFlow> {
  const text = execFileSync('ndpiReader', ['-i', file, '-v', '2', '-q'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 << 20,
  });
  const out = new Map<string, NdpiFlow>();
  const line = /^\s+\d+\s+(TCP|UDP) (\S+) <?-> (\S+) \[proto: [\d.]+\/([^\]]+)\](?:.*?\[Confidence: ([^\]]+)\])?/gm;
  for (const m of text.matchAll(line)) {
    if (m[4] === 'Unknown') continue;
    out.set(key(m[1]!.toLowerCase(), m[2]!, m[3]!), {
      proto: m[4]!.split('.')[0]!,
      byContent: (m[5] ?? '').startsWith('DPI'),
    });
  }
  return out;
}

async function ourFlows(file: string): Promise<Map<string, FlowEnd>> {
  const out = new Map<string, FlowEnd>();
  const engine = new FlowEngine(
    (e) => {
      if (e.type === 'flow-end' && (e.proto === 'tcp' || e.proto === 'udp'))
        out.set(key(e.proto, ep(e.src.ip, e.src.port), ep(e.dst.ip, e.dst.port)), e);
    },
    { hashPatientId: () => 'x' },
  );
  await readCapture(file, (p) => engine.packet(p));
  engine.finish();
  return out;
}

interface Row {
  ndpi: number; // flows nDPI names (any confidence)
  ndpiContent: number; // … by content
  named: number; // of nDPI's by-content flows, wardwatch names
  content: number; // … wardwatch by content
  namedAll: number; // of all nDPI's flows, wardwatch names
  ours: Map<string, number>; // wardwatch's app names for nDPI's by-content flows
}

const captures = readdirSync(dir)
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .sort();
const rows = new Map<string, Row>();
for (const name of captures) {
  const file = join(dir, name);
  const theirs = ndpiFlows(file);
  const ours = await ourFlows(file);
  for (const [k, f] of theirs) {
    let r = rows.get(f.proto);
    if (r === undefined)
      rows.set(f.proto, (r = { ndpi: 0, ndpiContent: 0, named: 0, content: 0, namedAll: 0, ours: new Map() }));
    r.ndpi++;
    const e = ours.get(k);
    if (e?.app !== undefined) r.namedAll++;
    if (!f.byContent) continue;
    r.ndpiContent++;
    if (e?.app === undefined) continue;
    r.named++;
    if ((e.appBy ?? 'content') === 'content') r.content++;
    r.ours.set(e.app, (r.ours.get(e.app) ?? 0) + 1);
  }
}

const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(0)} %`);
const sorted = [...rows].sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
const total = sorted.reduce(
  (s, [, r]) => ({
    ndpi: s.ndpi + r.ndpi,
    ndpiContent: s.ndpiContent + r.ndpiContent,
    named: s.named + r.named,
    content: s.content + r.content,
    namedAll: s.namedAll + r.namedAll,
  }),
  { ndpi: 0, ndpiContent: 0, named: 0, content: 0, namedAll: 0 },
);
const lines = [
  `Coverage vs nDPI on ${captures.length} capture${captures.length === 1 ? '' : 's'} in ${dir.replace(/^.*\/shared\//, '../shared/')}`,
  '',
  '| nDPI protocol | nDPI names by content | wardwatch names them | (by content) | share | all nDPI names | wardwatch names them | wardwatch app (of the by-content flows) |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  ...sorted.map(
    ([p, r]) =>
      `| ${p} | ${r.ndpiContent} | ${r.named} | ${r.content} | ${pct(r.named, r.ndpiContent)} | ${r.ndpi} | ${r.namedAll} | ${
        [...r.ours]
          .sort((a, b) => b[1] - a[1])
          .map(([a, n]) => `${a} ${n}`)
          .join(', ') || '–'
      } |`,
  ),
  `| **total** | ${total.ndpiContent} | ${total.named} | ${total.content} | ${pct(total.named, total.ndpiContent)} | ${total.ndpi} | ${total.namedAll} | |`,
];
const table = `${lines.join('\n')}\n`;
process.stdout.write(table);
if (outFile !== undefined) writeFileSync(outFile, table);
