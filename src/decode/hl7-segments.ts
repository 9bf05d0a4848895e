// HL7 v2 segment readers used by hl7.ts: field splitting over the message bytes and the
// per-segment extraction of PID (hashes and field names only), PV1, OBR, OBX, MSA and ERR.
// Module scratch (field offsets, delimiters) is reused for every segment: the decoder is
// synchronous and not re-entrant, so nothing is allocated per field.

import { vitalFor } from './hl7-vitals.js';
import { compText, type Hl7Delims, isEmpty, piece, slice, text, unescapeHl7 } from './hl7-text.js';

const MAX_FIELDS = 40;
const MAX_OBSERVATIONS = 256;
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

/** Split segment [s, e) on the field separator; returns the number of fields (≤ MAX_FIELDS). */
export function split(buf: Uint8Array, s: number, e: number): number {
  let n = 0;
  let start = s;
  for (let i = s; i < e && n < MAX_FIELDS - 1; i++) {
    if (buf[i] === D.field) {
      FS[n] = start;
      FE[n++] = i;
      start = i + 1;
    }
  }
  FS[n] = start;
  // A segment with more fields than we track: the last tracked one runs to its own separator.
  let stop = e;
  for (let i = start; i < e; i++) {
    if (buf[i] === D.field) {
      stop = i;
      break;
    }
  }
  FE[n++] = stop;
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
const id = (t: string) => (t.charCodeAt(0) << 16) | (t.charCodeAt(1) << 8) | t.charCodeAt(2);
export const MSH = id('MSH');
const PID = id('PID');
const PV1 = id('PV1');
const OBR = id('OBR');
const OBX = id('OBX');
const MSA = id('MSA');
const ERR = id('ERR');
export const BATCH = new Set([id('FHS'), id('BHS'), id('BTS'), id('FTS')]);
const IDENT = new Map(Object.entries(IDENTIFYING).map(([k, v]) => [id(k), { name: k, fields: v }]));

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

/** Drop undefined members so decoded objects compare and serialise cleanly. */
export function defined<T extends Partial<Record<string, string | undefined>>>(o: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export function segment(buf: Uint8Array, sid: number, nf: number, acc: Acc, hashId: (id: string) => string): void {
  const ident = IDENT.get(sid);
  if (ident) {
    for (const n of ident.fields) {
      if (n < nf && !isEmpty(buf, FS[n]!, FE[n]!)) {
        const name = `${ident.name}-${n}`;
        if (!acc.fields.includes(name)) acc.fields.push(name);
      }
    }
  }
  if (sid === PID && nf > 3) hashIds(buf, FS[3]!, FE[3]!, acc, hashId);
  else if (sid === PV1 && acc.location === undefined && nf > 3) acc.location = location(buf, FS[3]!, FE[3]!);
  else if (sid === OBX && acc.observations.length < MAX_OBSERVATIONS) observation(buf, nf, acc);
  else if (sid === OBR && acc.orders.length < MAX_LIST) {
    const o = defined({ placerId: comp(buf, nf, 2, 1), fillerId: comp(buf, nf, 3, 1), code: comp(buf, nf, 4, 1) });
    acc.orders.push(o);
  } else if (sid === MSA && acc.ackCode === undefined) {
    acc.ackCode = comp(buf, nf, 1, 1);
    acc.ackControlId = comp(buf, nf, 2, 1);
  } else if (sid === ERR && acc.errors.length < MAX_LIST) {
    const code = comp(buf, nf, 3, 1) ?? errLocationCode(buf, nf);
    if (code !== undefined) acc.errors.push(code);
  }
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
  const parts = [1, 2, 3].map((c) => compText(buf, s, e, D, c) ?? '');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.length > 0 ? parts.join('^') : undefined;
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

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const COMPARATOR = /^(>|<|>=|<=|=|<>)?$/;
const SN_SEPARATOR = /^[-+/.:]?$/;

/** OBX: numeric values (NM, SN) only; any other value type never leaves the decoder. */
function observation(buf: Uint8Array, nf: number, acc: Acc): void {
  const type = comp(buf, nf, 2, 1);
  const code = comp(buf, nf, 3, 1);
  if (code === undefined || (type !== 'NM' && type !== 'SN')) return;
  let value: string | undefined;
  if (type === 'NM') {
    const v = (comp(buf, nf, 5, 1) ?? '').trim();
    if (NUMBER.test(v)) value = v;
  } else {
    const [cmp, n1, sep, n2] = [1, 2, 3, 4].map((c) => (comp(buf, nf, 5, c) ?? '').trim());
    const ok = COMPARATOR.test(cmp!) && SN_SEPARATOR.test(sep!) && (n1 === '' || NUMBER.test(n1!));
    if (ok && (n2 === '' || NUMBER.test(n2!)) && (n1 !== '' || n2 !== '')) value = `${cmp}${n1}${sep}${n2}`;
  }
  if (value === undefined) return;
  const textPart = comp(buf, nf, 3, 2);
  const vital = vitalFor(code);
  acc.observations.push({
    code,
    ...defined({ text: textPart, vital }),
    value,
    ...defined({ unit: comp(buf, nf, 6, 1), status: comp(buf, nf, 11, 1) }),
  });
}
