// Address text forms. Packets carry addresses as numbers/offsets (see layers.ts); these turn
// them into the strings that events, flows and devices use, and parse the strings users write.
// Text forms are canonical so that equal addresses always compare equal as strings:
// IPv4 dotted quad, IPv6 per RFC 5952, MAC in lower-case colon form.

const HEX = '0123456789abcdef';

export function ip4ToString(u32: number): string {
  return `${u32 >>> 24}.${(u32 >>> 16) & 0xff}.${(u32 >>> 8) & 0xff}.${u32 & 0xff}`;
}

/** The IPv4 address at `off` as an unsigned 32-bit number. */
export function ip4FromBytes(d: Uint8Array, off: number): number {
  return ((d[off] << 24) | (d[off + 1] << 16) | (d[off + 2] << 8) | d[off + 3]) >>> 0;
}

/** The 16-byte IPv6 address at `off` in RFC 5952 canonical text. */
export function ip6ToString(d: Uint8Array, off: number): string {
  // §5: IPv4-mapped addresses (::ffff:0:0/96) keep the dotted quad.
  let mapped = d[off + 10] === 0xff && d[off + 11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (d[off + i] !== 0) mapped = false;
  if (mapped) return `::ffff:${d[off + 12]}.${d[off + 13]}.${d[off + 14]}.${d[off + 15]}`;
  // §4.2.1–4.2.3: compress the longest run of ≥ 2 zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let g = 0; g < 8; ) {
    if (d[off + 2 * g] !== 0 || d[off + 2 * g + 1] !== 0) {
      g++;
      continue;
    }
    let e = g;
    while (e < 8 && d[off + 2 * e] === 0 && d[off + 2 * e + 1] === 0) e++;
    if (e - g > bestLen) {
      bestStart = g;
      bestLen = e - g;
    }
    g = e;
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += '::';
      g += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    // §4.1 no leading zeros, §4.3 lower case
    s += ((d[off + 2 * g] << 8) | d[off + 2 * g + 1]).toString(16);
  }
  return s;
}

export function macToString(d: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const b = d[off + i];
    if (i > 0) s += ':';
    s += HEX[b >> 4] + HEX[b & 15];
  }
  return s;
}

/**
 * A compact, unique string key for the IPv6 address at `off` (8 UTF-16 code units), cheaper
 * than the text form for map keys. Not for display. IPv4 addresses key by their u32 value.
 */
export function ip6Key(d: Uint8Array, off: number): string {
  return String.fromCharCode(
    (d[off] << 8) | d[off + 1],
    (d[off + 2] << 8) | d[off + 3],
    (d[off + 4] << 8) | d[off + 5],
    (d[off + 6] << 8) | d[off + 7],
    (d[off + 8] << 8) | d[off + 9],
    (d[off + 10] << 8) | d[off + 11],
    (d[off + 12] << 8) | d[off + 13],
    (d[off + 14] << 8) | d[off + 15],
  );
}

/**
 * Strict dotted quad: four decimal parts 0–255 without leading zeros (inet_aton would read
 * "010" as octal 8; refusing it avoids two meanings for one config line).
 */
export function parseIp4(s: string): number | null {
  const n = s.length;
  if (n < 7 || n > 15) return null;
  let v = 0;
  let parts = 0;
  let i = 0;
  while (parts < 4) {
    const start = i;
    let part = 0;
    while (i < n && i - start < 4) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      part = part * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || part > 255 || (digits > 1 && s.charCodeAt(start) === 48)) return null;
    v = v * 256 + part;
    parts++;
    if (parts < 4) {
      if (s.charCodeAt(i) !== 46) return null;
      i++;
    }
  }
  return i === n ? v : null;
}

export function isIp4(s: string): boolean {
  return parseIp4(s) !== null;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Any RFC 4291 §2.2 text form: full, "::"-compressed, upper or lower case, with a trailing
 * dotted quad. A zone ("%eth0", RFC 4007) is accepted and dropped: it never appears on the wire.
 */
export function parseIp6(s: string): Uint8Array | null {
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (pct === s.length - 1) return null;
    s = s.slice(0, pct);
  }
  const n = s.length;
  if (n < 2 || n > 45) return null;
  const groups = new Uint16Array(8);
  let count = 0;
  let gap = -1; // index in `groups` where "::" stands
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let j = i;
    let v = 0;
    while (j < n && j - i < 5) {
      const h = hexVal(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      // Embedded IPv4 takes the last two groups and must end the string.
      const v4 = parseIp4(s.slice(i));
      if (v4 === null || count > 6) return null;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = n;
      break;
    }
    if (j === i || j - i > 4 || count >= 8) return null;
    groups[count++] = v;
    i = j;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return null;
    i++;
    if (i === n) return null; // a single trailing colon
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return null; // "::" at most once
      gap = count;
      i++;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return null;
  const out = new Uint8Array(16);
  const tail = gap < 0 ? 0 : count - gap;
  const head = count - tail;
  for (let g = 0; g < head; g++) {
    out[2 * g] = groups[g] >> 8;
    out[2 * g + 1] = groups[g] & 0xff;
  }
  for (let t = 0; t < tail; t++) {
    const g = 8 - tail + t;
    out[2 * g] = groups[head + t] >> 8;
    out[2 * g + 1] = groups[head + t] & 0xff;
  }
  return out;
}

export function isIp6(s: string): boolean {
  return parseIp6(s) !== null;
}

/** An IPv4 or IPv6 address string in canonical form, or null when it is neither. */
export function canonicalIp(s: string): string | null {
  const v4 = parseIp4(s);
  if (v4 !== null) return ip4ToString(v4);
  const v6 = parseIp6(s);
  return v6 === null ? null : ip6ToString(v6, 0);
}

/** The six bytes of a colon-, dash- or dot-separated MAC ('02:57:30:00:00:01'), or null. */
export function macBytes(s: string): Uint8Array | null {
  const hex = s.replace(/[:.-]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return null;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
