// DICOM upper layer PDUs (PS3.8 §9.3): a 6-byte header (type, reserved, u32 BE length) and a
// body. A-ASSOCIATE-RQ/AC carry AE titles at fixed offsets and then items (type, reserved,
// u16 length) with sub-items; A-ASSOCIATE-RJ and A-ABORT carry codes; P-DATA-TF carries PDVs.

import { abortText, rejectText } from './names.js';

export const DICOM_ANOMALIES = [
  'dicom.bad-pdu-type', // a PDU type outside 0x01..0x07 (PS3.8 §9.3)
  'dicom.item-overrun', // an item or PDV runs past its PDU, or bytes are left over after the last one
  'dicom.pdu-too-long', // a PDU length over DICOM_MAX_PDU (the flow analyzer names the type and length)
] as const;
export type DicomAnomaly = (typeof DICOM_ANOMALIES)[number];

/** Largest PDU believed (P-DATA with a large max length stays far below). */
export const DICOM_MAX_PDU = 16 << 20;
const MAX_CONTEXTS = 128; // context ids are odd numbers 1..255 (PS3.8 §9.3.2.2)
const MAX_SYNTAXES = 64;
const MAX_PDVS = 64;
const AE_LEN = 16;

export interface DicomContext {
  readonly id: number;
  readonly abstractSyntax?: string;
  readonly transferSyntaxes: readonly string[];
  /** AC only: 0 acceptance, 1 user-rejection, 2 no-reason, 3 abstract syntax not supported, 4 transfer syntaxes not supported. */
  readonly result?: number;
}

export interface DicomAssociate {
  readonly type: 'associate-rq' | 'associate-ac';
  readonly protocolVersion: number;
  readonly calledAe: string;
  readonly callingAe: string;
  readonly appContext?: string;
  readonly contexts: readonly DicomContext[];
  readonly maxLength?: number;
  readonly implementationClass?: string;
  readonly implementationVersion?: string;
}

export interface DicomPdv {
  readonly length: number;
  readonly contextId: number;
  /** Message control header bit 0: command (true) or data set. */
  readonly command: boolean;
  /** Bit 1: last fragment. */
  readonly last: boolean;
}

export type DicomPdu =
  | DicomAssociate
  | {
      readonly type: 'associate-rj';
      readonly result: number;
      readonly source: number;
      readonly reason: number;
      readonly text: string;
    }
  | { readonly type: 'p-data'; readonly pdvs: readonly DicomPdv[] }
  | { readonly type: 'release-rq' }
  | { readonly type: 'release-rp' }
  | { readonly type: 'abort'; readonly source: number; readonly reason: number; readonly text: string };

export type DicomHeader =
  | { readonly kind: 'ok'; readonly type: number; readonly length: number }
  | { readonly kind: 'more' }
  | { readonly kind: 'anomaly'; readonly code: DicomAnomaly };

export type DicomResult =
  /** `anomaly` is set when items ran past their container: what was before is still returned. */
  | { readonly kind: 'ok'; readonly pdu: DicomPdu; readonly next: number; readonly anomaly?: DicomAnomaly }
  | { readonly kind: 'more' }
  | { readonly kind: 'anomaly'; readonly code: DicomAnomaly };

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** Type and length of the PDU at b[off]. */
export function readPduHeader(b: Uint8Array, off: number, end: number): DicomHeader {
  if (end > b.length) end = b.length;
  if (off + 6 > end) return { kind: 'more' };
  const type = b[off]!;
  if (type < 1 || type > 7) return { kind: 'anomaly', code: 'dicom.bad-pdu-type' };
  const length = u32(b, off + 2);
  if (length > DICOM_MAX_PDU) return { kind: 'anomaly', code: 'dicom.pdu-too-long' };
  return { kind: 'ok', type, length };
}

/** Printable ASCII of b[s, e) with space/NUL padding trimmed (AE titles, UIDs). */
function ascii(b: Uint8Array, s: number, e: number): string {
  while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0x00)) e--;
  while (s < e && b[s] === 0x20) s++;
  let out = '';
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return out;
}

/** Decode the whole PDU at b[off] (needs all of it: 'more' until then). */
export function decodeDicomPdu(b: Uint8Array, off: number, end: number): DicomResult {
  const h = readPduHeader(b, off, end);
  if (h.kind !== 'ok') return h;
  if (end > b.length) end = b.length;
  const bodyEnd = off + 6 + h.length;
  if (bodyEnd > end) return { kind: 'more' };
  const p = off + 6;
  switch (h.type) {
    case 1:
    case 2:
      return associate(b, off, bodyEnd, h.type === 1 ? 'associate-rq' : 'associate-ac');
    case 3:
      if (h.length < 4)
        return {
          kind: 'ok',
          pdu: { type: 'associate-rj', result: 0, source: 0, reason: 0, text: '' },
          next: bodyEnd,
          anomaly: 'dicom.item-overrun',
        };
      return {
        kind: 'ok',
        pdu: {
          type: 'associate-rj',
          result: b[p + 1]!,
          source: b[p + 2]!,
          reason: b[p + 3]!,
          text: rejectText(b[p + 1]!, b[p + 2]!, b[p + 3]!),
        },
        next: bodyEnd,
      };
    case 4:
      return pdata(b, p, bodyEnd);
    case 5:
      return { kind: 'ok', pdu: { type: 'release-rq' }, next: bodyEnd };
    case 6:
      return { kind: 'ok', pdu: { type: 'release-rp' }, next: bodyEnd };
    default: {
      const src = h.length >= 4 ? b[p + 2]! : 0;
      const reason = h.length >= 4 ? b[p + 3]! : 0;
      return { kind: 'ok', pdu: { type: 'abort', source: src, reason, text: abortText(src, reason) }, next: bodyEnd };
    }
  }
}

function pdata(b: Uint8Array, p: number, end: number): DicomResult {
  const pdvs: DicomPdv[] = [];
  let anomaly: DicomAnomaly | undefined;
  while (p + 6 <= end && pdvs.length < MAX_PDVS) {
    const length = u32(b, p);
    // The item length counts the context id and control header: at least 2.
    if (length < 2 || p + 4 + length > end) {
      anomaly = 'dicom.item-overrun';
      break;
    }
    const mch = b[p + 5]!;
    pdvs.push({ length, contextId: b[p + 4]!, command: (mch & 1) === 1, last: (mch & 2) === 2 });
    p += 4 + length;
  }
  if (!anomaly && pdvs.length < MAX_PDVS && p !== end) anomaly = 'dicom.item-overrun';
  return { kind: 'ok', pdu: { type: 'p-data', pdvs }, next: end, ...(anomaly ? { anomaly } : {}) };
}

interface Mutable {
  appContext?: string;
  maxLength?: number;
  implementationClass?: string;
  implementationVersion?: string;
}

function associate(b: Uint8Array, off: number, end: number, type: DicomAssociate['type']): DicomResult {
  // Fixed part: version at 6, called AE at 10, calling AE at 26, 32 reserved bytes; items from 74.
  if (off + 74 > end) {
    return {
      kind: 'ok',
      pdu: { type, protocolVersion: 0, calledAe: '', callingAe: '', contexts: [] },
      next: end,
      anomaly: 'dicom.item-overrun',
    };
  }
  const contexts: DicomContext[] = [];
  const m: Mutable = {};
  let anomaly: DicomAnomaly | undefined;
  let p = off + 74;
  while (p + 4 <= end) {
    const itemType = b[p]!;
    const len = u16(b, p + 2);
    const s = p + 4;
    const e = s + len;
    if (e > end) {
      anomaly = 'dicom.item-overrun';
      break;
    }
    if (itemType === 0x10) m.appContext = ascii(b, s, e);
    else if ((itemType === 0x20 || itemType === 0x21) && len >= 4 && contexts.length < MAX_CONTEXTS) {
      const c = context(b, s, e, itemType === 0x21);
      if (c.overrun) anomaly = 'dicom.item-overrun';
      contexts.push(c.context);
    } else if (itemType === 0x50 && userInfo(b, s, e, m)) anomaly = 'dicom.item-overrun';
    p = e;
  }
  if (!anomaly && p !== end) anomaly = 'dicom.item-overrun';
  const pdu: DicomAssociate = {
    type,
    protocolVersion: u16(b, off + 6),
    calledAe: ascii(b, off + 10, off + 10 + AE_LEN),
    callingAe: ascii(b, off + 26, off + 26 + AE_LEN),
    ...m,
    contexts,
  };
  return { kind: 'ok', pdu, next: end, ...(anomaly ? { anomaly } : {}) };
}

/** Presentation context item body: id, reserved, result (AC) / reserved, reserved, sub-items. */
function context(b: Uint8Array, s: number, e: number, ac: boolean): { context: DicomContext; overrun: boolean } {
  const id = b[s]!;
  let abstractSyntax: string | undefined;
  const transferSyntaxes: string[] = [];
  let overrun = false;
  let p = s + 4;
  while (p + 4 <= e) {
    const t = b[p]!;
    const len = u16(b, p + 2);
    if (p + 4 + len > e) {
      overrun = true;
      break;
    }
    if (t === 0x30) abstractSyntax = ascii(b, p + 4, p + 4 + len);
    else if (t === 0x40 && transferSyntaxes.length < MAX_SYNTAXES) transferSyntaxes.push(ascii(b, p + 4, p + 4 + len));
    p += 4 + len;
  }
  if (p !== e) overrun = true;
  const context: DicomContext = {
    id,
    ...(abstractSyntax !== undefined ? { abstractSyntax } : {}),
    transferSyntaxes,
    ...(ac ? { result: b[s + 2]! } : {}),
  };
  return { context, overrun };
}

/** User information sub-items (PS3.8 annex D, PS3.7 annex D.3.3); returns true on overrun. */
function userInfo(b: Uint8Array, s: number, e: number, m: Mutable): boolean {
  let p = s;
  while (p + 4 <= e) {
    const t = b[p]!;
    const len = u16(b, p + 2);
    const vs = p + 4;
    if (vs + len > e) return true;
    if (t === 0x51 && len >= 4) m.maxLength = u32(b, vs);
    else if (t === 0x52) m.implementationClass = ascii(b, vs, vs + len);
    else if (t === 0x55) m.implementationVersion = ascii(b, vs, vs + len);
    p = vs + len;
  }
  return p !== e;
}
