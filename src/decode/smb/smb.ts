// SMB 1/2/3 over the NetBIOS session service (TCP 139, RFC 1002 §4.3) or direct TCP (445, the
// same 4-byte header with a 24-bit length, [MS-SMB2] §2.1). Only what identifies the ends and
// the protocol's age is read: NEGOTIATE (dialects offered and chosen, [MS-SMB] §2.2.4.52,
// [MS-SMB2] §2.2.3/§2.2.4), SESSION_SETUP (the NTLMSSP blob, and SMB1's NativeOS/NativeLanMan
// strings, [MS-CIFS] §2.2.4.53), and the session service's SESSION REQUEST (called and calling
// NetBIOS names). Everything after the session is set up (files, pipes) is not read.

import { decodeNbName } from '../netbios/name.js';
import { decodeNtlmssp, type NtlmInfo, utf16 } from './ntlmssp.js';

export const SMB_ANOMALIES = [
  'smb.bad-length', // a session service message longer than an SMB message may be (16 MiB), or an unknown type
  'smb.truncated', // an SMB header or a NEGOTIATE/SESSION_SETUP body cut short, or an offset past the message
] as const;
export type SmbAnomaly = (typeof SMB_ANOMALIES)[number];

/** Longest NetBIOS session message accepted (SMB2 allows up to 2^24 - 1 on 445). */
export const NBSS_MAX = 0xffffff;

export type NbssFrame =
  | { readonly kind: 'frame'; readonly type: number; readonly length: number }
  | { readonly kind: 'more' }
  | { readonly kind: 'anomaly'; readonly code: SmbAnomaly };

const NBSS_TYPES = new Set([0x00, 0x81, 0x82, 0x83, 0x84, 0x85]);

/** The session service header at b[off]: 0x00 message, 0x81 request, 0x82/0x83 response, 0x84 retarget, 0x85 keep-alive. */
export function nbssFrame(b: Uint8Array, off: number, end: number): NbssFrame {
  if (end - off < 4) return { kind: 'more' };
  const type = b[off]!;
  if (!NBSS_TYPES.has(type)) return { kind: 'anomaly', code: 'smb.bad-length' };
  const length =
    type === 0
      ? (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!
      : ((b[off + 1]! & 1) << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  return { kind: 'frame', type, length };
}

export type SmbCommand = 'negotiate' | 'session-setup' | 'other';

export interface SmbMessage {
  /** 1 (0xFF 'SMB'), 2 (0xFE 'SMB', SMB 2 and 3 share the header), or 3 for a transform header (encrypted). */
  readonly version: 1 | 2 | 3;
  readonly command: SmbCommand;
  readonly response: boolean;
  readonly status: number;
  /** NEGOTIATE request: dialect names as offered ('NT LM 0.12', 'SMB 2.002', '3.1.1', …). */
  readonly dialects?: readonly string[];
  /** NEGOTIATE response: the dialect chosen ('NT LM 0.12' for SMB1, '2.0.2' … '3.1.1', '2.???' for a wildcard). */
  readonly dialect?: string;
  /** Server requires signing (NEGOTIATE response security mode). */
  readonly signingRequired?: boolean;
  readonly ntlm?: NtlmInfo;
  /** SMB1 SESSION_SETUP: the sender's NativeOS, NativeLanMan and (responses) PrimaryDomain strings. */
  readonly nativeOs?: string;
  readonly nativeLanman?: string;
  readonly primaryDomain?: string;
  /** SMB1 NEGOTIATE response without extended security: the server's domain and name. */
  readonly serverDomain?: string;
  readonly serverName?: string;
}

export type SmbResult =
  | { readonly kind: 'ok'; readonly msg: SmbMessage }
  | { readonly kind: 'anomaly'; readonly code: SmbAnomaly }
  | { readonly kind: 'not' };

const TRUNC = { kind: 'anomaly', code: 'smb.truncated' } as const;
const NOT = { kind: 'not' } as const;
const le16 = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8);
const le32 = (b: Uint8Array, p: number): number =>
  (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
const MAX_DIALECTS = 32;

/** [MS-SMB2] §2.2.3 dialect revisions. */
export function smb2DialectName(d: number): string {
  switch (d) {
    case 0x0202:
      return '2.0.2';
    case 0x0210:
      return '2.1';
    case 0x0300:
      return '3.0';
    case 0x0302:
      return '3.0.2';
    case 0x0311:
      return '3.1.1';
    case 0x02ff:
      return '2.???';
    default:
      return `0x${d.toString(16).padStart(4, '0')}`;
  }
}

/** True when a dialect name is SMB1's (anything the SMB1 NEGOTIATE offers but the SMB2 upgrade strings). */
export function isSmb1Dialect(name: string): boolean {
  return !name.startsWith('SMB 2.') && !/^[23]\./.test(name) && !name.startsWith('0x');
}

/** Is this an SMB header (FF/FE/FD 'SMB')? */
export function smbMagic(b: Uint8Array, p: number, end: number): 1 | 2 | 3 | 0 {
  if (p + 4 > end || b[p + 1] !== 0x53 || b[p + 2] !== 0x4d || b[p + 3] !== 0x42) return 0;
  return b[p] === 0xff ? 1 : b[p] === 0xfe ? 2 : b[p] === 0xfd ? 3 : 0;
}

/** Decode the SMB message in b[off, end) (one session service message's payload). */
export function decodeSmb(b: Uint8Array, off: number, end: number): SmbResult {
  end = Math.min(end, b.length);
  const v = smbMagic(b, off, end);
  if (v === 0) return end - off < 4 ? TRUNC : NOT;
  if (v === 3) return { kind: 'ok', msg: { version: 3, command: 'other', response: false, status: 0 } };
  return v === 1 ? smb1(b, off, end) : smb2(b, off, end);
}

function smb1(b: Uint8Array, s: number, end: number): SmbResult {
  if (s + 35 > end) return TRUNC;
  const cmd = b[s + 4]!;
  const status = le32(b, s + 5);
  const response = (b[s + 9]! & 0x80) !== 0;
  const unicode = (le16(b, s + 10) & 0x8000) !== 0;
  const wc = b[s + 32]!;
  const w = s + 33;
  if (w + 2 * wc + 2 > end) return TRUNC;
  const bc = le16(b, w + 2 * wc);
  const bytes = w + 2 * wc + 2;
  const bEnd = Math.min(end, bytes + bc);
  const base = { version: 1 as const, response, status };
  if (cmd === 0x72) {
    if (!response) {
      // Dialects: 0x02 then a NUL-terminated OEM string, each.
      const dialects: string[] = [];
      for (let p = bytes; p < bEnd && dialects.length < MAX_DIALECTS; ) {
        if (b[p] !== 0x02) break;
        let e = p + 1;
        while (e < bEnd && b[e] !== 0) e++;
        dialects.push(ascii(b, p + 1, e));
        p = e + 1;
      }
      return { kind: 'ok', msg: { ...base, command: 'negotiate', dialects } };
    }
    if (wc === 1) return { kind: 'ok', msg: { ...base, command: 'negotiate', dialect: 'PC NETWORK PROGRAM 1.0' } };
    if (wc < 17) return TRUNC;
    const securityMode = b[w + 2]!;
    const caps = le32(b, w + 19);
    const keyLen = b[w + 33]!;
    const msg: SmbMessage = {
      ...base,
      command: 'negotiate',
      dialect: 'NT LM 0.12',
      signingRequired: (securityMode & 0x08) !== 0,
    };
    if ((caps & 0x80000000) !== 0) {
      // Extended security: ServerGUID (16), then the SPNEGO blob (no names until SESSION_SETUP).
      return { kind: 'ok', msg };
    }
    // Challenge (keyLen), then DomainName and ServerName (unicode strings when flags2 says so).
    const p = bytes + keyLen;
    const dom = str(b, p, bEnd, unicode, s);
    const srv = dom === null ? null : str(b, dom.next, bEnd, unicode, s);
    return {
      kind: 'ok',
      msg: { ...msg, serverDomain: dom?.text || undefined, serverName: srv?.text || undefined },
    };
  }
  if (cmd === 0x73) {
    let blob = 0;
    let blobLen = 0;
    if (!response && wc === 12) {
      blobLen = le16(b, w + 14);
    } else if (response && wc === 4) {
      blobLen = le16(b, w + 6);
    } else if (!response && wc === 13) {
      // Without extended security: passwords, then account name (never read), domain, OS, LanMan.
      const pw = le16(b, w + 14) + le16(b, w + 16);
      let p = bytes + pw;
      const account = str(b, p, bEnd, unicode, s); // skipped: it names a user
      if (account === null) return { kind: 'ok', msg: { ...base, command: 'session-setup' } };
      p = account.next;
      const domain = str(b, p, bEnd, unicode, s);
      const os = domain === null ? null : str(b, domain.next, bEnd, unicode, s);
      const lm = os === null ? null : str(b, os.next, bEnd, unicode, s);
      return {
        kind: 'ok',
        msg: {
          ...base,
          command: 'session-setup',
          primaryDomain: domain?.text || undefined,
          nativeOs: os?.text || undefined,
          nativeLanman: lm?.text || undefined,
        },
      };
    } else if (!(response && wc === 3)) return { kind: 'ok', msg: { ...base, command: 'session-setup' } };
    blob = bytes;
    if (blob + blobLen > bEnd) return TRUNC;
    const ntlm = blobLen > 0 ? (decodeNtlmssp(b, blob, blob + blobLen) ?? undefined) : undefined;
    const os = str(b, blob + blobLen, bEnd, unicode, s);
    const lm = os === null ? null : str(b, os.next, bEnd, unicode, s);
    const pd = response && lm !== null ? str(b, lm.next, bEnd, unicode, s) : null;
    return {
      kind: 'ok',
      msg: {
        ...base,
        command: 'session-setup',
        ntlm,
        nativeOs: os?.text || undefined,
        nativeLanman: lm?.text || undefined,
        primaryDomain: pd?.text || undefined,
      },
    };
  }
  return { kind: 'ok', msg: { ...base, command: 'other' } };
}

function smb2(b: Uint8Array, s: number, end: number): SmbResult {
  if (s + 64 > end) return TRUNC;
  if (le16(b, s + 4) !== 64) return TRUNC;
  const status = le32(b, s + 8);
  const cmd = le16(b, s + 12);
  const response = (le32(b, s + 16) & 1) !== 0;
  const base = { version: 2 as const, response, status };
  const p = s + 64;
  if (cmd === 0) {
    if (!response) {
      if (p + 36 > end) return TRUNC;
      const count = le16(b, p + 2);
      if (p + 36 + 2 * count > end) return TRUNC;
      const dialects: string[] = [];
      for (let i = 0; i < count && i < MAX_DIALECTS; i++) dialects.push(smb2DialectName(le16(b, p + 36 + 2 * i)));
      return { kind: 'ok', msg: { ...base, command: 'negotiate', dialects } };
    }
    if (p + 64 > end) return TRUNC;
    const secOff = le16(b, p + 56);
    const secLen = le16(b, p + 58);
    const blob = s + secOff;
    const ntlm = secLen > 0 && blob + secLen <= end ? (decodeNtlmssp(b, blob, blob + secLen) ?? undefined) : undefined;
    return {
      kind: 'ok',
      msg: {
        ...base,
        command: 'negotiate',
        dialect: smb2DialectName(le16(b, p + 4)),
        signingRequired: (le16(b, p + 2) & 0x2) !== 0,
        ntlm,
      },
    };
  }
  if (cmd === 1) {
    // Request: StructureSize 25, offsets at 12/14; response: StructureSize 9, offsets at 4/6.
    const at = response ? p + 4 : p + 12;
    if (at + 4 > end) return TRUNC;
    const blob = s + le16(b, at);
    const len = le16(b, at + 2);
    if (len > 0 && (blob < p || blob + len > end)) return TRUNC;
    const ntlm = len > 0 ? (decodeNtlmssp(b, blob, blob + len) ?? undefined) : undefined;
    return { kind: 'ok', msg: { ...base, command: 'session-setup', ntlm } };
  }
  return { kind: 'ok', msg: { ...base, command: 'other' } };
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && s.length < 64; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}

/**
 * A NUL-terminated string at p: UTF-16LE (aligned to an even offset from the SMB header at `s`,
 * [MS-CIFS] §2.2.1.1) or OEM. null when no terminator is found before `end`.
 */
function str(
  b: Uint8Array,
  p: number,
  end: number,
  unicode: boolean,
  s: number,
): { text: string; next: number } | null {
  if (unicode) {
    if ((p - s) & 1) p++;
    let e = p;
    while (e + 1 < end && (b[e] !== 0 || b[e + 1] !== 0)) e += 2;
    if (e + 1 >= end) return e === p ? null : { text: utf16(b, p, e - p, end), next: end };
    return { text: utf16(b, p, e - p, end), next: e + 2 };
  }
  let e = p;
  while (e < end && b[e] !== 0) e++;
  if (e >= end && e === p) return null;
  return { text: ascii(b, p, e), next: e + 1 };
}

/** SESSION REQUEST (0x81) payload: the called and calling NetBIOS names (RFC 1002 §4.3.2). */
export function sessionRequestNames(b: Uint8Array, off: number, end: number): { called?: string; calling?: string } {
  const called = decodeNbName(b, off, end);
  const calling = called === null ? null : decodeNbName(b, off + 34, end);
  return { called: called?.name, calling: calling?.name };
}
