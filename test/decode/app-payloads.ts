// Test-only: application payloads from the shared captures, for the DNS/DHCP/TLS/HTTP/banner
// decoder and analyzer tests. A deliberately tiny offset computation (Ethernet, 802.1Q/QinQ,
// raw IP, IPv4 without fragments, IPv6 without extension headers, UDP, TCP) so those tests do
// not depend on the product's own packet decoder. pcapng is read here too (EPB/IDB only, little
// endian) because src/capture may not exist yet when these tests run.
import { readFileSync } from 'node:fs';
import { pcapRecords, type TestRecord } from '../helpers/pcap-records.js';

export interface L4Payload {
  ts: number;
  proto: 'tcp' | 'udp';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  flags: number;
  payload: Uint8Array;
}

function pcapngRecords(path: string): TestRecord[] {
  const b = readFileSync(path);
  const out: TestRecord[] = [];
  const links: number[] = [];
  for (let off = 0; off + 12 <= b.length; ) {
    const type = b.readUInt32LE(off);
    const len = b.readUInt32LE(off + 4);
    if (len < 12 || off + len > b.length) break;
    if (type === 0x0a0d0d0a) links.length = 0;
    else if (type === 1) links.push(b.readUInt16LE(off + 8));
    else if (type === 6) {
      const caplen = b.readUInt32LE(off + 20);
      const ts = b.readUInt32LE(off + 12) * 2 ** 32 + b.readUInt32LE(off + 16);
      const data = new Uint8Array(b.subarray(off + 28, off + 28 + caplen));
      out.push({ ts, linktype: links[b.readUInt32LE(off + 8)] ?? 1, data });
    }
    off += len;
  }
  return out;
}

function ipText(d: Uint8Array, o: number, v6: boolean): string {
  if (!v6) return `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((d[o + i]! << 8) | d[o + i + 1]!).toString(16));
  return g.join(':');
}

export function l4Payloads(path: string): L4Payload[] {
  const recs = path.endsWith('.pcapng') ? pcapngRecords(path) : pcapRecords(path);
  const out: L4Payload[] = [];
  for (const r of recs) {
    const d = r.data;
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    let o: number;
    let et: number;
    if (r.linktype === 1) {
      o = 14;
      et = dv.getUint16(12);
      while ((et === 0x8100 || et === 0x88a8) && o + 4 <= d.length) {
        et = dv.getUint16(o + 2);
        o += 4;
      }
    } else if (r.linktype === 101 || r.linktype === 228 || r.linktype === 229) {
      o = 0;
      et = d[0]! >> 4 === 6 ? 0x86dd : 0x0800;
    } else continue;
    let proto: number;
    let l4: number;
    let end: number;
    let src: string;
    let dst: string;
    if (et === 0x0800) {
      if ((dv.getUint16(o + 6) & 0x3fff) !== 0) continue; // fragment
      proto = d[o + 9]!;
      l4 = o + (d[o]! & 0xf) * 4;
      end = Math.min(d.length, o + dv.getUint16(o + 2));
      src = ipText(d, o + 12, false);
      dst = ipText(d, o + 16, false);
    } else if (et === 0x86dd) {
      proto = d[o + 6]!;
      l4 = o + 40;
      end = Math.min(d.length, l4 + dv.getUint16(o + 4));
      src = ipText(d, o + 8, true);
      dst = ipText(d, o + 24, true);
    } else continue;
    if (proto === 17) {
      out.push({
        ts: r.ts,
        proto: 'udp',
        src,
        dst,
        sport: dv.getUint16(l4),
        dport: dv.getUint16(l4 + 2),
        seq: 0,
        flags: 0,
        payload: d.subarray(l4 + 8, end),
      });
    } else if (proto === 6) {
      const hl = (d[l4 + 12]! >> 4) * 4;
      out.push({
        ts: r.ts,
        proto: 'tcp',
        src,
        dst,
        sport: dv.getUint16(l4),
        dport: dv.getUint16(l4 + 2),
        seq: dv.getUint32(l4 + 4),
        flags: d[l4 + 13]!,
        payload: d.subarray(l4 + hl, end),
      });
    }
  }
  return out;
}

export interface TcpConn {
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  /** Payload chunks per direction in sequence order; `gap` > 0 marks bytes the capture lacks. */
  chunks: { dir: 0 | 1; ts: number; bytes: Uint8Array; gap?: number }[];
}

/**
 * TCP connections in order of first packet; client = SYN sender (or first sender). Each
 * direction's segments are put in sequence order, overlaps trimmed, holes reported as gaps
 * (http-bro.org.pcap lacks ~7 KB of one response body), then the two directions are
 * interleaved by capture time.
 */
export function tcpConns(path: string): TcpConn[] {
  type Seg = { seq: number; ts: number; bytes: Uint8Array };
  const conns = new Map<string, { conn: TcpConn; isn: [number, number]; segs: [Seg[], Seg[]] }>();
  for (const p of l4Payloads(path)) {
    if (p.proto !== 'tcp') continue;
    const a = `${p.src}|${p.sport}|${p.dst}|${p.dport}`;
    const b = `${p.dst}|${p.dport}|${p.src}|${p.sport}`;
    let c = conns.get(a) ?? conns.get(b);
    if (c === undefined) {
      const synAck = (p.flags & 0x12) === 0x12;
      const client = synAck ? { ip: p.dst, port: p.dport } : { ip: p.src, port: p.sport };
      const server = synAck ? { ip: p.src, port: p.sport } : { ip: p.dst, port: p.dport };
      c = { conn: { client, server, chunks: [] }, isn: [-1, -1], segs: [[], []] };
      conns.set(a, c);
    }
    const dir: 0 | 1 = p.src === c.conn.client.ip && p.sport === c.conn.client.port ? 0 : 1;
    if (p.flags & 0x02) c.isn[dir] = (p.seq + 1) >>> 0;
    else if (c.isn[dir] < 0 && p.payload.length > 0) c.isn[dir] = p.seq;
    if (p.payload.length > 0) c.segs[dir].push({ seq: p.seq, ts: p.ts, bytes: p.payload });
  }
  const out: TcpConn[] = [];
  for (const c of conns.values()) {
    const merged: TcpConn['chunks'] = [];
    for (const dir of [0, 1] as const) {
      const rel = (s: Seg) => (s.seq - c.isn[dir]) >>> 0;
      const segs = [...c.segs[dir]].sort((x, y) => rel(x) - rel(y) || x.ts - y.ts);
      let next = 0;
      let ts = 0;
      for (const s of segs) {
        const r = rel(s);
        const end = r + s.bytes.length;
        if (end <= next) continue; // retransmission
        ts = Math.max(ts, s.ts);
        if (r > next && merged.some((m) => m.dir === dir))
          merged.push({ dir, ts, bytes: new Uint8Array(0), gap: r - next });
        merged.push({ dir, ts, bytes: s.bytes.subarray(Math.max(0, next - r)) });
        next = end;
      }
    }
    c.conn.chunks = merged.sort((x, y) => x.ts - y.ts);
    out.push(c.conn);
  }
  return out;
}
