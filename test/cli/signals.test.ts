// `tcpdump … | wardwatch analyze -` must not lose everything on Ctrl-C, and the analysis child
// must not outlive its launcher (kill -9 of bin.js behind a live tcpdump would leave it reading
// stdin forever). The capture comes from a producer process that writes it and then stays open,
// as tcpdump does, so the stream never ends by itself.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, jsonl } from '../helpers/cli.js';
import { capture, REPO_ROOT } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-sig-test-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const PCAP = capture('dhcp-dhcp.pcap');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Running (an exited orphan may stay a zombie until its new parent reaps it: that is gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/**
 * Waits until `pid` is idle: sleeping, with no CPU time used across several samples. Started
 * and through its input, it waits on stdin (the producer keeps it open); a signal earlier
 * would reach a Node still loading modules.
 */
async function idle(pid: number): Promise<void> {
  let last = '';
  let quiet = 0;
  for (let i = 0; i < 300 && quiet < 4; i++) {
    await sleep(200);
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    const now = `${f[11]}/${f[12]}`; // utime/stime
    quiet = f[0] === 'S' && now === last ? quiet + 1 : 0;
    last = now;
  }
  if (quiet < 4) throw new Error(`process ${pid} never went idle`);
}

/** `sh -c 'cat PCAP; sleep 60' | wardwatch analyze - --format jsonl > out`, output in a file. */
function pipeline(name: string) {
  const producer = spawn('sh', ['-c', `cat "$0"; exec sleep 60`, PCAP], { stdio: ['ignore', 'pipe', 'ignore'] });
  const outFile = join(dir, `${name}.jsonl`);
  const out = openSync(outFile, 'w');
  const launcher = spawn(process.execPath, [CLI, 'analyze', '-', '--format', 'jsonl'], {
    cwd: REPO_ROOT,
    env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
    stdio: [producer.stdout, out, 'pipe'],
  });
  started.push(producer, launcher);
  const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
  /** The analysis child's pid, once the launcher has started it. */
  const child = async (): Promise<number> => {
    for (let i = 0; i < 200; i++) {
      const kids = readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, 'utf8').trim();
      if (kids !== '') return Number(kids.split(' ')[0]);
      await sleep(50);
    }
    throw new Error('the launcher started no child');
  };
  return { producer, launcher, exited, child, output: () => jsonl(readFileSync(outFile, 'utf8')) };
}

function expectInterruptedSummary(records: Record<string, unknown>[]): void {
  const summary = records.at(-1)!;
  expect(summary.type).toBe('summary');
  expect(summary.interrupted).toBe(true);
  expect(summary.packets).toBe(9); // every packet the producer wrote was analysed
  expect(records.some((r) => r.type === 'device')).toBe(true);
}

describe('analyze - on a signal', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} mid-stream: flushes what was read, summary marked interrupted, exit 0`, async () => {
      const p = pipeline(sig);
      await idle(await p.child());
      p.launcher.kill(sig);
      expect(await p.exited).toBe(0);
      expectInterruptedSummary(p.output());
      p.producer.kill('SIGKILL');
    });
  }
});

describe('launcher killed with SIGKILL', () => {
  it('the analysis child notices its parent is gone, flushes and exits', async () => {
    const p = pipeline('orphan');
    const child = await p.child();
    await idle(child);
    p.launcher.kill('SIGKILL');
    await p.exited;
    let waited = 0;
    while (alive(child) && waited < 15_000) {
      await sleep(100);
      waited += 100;
    }
    const orphaned = alive(child);
    if (orphaned) process.kill(child, 'SIGKILL');
    expect(orphaned).toBe(false);
    expectInterruptedSummary(p.output());
    p.producer.kill('SIGKILL');
  });
});
