// HL7 v2 segment readers used by hl7.ts: field splitting over the message bytes and the
// per-segment extraction of PID (hashes and field names only), PV1, OBR, MSA and ERR (OBX is
// read in hl7-vitals.ts).
// Module scratch (field offsets, delimiters) is reused for every segment: the decoder is
// synchronous and not re-entrant, so nothing is allocated per field.

import { compText, type Hl7Delims, isEmpty, piece, slice, text, unescapeHl7 } from './text.js';

const MAX_FIELDS = 40;
const MAX_HASHES = 16;
const MAX_REPS = 16;
const MAX_LIST = 32;

export interface Hl7Observation {
  readonly code: string;
  readonly text?: string;
  readonly vital?: string;
  readonly value: string;
  readonly unit?: string;
  readonly status?: string;
}

export interface Hl7Order {
  readonly placerId?: string; // OBR-2
  readonly fillerId?: string; // OBR-3
  readonly code?: string; // OBR-4 identifier (never its text)
}

/** Identifying fields reported by name only, per segment (HIPAA-style identifiers). */
const IDENTIFYING: Readonly<Record<string, readonly number[]>> = {
  PID: [2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 18, 19, 20, 21, 23, 29],
  NK1: [2, 4, 5],
  MRG: [1],
  GT1: [3],
  IN1: [16],
};

export const FS = new Int32Array(MAX_FIELDS);
export const FE = new Int32Array(MAX_FIELDS);
export const D: Hl7Delims = { field: 0x7c, comp: 0x5e, rep: 0x7e, esc: 0x5c, sub: 0x26 };

/**
 * End of the segment starting at p: the next CR or LF (HL7 says CR; LF and CRLF are tolerated).
 * A byte loop beats indexOf on segments of tens of bytes; every byte is visited once per pass.
 */
export function segEnd(buf: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const b = buf[p]!;
    if (b < 0x0e && (b === 0x0d || b === 0x0a)) return p;
    p++;
  }
  return end;
}

/** Where the segment last split ends (set by split, which finds it on the way). */
export const splitAt = { end: 0 };

/**
 * Split the segment starting at s (ending at the next CR/LF before `end`) on the field
 * separator, up to field index `upto` (callers ask for no field beyond it); returns the number
 * of fields found (≤ MAX_FIELDS) and leaves the segment end in `splitAt.end`. The field separator
 * is never CR or LF (readDelims), so one pass finds both.
 */
export function split(buf: Uint8Array, s: number, end: number, upto = MAX_FIELDS - 1): number {
  const f = D.field;
  const last = Math.min(upto, MAX_FIELDS - 1);
  let n = 0;
  let start = s;
  let i = s;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === f) {
      FS[n] = start;
      FE[n] = i;
      // A segment with more fields than we track: the last tracked one runs to its own separator.
      if (n++ === last) {
        splitAt.end = segEnd(buf, i + 1, end);
        return n;
      }
      start = i + 1;
    } else if (b < 0x0e && (b === 0x0d || b === 0x0a)) break; // the separator is > 0x20
  }
  FS[n] = start;
  FE[n++] = i;
  splitAt.end = i;
  return n;
}

/** Segment field n (HL7 numbering). For MSH, MSH-1 is the separator itself: MSH-n is piece n-1. */
export function field(nf: number, n: number, msh: boolean): number {
  const i = msh ? n - 1 : n;
  return i < nf ? i : -1;
}

export function comp(buf: Uint8Array, nf: number, n: number, c: number, msh = false): string | undefined {
  const i = field(nf, n, msh);
  return i < 0 ? undefined : compText(buf, FS[i]!, FE[i]!, D, c);
}

/** The 3-character segment id at s (or 0), packed into a number to compare without strings. */
export function segId(buf: Uint8Array, s: number, e: number): number {
  if (e - s < 3) return 0;
  return (buf[s]! << 16) | (buf[s + 1]! << 8) | buf[s + 2]!;
}
/** segId of the segment starting at p, without knowing its end: 0 when CR/LF comes first. */
export function segIdAt(buf: Uint8Array, p: number, end: number): number {
  if (p + 3 > end) return 0;
  const a = buf[p]!;
  const b = buf[p + 1]!;
  const c = buf[p + 2]!;
  if (a === 0x0d || a === 0x0a || b === 0x0d || b === 0x0a || c === 0x0d || c === 0x0a) return 0;
  return (a << 16) | (b << 8) | c;
}
const id = (t: string) => (t.charCodeAt(0) << 16) | (t.charCodeAt(1) << 8) | t.charCodeAt(2);
export const MSH = id('MSH');
const PID = id('PID');
const PV1 = id('PV1');
const OBR = id('OBR');
export const OBX = id('OBX');
const MSA = id('MSA');
const ERR = id('ERR');
const FHS = id('FHS');
const BHS = id('BHS');
const BTS = id('BTS');
const FTS = id('FTS');
/** Batch envelope segments (§2.10.3), compared directly: this runs for every segment. */
export const isBatch = (sid: number) => sid === BTS || sid === BHS || sid === FHS || sid === FTS;
const IDENT = new Map(
  Object.entries(IDENTIFYING).map(([k, v]) => [
    id(k),
    { fields: v, names: v.map((n) => `${k}-${n}`), last: Math.max(3, ...v) },
  ]),
);

export interface Acc {
  hashes: string[];
  fields: string[];
  observations: Hl7Observation[];
  orders: Hl7Order[];
  errors: string[];
  location?: string;
  ackCode?: string;
  ackControlId?: string;
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Extract what leaves the decoder from the segment starting at s; returns its end (the next
 * CR/LF before `end`). Segments we do not read are scanned for their end only.
 */
export function segment(
  buf: Uint8Array,
  sid: number,
  s: number,
  end: number,
  acc: Acc,
  hashId: (id: string) => string,
): number {
  if (sid === PV1) {
    if (acc.location === undefined) {
      const nf = split(buf, s, end, 3);
      if (nf > 3) acc.location = location(buf, FS[3]!, FE[3]!);
      return splitAt.end;
    }
  } else if (sid === OBR) {
    if (acc.orders.length < MAX_LIST) {
      const nf = split(buf, s, end, 4);
      const o: Mutable<Hl7Order> = {};
      const placerId = comp(buf, nf, 2, 1);
      const fillerId = comp(buf, nf, 3, 1);
      const code = comp(buf, nf, 4, 1);
      if (placerId !== undefined) o.placerId = placerId;
      if (fillerId !== undefined) o.fillerId = fillerId;
      if (code !== undefined) o.code = code;
      acc.orders.push(o);
      return splitAt.end;
    }
  } else if (sid === MSA) {
    if (acc.ackCode === undefined) {
      const nf = split(buf, s, end, 2);
      acc.ackCode = comp(buf, nf, 1, 1);
      acc.ackControlId = comp(buf, nf, 2, 1);
      return splitAt.end;
    }
  } else if (sid === ERR) {
    if (acc.errors.length < MAX_LIST) {
      const nf = split(buf, s, end, 3);
      const code = comp(buf, nf, 3, 1) ?? errLocationCode(buf, nf);
      if (code !== undefined) acc.errors.push(code);
      return splitAt.end;
    }
  } else {
    const ident = IDENT.get(sid);
    if (ident === undefined) return segEnd(buf, s, end);
    const nf = split(buf, s, end, ident.last);
    const { fields, names } = ident;
    for (let k = 0; k < fields.length; k++) {
      const n = fields[k]!;
      if (n < nf && !isEmpty(buf, FS[n]!, FE[n]!) && !acc.fields.includes(names[k]!)) acc.fields.push(names[k]!);
    }
    if (sid === PID && nf > 3) hashIds(buf, FS[3]!, FE[3]!, acc, hashId);
    return splitAt.end;
  }
  return segEnd(buf, s, end);
}

/** PID-3 repetitions: component 1 of each is an identifier; only its hash leaves. */
function hashIds(buf: Uint8Array, s: number, e: number, acc: Acc, hashId: (id: string) => string): void {
  for (let r = 1; r <= MAX_REPS && acc.hashes.length < MAX_HASHES; r++) {
    piece(buf, s, e, D.rep, r);
    if (slice.s >= e && r > 1) return;
    const rs = slice.s;
    const re = slice.e;
    piece(buf, rs, re, D.comp, 1);
    piece(buf, slice.s, slice.e, D.sub, 1);
    if (!isEmpty(buf, slice.s, slice.e)) {
      // Built with text(), never the output cache: identifiers must not outlive this call.
      let t = text(buf, slice.s, slice.e);
      if (D.esc >= 0 && t.indexOf(String.fromCharCode(D.esc)) >= 0) t = unescapeHl7(t, D);
      const h = hashId(t);
      if (!acc.hashes.includes(h)) acc.hashes.push(h);
    }
    if (D.rep < 0) return;
  }
}

/** PV1-3 (PL): point of care^room^bed, joined with '^' whatever the message's delimiters. */
function location(buf: Uint8Array, s: number, e: number): string | undefined {
  const c1 = compText(buf, s, e, D, 1) ?? '';
  const c2 = compText(buf, s, e, D, 2) ?? '';
  const c3 = compText(buf, s, e, D, 3) ?? '';
  if (c3 !== '') return `${c1}^${c2}^${c3}`;
  if (c2 !== '') return `${c1}^${c2}`;
  return c1 !== '' ? c1 : undefined;
}

function errLocationCode(buf: Uint8Array, nf: number): string | undefined {
  // ERR-1 (v2.4 and earlier, ELD): segment^sequence^field^code; the code's first subcomponent.
  const i = field(nf, 1, false);
  if (i < 0) return undefined;
  piece(buf, FS[i]!, FE[i]!, D.rep, 1);
  piece(buf, slice.s, slice.e, D.comp, 4);
  piece(buf, slice.s, slice.e, D.sub, 1);
  return slice.e > slice.s ? text(buf, slice.s, slice.e) : undefined;
}
