// NetBIOS names on the wire (RFC 1001 §14.1, RFC 1002 §4.1): 16 bytes (15 characters padded
// with spaces, then a suffix byte naming the service) "first-level encoded" as 32 letters
// 'A'–'P' (each nibble + 'A'), carried as one DNS-style label of length 32, optionally followed
// by scope labels. Used by the name service (137), the datagram service (138) and the session
// service's SESSION REQUEST (139).

/** What a name's suffix byte says the name is (RFC 1002 and [MS-BRWS] usage). */
export function suffixRole(suffix: number, group: boolean): string {
  switch (suffix) {
    case 0x00:
      return group ? 'workgroup' : 'workstation';
    case 0x03:
      return 'messenger';
    case 0x1b:
      return 'domain-master-browser';
    case 0x1c:
      return 'domain-controllers';
    case 0x1d:
      return 'master-browser';
    case 0x1e:
      return 'browser-election';
    case 0x20:
      return 'file-server';
    default:
      return `0x${suffix.toString(16).padStart(2, '0')}`;
  }
}

export interface NbName {
  /** The 15 name characters without the space padding (printable ASCII only). */
  readonly name: string;
  readonly suffix: number;
}

/** Printable ASCII of raw name bytes, trailing spaces and NULs trimmed; '' when any byte is not printable. */
export function nameText(b: Uint8Array, from: number, to: number): string {
  let end = to;
  while (end > from && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  let s = '';
  for (let i = from; i < end; i++) {
    const c = b[i]!;
    if (c < 0x20 || c >= 0x7f) return '';
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * The first-level encoded name at b[off] (a length byte 32 then 32 letters), or null when the
 * bytes are not one. Scope labels after it are not read here (see `skipNbName`).
 */
export function decodeNbName(b: Uint8Array, off: number, end: number): NbName | null {
  if (off + 33 > end || b[off] !== 32) return null;
  const raw = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const hi = b[off + 1 + 2 * i]! - 0x41;
    const lo = b[off + 2 + 2 * i]! - 0x41;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return null;
    raw[i] = (hi << 4) | lo;
  }
  // Trailing spaces (and the NULs of '*') are padding; other unprintable bytes (the browser's
  // '\x01\x02__MSBROWSE__\x02') are shown as '.'.
  let e = 15;
  while (e > 0 && (raw[e - 1] === 0x20 || raw[e - 1] === 0)) e--;
  let name = '';
  for (let i = 0; i < e; i++) {
    const c = raw[i]!;
    name += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return { name, suffix: raw[15]! };
}

/** Offset after an encoded name and its scope labels (no compression pointers), or -1. Bounded by `end`. */
export function skipNbName(b: Uint8Array, off: number, end: number): number {
  let p = off;
  // Each label costs ≥1 byte; a DNS name is at most 255 bytes.
  for (let n = 0; p < end && n < 128; n++) {
    const len = b[p]!;
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) return p + 2 <= end ? p + 2 : -1; // a pointer ends the name
    if (len > 63) return -1;
    p += 1 + len;
  }
  return -1;
}

/** A NUL-terminated string in b[from, to): printable ASCII up to the first NUL, '' when a byte is not printable. */
export function cText(b: Uint8Array, from: number, to: number): string {
  let e = from;
  while (e < to && b[e] !== 0) e++;
  return nameText(b, from, e);
}
