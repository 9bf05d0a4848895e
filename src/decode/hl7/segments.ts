// HL7 v2 segment readers used by hl7.ts: field splitting over the message bytes and the
// per-segment extraction of PID (hashes and field names only), PV1, OBR, MSA and ERR (OBX is
// read in hl7-vitals.ts).
// The field offsets and delimiters live in the caller's Hl7Reader, reused for every segment, so
// nothing is allocated per field.

import { compText, HL7_MAX_FIELDS, type Hl7Reader, isEmpty, piece, text, unescapeHl7 } from './text.js';

const MAX_HASHES = 16;
const MAX_REPS = 16;
const MAX_LIST = 32;
const MAX_EQUIPMENT = 8;

/**
 * An entity identifier (EI: entity id ^ namespace ^ universal id ^ type, e.g. the IHE PCD
 * 'PUMP-7^Alaris^0012D3FFFE5A1234^EUI-64') in field `n` of the split segment, as one text with
 * its non-empty components joined by '^'. Equipment, never a person: it may leave the decoder.
 */
export function addEquipment(r: Hl7Reader, buf: Uint8Array, nf: number, n: number, acc: Acc): void {
  const i = field(nf, n, false);
  if (i < 0 || isEmpty(buf, r.fs[i]!, r.fe[i]!)) return;
  const parts: string[] = [];
  for (let c = 1; c <= 4; c++) {
    const t = comp(r, buf, nf, n, c);
    if (t !== undefined && t !== '') parts.push(t);
  }
  const text = parts.join('^');
  if (text !== '' && acc.equipment.length < MAX_EQUIPMENT && !acc.equipment.includes(text)) acc.equipment.push(text);
}

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

/**
 * Split the segment starting at s (ending at the next CR/LF before `end`) on the field
 * separator, up to field index `upto` (callers ask for no field beyond it); returns the number
 * of fields found (≤ HL7_MAX_FIELDS), their offsets in r.fs/r.fe and the segment end in
 * r.segEnd. The field separator is never CR or LF (readDelims), so one pass finds both.
 */
export function split(r: Hl7Reader, buf: Uint8Array, s: number, end: number, upto = HL7_MAX_FIELDS - 1): number {
  const f = r.d.field;
  const { fs, fe } = r;
  const last = Math.min(upto, HL7_MAX_FIELDS - 1);
  let n = 0;
  let start = s;
  let i = s;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === f) {
      fs[n] = start;
      fe[n] = i;
      // A segment with more fields than we track: the last tracked one runs to its own separator.
      if (n++ === last) {
        r.segEnd = segEnd(buf, i + 1, end);
        return n;
      }
      start = i + 1;
    } else if (b < 0x0e && (b === 0x0d || b === 0x0a)) break; // the separator is > 0x20
  }
  fs[n] = start;
  fe[n++] = i;
  r.segEnd = i;
  return n;
}

/** Segment field n (HL7 numbering). For MSH, MSH-1 is the separator itself: MSH-n is piece n-1. */
export function field(nf: number, n: number, msh: boolean): number {
  const i = msh ? n - 1 : n;
  return i < nf ? i : -1;
}

export function comp(r: Hl7Reader, buf: Uint8Array, nf: number, n: number, c: number, msh = false): string | undefined {
  const i = field(nf, n, msh);
  return i < 0 ? undefined : compText(r, buf, r.fs[i]!, r.fe[i]!, c);
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
const PRT = id('PRT');
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
  /** Equipment the message names (PRT-10 participation device, OBX-18 equipment instance id). */
  equipment: string[];
  fields: string[];
  observations: Hl7Observation[];
  orders: Hl7Order[];
  errors: string[];
  location?: string;
  ackCode?: string;
  ackControlId?: string;
}

/**
 * Extract what leaves the decoder from the segment starting at s; returns its end (the next
 * CR/LF before `end`). Segments we do not read are scanned for their end only.
 */
export function segment(
  r: Hl7Reader,
  buf: Uint8Array,
  sid: number,
  s: number,
  end: number,
  acc: Acc,
  hashId: (id: string) => string,
): number {
  if (sid === PV1) {
    if (acc.location === undefined) {
      const nf = split(r, buf, s, end, 3);
      if (nf > 3) acc.location = location(r, buf, r.fs[3]!, r.fe[3]!);
      return r.segEnd;
    }
  } else if (sid === OBR) {
    if (acc.orders.length < MAX_LIST) {
      const nf = split(r, buf, s, end, 4);
      acc.orders.push({
        placerId: comp(r, buf, nf, 2, 1),
        fillerId: comp(r, buf, nf, 3, 1),
        code: comp(r, buf, nf, 4, 1),
      });
      return r.segEnd;
    }
  } else if (sid === MSA) {
    if (acc.ackCode === undefined) {
      const nf = split(r, buf, s, end, 2);
      acc.ackCode = comp(r, buf, nf, 1, 1);
      acc.ackControlId = comp(r, buf, nf, 2, 1);
      return r.segEnd;
    }
  } else if (sid === PRT) {
    // v2.7+ participation: PRT-10 is the participating device (EI). PRT-5 (a person) is never read.
    if (acc.equipment.length < MAX_EQUIPMENT) {
      const nf = split(r, buf, s, end, 10);
      addEquipment(r, buf, nf, 10, acc);
      return r.segEnd;
    }
  } else if (sid === ERR) {
    if (acc.errors.length < MAX_LIST) {
      const nf = split(r, buf, s, end, 3);
      const code = comp(r, buf, nf, 3, 1) ?? errLocationCode(r, buf, nf);
      if (code !== undefined) acc.errors.push(code);
      return r.segEnd;
    }
  } else {
    const ident = IDENT.get(sid);
    if (ident === undefined) return segEnd(buf, s, end);
    const nf = split(r, buf, s, end, ident.last);
    const { fields, names } = ident;
    const { fs, fe } = r;
    for (let k = 0; k < fields.length; k++) {
      const n = fields[k]!;
      if (n < nf && !isEmpty(buf, fs[n]!, fe[n]!) && !acc.fields.includes(names[k]!)) acc.fields.push(names[k]!);
    }
    if (sid === PID && nf > 3) hashIds(r, buf, fs[3]!, fe[3]!, acc, hashId);
    return r.segEnd;
  }
  return segEnd(buf, s, end);
}

/** PID-3 repetitions: component 1 of each is an identifier; only its hash leaves. */
function hashIds(r: Hl7Reader, buf: Uint8Array, s: number, e: number, acc: Acc, hashId: (id: string) => string): void {
  const d = r.d;
  for (let k = 1; k <= MAX_REPS && acc.hashes.length < MAX_HASHES; k++) {
    piece(r, buf, s, e, d.rep, k);
    if (r.s >= e && k > 1) return;
    piece(r, buf, r.s, r.e, d.comp, 1);
    piece(r, buf, r.s, r.e, d.sub, 1);
    if (!isEmpty(buf, r.s, r.e)) {
      // Built with text(), never the output cache: identifiers must not outlive this call.
      let t = text(buf, r.s, r.e);
      if (d.esc >= 0 && t.indexOf(String.fromCharCode(d.esc)) >= 0) t = unescapeHl7(t, d);
      const h = hashId(t);
      if (!acc.hashes.includes(h)) acc.hashes.push(h);
    }
    if (d.rep < 0) return;
  }
}

/** PV1-3 (PL): point of care^room^bed, joined with '^' whatever the message's delimiters. */
function location(r: Hl7Reader, buf: Uint8Array, s: number, e: number): string | undefined {
  const c1 = compText(r, buf, s, e, 1) ?? '';
  const c2 = compText(r, buf, s, e, 2) ?? '';
  const c3 = compText(r, buf, s, e, 3) ?? '';
  if (c3 !== '') return `${c1}^${c2}^${c3}`;
  if (c2 !== '') return `${c1}^${c2}`;
  return c1 !== '' ? c1 : undefined;
}

function errLocationCode(r: Hl7Reader, buf: Uint8Array, nf: number): string | undefined {
  // ERR-1 (v2.4 and earlier, ELD): segment^sequence^field^code; the code's first subcomponent.
  const i = field(nf, 1, false);
  if (i < 0) return undefined;
  piece(r, buf, r.fs[i]!, r.fe[i]!, r.d.rep, 1);
  piece(r, buf, r.s, r.e, r.d.comp, 4);
  piece(r, buf, r.s, r.e, r.d.sub, 1);
  return r.e > r.s ? text(buf, r.s, r.e) : undefined;
}
