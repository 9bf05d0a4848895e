// Mutators for CLI-level fuzzing, Wireshark/Suricata style: generic byte damage plus edits that
// know the formats (pcap record headers and caplens, pcapng block lengths, IDB if_tsresol /
// if_tsoffset, EPB timestamps, zero-length blocks) and a gzip stream cut mid-way. Every mutant
// is a pure function of (source, mutator, seed): a failure is reproduced from its name.
import { gzipSync } from 'node:zlib';
import { rng } from '../helpers/rng.js';

export type Rand = () => number;
export type Mutator = (b: Uint8Array, r: Rand) => Uint8Array;

const pick = (r: Rand, n: number) => Math.floor(r() * n);
const oneOf = <T>(r: Rand, xs: readonly T[]): T => xs[pick(r, xs.length)]!;
const U32_EXTREMES = [0, 1, 3, 11, 12, 13, 16, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 65535, 262144, 262145];

function u32(b: Uint8Array, off: number, le: boolean): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, le);
}
function setU32(b: Uint8Array, off: number, v: number, le: boolean): void {
  if (off >= 0 && off + 4 <= b.length) new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(off, v >>> 0, le);
}

/** Byte order of a classic/modified pcap, or null when `b` is not one. */
function pcapLe(b: Uint8Array): { le: boolean; rec: number } | null {
  if (b.length < 24) return null;
  for (const le of [true, false]) {
    const m = u32(b, 0, le);
    if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) return { le, rec: 16 };
    if (m === 0xa1b2cd34) return { le, rec: 24 };
  }
  return null;
}

/** Offsets of the (intact) pcap records. */
function pcapRecords(b: Uint8Array): { le: boolean; offs: number[] } | null {
  const p = pcapLe(b);
  if (p === null) return null;
  const offs: number[] = [];
  for (let o = 24; o + p.rec <= b.length && offs.length < 100_000; ) {
    offs.push(o);
    o += p.rec + u32(b, o + 8, p.le);
  }
  return { le: p.le, offs };
}

interface Block {
  off: number;
  type: number;
  len: number;
}

/** The pcapng blocks (first section's byte order is enough for the shared captures). */
function pcapngBlocks(b: Uint8Array): { le: boolean; blocks: Block[] } | null {
  if (b.length < 28 || u32(b, 0, true) !== 0x0a0d0d0a) return null;
  const le = u32(b, 8, true) === 0x1a2b3c4d;
  const blocks: Block[] = [];
  for (let o = 0; o + 12 <= b.length && blocks.length < 100_000; ) {
    const len = u32(b, o + 4, le);
    if (len < 12 || o + len > b.length) break;
    blocks.push({ off: o, type: u32(b, o, le), len });
    o += len;
  }
  return { le, blocks };
}

function splice(b: Uint8Array, at: number, del: number, ins: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - del + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at + del), at + ins.length);
  return out;
}

/** An IDB rebuilt with only the given options (tsresol byte, tsoffset seconds). */
function idbWith(b: Uint8Array, blk: Block, le: boolean, tsresol?: number, tsoffset?: bigint): Uint8Array {
  const opts: number[] = [];
  const push16 = (v: number) => (le ? opts.push(v & 0xff, v >> 8) : opts.push(v >> 8, v & 0xff));
  if (tsresol !== undefined) {
    push16(9);
    push16(1);
    opts.push(tsresol & 0xff, 0, 0, 0);
  }
  if (tsoffset !== undefined) {
    push16(14);
    push16(8);
    const o = new Uint8Array(8);
    new DataView(o.buffer).setBigInt64(0, BigInt.asIntN(64, tsoffset), le);
    opts.push(...o);
  }
  opts.push(0, 0, 0, 0);
  const len = 20 + opts.length;
  const out = new Uint8Array(len);
  out.set(b.subarray(blk.off, blk.off + 16));
  out.set(opts, 16);
  setU32(out, 4, len, le);
  setU32(out, len - 4, len, le);
  return out;
}

const TSRESOL = [0, 0x80, 0x7f, 0xff, 1, 3, 6, 9, 12, 13, 0x86, 0x9f, 0xa0];
const TSOFFSET = [1n << 40n, -(1n << 40n), (1n << 63n) - 1n, -(1n << 63n), 4_000_000_000n, -2_000_000_000n, 1n << 33n];

export const MUTATORS: Readonly<Record<string, Mutator>> = {
  bitflip: (b, r) => {
    const c = b.slice();
    for (let i = 1 + pick(r, 8); i > 0 && c.length > 0; i--) c[pick(r, c.length)] ^= 1 << pick(r, 8);
    return c;
  },
  byteRun: (b, r) => {
    const c = b.slice();
    const at = pick(r, c.length);
    const v = oneOf(r, [0x00, 0xff, 0x0b, 0x1c, 0x80, pick(r, 256)]);
    c.fill(v, at, Math.min(c.length, at + 1 + pick(r, 64)));
    return c;
  },
  truncate: (b, r) => b.slice(0, pick(r, b.length)),
  pcapRecordHeader: (b, r) => {
    const recs = pcapRecords(b);
    if (recs === null || recs.offs.length === 0) return MUTATORS.bitflip!(b, r);
    const c = b.slice();
    const at = oneOf(r, recs.offs);
    setU32(c, at + 4 * pick(r, 4), oneOf(r, U32_EXTREMES), recs.le); // ts sec, ts frac, caplen, len
    return c;
  },
  pcapCaplen: (b, r) => {
    const recs = pcapRecords(b);
    if (recs === null || recs.offs.length === 0) return MUTATORS.truncate!(b, r);
    const c = b.slice();
    const at = oneOf(r, recs.offs);
    const cap = u32(c, at + 8, recs.le);
    setU32(c, at + 8, Math.max(0, cap + oneOf(r, [-cap, -1, 1, 4, 100, -100, 65536])), recs.le);
    return c;
  },
  pcapngBlockLength: (b, r) => {
    const p = pcapngBlocks(b);
    if (p === null || p.blocks.length === 0) return MUTATORS.pcapRecordHeader!(b, r);
    const c = b.slice();
    const blk = oneOf(r, p.blocks);
    const v = oneOf(r, [...U32_EXTREMES, blk.len + 4, blk.len - 4, blk.len + 1, blk.len * 2]);
    setU32(c, r() < 0.7 ? blk.off + 4 : blk.off + blk.len - 4, v, p.le);
    return c;
  },
  pcapngIdbOptions: (b, r) => {
    const p = pcapngBlocks(b);
    const idbs = p?.blocks.filter((x) => x.type === 1) ?? [];
    if (p === null || idbs.length === 0) return MUTATORS.byteRun!(b, r);
    const blk = oneOf(r, idbs);
    const which = pick(r, 3);
    const tsresol = which !== 1 ? oneOf(r, TSRESOL) : undefined;
    const tsoffset = which !== 0 ? oneOf(r, TSOFFSET) : undefined;
    return splice(b, blk.off, blk.len, idbWith(b, blk, p.le, tsresol, tsoffset));
  },
  epbTimestamp: (b, r) => {
    const p = pcapngBlocks(b);
    const epbs = p?.blocks.filter((x) => x.type === 6 && x.len >= 32) ?? [];
    if (p === null || epbs.length === 0) return MUTATORS.pcapRecordHeader!(b, r);
    const c = b.slice();
    for (let n = 1 + pick(r, 3); n > 0; n--) {
      const blk = oneOf(r, epbs);
      setU32(c, blk.off + 12, oneOf(r, [0xffffffff, 0x80000000, 0, 0x7fffffff, pick(r, 0x100000)]), p.le);
      if (r() < 0.5) setU32(c, blk.off + 16, oneOf(r, [0xffffffff, 0]), p.le);
    }
    return c;
  },
  zeroLengthBlock: (b, r) => {
    const p = pcapngBlocks(b);
    if (p === null || p.blocks.length < 2) return MUTATORS.pcapCaplen!(b, r);
    const blk = oneOf(r, p.blocks.slice(1));
    if (r() < 0.5) {
      const c = b.slice();
      setU32(c, blk.off + 4, 0, p.le);
      return c;
    }
    // A block header claiming length 0 (or the 12-byte minimum with nothing in it) inserted.
    const z = new Uint8Array(12);
    setU32(z, 0, oneOf(r, [6, 3, 1, 0x0a0d0d0a, 0xdeadbeef]), p.le);
    setU32(z, 4, oneOf(r, [0, 12]), p.le);
    setU32(z, 8, 12, p.le);
    return splice(b, blk.off, 0, z);
  },
  gzipCut: (b, r) => {
    const z = gzipSync(b);
    // Cut inside the deflate stream (past the 10-byte gzip header), or damage one byte of it.
    if (r() < 0.7) return z.subarray(0, 10 + pick(r, Math.max(1, z.length - 18)));
    const c = Uint8Array.from(z);
    c[10 + pick(r, Math.max(1, c.length - 10))] ^= 0xff;
    return c;
  },
};

export const MUTATOR_NAMES = Object.keys(MUTATORS);

export interface Mutant {
  /** `<index>:<mutator>:<source>`: enough to rebuild it with `mutant(sources, seed, index)`. */
  name: string;
  mutator: string;
  source: string;
  bytes: Uint8Array;
}

/** Mutant `index` of a seeded run: mutators round-robin, sources and edits from the seed. */
export function mutant(sources: readonly { name: string; bytes: Uint8Array }[], seed: number, index: number): Mutant {
  const r = rng((seed * 0x9e3779b1 + index * 0x85ebca6b) >>> 0);
  const mutator = MUTATOR_NAMES[index % MUTATOR_NAMES.length]!;
  const src = sources[pick(r, sources.length)]!;
  let bytes = MUTATORS[mutator]!(src.bytes, r);
  // Now and then stack a second mutation, as real damage seldom comes alone.
  if (r() < 0.25)
    bytes = MUTATORS[
      oneOf(
        r,
        MUTATOR_NAMES.filter((m) => m !== 'gzipCut'),
      )
    ]!(bytes, r);
  return { name: `${index}:${mutator}:${src.name}`, mutator, source: src.name, bytes };
}
