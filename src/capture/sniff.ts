// What is at offset 0 of a file: the capture magic numbers we accept, and a plain-words guess
// for everything else, so "not a capture" errors tell the user what they actually gave us.

import { WardwatchError } from '../errors.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Kuznetzov's "modified pcap" (patched libpcap, Red Hat 6.x era): µs, longer record headers. */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_BOM = 0x1a2b3c4d;

export type Magic =
  | 'pcap-le'
  | 'pcap-be'
  | 'nsecpcap-le'
  | 'nsecpcap-be'
  | 'modpcap-le'
  | 'modpcap-be'
  | 'pcapng'
  | 'gzip'
  | null;

/** Classifies the first 4 bytes (b must hold at least 4). */
export function magicOf(b: Uint8Array): Magic {
  const be = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const le = ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0;
  if (le === PCAP_MAGIC_US) return 'pcap-le';
  if (be === PCAP_MAGIC_US) return 'pcap-be';
  if (le === PCAP_MAGIC_NS) return 'nsecpcap-le';
  if (be === PCAP_MAGIC_NS) return 'nsecpcap-be';
  if (le === PCAP_MAGIC_MODIFIED) return 'modpcap-le';
  if (be === PCAP_MAGIC_MODIFIED) return 'modpcap-be';
  // The SHB type is a palindrome so it reads the same in both byte orders (pcapng spec 4.1).
  if (be === PCAPNG_SHB) return 'pcapng';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  return null;
}

function hex(b: Uint8Array, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < Math.min(n, b.length); i++) out.push(b[i]!.toString(16).padStart(2, '0'));
  return out.join(' ');
}

function startsWith(b: Uint8Array, bytes: readonly number[]): boolean {
  if (b.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (b[i] !== bytes[i]) return false;
  return true;
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2) printable++;
    else if (c === 0) return false;
  }
  return printable / n > 0.95;
}

/** A guess at what a non-capture file is, from its first bytes. */
export function guessKind(b: Uint8Array): string {
  if (b.length === 0) return 'empty file';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip-compressed data';
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return 'a zip archive';
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return 'an ELF executable';
  if (startsWith(b, [0x42, 0x5a, 0x68])) return 'bzip2-compressed data';
  if (startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz-compressed data';
  if (startsWith(b, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd-compressed data';
  if (startsWith(b, [0x25, 0x50, 0x44, 0x46])) return 'a PDF document';
  // Microsoft Network Monitor / snoop / ERF are captures we do not read; name them anyway.
  if (startsWith(b, [0x73, 0x6e, 0x6f, 0x6f, 0x70, 0x00]))
    return 'a snoop capture (not supported; convert with editcap -F pcap)';
  if (startsWith(b, [0x47, 0x4d, 0x42, 0x55]))
    return 'a Network Monitor capture (not supported; convert with editcap -F pcap)';
  if (looksLikeText(b)) {
    const head = new TextDecoder()
      .decode(b.subarray(0, Math.min(b.length, 256)))
      .trimStart()
      .toLowerCase();
    if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'an HTML page';
    if (head.startsWith('<?xml') || head.startsWith('<')) return 'XML/HTML text';
    if (head.startsWith('{') || head.startsWith('[')) return 'JSON text';
    return 'text';
  }
  return 'unknown binary data';
}

/** "d4 c3 b2 … (gzip-compressed data)" for error messages. */
export function describeStart(b: Uint8Array): string {
  if (b.length === 0) return 'the file is empty';
  return `offset 0 holds ${hex(b, 8)} (${guessKind(b)}), not a pcap or pcapng header`;
}

/** The file does not start as a capture: the error names it and offset 0, where the header should be. */
export function notACapture(sourceName: string, start: Uint8Array): WardwatchError {
  return new WardwatchError('WW_CAPTURE_FORMAT', `${sourceName}: not a capture file: ${describeStart(start)}`, {
    file: sourceName,
    offset: 0,
  });
}
