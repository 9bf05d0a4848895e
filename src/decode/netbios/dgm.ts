// NetBIOS datagram service (UDP 138, RFC 1002 §4.4) and the browser announcements it carries
// ([MS-BRWS] §2.2: an SMB1 TRANSACTION to the mailslot \MAILSLOT\BROWSE). A host announcement
// names the sender, its OS version and server type bits and a comment; a domain announcement
// names a workgroup and its master browser.

import { cText, decodeNbName, skipNbName } from './name.js';

export const NBDGM_ANOMALIES = [
  'nbdgm.truncated', // the datagram header, names or the carried SMB are cut short
  'nbdgm.bad-name', // the source or destination name is not a first-level encoded NetBIOS name
] as const;
export type NbdgmAnomaly = (typeof NBDGM_ANOMALIES)[number];

export interface BrowserAnnouncement {
  /** 1 host, 12 domain/workgroup, 15 local master, others by number. */
  readonly opcode: number;
  readonly kind: 'host' | 'domain' | 'local-master' | 'other';
  /** Host announcement: the server's name; domain announcement: the workgroup. */
  readonly name: string;
  readonly osMajor: number;
  readonly osMinor: number;
  /** SV_TYPE_* bits ([MS-RAP] §5.1.1.1): 0x1 workstation, 0x2 server, 0x200 print queue, … */
  readonly serverType: number;
  /** Host: the comment; domain announcement: the master browser's name. */
  readonly comment: string;
}

export interface NbdgmMessage {
  readonly msgType: number; // 0x10 direct unique, 0x11 direct group, 0x12 broadcast
  readonly sourceIp: string;
  readonly sourceName?: string;
  readonly sourceSuffix?: number;
  readonly destName?: string;
  readonly destSuffix?: number;
  readonly mailslot?: string;
  readonly announcement?: BrowserAnnouncement;
}

export type NbdgmResult =
  | { readonly kind: 'ok'; readonly msg: NbdgmMessage }
  | { readonly kind: 'anomaly'; readonly code: NbdgmAnomaly }
  | { readonly kind: 'not' };

const u16 = (b: Uint8Array, p: number): number => (b[p]! << 8) | b[p + 1]!;
const le16 = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8);
const le32 = (b: Uint8Array, p: number): number =>
  (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

/** Message types that carry names and user data (direct unique/group, broadcast). */
export function isNbdgmData(b: Uint8Array): boolean {
  return b.length >= 14 + 68 && b[0]! >= 0x10 && b[0]! <= 0x12 && b[14] === 32;
}

export function decodeNbdgm(b: Uint8Array, off: number, end: number): NbdgmResult {
  end = Math.min(end, b.length);
  if (end - off < 10) return { kind: 'anomaly', code: 'nbdgm.truncated' };
  const msgType = b[off]!;
  const sourceIp = `${b[off + 4]}.${b[off + 5]}.${b[off + 6]}.${b[off + 7]}`;
  if (msgType < 0x10 || msgType > 0x12) return { kind: 'ok', msg: { msgType, sourceIp } };
  if (end - off < 14) return { kind: 'anomaly', code: 'nbdgm.truncated' };
  // DGM_LENGTH counts from the source name on; trust it only within the datagram.
  const dataEnd = Math.min(end, off + 14 + u16(b, off + 10));
  let p = off + 14;
  const src = decodeNbName(b, p, dataEnd);
  const afterSrc = skipNbName(b, p, dataEnd);
  if (afterSrc < 0) return { kind: 'anomaly', code: 'nbdgm.truncated' };
  const dst = decodeNbName(b, afterSrc, dataEnd);
  p = skipNbName(b, afterSrc, dataEnd);
  if (p < 0) return { kind: 'anomaly', code: 'nbdgm.truncated' };
  if (src === null || dst === null) return { kind: 'anomaly', code: 'nbdgm.bad-name' };
  const base = {
    msgType,
    sourceIp,
    sourceName: src.name,
    sourceSuffix: src.suffix,
    destName: dst.name,
    destSuffix: dst.suffix,
  };
  const tx = mailslot(b, p, dataEnd);
  if (tx === null) return { kind: 'ok', msg: base };
  if (tx === 'truncated') return { kind: 'anomaly', code: 'nbdgm.truncated' };
  const announcement =
    tx.name.toUpperCase().startsWith('\\MAILSLOT\\BROWSE') || tx.name.toUpperCase() === '\\MAILSLOT\\LANMAN'
      ? browser(b, tx.data, tx.dataEnd)
      : undefined;
  return { kind: 'ok', msg: { ...base, mailslot: tx.name, announcement } };
}

/** The SMB1 TRANSACTION (0x25) at `s`: its mailslot name and data bounds, null when not one. */
function mailslot(
  b: Uint8Array,
  s: number,
  end: number,
): { name: string; data: number; dataEnd: number } | 'truncated' | null {
  if (s + 4 > end) return s === end ? null : 'truncated';
  if (b[s] !== 0xff || b[s + 1] !== 0x53 || b[s + 2] !== 0x4d || b[s + 3] !== 0x42) return null;
  if (s + 33 > end) return 'truncated';
  if (b[s + 4] !== 0x25) return null;
  const wc = b[s + 32]!;
  const w = s + 33;
  if (wc < 14 || w + 2 * wc + 2 > end) return 'truncated';
  const dataCount = le16(b, w + 22);
  const dataOffset = le16(b, w + 24);
  const bytes = w + 2 * wc + 2;
  // The mailslot name is the byte area's first NUL-terminated (OEM) string.
  const name = cText(b, bytes, Math.min(end, bytes + 64));
  const data = s + dataOffset;
  if (data + dataCount > end || data < bytes) return 'truncated';
  return { name, data, dataEnd: data + dataCount };
}

/** [MS-BRWS] §2.2.2/§2.2.6: HostAnnouncement (1), DomainAnnouncement (12), LocalMasterAnnouncement (15). */
function browser(b: Uint8Array, p: number, end: number): BrowserAnnouncement | undefined {
  const opcode = b[p];
  if (opcode !== 1 && opcode !== 12 && opcode !== 15) return undefined;
  // Opcode, UpdateCount, Periodicity (4), ServerName (16), OS major/minor, ServerType (4), browser version (2), signature (2).
  if (p + 32 > end) return undefined;
  return {
    opcode,
    kind: opcode === 1 ? 'host' : opcode === 12 ? 'domain' : 'local-master',
    name: cText(b, p + 6, p + 6 + 16),
    osMajor: b[p + 22]!,
    osMinor: b[p + 23]!,
    serverType: le32(b, p + 24),
    comment: cText(b, p + 32, Math.min(end, p + 32 + 256)),
  };
}
