// HL7 v2.x message decoder (HL7 v2.x ch. 2 "Control": message construction rules §2.6,
// MSH §2.14.9, MSA/ERR; ch. 3 PID/PV1; ch. 7 OBR/OBX). Input is one MLLP payload, which may
// hold a batch (FHS/BHS … BTS/FTS, §2.10.3): each MSH starts a message, so the caller loops
// on `next`. Privacy: PID-3 leaves only through `hashId`; names, birth dates, addresses and
// the like leave only as the names of the fields present; OBX values only when numeric.

import {
  type Acc,
  comp,
  type Hl7Observation,
  type Hl7Order,
  isBatch,
  MSH,
  OBX,
  segEnd,
  segId,
  segIdAt,
  segment,
  split,
} from './segments.js';
import { Hl7Reader, readDelims } from './text.js';
import { obx } from './vitals.js';

export type { Hl7Observation, Hl7Order } from './segments.js';
export { Hl7Reader } from './text.js';

export const HL7_ANOMALIES = [
  'hl7.missing-msh', // text before the first MSH segment, or none at all
  'hl7.bad-delimiters', // MSH-1/MSH-2 do not give a field separator and encoding characters
  'hl7.oversize', // a message over HL7_MAX_MESSAGE bytes; it is skipped, not decoded
] as const;
export type Hl7Anomaly = (typeof HL7_ANOMALIES)[number];

/** Messages larger than this are not parsed (MLLP already caps frames at 1 MiB). */
export const HL7_MAX_MESSAGE = 1 << 20;

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
  /** Equipment named by PRT-10 (v2.7+ participation device) and OBX-18 (equipment instance id). */
  readonly equipment: readonly string[];
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

function skipBreaks(buf: Uint8Array, p: number, end: number): number {
  while (p < end && (buf[p] === 0x0d || buf[p] === 0x0a)) p++;
  return p;
}

/**
 * Decode the message starting at the first MSH at or after `off`; never throws. `r` is the
 * scratch state of the decode: a stream keeps one and passes it for every message (a new one
 * otherwise), so decodes with different readers never see each other's delimiters or fields.
 */
export function decodeHl7(
  buf: Uint8Array,
  off: number,
  end: number,
  opts: Hl7Options,
  r: Hl7Reader = new Hl7Reader(),
): Hl7Result {
  if (end > buf.length) end = buf.length;
  if (end - off > (opts.maxBytes ?? HL7_MAX_MESSAGE)) return { kind: 'anomaly', code: 'hl7.oversize', next: end };
  let p = skipBreaks(buf, off, end);
  // Batch envelopes before the first MSH are tolerated; anything else means no MSH here.
  let sawOther = false;
  while (p < end) {
    const e = segEnd(buf, p, end);
    const sid = segId(buf, p, e);
    if (sid === MSH) break;
    if (!isBatch(sid) && e > p) sawOther = true;
    p = skipBreaks(buf, e, end);
  }
  if (p >= end) return sawOther ? { kind: 'anomaly', code: 'hl7.missing-msh', next: end } : { kind: 'not' };
  if (sawOther) return { kind: 'anomaly', code: 'hl7.missing-msh', next: p };
  const start = p;
  const mshEnd = segEnd(buf, p, end);
  if (!readDelims(buf, p, mshEnd, r.d))
    return { kind: 'anomaly', code: 'hl7.bad-delimiters', next: nextMsh(buf, mshEnd, end) };
  return body(r, buf, start, mshEnd, end, opts);
}

function nextMsh(buf: Uint8Array, p: number, end: number): number {
  p = skipBreaks(buf, p, end);
  while (p < end) {
    const e = segEnd(buf, p, end);
    if (e - p >= 3 && buf[p] === 0x4d && buf[p + 1] === 0x53 && buf[p + 2] === 0x48) return p;
    p = skipBreaks(buf, e, end);
  }
  return end;
}

/** The message whose MSH is [start, mshEnd): every segment up to the next MSH or batch segment. */
function body(r: Hl7Reader, buf: Uint8Array, start: number, mshEnd: number, end: number, opts: Hl7Options): Hl7Result {
  let p = skipBreaks(buf, mshEnd, end);
  let segments = 1;
  const acc: Acc = { hashes: [], equipment: [], fields: [], observations: [], orders: [], errors: [] };
  while (p < end) {
    const sid = segIdAt(buf, p, end);
    if (sid === MSH || isBatch(sid)) break;
    segments++;
    // OBX is most of a PCD-01 message: read it directly, every other segment through segment().
    const e = sid === OBX ? obx(r, buf, p, end, acc) : segment(r, buf, sid, p, end, acc, opts.hashId);
    p = skipBreaks(buf, e, end);
  }
  const nf = split(r, buf, start, mshEnd, 11);
  const t1 = comp(r, buf, nf, 9, 1, true) ?? '';
  const t2 = comp(r, buf, nf, 9, 2, true);
  const { location, ackCode, ackControlId } = acc;
  // One literal with every key (undefined where absent): one object shape, one key order.
  const message: Hl7Decoded = {
    messageType: t2 ? r.joinType(t1, t2) : t1,
    sendingApp: comp(r, buf, nf, 3, 1, true),
    sendingFacility: comp(r, buf, nf, 4, 1, true),
    receivingApp: comp(r, buf, nf, 5, 1, true),
    receivingFacility: comp(r, buf, nf, 6, 1, true),
    time: comp(r, buf, nf, 7, 1, true),
    controlId: comp(r, buf, nf, 10, 1, true),
    version: comp(r, buf, nf, 12, 1, true),
    patientHashes: acc.hashes,
    fieldsPresent: acc.fields,
    location,
    observations: acc.observations,
    equipment: acc.equipment,
    ackCode,
    ackControlId,
    segments,
    bytes: p - start,
    orders: acc.orders,
    errors: acc.errors,
  };
  return { kind: 'ok', message, next: p };
}
