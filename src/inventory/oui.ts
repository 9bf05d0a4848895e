// Vendor of a MAC address from the IEEE registry, as packaged by `oui-data` (a maintained npm
// copy of the MA-L, MA-M and MA-S registries). The registry is a 5.6 MB JSON object of 53 730
// entries (prefix → organisation and postal address): `JSON.parse` of it took ~80 ms and 27 MB
// of heap in every run that printed a device (~35 MB of peak RSS, on top of a full flow table
// at the end of a run). So the file is read as bytes, on the first lookup only, and indexed
// in place — each prefix as a number, its value's byte range — and a lookup decodes the one
// value it needs (`test/inventory/oui-zones.test.ts` compares every entry with `JSON.parse`'s).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface OuiInfo {
  /** Registry organisation name (first line of the entry). */
  readonly vendor?: string;
  /** The matched registry prefix as hex digits: 6 (MA-L), 7 (MA-M) or 9 (MA-S). */
  readonly prefix?: string;
  /** Why there is no vendor: 'locally administered', 'multicast', 'not a MAC address', 'all-zero', 'not registered'. */
  readonly note?: string;
}

/** The registry's entries, sorted by `len·2³⁶ + value` of their hex prefix, with their values' byte ranges. */
interface OuiIndex {
  readonly bytes: Buffer;
  readonly keys: Float64Array;
  readonly start: Uint32Array;
  readonly end: Uint32Array;
}

let index: OuiIndex | undefined;

function registry(): OuiIndex {
  if (index === undefined) {
    const file = createRequire(import.meta.url).resolve('oui-data');
    index = indexOuiJson(readFileSync(file));
  }
  return index;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Hex digit value of a byte, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** End (index of the closing quote) of the JSON string whose opening quote is at `i`, or -1. */
function stringEnd(b: Uint8Array, i: number): number {
  for (let j = i + 1; j < b.length; j++) {
    const c = b[j]!;
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j;
  }
  return -1;
}

/**
 * Indexes a flat JSON object of hex-prefix keys and string values without parsing it: the
 * strings alternate key, value (a flat object of strings has no other quotes outside them).
 * A key that is not 6–9 hex digits, or a file that is not such an object, throws: the package
 * changed shape, and a test says so.
 */
export function indexOuiJson(bytes: Buffer): OuiIndex {
  const keys: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  let i = bytes.indexOf(0x7b); // '{'
  if (i < 0) throw new Error('oui-data: not a JSON object');
  for (;;) {
    const k0 = bytes.indexOf(QUOTE, i + 1);
    if (k0 < 0) break;
    const k1 = stringEnd(bytes, k0);
    const v0 = k1 < 0 ? -1 : bytes.indexOf(QUOTE, k1 + 1);
    const v1 = v0 < 0 ? -1 : stringEnd(bytes, v0);
    if (v1 < 0) throw new Error('oui-data: a key without a string value');
    const len = k1 - k0 - 1;
    let value = 0;
    for (let j = k0 + 1; j < k1 || len < 6; j++) {
      const d = len < 6 || len > 9 ? -1 : hexDigit(bytes[j]!);
      if (d < 0) throw new Error(`oui-data: key ${bytes.toString('utf8', k0, k1 + 1)} is not a prefix`);
      value = value * 16 + d;
    }
    keys.push(len * 2 ** 36 + value);
    start.push(v0);
    end.push(v1 + 1);
    i = v1;
  }
  const order = keys.map((_, j) => j).sort((a, b) => keys[a]! - keys[b]!);
  return {
    bytes,
    keys: Float64Array.from(order, (j) => keys[j]!),
    start: Uint32Array.from(order, (j) => start[j]!),
    end: Uint32Array.from(order, (j) => end[j]!),
  };
}

/** The registry's text for a hex prefix (6, 7 or 9 digits), or undefined. */
function entryOf(reg: OuiIndex, prefix: string): string | undefined {
  const key = prefix.length * 2 ** 36 + Number.parseInt(prefix, 16);
  let lo = 0;
  let hi = reg.keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = reg.keys[mid]!;
    if (k === key) return JSON.parse(reg.bytes.toString('utf8', reg.start[mid]!, reg.end[mid]!)) as string;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** 12 upper-case hex digits, or undefined when `mac` is not a 48-bit MAC in a common notation. */
export function macHex(mac: string): string | undefined {
  const hex = mac.replace(/[:.\-\s]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(hex) ? hex : undefined;
}

/** Lower-case colon form ('00:0b:82:01:fc:42'), or undefined when not a MAC. */
export function normMac(mac: string): string | undefined {
  // Called for both ends of every event. What the engine hands out is already in this form: a
  // check of its 17 characters answers without the memo (a flood of new MACs missed it every
  // time, 10 % of such a run in the regexes and the memo); other notations are memoised (bounded).
  if (isNormMac(mac)) return mac;
  const hit = normMemo.get(mac);
  if (hit !== undefined) return hit === '' ? undefined : hit;
  const hex = macHex(mac);
  const norm = hex === undefined ? undefined : hex.toLowerCase().replace(/(..)(?!$)/g, '$1:');
  if (normMemo.size >= 65_536) normMemo.clear();
  normMemo.set(mac, norm ?? '');
  return norm;
}
const normMemo = new Map<string, string>();

/** Whether `mac` is already 'xx:xx:xx:xx:xx:xx' in lower-case hex. */
function isNormMac(mac: string): boolean {
  if (mac.length !== 17) return false;
  for (let i = 0; i < 17; i++) {
    const c = mac.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== 0x3a) return false;
    } else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Group bit (I/G) of the first octet: multicast and broadcast addresses, never a device. */
export function isMulticastMac(mac: string): boolean {
  const norm = normMac(mac);
  return norm !== undefined && isMulticastNorm(norm);
}

/** `isMulticastMac` for a MAC already in `normMac` form (the device table asks per flow end). */
export function isMulticastNorm(norm: string): boolean {
  // The I/G bit is the low bit of the first octet's second hex digit: '0'–'9' are 0x30–0x39, 'a'–'f' 0x61–0x66.
  const c = norm.charCodeAt(1);
  return ((c <= 0x39 ? c - 0x30 : c - 0x57) & 1) !== 0;
}

/** U/L bit: set on randomised (private Wi-Fi) and virtual MACs, which have no registry entry. */
export function isLocalMac(mac: string): boolean {
  const hex = macHex(mac);
  return hex !== undefined && (Number.parseInt(hex.slice(0, 2), 16) & 0x02) !== 0;
}

export function lookupOui(mac: string): OuiInfo {
  const hex = macHex(mac);
  if (hex === undefined) return { note: 'not a MAC address' };
  // 00:00:00:00:00:00 is what loopback and some tunnels write, not Xerox's first block.
  if (hex === '000000000000') return { note: 'all-zero' };
  if (isMulticastMac(hex)) return { note: 'multicast' };
  if (isLocalMac(hex)) return { note: 'locally administered' };
  const reg = registry();
  // Longest prefix first: an MA-S/MA-M block is carved out of an MA-L owned by the IEEE itself.
  for (const len of [9, 7, 6]) {
    const entry = entryOf(reg, hex.slice(0, len));
    if (entry !== undefined) {
      const vendor = entry.split('\n', 1)[0]?.trim();
      if (vendor) return { vendor, prefix: hex.slice(0, len) };
    }
  }
  return { note: 'not registered' };
}

/** Format registry hex digits as '00:0B:82' (or '70:B3:D5:36:3' for MA-M/MA-S). */
export function formatPrefix(prefix: string): string {
  return prefix.replace(/(..)(?=.)/g, '$1:');
}
