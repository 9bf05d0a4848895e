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

// Names are assembled in one reused buffer and turned into a string once (latin1), with bytes
// outside printable ASCII and '.'/'\\' inside labels escaped as \DDD (RFC 4343 §2.1 style), so
// 4 output bytes per wire byte at most.
const nameBuf = Buffer.allocUnsafe(255 * 4);
let nameLen = 0;
/** Offset just after the name as written in place (not after any pointer target). */
let nameEnd = 0;

function putEscaped(c: number): void {
  if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) {
    nameBuf[nameLen++] = c;
    return;
  }
  nameBuf[nameLen++] = 0x5c;
  nameBuf[nameLen++] = 0x30 + Math.floor(c / 100);
  nameBuf[nameLen++] = 0x30 + (Math.floor(c / 10) % 10);
  nameBuf[nameLen++] = 0x30 + (c % 10);
}

/**
 * Read a possibly compressed name at `off`; `base` is the message start (pointer origin), `end`
 * the message end. On success fills nameBuf/nameLen/nameEnd and returns null.
 */
function readName(b: Uint8Array, base: number, off: number, end: number): DnsAnomaly | null {
  nameLen = 0;
  nameEnd = -1;
  cacheHit = null;
  curKey = off - base < CACHE_SIZE ? off - base : -1;
  // Most owner names are one pointer to a name already read in this message: reuse its string.
  if (b[off]! >= 0xc0 && off + 1 < end) {
    const key = ((b[off]! & 0x3f) << 8) | b[off + 1]!;
    if (base + key < off && cacheGen[key] === generation && cacheHops[key]! < MAX_POINTER_HOPS) {
      cacheHit = cacheStr[key]!;
      nameEnd = off + 2;
      curKey = -1;
      return null;
    }
  }
  let wire = 1; // the root label's length octet counts toward the 255 limit (RFC 1035 §3.1)
  let segStart = off;
  let p = off;
  let hops = 0;
  lastHops = 0;
  // Each step reads a label (≤127 fit in 255 bytes) or follows a pointer (≤ MAX_POINTER_HOPS).
  for (let guard = 0; guard < 256 + MAX_POINTER_HOPS; guard++) {
    if (p >= end) return 'dns.truncated';
    const len = b[p]!;
    if (len === 0) {
      if (nameEnd < 0) nameEnd = p + 1;
      return null;
    }
    const top = len & 0xc0;
    if (top === 0xc0) {
      if (p + 1 >= end) return 'dns.truncated';
      if (nameEnd < 0) nameEnd = p + 2;
      const target = base + (((len & 0x3f) << 8) | b[p + 1]!);
      if (target >= p) return 'dns.pointer-forward';
      if (target >= segStart) return 'dns.pointer-loop';
      // Real chains are a few hops deep; a cap keeps a hostile message from costing
      // (records × message length) steps.
      if (++hops > MAX_POINTER_HOPS) return 'dns.pointer-depth';
      lastHops = hops;
      segStart = p = target;
      continue;
    }
    // 0x40/0x80 prefixes: a length over 63 (RFC 1035 §2.3.4), or the dead extended label types
    if (top !== 0) return 'dns.label-too-long';
    wire += len + 1;
    if (wire > 255) return 'dns.name-too-long';
    if (p + 1 + len > end) return 'dns.truncated';
    if (nameLen > 0) nameBuf[nameLen++] = 0x2e;
    for (let i = p + 1; i <= p + len; i++) putEscaped(b[i]!);
    p += 1 + len;
  }
  return 'dns.pointer-loop';
}

// Per-message cache of decoded names by their offset (pointers are 14-bit, hence the size);
// `generation` invalidates it in O(1) for each new message.
const CACHE_SIZE = 16384;
const cacheGen = new Uint32Array(CACHE_SIZE);
const cacheHops = new Uint8Array(CACHE_SIZE);
const cacheStr: string[] = new Array<string>(CACHE_SIZE).fill('');
let generation = 0;
let cacheHit: string | null = null;
let curKey = -1;
let lastHops = 0;

/** The name `readName` just read, as a string (built once, then cached for this message). */
function nameString(): string {
  if (cacheHit !== null) return cacheHit;
  const s = nameBuf.toString('latin1', 0, nameLen);
  if (curKey >= 0) {
    cacheGen[curKey] = generation;
    cacheStr[curKey] = s;
    cacheHops[curKey] = lastHops;
  }
  return s;
}

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

/** Set by `rdata` when it fails (its string result is then meaningless). */
let rdErr: DnsAnomaly | null = null;

function fail(code: DnsAnomaly): string {
  rdErr = code;
  return '';
}

/** RDATA rendering. Names inside RDATA must end inside it. */
function rdata(b: Uint8Array, base: number, type: number, p: number, rdEnd: number, end: number): string {
  const n = rdEnd - p;
  rdErr = null;
  switch (type) {
    case 1:
      return n === 4 ? ip4ToString(ip4FromBytes(b, p)) : fail('dns.bad-rdlength');
    case 28:
      return n === 16 ? ip6ToString(b, p) : fail('dns.bad-rdlength');
    case 2:
    case 5:
    case 12: {
      const e = readName(b, base, p, end);
      if (e) return fail(e);
      return nameEnd > rdEnd ? fail('dns.bad-rdlength') : nameString();
    }
    case 15: {
      if (n < 3) return fail('dns.bad-rdlength');
      const e = readName(b, base, p + 2, end);
      if (e) return fail(e);
      return nameEnd > rdEnd ? fail('dns.bad-rdlength') : `${u16(b, p)} ${nameString()}`;
    }
    case 33: {
      if (n < 7) return fail('dns.bad-rdlength');
      const e = readName(b, base, p + 6, end);
      if (e) return fail(e);
      if (nameEnd > rdEnd) return fail('dns.bad-rdlength');
      return `${u16(b, p)} ${u16(b, p + 2)} ${u16(b, p + 4)} ${nameString()}`;
    }
    case 6: {
      let e = readName(b, base, p, end);
      if (e) return fail(e);
      const mname = nameString();
      e = readName(b, base, nameEnd, end);
      if (e) return fail(e);
      if (nameEnd + 20 > rdEnd) return fail('dns.bad-rdlength');
      return `${mname} ${nameString()} ${u32(b, nameEnd)}`;
    }
    case 16:
      return txtString(b, p, rdEnd);
    default:
      return '';
  }
}

function readRecords(
  b: Uint8Array,
  base: number,
  p: number,
  end: number,
  count: number,
  out: DnsRecord[],
): { p: number; err: DnsAnomaly | null } {
  for (let i = 0; i < count && i < MAX_RECORDS; i++) {
    const e = readName(b, base, p, end);
    if (e) return { p, err: e };
    const name = nameString();
    p = nameEnd;
    if (p + 10 > end) return { p, err: 'dns.truncated' };
    const type = u16(b, p);
    const cls = u16(b, p + 2) & 0x7fff;
    const ttl = u32(b, p + 4);
    const rdEnd = p + 10 + u16(b, p + 8);
    if (rdEnd > end) return { p, err: 'dns.bad-rdlength' };
    const data = rdata(b, base, type, p + 10, rdEnd, end);
    if (rdErr !== null) return { p, err: rdErr };
    out.push({ name, type: dnsTypeName(type), typeNum: type, cls, ttl, data });
    p = rdEnd;
  }
  return { p, err: null };
}

/** Decode one DNS message occupying b[off, end). */
export function decodeDns(b: Uint8Array, off: number, end: number): DnsResult {
  end = Math.min(end, b.length);
  if (off < 0 || end - off < 12) return { kind: 'more' };
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    cacheGen.fill(0);
    generation = 1;
  }
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
    const e = readName(b, off, p, end);
    if (e) {
      anomaly = e;
      break;
    }
    if (nameEnd + 4 > end) {
      anomaly = 'dns.truncated';
      break;
    }
    const t = u16(b, nameEnd);
    questions.push({ name: nameString(), type: dnsTypeName(t), typeNum: t, cls: u16(b, nameEnd + 2) & 0x7fff });
    p = nameEnd + 4;
  }
  for (let s = 0; s < 3 && anomaly === null; s++) {
    const r = readRecords(b, off, p, end, counts[s]!, secs[s]!);
    p = r.p;
    anomaly = r.err;
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
