// Damaged captures stop at the damage with everything before it delivered; files that are
// not captures at all are refused with what was found at offset 0.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureParser, readCapture, readCaptureStream } from '../../src/capture/reader.js';
import { WardwatchError } from '../../src/errors.js';
import { capture } from '../helpers/paths.js';
import { copyPkt, digest, type Pkt, parseBytes, parseFile } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-capture-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const bytesOf = (name: string) => new Uint8Array(readFileSync(capture(name)));

/** Offsets of the records of a little-endian classic pcap (walked here, not by the reader). */
function pcapOffsets(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let o = 24; o + 16 <= b.length; o += 16 + dv.getUint32(o + 8, true)) out.push(o);
  return out;
}

/** Offsets and types of the blocks of a little-endian pcapng. */
function blocks(b: Uint8Array): { off: number; type: number; len: number }[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { off: number; type: number; len: number }[] = [];
  for (let o = 0; o + 12 <= b.length; o += dv.getUint32(o + 4, true)) {
    out.push({ off: o, type: dv.getUint32(o, true), len: dv.getUint32(o + 4, true) });
  }
  return out;
}

function expectFormatError(fn: () => unknown, ...parts: string[]): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WardwatchError);
    expect((err as WardwatchError).code).toBe('WW_CAPTURE_FORMAT');
    expect((err as WardwatchError).exitCode).toBe(2);
    for (const p of parts) expect((err as Error).message).toContain(p);
    return;
  }
  throw new Error('expected WW_CAPTURE_FORMAT');
}

describe('damaged pcap', () => {
  const full = bytesOf('http-get.pcap');
  const offs = pcapOffsets(full);
  const good = parseBytes(full);

  it('the fixture is what the cases assume', () => {
    expect(offs.length).toBe(14);
    expect(good.info.packets).toBe(14);
  });

  for (const cut of [1, 8, 16, 40]) {
    it(`cut ${cut} bytes into record 5: records 0-4 delivered, damage at record 5`, () => {
      const { pkts, info } = parseBytes(full.slice(0, offs[5]! + cut));
      expect(info.damaged).toBe(true);
      expect(info.damage).toMatch(/^truncated record/);
      expect(info.damage).toContain(`at offset ${offs[5]}`);
      expect(info.packets).toBe(5);
      expect(digest(pkts)).toBe(digest(good.pkts.slice(0, 5)));
    });
  }

  it('an absurd caplen stops at that record', () => {
    const b = full.slice();
    new DataView(b.buffer).setUint32(offs[3]! + 8, 0x7fffff00, true);
    const { pkts, info } = parseBytes(b);
    expect(info).toMatchObject({ damaged: true, packets: 3 });
    expect(info.damage).toBe(`absurd caplen ${0x7fffff00} in record at offset ${offs[3]}`);
    expect(digest(pkts)).toBe(digest(good.pkts.slice(0, 3)));
  });

  it('an absurd caplen is found even when the record spans chunks', () => {
    const b = full.slice();
    new DataView(b.buffer).setUint32(offs[3]! + 8, 300000, true);
    const { info } = parseBytes(b, [offs[3]! + 5, 100]);
    expect(info).toMatchObject({ damaged: true, packets: 3 });
    expect(info.damage).toContain(`at offset ${offs[3]}`);
  });

  it('trailing garbage after the last record is reported, all records kept', () => {
    const short = new Uint8Array([...full, 1, 2, 3, 4, 5, 6, 7]);
    const a = parseBytes(short);
    expect(a.info).toMatchObject({ damaged: true, packets: 14 });
    expect(a.info.damage).toBe(`truncated record (7 of 16 bytes present) at offset ${full.length}`);
    const long = new Uint8Array([...full, ...new Array(40).fill(0xff)]);
    const b = parseBytes(long);
    expect(b.info).toMatchObject({ damaged: true, packets: 14 });
    expect(b.info.damage).toContain(`absurd caplen ${0xffffffff}`);
  });

  it('a file header cut short is damaged with no packets', () => {
    const { info } = parseBytes(full.slice(0, 10));
    expect(info).toMatchObject({ format: 'pcap', damaged: true, packets: 0 });
    expect(info.damage).toBe('truncated file header (10 of 24 bytes present) at offset 0');
  });
});

describe('damaged pcapng', () => {
  const full = bytesOf('http-get.pcapng');
  const bl = blocks(full);
  const epbs = bl.filter((x) => x.type === 6);
  const good = parseBytes(full);
  const k = 4;
  const at = epbs[k]!.off;
  const mutate = (f: (dv: DataView) => void) => {
    const b = full.slice();
    f(new DataView(b.buffer));
    return parseBytes(b);
  };

  it('the fixture is what the cases assume', () => {
    expect(epbs.length).toBe(14);
    expect(good.info.packets).toBe(14);
  });

  const cases: [string, (dv: DataView) => void, string][] = [
    ['a block length not a multiple of 4', (dv) => dv.setUint32(at + 4, epbs[k]!.len + 2, true), 'not a multiple of 4'],
    ['a block length below 12', (dv) => dv.setUint32(at + 4, 8, true), 'below the minimum of 12'],
    ['a block length above 64 MiB', (dv) => dv.setUint32(at + 4, 0x7ffffff0, true), 'above 64 MiB'],
    [
      'a trailing length that differs',
      (dv) => dv.setUint32(at + epbs[k]!.len - 4, 12, true),
      'trailing block length 12',
    ],
    ['a caplen larger than its block', (dv) => dv.setUint32(at + 20, epbs[k]!.len, true), 'absurd caplen'],
  ];
  for (const [what, f, msg] of cases) {
    it(`${what} stops at that block with the packets before it`, () => {
      const { pkts, info } = mutate(f);
      expect(info.damaged).toBe(true);
      expect(info.damage).toContain(msg);
      expect(info.damage).toContain(`at offset ${at}`);
      expect(info.packets).toBe(k);
      expect(digest(pkts)).toBe(digest(good.pkts.slice(0, k)));
    });
  }

  it('a block cut in the middle: packets before it delivered', () => {
    const { pkts, info } = parseBytes(full.slice(0, at + 30), [7]);
    expect(info).toMatchObject({ damaged: true, packets: k });
    expect(info.damage).toBe(`truncated block (30 of ${epbs[k]!.len} bytes present) at offset ${at}`);
    expect(digest(pkts)).toBe(digest(good.pkts.slice(0, k)));
  });
});

describe('not a capture', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const cases: [string, Uint8Array, string[]][] = [
    ['text', enc('hello world, this is not a capture\n'), ['68 65 6c 6c 6f 20 77 6f', '(text)']],
    ['HTML', enc('<!DOCTYPE html><html><body>404</body></html>'), ['3c 21 44 4f', 'HTML']],
    ['gzip', gzipSync(enc('some text')), ['1f 8b 08', 'gzip']],
    [
      'ELF',
      new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]),
      ['7f 45 4c 46 02 01 01 00', 'ELF'],
    ],
    ['zip', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0]), ['50 4b 03 04', 'zip']],
    ['a 3-byte file', new Uint8Array([0xd4, 0xc3, 0xb2]), ['d4 c3 b2']],
    [
      'pcapng magic with a bad byte-order magic',
      new Uint8Array([10, 13, 13, 10, 28, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0]),
      ['0a 0d 0d 0a'],
    ],
  ];
  for (const [what, b, parts] of cases) {
    it(`${what} → WW_CAPTURE_FORMAT naming the file and offset 0`, () => {
      expectFormatError(() => parseBytes(b, undefined, 'suspect.bin'), 'suspect.bin', 'offset 0', ...parts);
      // Byte by byte too: the decision waits for enough bytes, then refuses.
      expectFormatError(() => parseBytes(b, [1], 'suspect.bin'), 'suspect.bin');
    });
  }

  it('an empty input says the file is empty', () => {
    expectFormatError(() => new CaptureParser(() => {}, 'empty.pcap').end(), 'empty.pcap', 'empty');
  });

  it('readCapture: empty file, text file, gzip of text', async () => {
    const empty = join(tmp, 'empty.pcap');
    writeFileSync(empty, '');
    await expect(readCapture(empty, () => {})).rejects.toMatchObject({
      code: 'WW_CAPTURE_FORMAT',
      message: expect.stringContaining('empty'),
    });
    const text = join(tmp, 'notes.pcap');
    writeFileSync(text, 'GET / HTTP/1.1\r\nHost: example\r\n\r\n');
    await expect(readCapture(text, () => {})).rejects.toMatchObject({
      code: 'WW_CAPTURE_FORMAT',
      message: expect.stringContaining('47 45 54 20'),
    });
    const gz = join(tmp, 'notes.pcap.gz');
    writeFileSync(gz, gzipSync('just some text, really'));
    await expect(readCapture(gz, () => {})).rejects.toMatchObject({
      code: 'WW_CAPTURE_FORMAT',
      message: expect.stringMatching(/gunzipped.*6a 75 73 74.*text/),
    });
  });

  it('missing file and directory → WW_CAPTURE_IO', async () => {
    await expect(readCapture(join(tmp, 'nope.pcap'), () => {})).rejects.toMatchObject({
      code: 'WW_CAPTURE_IO',
      message: expect.stringContaining('no such file'),
    });
    await expect(readCapture(tmp, () => {})).rejects.toMatchObject({
      code: 'WW_CAPTURE_IO',
      message: expect.stringContaining('directory'),
    });
  });
});

describe('gzip and streams', () => {
  it('a gzip-compressed capture is read transparently', async () => {
    const f = join(tmp, 'http-get.pcap.gz');
    writeFileSync(f, gzipSync(readFileSync(capture('http-get.pcap'))));
    const seen: Pkt[] = [];
    const info = await readCapture(f, (p) => seen.push(copyPkt(p)));
    expect(info).toMatchObject({ packets: 14, damaged: false, compression: 'gzip', format: 'pcap' });
    expect(digest(seen)).toBe(digest(parseFile(capture('http-get.pcap')).pkts));
  });

  it('a cut gzip stream is damage, with the packets before it', async () => {
    const z = gzipSync(readFileSync(capture('http-bro.org.pcap')));
    const f = join(tmp, 'cut.pcap.gz');
    writeFileSync(f, z.subarray(0, Math.floor(z.length / 2)));
    const info = await readCapture(f, () => {});
    expect(info.damaged).toBe(true);
    expect(info.packets).toBeGreaterThan(50);
    expect(info.packets).toBeLessThan(751);
  });

  it('readCaptureStream reads a stream of small chunks (as from stdin or tcpdump)', async () => {
    const b = readFileSync(capture('pcapng-multi-interface.pcapng'));
    const chunks = Array.from({ length: Math.ceil(b.length / 100) }, (_, i) => b.subarray(i * 100, i * 100 + 100));
    const seen: Pkt[] = [];
    const info = await readCaptureStream(Readable.from(chunks), 'stdin', (p) => seen.push(copyPkt(p)));
    expect(info).toMatchObject({ packets: 6, damaged: false, linktypes: [1, 1] });
    expect(digest(seen)).toBe(digest(parseFile(capture('pcapng-multi-interface.pcapng')).pkts));
  });

  it('an abort signal stops reading and says so', async () => {
    const b = readFileSync(capture('http-bro.org.pcap'));
    const chunks = Array.from({ length: Math.ceil(b.length / 4096) }, (_, i) => b.subarray(i * 4096, i * 4096 + 4096));
    const ac = new AbortController();
    let n = 0;
    const info = await readCaptureStream(
      Readable.from(chunks),
      'x',
      () => {
        if (++n === 10) ac.abort();
      },
      { signal: ac.signal },
    );
    expect(info.damaged).toBe(false);
    expect(info.packets).toBeLessThan(751);
    expect(info.packets).toBeGreaterThanOrEqual(10);
    expect(info.warnings.join()).toContain('aborted');
  });
});

describe('abort while the source is idle', () => {
  it('resolves promptly with what was read, even though no more chunks come', async () => {
    const b = readFileSync(capture('http-get.pcap'));
    const src = new PassThrough();
    src.write(b.subarray(0, 24 + 16 + 78 + 10)); // header, record 0 (78 bytes), part of record 1
    const ac = new AbortController();
    let n = 0;
    const reading = readCaptureStream(src, 'idle', () => n++, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const info = await reading;
    expect(n).toBe(1);
    expect(info).toMatchObject({ packets: 1, damaged: false });
    expect(info.warnings.join()).toContain('aborted');
  });
});
