// Live capture on loopback through tcpdump (needs root and tcpdump; in CI their absence fails).
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { findExecutable, startLiveCapture } from '../../src/capture/live.js';
import { readCaptureStream } from '../../src/capture/reader.js';
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
    await cap.stop();
    const info = await reading;
    expect(await cap.done).toBe(0);
    expect(info).toMatchObject({ format: 'pcap', damaged: false, linktypes: [1] });
    expect(info.packets).toBe(sent.length);
    expect(payloads).toEqual(sent);
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
