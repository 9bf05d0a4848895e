// DNS message decoder (RFC 1035 §4, AAAA from RFC 3596, SRV from RFC 2782). Also used for
// mDNS (RFC 6762) and LLMNR (RFC 4795), which share the wire format.
//
// Compression pointers (RFC 1035 §4.1.4) are followed only strictly backwards *and* below the
// start of the name segment being read. That is the rule Zeek and Wireshark converge on: every
// legal pointer refers to a name written earlier in the message, so segment starts strictly
// decrease and the walk ends in at most message-length steps; deep backward chains (Zeek's
// max-compression-depth trace: pointers to pointers to pointers) stay legal. A pointer at or past
// itself is 'dns.pointer-forward'; a backwards one that lands inside the current segment would
// revisit bytes already read, so it is 'dns.pointer-loop'.
//
// A record that fails to parse ends the walk but keeps the records before it: the result is
// 'ok' with `anomaly` set, so a damaged tail does not hide good answers (tshark does the same).

import { ip4FromBytes, ip4ToString, ip6ToString } from '../../net/addr.js';

export const DNS_ANOMALIES = [
  'dns.pointer-loop', // a compression pointer back into the name being read (it would revisit bytes)
  'dns.pointer-forward', // a compression pointer to itself or further on (RFC 1035 §4.1.4 points back only)
  'dns.label-too-long', // a label length byte with the reserved top bits 01 or 10
  'dns.name-too-long', // a name over 255 bytes on the wire (RFC 1035 §2.3.4)
  'dns.pointer-depth', // more than MAX_POINTER_HOPS pointers followed for one name
  'dns.truncated', // the message ends inside its header, a name or a record
  'dns.bad-rdlength', // RDLENGTH past the message, or wrong for the type (A not 4, AAAA not 16, a name past RDATA)
] as const;
export type DnsAnomaly = (typeof DNS_ANOMALIES)[number];

export interface DnsRecord {
  readonly name: string;
  readonly type: string;
  readonly typeNum: number;
  /** Class with the mDNS cache-flush / unicast-response bit masked off (RFC 6762 §10.2). */
  readonly cls: number;
  readonly ttl: number;
  readonly data: string;
}

export interface DnsQuestion {
  readonly name: string;
  readonly type: string;
  readonly typeNum: number;
  readonly cls: number;
}

export interface DnsMessage {
  readonly id: number;
  /** True for responses (QR bit). */
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authority: readonly DnsRecord[];
  readonly additional: readonly DnsRecord[];
  /** Bytes the message occupied (where parsing stopped, when it stopped early). */
  readonly size: number;
}

export type DnsResult =
  | { readonly kind: 'ok'; readonly msg: DnsMessage; readonly anomaly: DnsAnomaly | null }
  | { readonly kind: 'more' }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: DnsAnomaly };

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  64: 'SVCB',
  65: 'HTTPS',
  255: 'ANY',
  257: 'CAA',
};

export function dnsTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

const MAX_POINTER_HOPS = 64;

/** Upper bound on records read per section: a 64 KiB message holds at most ~5 900 minimal RRs. */
const MAX_RECORDS = 4096;

/** TXT rendering: character-strings joined by spaces, non-printables as '.', ≤ 200 chars. */
function txtString(b: Uint8Array, p: number, end: number): string {
  let s = '';
  while (p < end && s.length < 200) {
    const n = b[p]!;
    const stop = Math.min(p + 1 + n, end);
    if (s.length > 0) s += ' ';
    for (let i = p + 1; i < stop && s.length < 200; i++) {
      const c = b[i]!;
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
    }
    p += 1 + n;
  }
  return s;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

// Per-message cache of decoded names by their offset (pointers are 14-bit, hence the size);
// `generation` invalidates it in O(1) for each new message.
const CACHE_SIZE = 16384;

/**
 * The state of one DNS decode: the name being assembled, where it ended, the per-message name
 * cache and the error of the last RDATA read. Every field is set in the constructor (one object
 * shape); a reader is made once and reused, message after message. `decodeDns` uses a shared
 * one; a caller that keeps its own gets its own cache.
 */
export class DnsReader {
  // Names are assembled in one reused buffer and turned into a string once (latin1), with bytes
  // outside printable ASCII and '.'/'\\' inside labels escaped as \DDD (RFC 4343 §2.1 style), so
  // 4 output bytes per wire byte at most.
  private readonly nameBuf = Buffer.allocUnsafe(255 * 4);
  private nameLen = 0;
  /** Offset just after the name as written in place (not after any pointer target). */
  nameEnd = 0;
  private readonly cacheGen = new Uint32Array(CACHE_SIZE);
  private readonly cacheHops = new Uint8Array(CACHE_SIZE);
  private readonly cacheStr: string[] = new Array<string>(CACHE_SIZE).fill('');
  private generation = 0;
  private cacheHit: string | null = null;
  private curKey = -1;
  private lastHops = 0;
  /** Set by `rdata` when it fails (its string result is then meaningless). */
  rdErr: DnsAnomaly | null = null;
  /** Where the last `readRecords` stopped. */
  recEnd = 0;

  /** A new message: names cached for the previous one are no longer valid. */
  begin(): void {
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.cacheGen.fill(0);
      this.generation = 1;
    }
  }

  private putEscaped(c: number): void {
    const nameBuf = this.nameBuf;
    if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) {
      nameBuf[this.nameLen++] = c;
      return;
    }
    nameBuf[this.nameLen++] = 0x5c;
    nameBuf[this.nameLen++] = 0x30 + Math.floor(c / 100);
    nameBuf[this.nameLen++] = 0x30 + (Math.floor(c / 10) % 10);
    nameBuf[this.nameLen++] = 0x30 + (c % 10);
  }

  /**
   * Read a possibly compressed name at `off`; `base` is the message start (pointer origin), `end`
   * the message end. On success leaves the name for `nameString` and its end in `nameEnd`, and
   * returns null.
   */
  readName(b: Uint8Array, base: number, off: number, end: number): DnsAnomaly | null {
    this.nameLen = 0;
    this.nameEnd = -1;
    this.cacheHit = null;
    this.curKey = off - base < CACHE_SIZE ? off - base : -1;
    // Most owner names are one pointer to a name already read in this message: reuse its string.
    if (b[off]! >= 0xc0 && off + 1 < end) {
      const key = ((b[off]! & 0x3f) << 8) | b[off + 1]!;
      if (base + key < off && this.cacheGen[key] === this.generation && this.cacheHops[key]! < MAX_POINTER_HOPS) {
        this.cacheHit = this.cacheStr[key]!;
        this.nameEnd = off + 2;
        this.curKey = -1;
        return null;
      }
    }
    let wire = 1; // the root label's length octet counts toward the 255 limit (RFC 1035 §3.1)
    let segStart = off;
    let p = off;
    let hops = 0;
    this.lastHops = 0;
    // Each step reads a label (≤127 fit in 255 bytes) or follows a pointer (≤ MAX_POINTER_HOPS).
    for (let guard = 0; guard < 256 + MAX_POINTER_HOPS; guard++) {
      if (p >= end) return 'dns.truncated';
      const len = b[p]!;
      if (len === 0) {
        if (this.nameEnd < 0) this.nameEnd = p + 1;
        return null;
      }
      const top = len & 0xc0;
      if (top === 0xc0) {
        if (p + 1 >= end) return 'dns.truncated';
        if (this.nameEnd < 0) this.nameEnd = p + 2;
        const target = base + (((len & 0x3f) << 8) | b[p + 1]!);
        if (target >= p) return 'dns.pointer-forward';
        if (target >= segStart) return 'dns.pointer-loop';
        // Real chains are a few hops deep; a cap keeps a hostile message from costing
        // (records × message length) steps.
        if (++hops > MAX_POINTER_HOPS) return 'dns.pointer-depth';
        this.lastHops = hops;
        segStart = p = target;
        continue;
      }
      // 0x40/0x80 prefixes: a length over 63 (RFC 1035 §2.3.4), or the dead extended label types
      if (top !== 0) return 'dns.label-too-long';
      wire += len + 1;
      if (wire > 255) return 'dns.name-too-long';
      if (p + 1 + len > end) return 'dns.truncated';
      if (this.nameLen > 0) this.nameBuf[this.nameLen++] = 0x2e;
      for (let i = p + 1; i <= p + len; i++) this.putEscaped(b[i]!);
      p += 1 + len;
    }
    return 'dns.pointer-loop';
  }

  /** The name `readName` just read, as a string (built once, then cached for this message). */
  nameString(): string {
    if (this.cacheHit !== null) return this.cacheHit;
    const s = this.nameBuf.toString('latin1', 0, this.nameLen);
    const k = this.curKey;
    if (k >= 0) {
      this.cacheGen[k] = this.generation;
      this.cacheStr[k] = s;
      this.cacheHops[k] = this.lastHops;
    }
    return s;
  }

  private fail(code: DnsAnomaly): string {
    this.rdErr = code;
    return '';
  }

  /** RDATA rendering; on failure sets `rdErr`. Names inside RDATA must end inside it. */
  rdata(b: Uint8Array, base: number, type: number, p: number, rdEnd: number, end: number): string {
    const n = rdEnd - p;
    this.rdErr = null;
    switch (type) {
      case 1:
        return n === 4 ? ip4ToString(ip4FromBytes(b, p)) : this.fail('dns.bad-rdlength');
      case 28:
        return n === 16 ? ip6ToString(b, p) : this.fail('dns.bad-rdlength');
      case 2:
      case 5:
      case 12: {
        const e = this.readName(b, base, p, end);
        if (e) return this.fail(e);
        return this.nameEnd > rdEnd ? this.fail('dns.bad-rdlength') : this.nameString();
      }
      case 15: {
        if (n < 3) return this.fail('dns.bad-rdlength');
        const e = this.readName(b, base, p + 2, end);
        if (e) return this.fail(e);
        return this.nameEnd > rdEnd ? this.fail('dns.bad-rdlength') : `${u16(b, p)} ${this.nameString()}`;
      }
      case 33: {
        if (n < 7) return this.fail('dns.bad-rdlength');
        const e = this.readName(b, base, p + 6, end);
        if (e) return this.fail(e);
        if (this.nameEnd > rdEnd) return this.fail('dns.bad-rdlength');
        return `${u16(b, p)} ${u16(b, p + 2)} ${u16(b, p + 4)} ${this.nameString()}`;
      }
      case 6: {
        let e = this.readName(b, base, p, end);
        if (e) return this.fail(e);
        const mname = this.nameString();
        e = this.readName(b, base, this.nameEnd, end);
        if (e) return this.fail(e);
        if (this.nameEnd + 20 > rdEnd) return this.fail('dns.bad-rdlength');
        return `${mname} ${this.nameString()} ${u32(b, this.nameEnd)}`;
      }
      case 16:
        return txtString(b, p, rdEnd);
      default:
        return '';
    }
  }

  /** Up to `count` records from p into `out`; returns the anomaly that stopped it (or null), the stop offset in `recEnd`. */
  readRecords(b: Uint8Array, base: number, p: number, end: number, count: number, out: DnsRecord[]): DnsAnomaly | null {
    this.recEnd = p;
    for (let i = 0; i < count && i < MAX_RECORDS; i++) {
      const e = this.readName(b, base, p, end);
      if (e) return e;
      const name = this.nameString();
      p = this.nameEnd;
      this.recEnd = p;
      if (p + 10 > end) return 'dns.truncated';
      const type = u16(b, p);
      const cls = u16(b, p + 2) & 0x7fff;
      const ttl = u32(b, p + 4);
      const rdEnd = p + 10 + u16(b, p + 8);
      if (rdEnd > end) return 'dns.bad-rdlength';
      const data = this.rdata(b, base, type, p + 10, rdEnd, end);
      if (this.rdErr !== null) return this.rdErr;
      out.push({ name, type: dnsTypeName(type), typeNum: type, cls, ttl, data });
      p = rdEnd;
      this.recEnd = p;
    }
    return null;
  }
}

const shared = new DnsReader();

/**
 * Decode one DNS message occupying b[off, end). `r` holds the scratch state of this decode
 * (the shared reader unless the caller brings one): decodes that share no reader share nothing.
 */
export function decodeDns(b: Uint8Array, off: number, end: number, r: DnsReader = shared): DnsResult {
  end = Math.min(end, b.length);
  if (off < 0 || end - off < 12) return { kind: 'more' };
  r.begin();
  const flags = u16(b, off + 2);
  const opcode = (flags >> 11) & 0xf;
  if (opcode === 3 || opcode > 6) return { kind: 'not' };
  const qd = u16(b, off + 4);
  const counts = [u16(b, off + 6), u16(b, off + 8), u16(b, off + 10)] as const;
  // Each question takes ≥5 bytes and each RR ≥11: counts that cannot fit are not DNS at all.
  if (qd * 5 + (counts[0] + counts[1] + counts[2]) * 11 > 65535) return { kind: 'not' };
  const questions: DnsQuestion[] = [];
  const secs: DnsRecord[][] = [[], [], []];
  let anomaly: DnsAnomaly | null = null;
  let p = off + 12;
  for (let i = 0; i < qd && i < MAX_RECORDS; i++) {
    const e = r.readName(b, off, p, end);
    if (e) {
      anomaly = e;
      break;
    }
    const q = r.nameEnd;
    if (q + 4 > end) {
      anomaly = 'dns.truncated';
      break;
    }
    const t = u16(b, q);
    questions.push({ name: r.nameString(), type: dnsTypeName(t), typeNum: t, cls: u16(b, q + 2) & 0x7fff });
    p = q + 4;
  }
  for (let s = 0; s < 3 && anomaly === null; s++) {
    anomaly = r.readRecords(b, off, p, end, counts[s]!, secs[s]!);
    p = r.recEnd;
  }
  if (anomaly !== null && questions.length === 0 && secs[0]!.length === 0) return { kind: 'anomaly', code: anomaly };
  const msg: DnsMessage = {
    id: u16(b, off),
    qr: (flags & 0x8000) !== 0,
    opcode,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: secs[0]!,
    authority: secs[1]!,
    additional: secs[2]!,
    size: p - off,
  };
  return { kind: 'ok', msg, anomaly };
}

export { type Resolution, resolveChains } from './chains.js';
