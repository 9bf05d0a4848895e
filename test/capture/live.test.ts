// Live capture on loopback through tcpdump (needs root and tcpdump; in CI their absence fails).
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  findExecutable,
  type LiveCapture,
  type LiveCaptureOptions,
  parseTcpdumpStats,
  startLiveCapture as start,
} from '../../src/capture/live.js';
import { readCaptureStream } from '../../src/capture/reader.js';
import { fakeTcpdump } from '../helpers/fake-tcpdump.js';
import { IN_CI } from '../helpers/paths.js';

const canRun = findExecutable('tcpdump') !== null && process.getuid?.() === 0;
const live = IN_CI || canRun ? it : it.skip;

function sendUdp(port: number, payloads: string[]): Promise<void> {
  const sock = createSocket('udp4');
  return new Promise((resolve, reject) => {
    let left = payloads.length;
    for (const p of payloads) {
      sock.send(p, port, '127.0.0.1', (err) => {
        if (err) reject(err);
        if (--left === 0) {
          sock.close();
          resolve();
        }
      });
    }
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'ww-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Every capture a test starts is stopped after it, passed or failed: a failed assertion must not
// leave a tcpdump running.
const started: LiveCapture[] = [];
function startLiveCapture(opts: LiveCaptureOptions): LiveCapture {
  const cap = start(opts);
  started.push(cap);
  return cap;
}
afterEach(async () => {
  for (const cap of started.splice(0)) await cap.stop();
});

describe("tcpdump's counts", () => {
  it('are read from its exit report and from its one-line SIGUSR1 report, the last one winning', () => {
    const exit = '\n12 packets captured\n14 packets received by filter\n2 packets dropped by kernel\n';
    expect(parseTcpdumpStats(`tcpdump: listening on lo, link-type EN10MB${exit}`)).toEqual({
      captured: 12,
      received: 14,
      dropped: 2,
      interfaceDropped: 0,
    });
    const usr1 = 'tcpdump: 1 packet captured, 1 packet received by filter, 0 packets dropped by kernel\n';
    expect(parseTcpdumpStats(usr1)).toEqual({ captured: 1, received: 1, dropped: 0, interfaceDropped: 0 });
    expect(parseTcpdumpStats(`${usr1}${exit}7 packets dropped by interface\n`)).toEqual({
      captured: 12,
      received: 14,
      dropped: 2,
      interfaceDropped: 7,
    });
  });

  it('are undefined until a whole report is there (a report cut between two reads is not half-read)', () => {
    expect(parseTcpdumpStats('')).toBeUndefined();
    expect(parseTcpdumpStats('tcpdump: listening on lo, link-type EN10MB (Ethernet)\n')).toBeUndefined();
    expect(parseTcpdumpStats('\n12 packets captured\n14 packets received by filter\n')).toBeUndefined();
    expect(parseTcpdumpStats('tcpdump: 12 packets captured, 14 packets rec')).toBeUndefined();
  });

  it('a live capture asks for them with SIGUSR1 once listening and keeps the exit report', async () => {
    const cap = startLiveCapture({ iface: 'fake0', tcpdumpPath: fakeTcpdump(tmp, '') });
    await cap.ready;
    expect(cap.stats()).toBeUndefined();
    expect(cap.requestStats()).toBe(true);
    for (let i = 0; i < 100 && cap.stats() === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    expect(cap.stats()).toEqual({ captured: 10, received: 15, dropped: 5, interfaceDropped: 0 });
    await cap.stop();
    expect(await cap.done).toBe(0);
    expect(cap.stats()).toEqual({ captured: 40, received: 60, dropped: 20, interfaceDropped: 3 });
    expect(cap.requestStats()).toBe(false); // it has exited
  });
});

describe('live capture', () => {
  it('a missing tcpdump is WW_TOOL_MISSING', () => {
    expect(() => startLiveCapture({ iface: 'lo', tcpdumpPath: '/nonexistent/tcpdump' })).toThrow(
      expect.objectContaining({ code: 'WW_TOOL_MISSING', message: expect.stringContaining('/nonexistent/tcpdump') }),
    );
  });

  live('captures UDP datagrams sent to 127.0.0.1 on lo, then stops cleanly', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const cap = startLiveCapture({ iface: 'lo', filter: `udp and dst port ${port}` });
    const payloads: string[] = [];
    const reading = readCaptureStream(cap.stream, 'tcpdump', (p) => {
      payloads.push(Buffer.from(p.data.subarray(p.data.length - 17)).toString('latin1'));
    });
    await cap.ready;
    expect(cap.stderr()).toContain('listening on lo');
    const sent = Array.from({ length: 5 }, (_, i) => `wardwatch-live-${String(i).padStart(2, '0')}`);
    await sendUdp(port, sent);
    // Give tcpdump a moment to hand the packets over before asking it to stop.
    for (let i = 0; i < 40 && payloads.length < sent.length; i++) await new Promise((r) => setTimeout(r, 50));
    // Its counts while it runs: SIGUSR1 makes it report, and does not end it.
    expect(cap.requestStats()).toBe(true);
    for (let i = 0; i < 100 && cap.stats() === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    expect(cap.stats()).toMatchObject({ captured: sent.length, dropped: 0 });
    await cap.stop();
    const info = await reading;
    expect(await cap.done).toBe(0);
    expect(info).toMatchObject({ format: 'pcap', damaged: false, linktypes: [1] });
    expect(info.packets).toBe(sent.length);
    expect(payloads).toEqual(sent);
    // And on its exit: every packet sent was captured, none dropped (on lo the filter also sees
    // the outgoing copy of each, which libpcap leaves out: `received` counts both).
    expect(cap.stats()).toMatchObject({ captured: sent.length, dropped: 0, interfaceDropped: 0 });
    expect(cap.stats()!.received).toBeGreaterThanOrEqual(sent.length);
  });

  live('tcpdump failing (no such interface) errors the stream with its message', async () => {
    const cap = startLiveCapture({ iface: 'ww-no-such-if0' });
    await expect(readCaptureStream(cap.stream, 'tcpdump', () => {})).rejects.toMatchObject({
      code: 'WW_CAPTURE_IO',
      message: expect.stringContaining('ww-no-such-if0'),
    });
    expect(await cap.done).not.toBe(0);
  });
});
