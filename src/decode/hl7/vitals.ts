// IEEE 11073-10101 nomenclature codes (MDC, partition 2 "SCADA", code = 2^16 * 2 + term code)
// as sent in OBX-3 by IHE PCD-01 devices, mapped to the named vitals the console shows.
// Codes from the IEEE 11073-10101 tables (RTMMS); several codes may map to one vital
// (e.g. tympanic, body and generic temperature all read as 'temp'). Also the OBX reader: only
// numeric values (NM, SN) leave, each with its code, text, named vital, unit and status.

import { type Acc, addEquipment, comp, field, segEnd, split } from './segments.js';
import { compSlice, escapedText, HL7_MAX_TEXT, type Hl7Delims, type Hl7Reader, isPlain, sliceText } from './text.js';

const MAX_OBSERVATIONS = 256;

const VITALS: ReadonlyMap<string, string> = new Map([
  ['150456', 'spo2'], // MDC_PULS_OXIM_SAT_O2
  ['149530', 'pulse'], // MDC_PULS_OXIM_PULS_RATE
  ['147842', 'hr'], // MDC_ECG_HEART_RATE
  ['150021', 'nibp-sys'], // MDC_PRESS_BLD_NONINV_SYS
  ['150022', 'nibp-dia'], // MDC_PRESS_BLD_NONINV_DIA
  ['150023', 'nibp-mean'], // MDC_PRESS_BLD_NONINV_MEAN
  ['150037', 'abp-sys'], // MDC_PRESS_BLD_ART_ABP_SYS
  ['150038', 'abp-dia'], // MDC_PRESS_BLD_ART_ABP_DIA
  ['150039', 'abp-mean'], // MDC_PRESS_BLD_ART_ABP_MEAN
  ['150344', 'temp'], // MDC_TEMP
  ['150364', 'temp'], // MDC_TEMP_BODY
  ['188448', 'temp'], // MDC_TEMP_TYMP
  ['151562', 'resp'], // MDC_RESP_RATE
  ['151594', 'resp'], // MDC_TTHOR_RESP_RATE (impedance pneumography)
  ['151708', 'etco2'], // MDC_AWAY_CO2_ET
]);

/** Named vital for an OBX-3 identifier, when it is a known MDC code. */
export function vitalFor(code: string): string | undefined {
  return VITALS.get(code);
}

/** The MDC code → vital table (read-only), for documentation and the console legend. */
export const MDC_VITALS: ReadonlyMap<string, string> = VITALS;

/** The OBX segment starting at s: adds its observation when numeric; returns the segment end. */
export function obx(r: Hl7Reader, buf: Uint8Array, s: number, end: number, acc: Acc): number {
  if (acc.observations.length >= MAX_OBSERVATIONS) return segEnd(buf, s, end);
  // Up to OBX-18, the equipment instance identifier (IHE PCD-01: the device that measured).
  const nf = split(r, buf, s, end, 18);
  observation(r, buf, nf, acc);
  if (nf > 18) addEquipment(r, buf, nf, 18, acc);
  return r.segEnd;
}

const COMPARATOR = /^(>|<|>=|<=|=|<>)?$/;
const SN_SEPARATOR = /^[-+/.:]?$/;
/** An SN component, trimmed; through text(), not the output cache: it may not be a number. */
function snPart(r: Hl7Reader, buf: Uint8Array, nf: number, c: number): string {
  const i = field(nf, 5, false);
  return i >= 0 && compSlice(r, buf, r.fs[i]!, r.fe[i]!, c) ? escapedText(buf, r.s, r.e, r.d).trim() : '';
}

/** OBX: numeric values (NM, SN) only; any other value type never leaves the decoder. */
function observation(r: Hl7Reader, buf: Uint8Array, nf: number, acc: Acc): void {
  const type = valueType(r, buf, nf);
  if (type === 0) return;
  let value: string | undefined;
  if (type === NM) {
    const i = field(nf, 5, false);
    if (i >= 0 && compSlice(r, buf, r.fs[i]!, r.fe[i]!, 1)) value = numberText(buf, r.s, r.e, r.d);
  } else {
    const cmp = snPart(r, buf, nf, 1);
    const n1 = snPart(r, buf, nf, 2);
    const sep = snPart(r, buf, nf, 3);
    const n2 = snPart(r, buf, nf, 4);
    const ok = COMPARATOR.test(cmp) && SN_SEPARATOR.test(sep) && (n1 === '' || NUMBER.test(n1));
    if (ok && (n2 === '' || NUMBER.test(n2)) && (n1 !== '' || n2 !== '')) value = `${cmp}${n1}${sep}${n2}`;
  }
  if (value === undefined) return;
  // Read once the value is valid, so only what leaves reaches the output cache.
  const code = comp(r, buf, nf, 3, 1);
  if (code === undefined) return;
  const text = comp(r, buf, nf, 3, 2);
  const unit = comp(r, buf, nf, 6, 1);
  const status = comp(r, buf, nf, 11, 1);
  // One literal with every key (undefined where absent): one object shape, one key order.
  acc.observations.push({ code, text, vital: vitalFor(code), value, unit, status });
}

const NM = 1;
const SN = 2;

/** OBX-2 as NM, SN or 0 (anything else), read from the bytes unless it holds an escape. */
function valueType(r: Hl7Reader, buf: Uint8Array, nf: number): number {
  const i = field(nf, 2, false);
  if (i < 0 || !compSlice(r, buf, r.fs[i]!, r.fe[i]!, 1)) return 0;
  const { s, e } = r;
  if (e - s === 2) {
    // Encoding characters are never alphanumeric, so 'NM' / 'SN' bytes hold no escape.
    if (buf[s] === 0x4e && buf[s + 1] === 0x4d) return NM;
    if (buf[s] === 0x53 && buf[s + 1] === 0x4e) return SN;
    return 0;
  }
  // Longer: only an escape or a UTF-8 BOM (dropped by the decoder) can still make 'NM' / 'SN'.
  if (isPlain(buf, s, Math.min(e, s + HL7_MAX_TEXT), r.d.esc)) return 0;
  const t = escapedText(buf, s, e, r.d);
  return t === 'NM' ? NM : t === 'SN' ? SN : 0;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * buf[s, e) as text, trimmed, when it is a plain decimal number (NUMBER); undefined otherwise.
 * Plain ASCII is trimmed and checked on the bytes; anything else takes the string path.
 */
function numberText(buf: Uint8Array, s: number, e: number, d: Hl7Delims): string | undefined {
  if (e - s > HL7_MAX_TEXT) e = s + HL7_MAX_TEXT; // cut before trimming, as text() does
  if (!isPlain(buf, s, e, d.esc)) {
    // Escapes, or non-ASCII that String.prototype.trim may remove (NBSP, BOM…).
    const v = escapedText(buf, s, e, d).trim();
    return NUMBER.test(v) ? v : undefined;
  }
  while (s < e && isSpace(buf[s]!)) s++;
  while (e > s && isSpace(buf[e - 1]!)) e--;
  return isNumber(buf, s, e) ? sliceText(buf, s, e, d) : undefined;
}

/** The ASCII characters String.prototype.trim removes: TAB, LF, VT, FF, CR, space. */
const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/** NUMBER over bytes: [+-]? then digits with an optional fraction, or a fraction alone. */
function isNumber(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  if (i < e && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
  const d0 = i;
  while (i < e && isDigit(buf[i]!)) i++;
  const whole = i > d0;
  if (i < e && buf[i] === 0x2e) {
    i++;
    const f0 = i;
    while (i < e && isDigit(buf[i]!)) i++;
    if (!whole && i === f0) return false;
  } else if (!whole) return false;
  return i === e;
}
