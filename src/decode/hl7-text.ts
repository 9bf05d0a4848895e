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

/** [start, end) of a slice found by the helpers below (module scratch; the decoder is not re-entrant). */
export const slice = { s: 0, e: 0 };

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
 * Sets `slice` to the n-th (1-based) piece of buf[s, e) split by `sep` (no piece → empty slice
 * at e). A disabled separator (-1) makes the whole range piece 1. Walks bytes of this field only.
 */
export function piece(buf: Uint8Array, s: number, e: number, sep: number, n: number): void {
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
    slice.s = e;
    slice.e = e;
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
  slice.s = start;
  slice.e = stop;
}

/** Sets `slice` to component n of the first repetition of field [s, e). */
export function component(buf: Uint8Array, s: number, e: number, d: Hl7Delims, n: number): void {
  piece(buf, s, e, d.rep, 1);
  piece(buf, slice.s, slice.e, d.comp, n);
}

/** Component n of the first repetition, first subcomponent, unescaped; undefined when empty. */
export function compText(buf: Uint8Array, s: number, e: number, d: Hl7Delims, n: number): string | undefined {
  component(buf, s, e, d, n);
  piece(buf, slice.s, slice.e, d.sub, 1);
  if (slice.e <= slice.s) return undefined;
  const t = text(buf, slice.s, slice.e);
  return d.esc >= 0 && t.indexOf(String.fromCharCode(d.esc)) >= 0 ? unescapeHl7(t, d) : t;
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
