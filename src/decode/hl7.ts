// HL7 v2.x message decoder (HL7 v2.x ch. 2 "Control": message construction rules §2.6,
// MSH §2.14.9, MSA/ERR; ch. 3 PID/PV1; ch. 7 OBR/OBX). Input is one MLLP payload, which may
// hold a batch (FHS/BHS … BTS/FTS, §2.10.3): each MSH starts a message, so the caller loops
// on `next`. Privacy: PID-3 leaves only through `hashId`; names, birth dates, addresses and
// the like leave only as the names of the fields present; OBX values only when numeric.

import { vitalFor } from './hl7-vitals.js';
import { compText, type Hl7Delims, isEmpty, piece, readDelims, slice, text, unescapeHl7 } from './hl7-text.js';

export const HL7_ANOMALIES = ['hl7.missing-msh', 'hl7.bad-delimiters', 'hl7.oversize'] as const;
export type Hl7Anomaly = (typeof HL7_ANOMALIES)[number];

/** Messages larger than this are not parsed (MLLP already caps frames at 1 MiB). */
export const HL7_MAX_MESSAGE = 1 << 20;
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

/** The fields of the `hl7-message` event (minus flow fields), plus orders and errors. */
export interface Hl7Decoded {
  readonly messageType: string;
  readonly sendingApp?: string;
  readonly sendingFacility?: string;
  readonly receivingApp?: string;
  readonly receivingFacility?: string;
  readonly time?: string;
  readonly controlId?: string;
  readonly version?: string;
  readonly patientHashes: readonly string[];
  readonly fieldsPresent: readonly string[];
  readonly location?: string;
  readonly observations: readonly Hl7Observation[];
  readonly ackCode?: string;
  readonly ackControlId?: string;
  readonly segments: number;
  readonly bytes: number;
  readonly orders: readonly Hl7Order[];
  /** ERR-3 (v2.5+) or ERR-1.4 (earlier) error codes. */
  readonly errors: readonly string[];
}

export type Hl7Result =
  | { readonly kind: 'ok'; readonly message: Hl7Decoded; readonly next: number }
  /** Nothing but batch envelopes / blank lines. */
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: Hl7Anomaly; readonly next: number };

export interface Hl7Options {
  /** Salted hash of a patient identifier (the analyzer passes env.hashPatientId). */
  readonly hashId: (id: string) => string;
  readonly maxBytes?: number;
}

/** Identifying fields reported by name only, per segment (HIPAA-style identifiers). */
const IDENTIFYING: Readonly<Record<string, readonly number[]>> = {
  PID: [2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 18, 19, 20, 21, 23, 29],
  NK1: [2, 4, 5],
  MRG: [1],
  GT1: [3],
  IN1: [16],
};

const HEADER = ['sendingApp', 'sendingFacility', 'receivingApp', 'receivingFacility', 'time', 'controlId', 'version'] as const;
const FS = new Int32Array(MAX_FIELDS);
const FE = new Int32Array(MAX_FIELDS);
const D: Hl7Delims = { field: 0x7c, comp: 0x5e, rep: 0x7e, esc: 0x5c, sub: 0x26 };

/** Split segment [s, e) on the field separator; returns the number of fields (≤ MAX_FIELDS). */
function split(buf: Uint8Array, s: number, e: number): number {
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
function field(nf: number, n: number, msh: boolean): number {
  const i = msh ? n - 1 : n;
  return i < nf ? i : -1;
}

function comp(buf: Uint8Array, nf: number, n: number, c: number, msh = false): string | undefined {
  const i = field(nf, n, msh);
  return i < 0 ? undefined : compText(buf, FS[i]!, FE[i]!, D, c);
}

/** The 3-character segment id at s (or 0), packed into a number to compare without strings. */
function segId(buf: Uint8Array, s: number, e: number): number {
  if (e - s < 3) return 0;
  return (buf[s]! << 16) | (buf[s + 1]! << 8) | buf[s + 2]!;
}
const id = (t: string) => (t.charCodeAt(0) << 16) | (t.charCodeAt(1) << 8) | t.charCodeAt(2);
const MSH = id('MSH');
const PID = id('PID');
const PV1 = id('PV1');
const OBR = id('OBR');
const OBX = id('OBX');
const MSA = id('MSA');
const ERR = id('ERR');
const BATCH = new Set([id('FHS'), id('BHS'), id('BTS'), id('FTS')]);
const IDENT = new Map(Object.entries(IDENTIFYING).map(([k, v]) => [id(k), { name: k, fields: v }]));

/** End of the segment starting at p: the next CR or LF (HL7 says CR; LF and CRLF are tolerated). */
class SegmentCursor {
  private cr = -1;
  private lf = -1;
  constructor(
    private readonly buf: Uint8Array,
    private readonly end: number,
  ) {}
  /** Cached next-CR / next-LF positions keep the scan linear even when one of them never occurs. */
  stop(p: number): number {
    if (this.cr !== this.end && this.cr < p) this.cr = indexIn(this.buf, 0x0d, p, this.end);
    if (this.lf !== this.end && this.lf < p) this.lf = indexIn(this.buf, 0x0a, p, this.end);
    return Math.min(this.cr, this.lf);
  }
}

function indexIn(buf: Uint8Array, b: number, from: number, end: number): number {
  const i = buf.indexOf(b, from);
  return i < 0 || i > end ? end : i;
}

function skipBreaks(buf: Uint8Array, p: number, end: number): number {
  while (p < end && (buf[p] === 0x0d || buf[p] === 0x0a)) p++;
  return p;
}

/** Decode the message starting at the first MSH at or after `off`; never throws. */
export function decodeHl7(buf: Uint8Array, off: number, end: number, opts: Hl7Options): Hl7Result {
  if (end > buf.length) end = buf.length;
  if (end - off > (opts.maxBytes ?? HL7_MAX_MESSAGE)) return { kind: 'anomaly', code: 'hl7.oversize', next: end };
  const cur = new SegmentCursor(buf, end);
  let p = skipBreaks(buf, off, end);
  // Batch envelopes before the first MSH are tolerated; anything else means no MSH here.
  let sawOther = false;
  while (p < end) {
    const e = cur.stop(p);
    const sid = segId(buf, p, e);
    if (sid === MSH) break;
    if (!BATCH.has(sid) && e > p) sawOther = true;
    p = skipBreaks(buf, e, end);
  }
  if (p >= end) return sawOther ? { kind: 'anomaly', code: 'hl7.missing-msh', next: end } : { kind: 'not' };
  if (sawOther) return { kind: 'anomaly', code: 'hl7.missing-msh', next: p };
  const start = p;
  const mshEnd = cur.stop(p);
  if (!readDelims(buf, p, mshEnd, D)) return { kind: 'anomaly', code: 'hl7.bad-delimiters', next: nextMsh(buf, cur, mshEnd, end) };
  return { kind: 'ok', ...body(buf, cur, start, end, opts) };
}

function nextMsh(buf: Uint8Array, cur: SegmentCursor, p: number, end: number): number {
  p = skipBreaks(buf, p, end);
  while (p < end) {
    const e = cur.stop(p);
    if (e - p >= 3 && buf[p] === 0x4d && buf[p + 1] === 0x53 && buf[p + 2] === 0x48) return p;
    p = skipBreaks(buf, e, end);
  }
  return end;
}

interface Acc {
  hashes: string[];
  fields: string[];
  observations: Hl7Observation[];
  orders: Hl7Order[];
  errors: string[];
  location?: string;
  ackCode?: string;
  ackControlId?: string;
}

function body(buf: Uint8Array, cur: SegmentCursor, start: number, end: number, opts: Hl7Options) {
  let p = start;
  let segments = 0;
  let header: Partial<Record<(typeof HEADER)[number], string | undefined>> = {};
  let messageType = '';
  const acc: Acc = { hashes: [], fields: [], observations: [], orders: [], errors: [] };
  while (p < end) {
    const e = cur.stop(p);
    const sid = segId(buf, p, e);
    if (segments > 0 && sid === MSH) break;
    if (BATCH.has(sid)) {
      if (segments > 0) break;
    } else if (e > p) {
      segments++;
      if (sid === MSH) {
        const nf = split(buf, p, e);
        const t1 = comp(buf, nf, 9, 1, true) ?? '';
        const t2 = comp(buf, nf, 9, 2, true);
        messageType = t2 ? `${t1}^${t2}` : t1;
        header = {
          sendingApp: comp(buf, nf, 3, 1, true),
          sendingFacility: comp(buf, nf, 4, 1, true),
          receivingApp: comp(buf, nf, 5, 1, true),
          receivingFacility: comp(buf, nf, 6, 1, true),
          time: comp(buf, nf, 7, 1, true),
          controlId: comp(buf, nf, 10, 1, true),
          version: comp(buf, nf, 12, 1, true),
        };
      } else if (sid !== 0) segment(buf, sid, split(buf, p, e), acc, opts);
    }
    p = skipBreaks(buf, e, end);
  }
  const message: Hl7Decoded = {
    messageType,
    ...defined(header),
    patientHashes: acc.hashes,
    fieldsPresent: acc.fields,
    ...defined({ location: acc.location }),
    observations: acc.observations,
    ...defined({ ackCode: acc.ackCode, ackControlId: acc.ackControlId }),
    segments,
    bytes: p - start,
    orders: acc.orders,
    errors: acc.errors,
  };
  return { message, next: p };
}

/** Drop undefined members so decoded objects compare and serialise cleanly. */
function defined<T extends Partial<Record<string, string | undefined>>>(o: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function segment(buf: Uint8Array, sid: number, nf: number, acc: Acc, opts: Hl7Options): void {
  const ident = IDENT.get(sid);
  if (ident) {
    for (const n of ident.fields) {
      if (n < nf && !isEmpty(buf, FS[n]!, FE[n]!)) {
        const name = `${ident.name}-${n}`;
        if (!acc.fields.includes(name)) acc.fields.push(name);
      }
    }
  }
  if (sid === PID && nf > 3) hashIds(buf, FS[3]!, FE[3]!, acc, opts);
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
function hashIds(buf: Uint8Array, s: number, e: number, acc: Acc, opts: Hl7Options): void {
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
      const h = opts.hashId(t);
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
