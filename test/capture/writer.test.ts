// Writers round-trip with the readers: write(read(x)) is x byte for byte, and read(write(p)) is p.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/reader.js';
import { CaptureFileWriter, PcapngWriter, PcapWriter } from '../../src/capture/writer.js';
import { CAPTURES_DIR, capture } from '../helpers/paths.js';
import { copyPkt, digest, type Pkt, parseBytes, rng } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Packets with random sizes, µs timestamps and some snapped (origLen > caplen). */
function randomPackets(seed: number, n: number, ifCount = 1, tsStep = 1): Pkt[] {
  const r = rng(seed);
  let ts = 1_700_000_000_000_000;
  return Array.from({ length: n }, () => {
    ts += Math.floor((r() * 5_000_000) / tsStep) * tsStep;
    const data = new Uint8Array(Math.floor(r() * 1600));
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
    const snapped = r() < 0.2;
    return { ts, linktype: 0, ifIndex: Math.floor(r() * ifCount), origLen: data.length + (snapped ? 100 : 0), data };
  });
}

const pcapKinds = [
  { nanos: false, bigEndian: false, format: 'pcap' },
  { nanos: false, bigEndian: true, format: 'pcap' },
  { nanos: true, bigEndian: false, format: 'nsecpcap' },
  { nanos: true, bigEndian: true, format: 'nsecpcap' },
] as const;

describe('PcapWriter', () => {
  for (const k of pcapKinds) {
    it(`${k.format} ${k.bigEndian ? 'big' : 'little'}-endian: read(write(p)) = p and write(read(x)) = x`, () => {
      const w = new PcapWriter({ linktype: 113, snaplen: 65535, nanos: k.nanos, bigEndian: k.bigEndian });
      const pkts = randomPackets(7, 300).map((p) => ({ ...p, linktype: 113 }));
      const file = concat([w.header(), ...pkts.map((p) => w.record(p.ts, p.data, p.origLen))]);
      const { pkts: back, info } = parseBytes(file, [977]);
      expect(info).toMatchObject({ format: k.format, linktypes: [113], snaplen: 65535, packets: 300, damaged: false });
      expect(digest(back)).toBe(digest(pkts));
      const again = concat([w.header(), ...back.map((p) => w.record(p.ts, p.data, p.origLen))]);
      expect(Buffer.from(again).equals(Buffer.from(file))).toBe(true);
    });
  }

  it('cuts data to snaplen and keeps the wire length', () => {
    const w = new PcapWriter({ linktype: 1, snaplen: 64 });
    const rec = w.record(1_000_000_500_000, new Uint8Array(100).fill(7));
    expect(rec.length).toBe(16 + 64);
    const dv = new DataView(rec.buffer);
    expect([dv.getUint32(0, true), dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true)]).toEqual([
      1_000_000, 500_000, 64, 100,
    ]);
  });

  it('the header is the libpcap one: magic, 2.4, snaplen, link type', () => {
    expect(Buffer.from(new PcapWriter({ linktype: 1, snaplen: 65535 }).header()).toString('hex')).toBe(
      'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '01000000',
    );
    expect(Buffer.from(new PcapWriter({ linktype: 276, nanos: true, bigEndian: true }).header()).toString('hex')).toBe(
      'a1b23c4d' + '0002' + '0004' + '00000000' + '00000000' + '00040000' + '00000114',
    );
  });
});

describe('every shared pcap: writing what was read, with the same header, gives the same bytes', () => {
  for (const f of readdirSync(CAPTURES_DIR).filter((n) => n.endsWith('.pcap'))) {
    it(f, () => {
      const file = new Uint8Array(readFileSync(capture(f)));
      const dv = new DataView(file.buffer, file.byteOffset);
      const magic = dv.getUint32(0, true);
      const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
      const w = new PcapWriter({
        linktype: dv.getUint32(20, le),
        snaplen: dv.getUint32(16, le),
        nanos: (le ? magic : dv.getUint32(0, false)) === 0xa1b23c4d,
        bigEndian: !le,
      });
      const { pkts } = parseBytes(file);
      const out = concat([w.header(), ...pkts.map((p) => w.record(p.ts, p.data, p.origLen))]);
      expect(Buffer.from(out).equals(Buffer.from(file))).toBe(true);
    });
  }
});

describe('PcapngWriter', () => {
  const interfaces = [
    { linktype: 1, name: 'eth0' },
    { linktype: 113, tsresol: 9, snaplen: 1500 },
    { linktype: 101, tsresol: 3, name: 'tun0' },
  ];
  for (const bigEndian of [false, true]) {
    it(`${bigEndian ? 'big' : 'little'}-endian, 3 interfaces (µs, ns, ms): round trips both ways`, () => {
      const w = new PcapngWriter({ interfaces, bigEndian });
      // ms resolution on interface 2: use whole-ms timestamps so nothing is lost.
      const pkts = randomPackets(11, 400, 3, 1000).map((p) => ({
        ...p,
        linktype: interfaces[p.ifIndex]!.linktype,
        data: p.data.subarray(0, Math.min(p.data.length, interfaces[p.ifIndex]!.snaplen ?? 1e9)),
      }));
      const file = concat([w.header(), ...pkts.map((p) => w.record(p.ts, p.data, p.ifIndex, p.origLen))]);
      const { pkts: back, info } = parseBytes(file, [333, 5000, 1]);
      expect(info).toMatchObject({ format: 'pcapng', linktypes: [1, 113, 101], packets: 400, damaged: false });
      expect(digest(back)).toBe(digest(pkts));
      const again = concat([w.header(), ...back.map((p) => w.record(p.ts, p.data, p.ifIndex, p.origLen))]);
      expect(Buffer.from(again).equals(Buffer.from(file))).toBe(true);
    });
  }

  it('keeps ns timestamps exact past 2^53 units', () => {
    const w = new PcapngWriter({ interfaces: [{ linktype: 1, tsresol: 9 }] });
    const ts = 1_767_663_089_500_330; // µs; × 1000 ns is above 2^53
    const rec = w.record(ts, new Uint8Array(3));
    const dv = new DataView(rec.buffer);
    const units = BigInt(dv.getUint32(12, true)) * 2n ** 32n + BigInt(dv.getUint32(16, true));
    expect(units).toBe(BigInt(ts) * 1000n);
    expect(rec.length).toBe(36); // 3 data bytes padded to 4
  });
});

describe('CaptureFileWriter', () => {
  for (const ext of ['pcap', 'pcapng']) {
    it(`writes 200000 packets to a .${ext} that reads back the same`, async () => {
      const path = join(tmp, `many.${ext}`);
      const w = new CaptureFileWriter(path, { linktype: 1 });
      expect(w.format).toBe(ext);
      const src = randomPackets(3, 500);
      for (let i = 0; i < 200_000; i++) {
        const p = src[i % src.length]!;
        w.write(p.ts + i, p.data, p.origLen);
      }
      w.close();
      const seen: Pkt[] = [];
      const info = await readCapture(path, (p) => {
        if (seen.length < 1000) seen.push(copyPkt(p));
      });
      expect(info).toMatchObject({ format: ext, packets: 200_000, damaged: false, linktypes: [1] });
      expect(digest(seen.slice(0, 500))).toBe(digest(src.map((p, i) => ({ ...p, ts: p.ts + i, linktype: 1 }))));
      // The batched file equals header + records from the plain writer.
      const file = readFileSync(path);
      const plain =
        ext === 'pcap' ? new PcapWriter({ linktype: 1 }) : new PcapngWriter({ interfaces: [{ linktype: 1 }] });
      const head = plain.header();
      expect(Buffer.from(file.subarray(0, head.length)).equals(Buffer.from(head))).toBe(true);
    });
  }

  it('an unwritable path is WW_CAPTURE_IO', () => {
    expect(() => new CaptureFileWriter(join(tmp, 'no/such/dir/x.pcap'), { linktype: 1 })).toThrow(
      expect.objectContaining({ code: 'WW_CAPTURE_IO' }),
    );
  });
});
