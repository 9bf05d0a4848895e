// Byte-level helpers for the HL7 v2 decoder: delimiters, field/component slicing over a
// Uint8Array, bounded text extraction and escape sequences (HL7 v2.x ch. 2, §2.7).

/** Longest string any single output field may become (bytes). Longer values are cut. */
export const HL7_MAX_TEXT = 200;

/** Delimiters of one message. -1 = not declared in MSH-2 (disabled). */
export interface Hl7Delims {
  field: number;
  comp: number;
  rep: number;
  esc: number;
  sub: number;
}

/** Fields of a segment that are tracked (a longer segment's last one runs to its separator). */
export const HL7_MAX_FIELDS = 40;

/**
 * The scratch state of one HL7 decode: the message's delimiters, the [s, e) slice the helpers
 * below found, the field offsets and end of the segment `split` last read, and the last joined
 * message type. Every field is set here (one object shape); a reader is made once per stream and
 * reused for every message, so nothing is allocated per field, and two decodes with their own
 * readers share nothing.
 */
export class Hl7Reader {
  readonly d: Hl7Delims = { field: 0x7c, comp: 0x5e, rep: 0x7e, esc: 0x5c, sub: 0x26 };
  /** Start of the slice the last piece/compSlice found. */
  s = 0;
  /** End of the slice the last piece/compSlice found. */
  e = 0;
  /** Start of each field of the segment last split. */
  readonly fs = new Int32Array(HL7_MAX_FIELDS);
  /** End of each field of the segment last split. */
  readonly fe = new Int32Array(HL7_MAX_FIELDS);
  /** Where the segment last split ends (split finds it on the way). */
  segEnd = 0;
  // Senders repeat one message type ('ORU^R01'): the last joined string is kept, not rebuilt.
  private lastT1 = '';
  private lastT2 = '';
  private lastType = '';

  /** `${t1}^${t2}`, the same string as last time when the parts are. */
  joinType(t1: string, t2: string): string {
    if (t1 !== this.lastT1 || t2 !== this.lastT2) {
      this.lastT1 = t1;
      this.lastT2 = t2;
      this.lastType = `${t1}^${t2}`;
    }
    return this.lastType;
  }
}

const utf8 = new TextDecoder('utf-8');

/**
 * Text of buf[s, e), cut at HL7_MAX_TEXT bytes. ASCII (the HL7 default character set) is built
 * without a decoder; other bytes go through UTF-8 with replacement, never throwing.
 */
export function text(buf: Uint8Array, s: number, e: number): string {
  if (e - s > HL7_MAX_TEXT) e = s + HL7_MAX_TEXT;
  let out = '';
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b >= 0x80) return utf8.decode(buf.subarray(s, e));
    out += String.fromCharCode(b);
  }
  return out;
}

/**
 * Sets r.s/r.e to the n-th (1-based) piece of buf[s, e) split by `sep` (no piece → empty slice
 * at e). A disabled separator (-1) makes the whole range piece 1. Walks bytes of this field only.
 */
export function piece(r: Hl7Reader, buf: Uint8Array, s: number, e: number, sep: number, n: number): void {
  let k = 1;
  let start = s;
  if (sep >= 0) {
    for (let i = s; i < e && k < n; i++) {
      if (buf[i] === sep) {
        k++;
        start = i + 1;
      }
    }
  }
  if (k < n) {
    r.s = e;
    r.e = e;
    return;
  }
  let stop = e;
  if (sep >= 0) {
    for (let i = start; i < e; i++) {
      if (buf[i] === sep) {
        stop = i;
        break;
      }
    }
  }
  r.s = start;
  r.e = stop;
}

/**
 * Sets r.s/r.e to component n, first subcomponent, of the first repetition of field [s, e), in
 * one pass (the delimiters are distinct bytes, so the first of them to end the piece wins).
 * Returns false when that piece is empty.
 */
export function compSlice(r: Hl7Reader, buf: Uint8Array, s: number, e: number, n: number): boolean {
  const { rep, comp, sub } = r.d;
  let k = 1;
  let start = s;
  let i = s;
  for (; i < e; i++) {
    const b = buf[i]!;
    if (b === rep) break;
    if (b === comp) {
      if (k === n) break;
      k++;
      start = i + 1;
    } else if (b === sub && k === n) break;
  }
  if (k < n) start = i = e;
  r.s = start;
  r.e = i;
  return i > start;
}

/** Component n of the first repetition, first subcomponent, unescaped; undefined when empty. */
export function compText(r: Hl7Reader, buf: Uint8Array, s: number, e: number, n: number): string | undefined {
  return compSlice(r, buf, s, e, n) ? sliceText(buf, r.s, r.e, r.d) : undefined;
}

/** Text of buf[s, e) cut at HL7_MAX_TEXT, unescaped: short plain ASCII comes from the cache. */
export function sliceText(buf: Uint8Array, s: number, e: number, d: Hl7Delims): string {
  if (e - s > HL7_MAX_TEXT) e = s + HL7_MAX_TEXT;
  if (e - s <= INTERN_MAX) {
    const t = interned(buf, s, e, d.esc);
    if (t !== undefined) return t;
  }
  return escapedText(buf, s, e, d);
}

/** Text of buf[s, e) cut at HL7_MAX_TEXT, unescaped, without the cache. */
export function escapedText(buf: Uint8Array, s: number, e: number, d: Hl7Delims): string {
  const t = text(buf, s, e);
  return d.esc >= 0 && t.indexOf(String.fromCharCode(d.esc)) >= 0 ? unescapeHl7(t, d) : t;
}

// Output fields repeat across messages (applications, codes, units, statuses), so short ones
// are kept in a small direct-mapped cache keyed by their bytes: no string is built or hashed
// again, and Map lookups on the cached strings reuse V8's stored hash. Only fields that leave
// the decoder go through here (never PID; OBX values only once valid), so it holds nothing private.
const INTERN_MAX = 32;
const INTERN_SLOTS = 2048;
const internBytes = new Uint8Array(INTERN_SLOTS * INTERN_MAX);
const internLen = new Int8Array(INTERN_SLOTS).fill(-1);
const internStr: string[] = new Array<string>(INTERN_SLOTS).fill('');
/** Which punctuation bytes each cached entry holds: an escape byte is always one of them. */
const internPunct = new Int32Array(INTERN_SLOTS);
/** Scratch code arrays, one per length (they only ever hold bytes of cached output fields). */
const CODES = Array.from({ length: INTERN_MAX + 1 }, (_, n) => new Array<number>(n).fill(0));
/** One bit for each of the 32 ASCII punctuation characters (the only possible delimiters). */
const PUNCT = new Int32Array(128);
for (let b = 0x21, k = 0; b < 0x7f; b++) if (!isAlnum(b)) PUNCT[b] = 1 << k++;

/** Cached text of plain ASCII buf[s, e) (no escape byte); undefined when it needs the slow path. */
function interned(buf: Uint8Array, s: number, e: number, esc: number): string | undefined {
  const n = e - s;
  if (n === 0) return '';
  // The slot comes from the length and the outer bytes only, so a hit costs one compare pass.
  const h = Math.imul(n, 0x9e3779b1) ^ Math.imul(buf[s]! | (buf[s + (n >> 1)]! << 8), 0x85ebca6b) ^ (buf[e - 1]! << 3);
  const slot = (h ^ (h >>> 13)) & (INTERN_SLOTS - 1);
  const at = slot * INTERN_MAX - s;
  // Cached bytes are plain ASCII, but the escape byte changes per message: a hit must not hold it.
  if (internLen[slot] === n && (esc < 0 || (internPunct[slot]! & PUNCT[esc]!) === 0)) {
    let i = s;
    while (i < e && internBytes[at + i] === buf[i]) i++;
    if (i === e) return internStr[slot];
  }
  if (!isPlain(buf, s, e, esc)) return undefined;
  // A miss (control ids, timestamps) fills the slot and the string in one pass; fromCharCode
  // over a scratch array of the exact length builds a flat string at once.
  const codes = CODES[n]!;
  let punct = 0;
  for (let k = 0; k < n; k++) {
    const b = buf[s + k]!;
    codes[k] = b;
    internBytes[at + s + k] = b;
    punct |= PUNCT[b]!;
  }
  const t = String.fromCharCode.apply(null, codes);
  internLen[slot] = n;
  internPunct[slot] = punct;
  internStr[slot] = t;
  return t;
}

/** True when buf[s, e) is ASCII without the escape byte: its text is its bytes. */
export function isPlain(buf: Uint8Array, s: number, e: number, esc: number): boolean {
  for (let i = s; i < e; i++) if (buf[i]! >= 0x80 || buf[i] === esc) return false;
  return true;
}

/** True when buf[s, e) holds only HL7 "empty" content (nothing, or the null value `""`). */
export function isEmpty(buf: Uint8Array, s: number, e: number): boolean {
  if (e <= s) return true;
  return e - s === 2 && buf[s] === 0x22 && buf[s + 1] === 0x22;
}

/**
 * Replace escape sequences (§2.7.1–2.7.4): \F\ \S\ \T\ \R\ \E\ become the delimiters, \Xhh..\
 * the bytes (as Latin-1 characters); formatting (\H\ \N\ \.br\ …) and charset escapes are
 * dropped. An unterminated escape is kept literally.
 */
export function unescapeHl7(t: string, d: Hl7Delims): string {
  const esc = String.fromCharCode(d.esc);
  let out = '';
  let i = 0;
  while (i < t.length) {
    const j = t.indexOf(esc, i);
    if (j < 0) break;
    const k = t.indexOf(esc, j + 1);
    if (k < 0) break;
    out += t.slice(i, j);
    const code = t.slice(j + 1, k);
    switch (code) {
      case 'F':
        out += String.fromCharCode(d.field);
        break;
      case 'S':
        out += d.comp >= 0 ? String.fromCharCode(d.comp) : '';
        break;
      case 'T':
        out += d.sub >= 0 ? String.fromCharCode(d.sub) : '';
        break;
      case 'R':
        out += d.rep >= 0 ? String.fromCharCode(d.rep) : '';
        break;
      case 'E':
        out += esc;
        break;
      default:
        if (code.length > 1 && code[0] === 'X') out += hexChars(code.slice(1));
    }
    i = k + 1;
  }
  return i === 0 ? t : out + t.slice(i);
}

function hexChars(h: string): string {
  let out = '';
  for (let i = 0; i + 1 < h.length; i += 2) {
    const v = Number.parseInt(h.slice(i, i + 2), 16);
    if (Number.isNaN(v)) return out;
    out += String.fromCharCode(v);
  }
  return out;
}

/** Escape a value for use inside one component (the inverse of unescapeHl7 for delimiters). */
export function escapeHl7(v: string, d: Hl7Delims): string {
  const esc = String.fromCharCode(d.esc);
  let out = '';
  for (const ch of v) {
    const c = ch.charCodeAt(0);
    if (c === d.esc) out += `${esc}E${esc}`;
    else if (c === d.field) out += `${esc}F${esc}`;
    else if (c === d.comp) out += `${esc}S${esc}`;
    else if (c === d.sub) out += `${esc}T${esc}`;
    else if (c === d.rep) out += `${esc}R${esc}`;
    else if (c === 0x0d || c === 0x0a) out += `${esc}X${c.toString(16).padStart(2, '0').toUpperCase()}${esc}`;
    else out += ch;
  }
  return out;
}

function isAlnum(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * Read the delimiters from an MSH segment starting at `s` (MSH-1 is the byte after "MSH",
 * MSH-2 the encoding characters up to the next field separator; v2.7+ adds a 5th, truncation
 * '#', which is tolerated and ignored). Returns false when they cannot be delimiters.
 */
export function readDelims(buf: Uint8Array, s: number, e: number, d: Hl7Delims): boolean {
  if (s + 4 > e) return false;
  const f = buf[s + 3]!;
  if (isAlnum(f) || f === 0x0d || f === 0x0a || f === 0x20 || f < 0x20 || f > 0x7e) return false;
  const enc = [-1, -1, -1, -1];
  let i = s + 4;
  let n = 0;
  for (; i < e && buf[i] !== f && n < 5; i++, n++) {
    const b = buf[i]!;
    if (isAlnum(b) || b < 0x21 || b > 0x7e) return false;
    if (n < 4) {
      for (let k = 0; k < n; k++) if (enc[k] === b) return false;
      enc[n] = b;
    }
  }
  // The encoding characters end at the next field separator (or the segment end).
  if (n === 0 || (i < e && buf[i] !== f)) return false;
  d.field = f;
  d.comp = enc[0]!;
  d.rep = enc[1]!;
  d.esc = enc[2]!;
  d.sub = enc[3]!;
  return true;
}
