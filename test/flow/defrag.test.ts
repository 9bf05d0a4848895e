// IpDefragmenter: order, duplicates, overlaps, limits, expiry, IPv6 chains; always bounded.
import { describe, expect, it } from 'vitest';
import { Layers } from '../../src/decode/layers.js';
import { decodeL4, decodePacket } from '../../src/decode/packet.js';
import { type DefragOptions, IpDefragmenter } from '../../src/flow/defrag.js';
import { rng } from '../decode/l2l4-hex.js';

/** A UDP datagram 1000 -> 2000 with `n` bytes of data (0, 1, 2, …). */
function udpDatagram(n: number): Uint8Array {
  const b = new Uint8Array(8 + n);
  b.set([0x03, 0xe8, 0x07, 0xd0, (8 + n) >> 8, (8 + n) & 0xff, 0, 0]);
  for (let i = 0; i < n; i++) b[8 + i] = i & 0xff;
  return b;
}

/** One IPv4 fragment (LINKTYPE_IPV4) 10.0.0.1 -> 10.0.0.2 carrying `part` at byte offset `off`. */
function v4(id: number, off: number, more: boolean, part: Uint8Array, src = 1): Uint8Array {
  const b = new Uint8Array(20 + part.length);
  const total = b.length;
  const ff = (more ? 0x2000 : 0) | (off >> 3);
  b.set([0x45, 0, total >> 8, total & 0xff, id >> 8, id & 0xff, ff >> 8, ff & 0xff, 64, 17, 0, 0]);
  b.set([10, 0, 0, src, 10, 0, 0, 2], 12);
  b.set(part, 20);
  return b;
}

/** Split `d` into IPv4 fragments of `size` bytes (a multiple of 8). */
function split4(d: Uint8Array, size: number, id = 7): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < d.length; o += size) out.push(v4(id, o, o + size < d.length, d.subarray(o, o + size)));
  return out;
}

class Harness {
  readonly out = new Layers();
  readonly anomalies: string[] = [];
  readonly df: IpDefragmenter;
  constructor(opts: DefragOptions = {}) {
    this.df = new IpDefragmenter({ ...opts, onAnomaly: (c) => this.anomalies.push(c) });
  }
  feed(pkt: Uint8Array, ts = 0, linktype = 228): Uint8Array | null {
    decodePacket(pkt, linktype, this.out);
    expect(this.out.anomaly).toBeNull();
    return this.df.add(this.out, pkt, ts);
  }
}

const DATA = udpDatagram(40); // 48 bytes: fragments [0,16) [16,32) [32,48)

describe('IPv4 reassembly', () => {
  it('in order: the UDP datagram comes back whole, once', () => {
    const h = new Harness();
    const [a, b, c] = split4(DATA, 16);
    expect(h.feed(a)).toBeNull();
    expect(h.feed(b)).toBeNull();
    const whole = h.feed(c)!;
    expect(Array.from(whole)).toEqual(Array.from(DATA));
    expect(h.out.ipProto).toBe(17);
    decodeL4(h.out.ipProto, whole, 0, whole.length, h.out);
    expect(h.out).toMatchObject({ srcPort: 1000, dstPort: 2000, payloadOff: 8, payloadLen: 40, anomaly: null });
    expect(h.df.stats).toEqual({ fragments: 3, reassembled: 1, dropped: 0, overlaps: 0 });
    expect(h.df.pending).toBe(0);
    expect(h.df.bytesHeld).toBe(0);
    expect(h.anomalies).toEqual([]);
  });

  it('every arrival order gives the same datagram', () => {
    const f = split4(DATA, 16);
    for (const order of [
      [2, 0, 1],
      [1, 2, 0],
      [2, 1, 0],
      [0, 2, 1],
    ]) {
      const h = new Harness();
      const results = order.map((i) => h.feed(f[i]));
      expect(results.slice(0, 2)).toEqual([null, null]);
      expect(Array.from(results[2]!)).toEqual(Array.from(DATA));
    }
  });

  it('duplicates are ignored without an anomaly', () => {
    const h = new Harness();
    const [a, b, c] = split4(DATA, 16);
    for (const p of [a, a, b, a, b]) expect(h.feed(p)).toBeNull();
    expect(Array.from(h.feed(c)!)).toEqual(Array.from(DATA));
    expect(h.anomalies).toEqual([]);
  });

  it('overlap with different bytes is named and the first bytes are kept', () => {
    const h = new Harness();
    const [a, b, c] = split4(DATA, 16);
    h.feed(a);
    const evil = DATA.slice(8, 24).fill(0xee);
    h.feed(v4(7, 8, true, evil));
    h.feed(b);
    // [8, 16) was first seen in `a`, [16, 24) in `evil`: each keeps its first bytes
    const expected = DATA.slice();
    expected.fill(0xee, 16, 24);
    expect(Array.from(h.feed(c)!)).toEqual(Array.from(expected));
    expect(h.anomalies).toEqual(['ipfrag.overlap', 'ipfrag.overlap']);
    expect(h.df.stats.overlaps).toBe(2);
  });

  it('overlap with equal bytes is no anomaly', () => {
    const h = new Harness();
    const [a, , c] = split4(DATA, 16);
    h.feed(a);
    h.feed(v4(7, 8, true, DATA.subarray(8, 40)));
    expect(Array.from(h.feed(c)!)).toEqual(Array.from(DATA));
    expect(h.anomalies).toEqual([]);
  });

  it('bytes past the end set by the last fragment are clipped and named', () => {
    const h = new Harness();
    const [a, b, c] = split4(DATA, 16);
    h.feed(c);
    h.feed(v4(7, 16, true, udpDatagram(40))); // 48 bytes from 16: runs to 64
    expect(Array.from(h.feed(a)!)).toEqual([
      ...DATA.subarray(0, 16),
      ...udpDatagram(40).subarray(0, 16),
      ...DATA.subarray(32),
    ]);
    // [32, 48) also overlaps the last fragment with different bytes: kept from the first.
    expect(h.anomalies).toEqual(['ipfrag.past-end', 'ipfrag.overlap']);
    expect(b).toBeDefined();
  });

  it('a datagram beyond maxDatagramBytes is dropped', () => {
    const h = new Harness({ maxDatagramBytes: 1000 });
    h.feed(v4(9, 0, true, DATA));
    expect(h.feed(v4(9, 992, false, DATA))).toBeNull();
    expect(h.anomalies).toEqual(['ipfrag.too-big']);
    expect(h.df.pending).toBe(0);
    expect(h.df.stats.dropped).toBe(1);
    expect(h.df.bytesHeld).toBe(0);
  });

  it('a fragment cut by the capture drops the datagram', () => {
    const h = new Harness();
    const [a, b] = split4(DATA, 16);
    h.feed(a);
    decodePacket(b.subarray(0, 30), 228, h.out);
    expect(h.out.snapped).toBe(true);
    expect(h.df.add(h.out, b.subarray(0, 30), 0)).toBeNull();
    expect(h.anomalies).toEqual(['ipfrag.truncated']);
    expect(h.df.pending).toBe(0);
  });

  it('expires lazily on add and on expire(), 30 s after the first fragment', () => {
    const h = new Harness();
    const [a, b, c] = split4(DATA, 16);
    h.feed(a, 0);
    h.feed(b, 29_000_000);
    expect(h.anomalies).toEqual([]);
    expect(h.feed(c, 30_000_001)).toBeNull(); // the old datagram timed out first
    expect(h.anomalies).toEqual(['ipfrag.timeout']);
    expect(h.df.pending).toBe(1);
    expect(h.df.expire(59_000_000)).toBe(0);
    expect(h.df.expire(60_000_002)).toBe(1);
    expect(h.df.pending).toBe(0);
    expect(h.df.stats.dropped).toBe(2);
  });

  it('a full table evicts the oldest datagram', () => {
    const h = new Harness({ maxDatagrams: 2 });
    const [a, b, c] = split4(DATA, 16);
    h.feed(a); // id 7
    h.feed(v4(8, 0, true, DATA.subarray(0, 16)));
    h.feed(v4(9, 0, true, DATA.subarray(0, 16)));
    expect(h.anomalies).toEqual(['ipfrag.evicted']);
    expect(h.df.pending).toBe(2);
    h.feed(b);
    expect(h.feed(c)).toBeNull(); // id 7 lost its first fragment with the eviction
  });

  it('memory stays under maxTotalBytes whatever arrives', () => {
    const h = new Harness({ maxTotalBytes: 100_000, maxDatagrams: 1000 });
    for (let id = 0; id < 500; id++) {
      h.feed(v4(id, 60_000, true, DATA.subarray(0, 16)));
      expect(h.df.bytesHeld).toBeLessThanOrEqual(100_000);
    }
    expect(h.anomalies.filter((a) => a === 'ipfrag.evicted').length).toBeGreaterThan(400);
  });

  it('too many holes drop the datagram', () => {
    const h = new Harness();
    for (let i = 0; i < 300; i++) h.feed(v4(5, i * 16, true, DATA.subarray(0, 8)));
    expect(h.anomalies).toEqual(['ipfrag.too-many-fragments']);
    expect(h.df.pending).toBeLessThanOrEqual(1);
  });

  it('different sources and ids never mix', () => {
    const h = new Harness();
    const other = udpDatagram(40).reverse();
    const f1 = split4(DATA, 16);
    const f2 = split4(other, 16).map((p) => {
      p[15] = 3; // source 10.0.0.3, same id
      return p;
    });
    h.feed(f1[0]);
    h.feed(f2[0]);
    h.feed(f2[1]);
    h.feed(f1[1]);
    expect(Array.from(h.feed(f2[2])!)).toEqual(Array.from(other));
    expect(Array.from(h.feed(f1[2])!)).toEqual(Array.from(DATA));
  });

  it('returns null for packets that are not fragments', () => {
    const h = new Harness();
    expect(h.feed(v4(1, 0, false, DATA))).toBeNull();
    expect(h.df.stats.fragments).toBe(0);
  });
});

/** IPv6 fragment (LINKTYPE_IPV6) 2001:db8::1 -> 2001:db8::2 with `part` after the fragment header. */
function v6(id: number, off: number, more: boolean, next: number, part: Uint8Array): Uint8Array {
  const b = new Uint8Array(48 + part.length);
  const plen = 8 + part.length;
  b.set([0x60, 0, 0, 0, plen >> 8, plen & 0xff, 44, 64]);
  b.set([0x20, 0x01, 0x0d, 0xb8], 8);
  b[23] = 1;
  b.set([0x20, 0x01, 0x0d, 0xb8], 24);
  b[39] = 2;
  const fo = off | (more ? 1 : 0);
  b.set([next, 0, fo >> 8, fo & 0xff, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff], 40);
  b.set(part, 48);
  return b;
}

describe('IPv6 reassembly', () => {
  it('skips a destination-options header that follows the fragment header', () => {
    const h = new Harness();
    const dst = Uint8Array.from([17, 0, 1, 4, 0, 0, 0, 0]); // next UDP, PadN 4
    const fragmentable = Uint8Array.from([...dst, ...DATA]); // 56 bytes
    expect(h.feed(v6(0xdeadbeef, 0, true, 60, fragmentable.subarray(0, 24)), 0, 229)).toBeNull();
    expect(h.out).toMatchObject({ isFragment: true, fragId: 0xdeadbeef, ipProto: 17, srcPort: 1000 });
    const whole = h.feed(v6(0xdeadbeef, 24, false, 60, fragmentable.subarray(24)), 0, 229)!;
    expect(h.out.ipProto).toBe(17);
    expect(Array.from(whole)).toEqual(Array.from(DATA));
    decodeL4(h.out.ipProto, whole, 0, whole.length, h.out);
    expect(h.out).toMatchObject({ dstPort: 2000, payloadLen: 40, anomaly: null });
  });

  it('keys by (source, destination, 32-bit id)', () => {
    const h = new Harness();
    h.feed(v6(1, 0, true, 17, DATA.subarray(0, 16)), 0, 229);
    h.feed(v6(0x80000001, 16, false, 17, DATA.subarray(16)), 0, 229);
    expect(h.df.pending).toBe(2);
    expect(Array.from(h.feed(v6(1, 16, false, 17, DATA.subarray(16)), 0, 229)!)).toEqual(Array.from(DATA));
  });
});

it('seeded fuzz: random fragment streams keep every bound (5k fragments)', () => {
  const r = rng(77);
  const h = new Harness({ maxDatagrams: 16, maxDatagramBytes: 2048, maxTotalBytes: 8192, timeoutUs: 1_000_000 });
  const out = h.out;
  for (let i = 0; i < 5000; i++) {
    const id = Math.floor(r() * 24);
    const off = Math.floor(r() * 300) * 8;
    const part = new Uint8Array(Math.floor(r() * 64));
    for (let j = 0; j < part.length; j++) part[j] = r() < 0.9 ? j : Math.floor(r() * 256);
    const pkt = r() < 0.5 ? v4(id, off, r() < 0.8, part) : v6(id, off, r() < 0.8, r() < 0.8 ? 17 : 60, part);
    decodePacket(pkt, pkt[0] >> 4 === 4 ? 228 : 229, out);
    const whole = h.df.add(out, pkt, i * 1000);
    expect(h.df.pending).toBeLessThanOrEqual(16);
    expect(h.df.bytesHeld).toBeLessThanOrEqual(8192);
    if (whole !== null) expect(whole.length).toBeLessThanOrEqual(2048);
  }
  expect(h.df.stats.fragments).toBeGreaterThan(4000);
  expect(h.df.stats.dropped).toBeGreaterThan(100); // timeouts and evictions did their work
});
