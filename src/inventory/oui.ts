// Vendor of a MAC address from the IEEE registry, as packaged by `oui-data` (a maintained npm
// copy of the MA-L, MA-M and MA-S registries). The table is a few MB, so it is loaded on the
// first lookup only, and never for captures without MACs.
import { createRequire } from 'node:module';

export interface OuiInfo {
  /** Registry organisation name (first line of the entry). */
  readonly vendor?: string;
  /** The matched registry prefix as hex digits: 6 (MA-L), 7 (MA-M) or 9 (MA-S). */
  readonly prefix?: string;
  /** Why there is no vendor: 'locally administered', 'multicast', 'not a MAC address', 'all-zero', 'not registered'. */
  readonly note?: string;
}

let table: Readonly<Record<string, string>> | undefined;

function registry(): Readonly<Record<string, string>> {
  // JSON through require: ESM JSON imports need import attributes, which tsc/NodeNext handle unevenly.
  table ??= createRequire(import.meta.url)('oui-data') as Record<string, string>;
  return table;
}

/** 12 upper-case hex digits, or undefined when `mac` is not a 48-bit MAC in a common notation. */
export function macHex(mac: string): string | undefined {
  const hex = mac.replace(/[:.\-\s]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(hex) ? hex : undefined;
}

/** Lower-case colon form ('00:0b:82:01:fc:42'), or undefined when not a MAC. */
export function normMac(mac: string): string | undefined {
  // Called for both ends of every event: memoised (bounded), the regexes are the cost.
  const hit = normMemo.get(mac);
  if (hit !== undefined) return hit === '' ? undefined : hit;
  const hex = macHex(mac);
  const norm = hex === undefined ? undefined : hex.toLowerCase().replace(/(..)(?!$)/g, '$1:');
  if (normMemo.size >= 65_536) normMemo.clear();
  normMemo.set(mac, norm ?? '');
  return norm;
}
const normMemo = new Map<string, string>();

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
    const entry = reg[hex.slice(0, len)];
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
