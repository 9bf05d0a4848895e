// NetBIOS name service (UDP 137, RFC 1002 §4.2): DNS-shaped header, questions and records whose
// names are first-level encoded NetBIOS names. What a ward gives away here is who claims which
// name: registrations and refreshes (the additional NB record: name → the sender's address),
// positive query responses (the answer: name → owner address) and node status responses (every
// name the responder has, with group flags, and its MAC).

import { decodeNbName, nameText, skipNbName } from './name.js';

export const NBNS_ANOMALIES = [
  'nbns.truncated', // the header or a record is cut short, or a count points past the datagram
  'nbns.bad-name', // a question or record name is not a first-level encoded NetBIOS name
] as const;
export type NbnsAnomaly = (typeof NBNS_ANOMALIES)[number];

export type NbnsOpcode = 'query' | 'registration' | 'release' | 'wack' | 'refresh' | 'multihomed' | 'other';

export interface NbnsClaim {
  readonly name: string;
  readonly suffix: number;
  readonly group: boolean;
  /** The address the name maps to (NB records); absent for node status entries. */
  readonly ip?: string;
}

export interface NbnsMessage {
  readonly id: number;
  readonly response: boolean;
  readonly opcode: NbnsOpcode;
  readonly rcode: number;
  readonly broadcast: boolean;
  /** The name asked about or registered (first question). */
  readonly question?: { readonly name: string; readonly suffix: number; readonly type: 'NB' | 'NBSTAT' | 'other' };
  readonly claims: readonly NbnsClaim[];
  /** Node status: the responder's unit id (its MAC), 'xx:xx:…'. */
  readonly mac?: string;
}

export type NbnsResult =
  | { readonly kind: 'ok'; readonly msg: NbnsMessage }
  | { readonly kind: 'anomaly'; readonly code: NbnsAnomaly }
  | { readonly kind: 'not' };

const OPCODES: Readonly<Record<number, NbnsOpcode>> = {
  0: 'query',
  5: 'registration',
  6: 'release',
  7: 'wack',
  8: 'refresh',
  9: 'refresh', // RFC 1002 §4.2.1.1 lists 8; Windows sends 9 (both are refresh)
  15: 'multihomed',
};
const MAX_CLAIMS = 32;
const T_NB = 0x20;
const T_NBSTAT = 0x21;

const u16 = (b: Uint8Array, p: number): number => (b[p]! << 8) | b[p + 1]!;
const ip4 = (b: Uint8Array, p: number): string => `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}`;
function hexMac(b: Uint8Array, p: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(b[p + i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}

/**
 * Header sanity without decoding: NBNS on 137 is always one question (requests) or one answer
 * (responses) with a NetBIOS-encoded name, so a DNS message or noise fails here.
 */
export function looksLikeNbns(b: Uint8Array): boolean {
  if (b.length < 12 + 34) return false;
  const qd = u16(b, 4);
  const an = u16(b, 6);
  if (qd > 1 || an > 1 || qd + an === 0 || u16(b, 8) > 1 || u16(b, 10) > 1) return false;
  return b[12] === 32 && decodeNbName(b, 12, b.length) !== null;
}

export function decodeNbns(b: Uint8Array, off: number, end: number): NbnsResult {
  end = Math.min(end, b.length);
  if (end - off < 12) return { kind: 'anomaly', code: 'nbns.truncated' };
  const flags = u16(b, off + 2);
  const response = (flags & 0x8000) !== 0;
  const opcode = OPCODES[(flags >> 11) & 0xf] ?? 'other';
  const counts = [u16(b, off + 4), u16(b, off + 6), u16(b, off + 8), u16(b, off + 10)];
  let p = off + 12;
  let question: NbnsMessage['question'];
  for (let i = 0; i < counts[0]!; i++) {
    const n = decodeNbName(b, p, end);
    const after = skipNbName(b, p, end);
    if (n === null || after < 0) return { kind: 'anomaly', code: after < 0 ? 'nbns.truncated' : 'nbns.bad-name' };
    if (after + 4 > end) return { kind: 'anomaly', code: 'nbns.truncated' };
    const t = u16(b, after);
    if (i === 0)
      question = { name: n.name, suffix: n.suffix, type: t === T_NB ? 'NB' : t === T_NBSTAT ? 'NBSTAT' : 'other' };
    p = after + 4;
  }
  const claims: NbnsClaim[] = [];
  let mac: string | undefined;
  const records = counts[1]! + counts[2]! + counts[3]!;
  for (let i = 0; i < records; i++) {
    // A record name is either encoded in full or a pointer back to the question (0xC00C).
    const pointer = p + 2 <= end && (b[p]! & 0xc0) === 0xc0;
    const n = pointer ? (question ?? null) : decodeNbName(b, p, end);
    const after = skipNbName(b, p, end);
    if (after < 0 || after + 10 > end) return { kind: 'anomaly', code: 'nbns.truncated' };
    if (n === null) return { kind: 'anomaly', code: 'nbns.bad-name' };
    const type = u16(b, after);
    const rdlen = u16(b, after + 8);
    const rd = after + 10;
    if (rd + rdlen > end) return { kind: 'anomaly', code: 'nbns.truncated' };
    if (type === T_NB) {
      // NB_FLAGS (G bit 0x8000, ONT) + an IPv4 address, repeated (RFC 1002 §4.2.1.3).
      for (let q = rd; q + 6 <= rd + rdlen && claims.length < MAX_CLAIMS; q += 6) {
        claims.push({ name: n.name, suffix: n.suffix, group: (b[q]! & 0x80) !== 0, ip: ip4(b, q + 2) });
      }
    } else if (type === T_NBSTAT && rdlen >= 1) {
      // NUM_NAMES, then 18 bytes each (15 name + suffix + NAME_FLAGS), then the statistics (unit id first).
      const num = b[rd]!;
      let q = rd + 1;
      for (let k = 0; k < num && q + 18 <= rd + rdlen; k++, q += 18) {
        const raw = nameText(b, q, q + 15);
        if (raw !== '' && claims.length < MAX_CLAIMS)
          claims.push({ name: raw, suffix: b[q + 15]!, group: (b[q + 16]! & 0x80) !== 0 });
      }
      if (q + 6 <= rd + rdlen) mac = hexMac(b, q);
    }
    p = rd + rdlen;
  }
  return {
    kind: 'ok',
    msg: {
      id: u16(b, off),
      response,
      opcode,
      rcode: flags & 0xf,
      broadcast: (flags & 0x0010) !== 0,
      question,
      claims,
      mac,
    },
  };
}
