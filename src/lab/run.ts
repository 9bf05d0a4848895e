// `lab run` and `lab down`: start the live simulator inside the namespaces, capture on the
// gateway for a bounded time, stop everything it started, and write the lab's config.
// Every process is tracked by PID in the state dir, so `down` can end exactly those.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WardwatchError } from '../errors.js';
import type { AgentRole } from './agent.js';
import {
  CAPTURE_IF,
  CENTRAL_IP,
  checkPrivileges,
  HL7_STANDIN,
  labUp,
  MONITOR_IPS,
  NFS_STANDIN,
  NS,
  readState,
  removeNamespaces,
  stateDir,
  WARD_NET,
  writeState,
} from './net.js';

export interface LabRunOptions {
  readonly scenario: 'cms8000' | 'ward';
  readonly seconds: number;
  readonly out?: string;
  readonly log?: (line: string) => void;
}

export interface LabRunResult {
  readonly capture: string;
  readonly config: string;
  readonly packets: number;
  readonly monitors: { readonly app: string; readonly result?: Record<string, unknown> }[];
}

/** How to start an agent: compiled JS runs on node; from source (tests) through vite-node. */
function agentCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.js')) return [process.execPath, join(self, '..', 'agent.js')];
  const root = resolve(self, '../../..');
  return [process.execPath, join(root, 'node_modules/vite-node/vite-node.mjs'), join(root, 'src/lab/agent.ts')];
}

function track(pid: number | undefined, role: string): void {
  if (!pid) return;
  const s = readState();
  s.pids.push({ pid, role });
  writeState(s);
}

function untrack(pid: number | undefined): void {
  const s = readState();
  s.pids = s.pids.filter((p) => p.pid !== pid);
  writeState(s);
}

function startIn(
  ns: string,
  cmd: string[],
  role: string,
  env?: Record<string, string>,
): { child: ChildProcess; logFile: string } {
  const logFile = join(stateDir(), `${role}.log`);
  const fd = openSync(logFile, 'w');
  // `ip netns exec` execs the command, so the PID we track is the process itself.
  const child = spawn('ip', ['netns', 'exec', ns, ...cmd], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
  });
  closeSync(fd);
  track(child.pid, role);
  return { child, logFile };
}

function startAgent(ns: string, spec: AgentRole, role: string): { child: ChildProcess; logFile: string } {
  return startIn(ns, agentCommand(), role, { WW_LAB_AGENT: JSON.stringify(spec) });
}

async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new WardwatchError('WW_LAB', `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const logHas = (file: string, text: string) => existsSync(file) && readFileSync(file, 'utf8').includes(text);

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(t);
  }
  untrack(child.pid);
}

/** Count records of a classic pcap file (tcpdump -w writes those). */
function countPcap(path: string): number {
  const b = readFileSync(path);
  if (b.length < 24) return 0;
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  let n = 0;
  for (let off = 24; off + 16 <= b.length; n++) off += 16 + (le ? b.readUInt32LE(off + 8) : b.readUInt32BE(off + 8));
  return n;
}

/** The lab's config: the stand-ins for the CMS8000's hard-coded hosts as indicators. */
export function labConfigYaml(): string {
  return [
    '# Written by `wardwatch lab run`: the 203.0.113.x stand-ins play the CMS8000 indicators.',
    'site:',
    `  - ${WARD_NET}`,
    'hl7Receivers:',
    '  - class: patient-monitor',
    `    receivers: [${CENTRAL_IP}]`,
    'indicators:',
    `  - address: ${NFS_STANDIN}`,
    '    note: lab stand-in for 202.114.4.119 (NFS share mounted at boot)',
    '    source: wardwatch-lab (ICSMA-25-030-01)',
    `  - address: ${HL7_STANDIN}`,
    '    note: lab stand-in for 202.114.4.120 (HL7 patient data copied in cleartext)',
    '    source: wardwatch-lab (ICSMA-25-030-01)',
    '# The capture starts before any lab device talks, so no DNS lookup can predate it.',
    'dns:',
    '  warmupSeconds: 0',
    '',
  ].join('\n');
}

export async function labRun(o: LabRunOptions): Promise<LabRunResult> {
  const log = o.log ?? (() => {});
  labUp();
  // A previous run that was interrupted may still hold the lab's addresses and ports.
  stopTracked();
  const dir = stateDir();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const capture = resolve(o.out ?? join(dir, `lab-${o.scenario}-${stamp}.pcap`));
  const config = join(dir, 'lab-config.yaml');
  writeFileSync(config, labConfigYaml());
  const started: ChildProcess[] = [];
  const monitors: { app: string; result?: Record<string, unknown> }[] = [];
  try {
    const central = startAgent(NS.cs, { role: 'central', host: CENTRAL_IP, port: 2575 }, 'central');
    started.push(central.child);
    const sink = startAgent(NS.out, { role: 'central', host: HL7_STANDIN, port: 515 }, 'hl7-sink');
    started.push(sink.child);
    const rpc = startAgent(NS.out, { role: 'rpc', host: NFS_STANDIN }, 'rpc');
    started.push(rpc.child);
    for (const [f, what] of [
      [central.logFile, 'central'],
      [sink.logFile, 'hl7-sink'],
      [rpc.logFile, 'rpc'],
    ] as const) {
      await waitFor(() => logHas(f, 'ready'), 30_000, `${what} to start (see ${f})`);
    }
    // -Z root: Debian's tcpdump otherwise drops to a user that cannot write the state dir.
    const dump = startIn(
      NS.gw,
      ['tcpdump', '-i', CAPTURE_IF, '-w', capture, '-U', '-n', '-s', '0', '-Z', 'root'],
      'tcpdump',
    );
    started.push(dump.child);
    await waitFor(() => logHas(dump.logFile, 'listening on'), 10_000, `tcpdump (see ${dump.logFile})`);
    log(`capturing on ${NS.gw}/${CAPTURE_IF} → ${capture}`);

    const count = Math.max(3, Math.floor(o.seconds) - 2);
    const apps = o.scenario === 'cms8000' ? ['WWMON', 'WWMON', 'CMS8000'] : ['WWMON', 'WWMON'];
    const runs = apps.map((app, i) => {
      const backdoor = app === 'CMS8000';
      const spec: AgentRole = {
        role: 'monitor',
        to: CENTRAL_IP,
        port: 2575,
        bind: MONITOR_IPS[i]!,
        app,
        bed: `ICU^${String(i + 1).padStart(2, '0')}^A`,
        count,
        intervalMs: 1000,
        seed: i + 1,
        copyTo: backdoor ? { host: HL7_STANDIN, port: 515 } : undefined,
        nfsFrom: backdoor ? NFS_STANDIN : undefined,
      };
      const m = startAgent(NS.ward, spec, `monitor-${i + 1}`);
      started.push(m.child);
      return { app, ...m };
    });
    const deadline = Date.now() + (o.seconds + 30) * 1000;
    for (const r of runs) {
      await Promise.race([exited(r.child), new Promise((res) => setTimeout(res, Math.max(0, deadline - Date.now())))]);
      const line = readFileSync(r.logFile, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('result '));
      monitors.push({ app: r.app, result: line ? (JSON.parse(line.slice(7)) as Record<string, unknown>) : undefined });
    }
    // Let the last ACKs and FINs reach the capture before stopping it.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    for (const c of started.reverse()) await stop(c, 'SIGTERM');
  }
  return { capture, config, packets: existsSync(capture) ? countPcap(capture) : 0, monitors };
}

/** End every tracked process that is still ours (by PID, never by name); returns how many. */
function stopTracked(): number {
  const s = readState();
  // Only PIDs that still run one of our commands: a stale state file must not kill a stranger.
  const ours = s.pids.filter(({ pid }) => {
    try {
      return /tcpdump|agent\.(js|ts)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
  for (const { pid } of ours) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  if (ours.length > 0) spawnSync('sleep', ['0.5']);
  for (const { pid } of ours) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited on SIGTERM
    }
  }
  writeState({ pids: [] });
  return ours.length;
}

/** End every tracked process, then delete the namespaces. Safe to run twice. */
export function labDown(): { killed: number; namespaces: string[] } {
  checkPrivileges();
  const killed = stopTracked();
  // Logs and state go; captures stay (they are the user's results) — `lab run` printed where.
  const dir = stateDir();
  for (const f of readdirSync(dir))
    if (/\.log$|^state\.json$|^lab-config\.yaml$/.test(f)) rmSync(join(dir, f), { force: true });
  return { killed, namespaces: removeNamespaces() };
}
