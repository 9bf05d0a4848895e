// `wardwatch watch -i lo`: live analysis on loopback through tcpdump. Needs root and tcpdump;
// in CI their absence fails the test instead of skipping it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listKept } from '../../src/capture/keep-dir.js';
import { findExecutable } from '../../src/capture/live.js';
import { readCapture } from '../../src/capture/reader.js';
import { SummaryRecord } from '../../src/contract/records.js';
import { CLI, jsonl, wardwatch } from '../helpers/cli.js';
import { fakeTcpdump } from '../helpers/fake-tcpdump.js';
import { capture, IN_CI, REPO_ROOT } from '../helpers/paths.js';

const canRun = findExecutable('tcpdump') !== null && process.getuid?.() === 0;
const live = IN_CI || canRun ? it : it.skip;

/** A DNS query for `name` (type A), as a resolver would send it. */
function dnsQuery(id: number, name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, 'ascii')]);
  return Buffer.concat([
    Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), // id, RD, 1 question
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]), // root, QTYPE A, QCLASS IN
  ]);
}

async function sendQueries(port: number, n: number): Promise<void> {
  const sock = createSocket('udp4');
  for (let i = 0; i < n; i++) {
    await new Promise<void>((res, rej) =>
      sock.send(dnsQuery(i + 1, `bed${i}.ward.example`), port, '127.0.0.1', (e) => (e ? rej(e) : res())),
    );
  }
  sock.close();
}

// Every watch a test starts is stopped after it (SIGINT, as a user would: it stops its tcpdump),
// passed or failed.
const running = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGINT');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(force);
    }
  }
  running.clear();
});

function runWatch(
  args: string[],
  extraEnv: Record<string, string> = {},
): {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill: (s: NodeJS.Signals) => void;
} {
  const child = spawn(process.execPath, [CLI, 'watch', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home'), ...extraEnv },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { done, kill: (s) => child.kill(s) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watch -i: packets the kernel dropped before tcpdump read them', () => {
  it("are in every summary from tcpdump's own counts, with a warning in the summary and on stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-fake-tcpdump-'));
    try {
      fakeTcpdump(dir, capture('dns53.pcap'));
      const w = runWatch(['-i', 'fake0', '--seconds', '3', '--summary-every', '1s', '--format', 'jsonl'], {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
      });
      const r = await w.done;
      expect(r.code, r.stderr).toBe(0);
      const summaries = jsonl(r.stdout)
        .filter((x) => x.type === 'summary')
        .map((x) => SummaryRecord.parse(x));
      const s = summaries.at(-1)!;
      expect(s.interim).toBeUndefined();
      expect(s.apps.dns).toBe(1); // the capture it wrote was read
      expect(s.capture).toEqual({ source: 'live:fake0', received: 60, dropped: 20, interfaceDropped: 3 });
      const loss = s.warnings.find((x) => x.includes('capture loss'));
      expect(loss).toBe(
        'live:fake0: capture loss: the kernel dropped 20 of the 60 packets the filter passed (33.3 %) before they were read; the interface dropped 3 — the reader fell behind the traffic (the analysis, or a burst larger than the capture buffer), so flows, devices and alerts may be missing; narrow --filter to what the ward needs',
      );
      expect(r.stderr).toContain(`warning: ${loss}`);
      // tcpdump was asked for a 64 MiB kernel buffer (-B in KiB): bursts wait there, not dropped.
      const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[];
      expect(args.slice(0, 2)).toEqual(['-i', 'fake0']);
      expect(args[args.indexOf('-B') + 1]).toBe('65536');
      // An interim summary carries the counts of a SIGUSR1 report (5 more drops at each).
      const interim = summaries.filter((x) => x.interim === true && x.capture !== undefined);
      expect(interim.length).toBeGreaterThan(0);
      expect(interim[0]!.capture!.dropped % 5).toBe(0);
      expect(interim[0]!.warnings.some((x) => x.includes('capture loss: the kernel dropped'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

describe('watch', () => {
  it('needs exactly one of -i or -r -', () => {
    expect(wardwatch(['watch']).status).toBe(1);
    expect(wardwatch(['watch', '-i', 'lo', '-r', '-']).status).toBe(1);
  });

  it('--capture-buffer: a size between 1MiB and 4GiB, for -i only; tcpdump gets it as -B KiB', async () => {
    const bad = (args: string[], msg: RegExp) => {
      const r = wardwatch(['watch', ...args]);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(msg);
    };
    bad(['-r', '-', '--capture-buffer', '8MB'], /--capture-buffer is for a live interface/);
    bad(['-i', 'lo', '--capture-buffer', '512KiB'], /between 1MiB and 4GiB, got '512KiB'/);
    bad(['-i', 'lo', '--capture-buffer', '8TB'], /between 1MiB and 4GiB/);
    bad(['-i', 'lo', '--capture-buffer', 'lots'], /--capture-buffer: expected a size/);
    const dir = mkdtempSync(join(tmpdir(), 'ww-fake-tcpdump-b-'));
    try {
      fakeTcpdump(dir, '');
      const w = runWatch(['-i', 'fake0', '--seconds', '1', '--capture-buffer', '8MB', '--format', 'jsonl'], {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
      });
      expect((await w.done).code).toBe(0);
      const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[];
      expect(args[args.indexOf('-B') + 1]).toBe('7813'); // 8 000 000 bytes in KiB, rounded up
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('-r - analyses a capture stream from stdin', () => {
    const pcap = readFileSync(capture('dns53.pcap'));
    const r = wardwatch(['watch', '-r', '-', '--format', 'jsonl'], { input: pcap });
    expect(r.status).toBe(0);
    expect(SummaryRecord.parse(jsonl(r.stdout).at(-1)).apps.dns).toBe(1);
  });

  for (const cmd of [
    ['watch', '-r', '-'],
    ['analyze', '-'],
  ]) {
    it(`${cmd.join(' ')} table: local times with their offset, --utc prints UTC`, () => {
      const pcap = readFileSync(capture('dns53.pcap'));
      const env = { TZ: 'Asia/Kolkata' };
      const local = wardwatch(cmd, { input: pcap, env });
      const utc = wardwatch([...cmd, '--utc'], { input: pcap, env });
      expect(local.status).toBe(0);
      expect(utc.status).toBe(0);
      const stamp = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\+05:30|UTC)/g;
      expect([...local.stdout.matchAll(stamp)].map((m) => m[1])).toContain('+05:30');
      expect(local.stdout).not.toMatch(/ UTC\b/);
      const inUtc = [...utc.stdout.matchAll(stamp)].map((m) => m[1]);
      expect(inUtc.length).toBeGreaterThan(0);
      expect(new Set(inUtc)).toEqual(new Set(['UTC']));
    });
  }

  // tcpdump takes a moment to start listening, longer on a loaded machine: the tests wait for its
  // process, then keep sending, and check that every captured datagram was analysed as DNS.
  async function tcpdumpStarted(port: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (spawnSync('pgrep', ['-f', `tcpdump.*port ${port}`]).status === 0) return;
      await sleep(100);
    }
    throw new Error('tcpdump did not start within 10 s');
  }

  async function sendFor(port: number, ms: number): Promise<number> {
    let sent = 0;
    for (const end = Date.now() + ms; Date.now() < end; sent++) {
      await sendQueries(port, 1);
      await sleep(100);
    }
    return sent;
  }

  live("captures loopback traffic for --seconds, then prints the summary with tcpdump's counts", async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const w = runWatch([
      '-i',
      'lo',
      '--filter',
      `udp and port ${port}`,
      '--seconds',
      '4',
      '--summary-every',
      '1s',
      '--format',
      'jsonl',
    ]);
    await tcpdumpStarted(port);
    const sent = await sendFor(port, 2000);
    const r = await w.done;
    expect(r.code).toBe(0);
    const summaries = jsonl(r.stdout)
      .filter((x) => x.type === 'summary')
      .map((x) => SummaryRecord.parse(x));
    const s = summaries.at(-1)!;
    expect(s.packets).toBeGreaterThanOrEqual(3);
    expect(s.packets).toBeLessThanOrEqual(sent);
    expect(s.apps.dns).toBe(s.packets);
    expect(s.files).toEqual(['live:lo']);
    // tcpdump's exit report: nothing dropped, so no capture-loss warning.
    expect(s.capture).toMatchObject({ source: 'live:lo', dropped: 0, interfaceDropped: 0 });
    expect(s.capture!.received).toBeGreaterThanOrEqual(s.packets);
    expect(s.warnings.join('\n')).not.toContain('capture loss');
    expect(r.stderr).not.toContain('capture loss');
    // While it ran, the interim summaries carried the counts tcpdump gave on SIGUSR1 (every second here).
    expect(summaries.some((x) => x.interim === true && x.capture !== undefined)).toBe(true);
  });

  live('stops cleanly on SIGINT: summary printed, tcpdump gone', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const w = runWatch(['-i', 'lo', '--filter', `udp and port ${port}`, '--format', 'jsonl']);
    await tcpdumpStarted(port);
    const sent = await sendFor(port, 1500);
    await sleep(300);
    w.kill('SIGINT');
    const r = await w.done;
    expect(r.code).toBe(0);
    const s = SummaryRecord.parse(jsonl(r.stdout).at(-1));
    expect(s.packets).toBeGreaterThanOrEqual(3);
    expect(s.packets).toBeLessThanOrEqual(sent);
    expect(s.apps.dns).toBe(s.packets);
    const left = spawnSync('pgrep', ['-f', `tcpdump.*port ${port}`], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });

  live(
    '--keep on a live interface: the packets reach the kept files while the watch runs, all of them by the end',
    async () => {
      const port = 40000 + Math.floor(Math.random() * 20000);
      const keep = mkdtempSync(join(tmpdir(), 'ww-watch-keep-'));
      try {
        const w = runWatch([
          '-i',
          'lo',
          '--filter',
          `udp and port ${port}`,
          '--seconds',
          '6',
          '--format',
          'jsonl',
          '--keep',
          keep,
          '--keep-size',
          '1MB',
        ]);
        await tcpdumpStarted(port);
        await sendFor(port, 2000);
        await sleep(1500); // one flush period and a little
        const during = listKept(keep);
        expect(during.length).toBe(1);
        let onDisk = 0;
        await readCapture(join(keep, during[0]!.name), () => onDisk++);
        expect(onDisk).toBeGreaterThanOrEqual(3); // written while the watch still runs
        const r = await w.done;
        expect(r.code, r.stderr).toBe(0);
        const s = SummaryRecord.parse(jsonl(r.stdout).at(-1));
        let kept = 0;
        for (const f of listKept(keep)) await readCapture(join(keep, f.name), () => kept++);
        expect(kept).toBe(s.packets);
        expect(r.stderr).toContain(`kept ${s.packets} packets in 1 file(s)`);
      } finally {
        rmSync(keep, { recursive: true, force: true });
      }
    },
  );
});
