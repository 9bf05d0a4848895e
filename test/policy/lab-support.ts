// Processes and checks for the policy lab e2e: everything started here is tracked and ended by
// its own handle; peers run with plain node from dist/ and test/policy/lab-peer.mjs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

export const PEER = join(REPO_ROOT, 'test/policy/lab-peer.mjs');
export const AGENT = join(REPO_ROOT, 'dist/lab/agent.js');
export const CLI = join(REPO_ROOT, 'dist/cli/bin.js');

export class Procs {
  private readonly all: ChildProcess[] = [];
  constructor(private readonly dir: string) {}

  start(ns: string, cmd: string[], log: string, env?: Record<string, string>): { child: ChildProcess; log: string } {
    const file = join(this.dir, `${log}.log`);
    const fd = openSync(file, 'w');
    const child = spawn('ip', ['netns', 'exec', ns, ...cmd], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env },
    });
    closeSync(fd);
    this.all.push(child);
    return { child, log: file };
  }

  agent(ns: string, spec: Record<string, unknown>, log: string) {
    return this.start(ns, [process.execPath, AGENT], log, { WW_LAB_AGENT: JSON.stringify(spec) });
  }

  async stopAll(): Promise<void> {
    for (const c of this.all.reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.kill('SIGTERM');
      await Promise.race([exited(c), sleep(3000)]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => c.once('exit', () => r()));
}

export const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');

export async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export function sh(cmd: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', input, timeout: 120_000 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Run the peer script in a namespace and parse the JSON it prints. */
export function peer<T>(ns: string, mode: 'connect' | 'dns', spec: Record<string, unknown>): T {
  const r = sh(['ip', 'netns', 'exec', ns, process.execPath, PEER, mode, JSON.stringify(spec)]);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as T;
}

export interface Conn {
  connected: boolean;
  echoed: number[];
  error?: string;
}

/** The ruleset with counters and expiry clocks taken out, for before/after comparisons. */
export function normalized(ruleset: string): string {
  return ruleset
    .replace(/counter packets \d+ bytes \d+/g, 'counter')
    .replace(/ expires [\dhms]+/g, '')
    .trim();
}

/** Packets counted by rules of `chain` whose text matches `re`. */
export function counted(ruleset: string, chain: string, re: RegExp): number {
  const start = ruleset.indexOf(`chain ${chain} {`);
  if (start < 0) return -1;
  // The chain ends at its own closing line (rules hold braces of their own: `{ tcp, udp }`).
  const end = ruleset.indexOf('\n\t}', start);
  const body = ruleset.slice(start, end < 0 ? undefined : end);
  let n = 0;
  for (const l of body.split('\n')) if (re.test(l)) n += Number(/packets (\d+)/.exec(l)?.[1] ?? 0);
  return n;
}
