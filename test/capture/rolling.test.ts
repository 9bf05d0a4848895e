// The rolling capture's writer without the CLI: a disk that fills up mid-run (write fails with ENOSPC)
// is a warning once, counted drops, and writing again in a new file once space is back; the bound
// holds with files left by a previous run; the index selects the files around a time range.
import {
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keptCovering, listKept } from '../../src/capture/keep-dir.js';
import { readCapture } from '../../src/capture/reader.js';
import { type KeepIo, RollingCapture } from '../../src/capture/rolling.js';
import type { CaptureInfo, RawPacket } from '../../src/capture/types.js';

const root = mkdtempSync(join(tmpdir(), 'ww-rolling-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const info = (format: 'pcap' | 'pcapng'): CaptureInfo => ({
  format,
  linktypes: [1],
  snaplen: 65535,
  packets: 0,
  bytes: 0,
  offset: 0,
  damaged: false,
  warnings: [],
  anomalies: {},
});

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000;
/** Packet i: 500 bytes, its index in the first four, 10 ms apart. */
function pkt(i: number): RawPacket {
  const data = new Uint8Array(500);
  new DataView(data.buffer).setUint32(0, i);
  return { ts: T0 + i * 10_000, linktype: 1, data, origLen: 500, ifIndex: 0 };
}

async function indices(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const f of listKept(dir))
    await readCapture(join(dir, f.name), (p) => out.push(new DataView(p.data.buffer, p.data.byteOffset).getUint32(0)));
  return out;
}

function captureBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith('wardwatch-'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

describe('RollingCapture', () => {
  it('rotates by size, deletes the oldest, and the kept files are the newest packets in order', async () => {
    const dir = join(root, 'plain');
    const k = new RollingCapture({ dir, maxBytes: 40_000, files: 4 });
    k.start(info('pcap'));
    for (let i = 0; i < 1000; i++) {
      k.packet(pkt(i));
      if (i % 97 === 0) expect(captureBytes(dir)).toBeLessThanOrEqual(40_000);
    }
    k.close();
    expect(captureBytes(dir)).toBeLessThanOrEqual(40_000);
    expect(k.stats.deleted).toBeGreaterThan(10);
    const got = await indices(dir);
    expect(got.length).toBeGreaterThan(50);
    expect(got).toEqual(Array.from({ length: got.length }, (_, j) => 1000 - got.length + j));
    // A second run continues the sequence and counts the first run's files in the bound.
    const k2 = new RollingCapture({ dir, maxBytes: 40_000, files: 4 });
    k2.start(info('pcap'));
    for (let i = 1000; i < 1100; i++) k2.packet(pkt(i));
    k2.close();
    expect(captureBytes(dir)).toBeLessThanOrEqual(40_000);
    const after = await indices(dir);
    expect(after[after.length - 1]).toBe(1099);
    expect(after).toEqual(Array.from({ length: after.length }, (_, j) => 1100 - after.length + j));
  });

  it('disk full: one warning, drops counted, a new file once writes work again; never a throw', async () => {
    const dir = join(root, 'full');
    let full = false;
    const io: KeepIo = {
      open: (p) => openSync(p, 'wx'),
      write: (fd, b, off, len) => {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return writeSync(fd, b, off, len);
      },
      close: (fd) => closeSync(fd),
      unlink: (p) => unlinkSync(p),
    };
    let clock = 0;
    const warnings: string[] = [];
    const k = new RollingCapture({
      dir,
      maxBytes: 1_000_000,
      files: 4,
      io,
      now: () => clock,
      warn: (m) => warnings.push(m),
    });
    k.start(info('pcap'));
    for (let i = 0; i < 100; i++) k.packet(pkt(i));
    k.flush();
    full = true;
    for (let i = 100; i < 200; i++) k.packet(pkt(i));
    expect(() => k.flush()).not.toThrow();
    for (let i = 200; i < 300; i++) k.packet(pkt(i)); // within the retry second: dropped
    clock += 1500;
    for (let i = 300; i < 310; i++) k.packet(pkt(i));
    expect(() => k.flush()).not.toThrow(); // still full: no second warning
    full = false;
    clock += 1500;
    for (let i = 400; i < 450; i++) k.packet(pkt(i));
    k.close();
    expect(warnings.filter((w) => w.includes('ENOSPC')).length).toBe(1);
    expect(warnings[0]).toMatch(/no space left on device.*the watch goes on/);
    expect(warnings.some((w) => /writing again/.test(w))).toBe(true);
    expect(k.stats.writeErrors).toBe(2);
    expect(k.stats.dropped).toBe(210);
    expect(k.failureSummary()).toMatch(/2 write failure\(s\).*210 packets not kept/);
    const got = await indices(dir);
    expect(got).toEqual([
      ...Array.from({ length: 100 }, (_, i) => i),
      ...Array.from({ length: 50 }, (_, i) => 400 + i),
    ]);
  });

  it('the index bounds each file in time, so a time range reads only the files around it', () => {
    const dir = join(root, 'index');
    const k = new RollingCapture({ dir, maxBytes: 400_000, files: 40 });
    k.start(info('pcapng'));
    for (let i = 0; i < 600; i++) k.packet(pkt(i));
    k.close();
    const files = listKept(dir);
    expect(files.length).toBeGreaterThan(20);
    expect(files.every((f) => f.name.endsWith('.pcapng'))).toBe(true);
    // Packet 300 at T0 + 3 s: one or two files, not all.
    const hit = keptCovering(files, T0 + 3_000_000, T0 + 3_000_000);
    expect(hit.length).toBeGreaterThanOrEqual(1);
    expect(hit.length).toBeLessThanOrEqual(2);
    expect(hit[0]!.firstUs).toBeLessThanOrEqual(T0 + 3_000_000);
    // Without the index, the names alone still order and bound the files.
    writeFileSync(join(dir, 'index.json'), 'not json');
    const byName = listKept(dir);
    expect(byName.map((f) => f.name)).toEqual(files.map((f) => f.name));
    const hit2 = keptCovering(byName, T0 + 3_000_000, T0 + 3_000_000);
    expect(hit2.length).toBeLessThan(byName.length / 4);
    expect(hit2.map((f) => f.name)).toEqual(expect.arrayContaining(hit.map((f) => f.name)));
  });
});
