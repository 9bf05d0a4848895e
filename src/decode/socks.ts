// SOCKS 4 (Ying-Da Lee, "SOCKS: A protocol for TCP proxy across firewalls"), 4a (the "SOCKS 4A"
// extension: DSTIP 0.0.0.x, the name after the user id) and 5 (RFC 1928; username/password
// sub-negotiation, RFC 1929): the client's messages and the proxy's replies, for the SOCKS
// analyzer to learn where the proxy is asked to go and whether it said yes. Pure: each function
// reads one message at `off`, never past `end`, and returns it, "needs more", "not SOCKS", or a
// named anomaly. User ids, user names and passwords are skipped by length, never made strings.
import { ip4ToString, ip6ToString } from '../net/addr.js';
import { targetOf } from './proxy-target.js';

export const SOCKS_ANOMALIES = [
  'socks.bad-version', // a message after the first whose version byte is not the connection's (4, or 5; 1 for RFC 1929)
  'socks.bad-command', // a command other than CONNECT (1), BIND (2) or, in SOCKS5, UDP ASSOCIATE (3)
  'socks.bad-address-type', // a SOCKS5 ATYP other than IPv4 (1), domain name (3) or IPv6 (4)
  'socks.bad-name', // a SOCKS4a or SOCKS5 domain name that is empty or not a host name
  'socks.field-too-long', // a SOCKS4 user id or 4a name without its NUL within 255 bytes
  'socks.bad-methods', // a SOCKS5 greeting that offers no method
  'socks.bad-reply', // a reply code the protocol does not define (SOCKS4: 90-93; SOCKS5: 0-8), or a bad reserved byte
] as const;
export type SocksAnomaly = (typeof SOCKS_ANOMALIES)[number];

export type SocksResult<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'more' }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: SocksAnomaly };

/** Where the proxy is asked to go: a name (lower case) or an address (`ip` set), and a port. */
export interface SocksTarget {
  readonly host: string;
  readonly ip?: string;
  readonly port: number;
}

export interface SocksRequest {
  readonly version: 4 | 5;
  /** SOCKS4 with a name (DSTIP 0.0.0.x, x ≠ 0). */
  readonly v4a: boolean;
  /** 1 CONNECT, 2 BIND, 3 UDP ASSOCIATE (SOCKS5 only). */
  readonly command: 1 | 2 | 3;
  readonly target: SocksTarget;
  /** A SOCKS4 user id was sent (its bytes are not kept). */
  readonly userId: boolean;
  /** Bytes of the message. */
  readonly len: number;
}

export interface SocksGreeting {
  /** Methods offered (0 none, 1 GSSAPI, 2 username/password, …). */
  readonly methods: readonly number[];
  readonly len: number;
}

export interface SocksReply {
  readonly version: 4 | 5;
  /** SOCKS4 CD (90 granted, 91–93 refused); SOCKS5 REP (0 succeeded, 1–8 failures). */
  readonly code: number;
  readonly granted: boolean;
  readonly len: number;
}

/** Longest user id or SOCKS4a name (the protocol sets none; real ones are short). */
export const SOCKS_MAX_FIELD = 255;

const MORE = { kind: 'more' } as const;
const NOT = { kind: 'not' } as const;
const anomaly = (code: SocksAnomaly) => ({ kind: 'anomaly', code }) as const;

/** Offset of the NUL ending a field at `p`, -1 while not within `end`, -2 past SOCKS_MAX_FIELD; `printable` refuses control bytes. */
function nulEnd(b: Uint8Array, p: number, end: number, printable: boolean): number {
  const limit = Math.min(end, p + SOCKS_MAX_FIELD + 1);
  for (let i = p; i < limit; i++) {
    const c = b[i]!;
    if (c === 0) return i;
    if (printable && (c < 0x20 || c > 0x7e)) return -3;
  }
  return limit === p + SOCKS_MAX_FIELD + 1 ? -2 : -1;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** A name field as a target, or undefined when it is no host name. */
function nameTarget(b: Uint8Array, from: number, to: number, port: number): SocksTarget | undefined {
  if (to <= from) return undefined;
  for (let i = from; i < to; i++) if (b[i]! < 0x21 || b[i]! > 0x7e) return undefined;
  // A name field holding an address literal is the address (some clients do send one).
  const t = targetOf(ascii(b, from, to), port);
  return t === undefined ? undefined : { host: t.host, ip: t.ip, port };
}

/**
 * SOCKS4/4a request: VN 4, CD, DSTPORT (2), DSTIP (4), USERID, NUL [, name, NUL]. 'not' when the
 * first byte is not 4; a user id must be printable (it is text in every client), else 'not'.
 */
export function decodeSocks4Request(b: Uint8Array, off: number, end: number): SocksResult<SocksRequest> {
  end = Math.min(end, b.length);
  if (end - off < 1) return MORE;
  if (b[off] !== 4) return NOT;
  if (end - off < 9) {
    if (end - off >= 2 && b[off + 1] !== 1 && b[off + 1] !== 2) return anomaly('socks.bad-command');
    return MORE;
  }
  const command = b[off + 1]!;
  if (command !== 1 && command !== 2) return anomaly('socks.bad-command');
  const port = (b[off + 2]! << 8) | b[off + 3]!;
  const ipStart = off + 4;
  const u = nulEnd(b, off + 8, end, true);
  if (u === -1) return MORE;
  if (u === -2) return anomaly('socks.field-too-long');
  if (u === -3) return NOT;
  const userId = u > off + 8;
  const v4a = b[ipStart] === 0 && b[ipStart + 1] === 0 && b[ipStart + 2] === 0 && b[ipStart + 3] !== 0;
  if (!v4a) {
    const ip = ip4ToString(
      ((b[ipStart]! << 24) | (b[ipStart + 1]! << 16) | (b[ipStart + 2]! << 8) | b[ipStart + 3]!) >>> 0,
    );
    return {
      kind: 'ok',
      value: { version: 4, v4a, command, target: { host: ip, ip, port }, userId, len: u + 1 - off },
    };
  }
  const n = nulEnd(b, u + 1, end, false);
  if (n === -1) return MORE;
  if (n === -2) return anomaly('socks.field-too-long');
  const target = nameTarget(b, u + 1, n, port);
  if (target === undefined) return anomaly('socks.bad-name');
  return { kind: 'ok', value: { version: 4, v4a, command, target, userId, len: n + 1 - off } };
}

/** SOCKS4 reply: VN 0, CD, DSTPORT, DSTIP — 8 bytes. */
export function decodeSocks4Reply(b: Uint8Array, off: number, end: number): SocksResult<SocksReply> {
  end = Math.min(end, b.length);
  if (end - off < 1) return MORE;
  // VN is 0 by the protocol; a few servers answer 4.
  if (b[off] !== 0 && b[off] !== 4) return anomaly('socks.bad-version');
  if (end - off < 2) return MORE;
  const code = b[off + 1]!;
  if (code < 90 || code > 93) return anomaly('socks.bad-reply');
  if (end - off < 8) return MORE;
  return { kind: 'ok', value: { version: 4, code, granted: code === 90, len: 8 } };
}

/** SOCKS5 greeting: VER 5, NMETHODS, METHODS. */
export function decodeSocks5Greeting(b: Uint8Array, off: number, end: number): SocksResult<SocksGreeting> {
  end = Math.min(end, b.length);
  if (end - off < 1) return MORE;
  if (b[off] !== 5) return NOT;
  if (end - off < 2) return MORE;
  const n = b[off + 1]!;
  if (n === 0) return anomaly('socks.bad-methods');
  if (end - off < 2 + n) return MORE;
  const methods: number[] = [];
  for (let i = 0; i < n; i++) methods.push(b[off + 2 + i]!);
  return { kind: 'ok', value: { methods, len: 2 + n } };
}

/** SOCKS5 method selection: VER 5, METHOD (0xFF: none acceptable). */
export function decodeSocks5Choice(b: Uint8Array, off: number, end: number): SocksResult<{ method: number; len: 2 }> {
  end = Math.min(end, b.length);
  if (end - off < 1) return MORE;
  if (b[off] !== 5) return anomaly('socks.bad-version');
  if (end - off < 2) return MORE;
  return { kind: 'ok', value: { method: b[off + 1]!, len: 2 } };
}

/** RFC 1929 username/password request: VER 1, ULEN, UNAME, PLEN, PASSWD — only its length is read. */
export function decodeSocks5Auth(b: Uint8Array, off: number, end: number): SocksResult<{ len: number }> {
  end = Math.min(end, b.length);
  if (end - off < 1) return MORE;
  if (b[off] !== 1) return anomaly('socks.bad-version');
  if (end - off < 2) return MORE;
  const plenAt = off + 2 + b[off + 1]!;
  if (end <= plenAt) return MORE;
  const len = plenAt + 1 + b[plenAt]! - off;
  return end - off < len ? MORE : { kind: 'ok', value: { len } };
}

/** RFC 1929 reply: VER 1, STATUS (0 success). */
export function decodeSocks5AuthReply(b: Uint8Array, off: number, end: number): SocksResult<{ ok: boolean; len: 2 }> {
  end = Math.min(end, b.length);
  if (end - off < 1) return MORE;
  if (b[off] !== 1) return anomaly('socks.bad-version');
  if (end - off < 2) return MORE;
  return { kind: 'ok', value: { ok: b[off + 1] === 0, len: 2 } };
}

/** The address of a SOCKS5 request or reply at `p` (ATYP at p): the target and the offset past its port. */
function socks5Address(
  b: Uint8Array,
  p: number,
  end: number,
): SocksResult<{ target: SocksTarget | undefined; next: number }> {
  if (end - p < 1) return MORE;
  const atyp = b[p]!;
  let a = p + 1;
  let alen: number;
  if (atyp === 1) alen = 4;
  else if (atyp === 4) alen = 16;
  else if (atyp === 3) {
    if (end - a < 1) return MORE;
    alen = b[a]!;
    a++;
    if (alen === 0) return anomaly('socks.bad-name');
  } else return anomaly('socks.bad-address-type');
  if (end - a < alen + 2) return MORE;
  const port = (b[a + alen]! << 8) | b[a + alen + 1]!;
  let target: SocksTarget | undefined;
  if (atyp === 1) {
    const ip = ip4ToString(((b[a]! << 24) | (b[a + 1]! << 16) | (b[a + 2]! << 8) | b[a + 3]!) >>> 0);
    target = { host: ip, ip, port };
  } else if (atyp === 4) {
    const ip = ip6ToString(b, a);
    target = { host: ip, ip, port };
  } else target = nameTarget(b, a, a + alen, port);
  return { kind: 'ok', value: { target, next: a + alen + 2 } };
}

/** SOCKS5 request: VER 5, CMD, RSV, ATYP, DST.ADDR, DST.PORT. */
export function decodeSocks5Request(b: Uint8Array, off: number, end: number): SocksResult<SocksRequest> {
  end = Math.min(end, b.length);
  if (end - off < 1) return MORE;
  if (b[off] !== 5) return anomaly('socks.bad-version');
  if (end - off < 2) return MORE;
  const command = b[off + 1]!;
  if (command !== 1 && command !== 2 && command !== 3) return anomaly('socks.bad-command');
  if (end - off < 3) return MORE;
  const r = socks5Address(b, off + 3, end);
  if (r.kind !== 'ok') return r;
  if (r.value.target === undefined) return anomaly('socks.bad-name');
  return {
    kind: 'ok',
    value: { version: 5, v4a: false, command, target: r.value.target, userId: false, len: r.value.next - off },
  };
}

/** SOCKS5 reply: VER 5, REP, RSV 0, ATYP, BND.ADDR, BND.PORT (the bound address is skipped). */
export function decodeSocks5Reply(b: Uint8Array, off: number, end: number): SocksResult<SocksReply> {
  end = Math.min(end, b.length);
  if (end - off < 1) return MORE;
  if (b[off] !== 5) return anomaly('socks.bad-version');
  if (end - off < 2) return MORE;
  const code = b[off + 1]!;
  if (code > 8) return anomaly('socks.bad-reply');
  if (end - off < 3) return MORE;
  if (b[off + 2] !== 0) return anomaly('socks.bad-reply');
  const r = socks5Address(b, off + 3, end);
  if (r.kind !== 'ok') return r;
  // A name the proxy binds to is not checked: only its length matters here.
  return { kind: 'ok', value: { version: 5, code, granted: code === 0, len: r.value.next - off } };
}

/**
 * Is this the start of a SOCKS client's conversation? A complete SOCKS4/4a request, or a SOCKS5
 * greeting offering 1–16 known methods (0–9, or private 0x80–0xFE) that is all the client sent or
 * is followed by the start of its request or RFC 1929 login. 'more' while a prefix of one.
 */
export function socksStart(b: Uint8Array, end = b.length): 'yes' | 'no' | 'more' {
  end = Math.min(end, b.length);
  if (end < 1) return 'more';
  if (b[0] === 4) {
    const r = decodeSocks4Request(b, 0, end);
    if (r.kind === 'more') return 'more';
    if (r.kind !== 'ok') return 'no';
    return r.value.target.port !== 0 && (r.value.v4a || !r.value.target.host.startsWith('0.')) ? 'yes' : 'no';
  }
  if (b[0] !== 5) return 'no';
  const g = decodeSocks5Greeting(b, 0, end);
  if (g.kind === 'more') return 'more';
  if (g.kind !== 'ok' || g.value.methods.length > 16) return 'no';
  for (const m of g.value.methods) if (m > 9 && (m < 0x80 || m === 0xff)) return 'no';
  if (g.value.len === end) return 'yes';
  if (b[g.value.len] === 1) return g.value.methods.includes(2) ? 'yes' : 'no';
  const r = decodeSocks5Request(b, g.value.len, end);
  return r.kind === 'ok' || r.kind === 'more' ? 'yes' : 'no';
}
