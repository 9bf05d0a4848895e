// DHCPv6 (RFC 8415; UDP 546 client, 547 server and relay): the message type and transaction id,
// and the options that say who a client is — its DUID (RFC 8415 §11: LLT and LL carry the
// link-layer address, a MAC on Ethernet, which ties the client to its DHCPv4 identity), the
// server's DUID, the client FQDN (RFC 4704, option 39), vendor class (16), user class (15), the
// option request list (6, a fingerprint like DHCPv4's 55) and IA_NA addresses (3 with IAADDR 5).
// Relay messages (RELAY-FORW/REPL) are unwrapped to the client's message (option 9), at most
// MAX_RELAY deep, keeping the innermost relay's peer address (the client's own address).
import { ip6ToString, macToString } from '../net/addr.js';

export const DHCPV6_ANOMALIES = [
  'dhcpv6.truncated', // the header or an option runs past the datagram (or its enclosing option)
  'dhcpv6.bad-option', // an option's contents do not fit its length (a DUID, IAADDR or FQDN too short)
  'dhcpv6.relay-depth', // relay messages nested deeper than 8 (RFC 8415 HOP_COUNT_LIMIT is 8)
] as const;
export type Dhcpv6Anomaly = (typeof DHCPV6_ANOMALIES)[number];

export const DHCPV6_TYPES = [
  '',
  'SOLICIT',
  'ADVERTISE',
  'REQUEST',
  'CONFIRM',
  'RENEW',
  'REBIND',
  'REPLY',
  'RELEASE',
  'DECLINE',
  'RECONFIGURE',
  'INFORMATION-REQUEST',
  'RELAY-FORW',
  'RELAY-REPL',
] as const;

/** Message types a client sends (the others come from a server). */
const FROM_CLIENT = new Set([1, 3, 4, 5, 6, 8, 9, 11]);
const MAX_RELAY = 8;
const MAX_OPTIONS = 64;
const MAX_LIST = 8;
const MAX_TEXT = 120;

export const OPT = {
  CLIENTID: 1,
  SERVERID: 2,
  IA_NA: 3,
  IAADDR: 5,
  ORO: 6,
  RELAY_MSG: 9,
  USER_CLASS: 15,
  VENDOR_CLASS: 16,
  CLIENT_FQDN: 39,
} as const;

export interface Duid {
  /** 1 LLT, 2 EN, 3 LL, 4 UUID. */
  readonly type: number;
  /** The whole DUID as lower-case hex (bounded): the client's stable identifier. */
  readonly hex: string;
  /** LLT/LL over Ethernet (hardware type 1, six bytes): the MAC. */
  readonly mac?: string;
  /** EN: the vendor's enterprise number. */
  readonly enterprise?: number;
}

export interface Dhcpv6Message {
  readonly msgType: string;
  readonly xid: number;
  /** Sent by a client (SOLICIT, REQUEST, …, INFORMATION-REQUEST), else by a server. */
  readonly fromClient: boolean;
  readonly clientDuid?: Duid;
  readonly serverDuid?: Duid;
  readonly fqdn?: string;
  /** Vendor class: enterprise number and its class strings. */
  readonly vendorClass?: { readonly enterprise: number; readonly data: readonly string[] };
  readonly userClass?: readonly string[];
  readonly oro?: readonly number[];
  /** IA_NA addresses (IAADDR), at most 8. */
  readonly addresses: readonly string[];
  /** Relayed: the innermost relay's peer address (the client's). */
  readonly relayPeer?: string;
}

export type Dhcpv6Result =
  | { readonly kind: 'ok'; readonly msg: Dhcpv6Message }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: Dhcpv6Anomaly };

const TRUNC = { kind: 'anomaly', code: 'dhcpv6.truncated' } as const;
const BAD = { kind: 'anomaly', code: 'dhcpv6.bad-option' } as const;

const u16 = (b: Uint8Array, p: number) => (b[p]! << 8) | b[p + 1]!;
const u32 = (b: Uint8Array, p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

function text(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && s.length < MAX_TEXT; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}

function hexOf(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && i < from + 64; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

function duid(b: Uint8Array, p: number, end: number): Duid | null {
  if (end - p < 2) return null;
  const type = u16(b, p);
  const hex = hexOf(b, p, end);
  // LLT: type, hardware type, time (4), address; LL: type, hardware type, address.
  const at = type === 1 ? p + 8 : type === 3 ? p + 4 : -1;
  if (at >= 0) {
    if (at > end) return null;
    const mac = u16(b, p + 2) === 1 && end - at === 6 ? macToString(b, at) : undefined;
    return { type, hex, mac };
  }
  if (type === 2) {
    if (end - p < 6) return null;
    return { type, hex, enterprise: u32(b, p + 2) };
  }
  return { type, hex };
}

/** Length-prefixed (u16) opaque strings, as in user and vendor class data. */
function strings(b: Uint8Array, p: number, end: number): string[] | null {
  const out: string[] = [];
  while (p < end) {
    if (p + 2 > end) return null;
    const n = u16(b, p);
    if (p + 2 + n > end) return null;
    if (out.length < MAX_LIST) out.push(text(b, p + 2, p + 2 + n));
    p += 2 + n;
  }
  return out;
}

/** An uncompressed domain name (RFC 4704 §4.2: a partial name may lack the root label). */
function domain(b: Uint8Array, p: number, end: number): string | null {
  const labels: string[] = [];
  while (p < end) {
    const n = b[p]!;
    if (n === 0) break;
    if (n > 63 || p + 1 + n > end) return null;
    labels.push(text(b, p + 1, p + 1 + n).toLowerCase());
    p += 1 + n;
  }
  return labels.join('.');
}

interface Acc {
  clientDuid?: Duid;
  serverDuid?: Duid;
  fqdn?: string;
  vendorClass?: { enterprise: number; data: string[] };
  userClass?: string[];
  oro?: number[];
  addresses: string[];
  relayPeer?: string;
}

export function decodeDhcpv6(b: Uint8Array, off: number, end: number): Dhcpv6Result {
  end = Math.min(end, b.length);
  if (end - off < 1) return TRUNC;
  const t0 = b[off]!;
  if (t0 === 0 || t0 >= DHCPV6_TYPES.length) return { kind: 'not' };
  const acc: Acc = { addresses: [] };
  let p = off;
  // Unwrap relays: hop count, link address, peer address, then options holding RELAY_MSG.
  for (let depth = 0; ; depth++) {
    const type = b[p]!;
    if (type === 0 || type >= DHCPV6_TYPES.length) return depth === 0 ? { kind: 'not' } : BAD;
    if (type !== 12 && type !== 13) {
      if (end - p < 4) return TRUNC;
      const xid = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
      const r = options(b, p + 4, end, acc);
      if (r !== null) return r;
      return {
        kind: 'ok',
        msg: {
          msgType: DHCPV6_TYPES[type]!,
          xid,
          fromClient: FROM_CLIENT.has(type),
          clientDuid: acc.clientDuid,
          serverDuid: acc.serverDuid,
          fqdn: acc.fqdn,
          vendorClass: acc.vendorClass,
          userClass: acc.userClass,
          oro: acc.oro,
          addresses: acc.addresses,
          relayPeer: acc.relayPeer,
        },
      };
    }
    if (depth >= MAX_RELAY) return { kind: 'anomaly', code: 'dhcpv6.relay-depth' };
    if (end - p < 34) return TRUNC;
    acc.relayPeer = ip6ToString(b, p + 18);
    // Find the relayed message among the relay's options.
    let q = p + 34;
    let inner = -1;
    let innerEnd = -1;
    for (let n = 0; q < end && n < MAX_OPTIONS; n++) {
      if (q + 4 > end) return TRUNC;
      const code = u16(b, q);
      const len = u16(b, q + 2);
      if (q + 4 + len > end) return TRUNC;
      if (code === OPT.RELAY_MSG && inner < 0) {
        inner = q + 4;
        innerEnd = q + 4 + len;
      }
      q += 4 + len;
    }
    if (inner < 0 || inner >= innerEnd) return BAD;
    p = inner;
    end = innerEnd;
  }
}

/** Walk the options of [p, end) into `acc`; an anomaly result, or null when all were read. */
function options(b: Uint8Array, p: number, end: number, acc: Acc, depth = 0): Dhcpv6Result | null {
  for (let n = 0; p < end && n < MAX_OPTIONS; n++) {
    if (p + 4 > end) return TRUNC;
    const code = u16(b, p);
    const len = u16(b, p + 2);
    const s = p + 4;
    const e = s + len;
    if (e > end) return TRUNC;
    switch (code) {
      case OPT.CLIENTID:
      case OPT.SERVERID: {
        const d = duid(b, s, e);
        if (d === null) return BAD;
        if (code === OPT.CLIENTID) acc.clientDuid ??= d;
        else acc.serverDuid ??= d;
        break;
      }
      case OPT.IA_NA:
        // IAID, T1, T2, then IA_NA options (IAADDR); nested once only.
        if (len < 12) return BAD;
        if (depth === 0) {
          const r = options(b, s + 12, e, acc, 1);
          if (r !== null) return r;
        }
        break;
      case OPT.IAADDR:
        if (len < 24) return BAD;
        if (acc.addresses.length < MAX_LIST) acc.addresses.push(ip6ToString(b, s));
        break;
      case OPT.ORO: {
        if (len % 2 !== 0) return BAD;
        const list: number[] = [];
        for (let i = s; i < e && list.length < 32; i += 2) list.push(u16(b, i));
        acc.oro ??= list;
        break;
      }
      case OPT.USER_CLASS: {
        const l = strings(b, s, e);
        if (l === null) return BAD;
        acc.userClass ??= l;
        break;
      }
      case OPT.VENDOR_CLASS: {
        if (len < 4) return BAD;
        const l = strings(b, s + 4, e);
        if (l === null) return BAD;
        acc.vendorClass ??= { enterprise: u32(b, s), data: l };
        break;
      }
      case OPT.CLIENT_FQDN: {
        if (len < 1) return BAD;
        const d = domain(b, s + 1, e);
        if (d === null) return BAD;
        if (d !== '') acc.fqdn ??= d;
        break;
      }
    }
    p = e;
  }
  return null;
}

/** Content check for a probe: a known message type whose options all parse. */
export function looksLikeDhcpv6(b: Uint8Array): boolean {
  return b.length >= 4 && decodeDhcpv6(b, 0, b.length).kind === 'ok';
}
