// Test-only pcap/pcapng builders for hostile header fields the writers refuse to produce
// (if_tsresol 0 or 2^-0, huge if_tsoffset, a high timestamp word of 0xffffffff, modified pcap).
import { pcapRecords } from '../helpers/pcap-records.js';
import { capture } from '../helpers/paths.js';

/** Real Ethernet frames (from a shared capture) to carry in built files. */
export function frames(name = 'dhcp-dhcp.pcap'): Uint8Array[] {
  return pcapRecords(capture(name)).map((r) => r.data);
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function blockOf(type: number, body: Uint8Array): Uint8Array {
  const len = 12 + pad4(body.length);
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, len, true);
  b.set(body, 8);
  dv.setUint32(len - 4, len, true);
  return b;
}

export function shb(): Uint8Array {
  const body = new Uint8Array(16);
  const dv = new DataView(body.buffer);
  dv.setUint32(0, 0x1a2b3c4d, true);
  dv.setUint16(4, 1, true);
  dv.setBigInt64(8, -1n, true); // section length unknown
  return blockOf(0x0a0d0d0a, body);
}

export interface IdbOptions {
  tsresol?: number;
  /** if_tsoffset in seconds (signed 64-bit). */
  tsoffset?: bigint;
}

export function idb(opts: IdbOptions = {}, linktype = 1): Uint8Array {
  const parts: number[] = [];
  const u16 = (v: number) => parts.push(v & 0xff, v >> 8);
  u16(linktype);
  u16(0);
  parts.push(0, 0, 4, 0); // snaplen 262144
  if (opts.tsresol !== undefined) {
    u16(9);
    u16(1);
    parts.push(opts.tsresol, 0, 0, 0);
  }
  if (opts.tsoffset !== undefined) {
    u16(14);
    u16(8);
    const o = new Uint8Array(8);
    new DataView(o.buffer).setBigInt64(0, opts.tsoffset, true);
    parts.push(...o);
  }
  parts.push(0, 0, 0, 0); // opt_endofopt
  return blockOf(1, Uint8Array.from(parts));
}

export function epb(hi: number, lo: number, data: Uint8Array, ifIndex = 0): Uint8Array {
  const body = new Uint8Array(20 + pad4(data.length));
  const dv = new DataView(body.buffer);
  dv.setUint32(0, ifIndex, true);
  dv.setUint32(4, hi >>> 0, true);
  dv.setUint32(8, lo >>> 0, true);
  dv.setUint32(12, data.length, true);
  dv.setUint32(16, data.length, true);
  body.set(data, 20);
  return blockOf(6, body);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A pcap file (little-endian) of µs records; `modified` writes Kuznetzov's 0xa1b2cd34 layout. */
export function pcap(
  records: readonly { sec: number; frac: number; data: Uint8Array }[],
  modified = false,
): Uint8Array {
  const hdr = new Uint8Array(24);
  const dv = new DataView(hdr.buffer);
  dv.setUint32(0, modified ? 0xa1b2cd34 : 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true);
  dv.setUint32(20, 1, true);
  const recLen = modified ? 24 : 16;
  const recs = records.map((r, i) => {
    const b = new Uint8Array(recLen + r.data.length);
    const rv = new DataView(b.buffer);
    rv.setUint32(0, r.sec, true);
    rv.setUint32(4, r.frac, true);
    rv.setUint32(8, r.data.length, true);
    rv.setUint32(12, r.data.length, true);
    if (modified) {
      rv.setUint32(16, 2, true); // ifindex
      rv.setUint16(20, 0x0800, true); // protocol
      b[22] = i % 5; // pkt_type
    }
    b.set(r.data, recLen);
    return b;
  });
  return concat([hdr, ...recs]);
}
