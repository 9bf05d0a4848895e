// NTP decoder (RFC 5905 §7.3 packet header; modes 6/7 are control and private, RFC 1305
// Appendix B and ntpd's mode 7, recognised by their first byte only).
//
// The header is 48 bytes: LI(2) VN(3) Mode(3), stratum, poll, precision, root delay, root
// dispersion, reference id, then four 64-bit timestamps. Extension fields and a MAC may follow;
// they are not read. The reference id is four ASCII characters for stratum 0 (a kiss code) and
// 1 (the clock source: GPS, PPS, ...), an IPv4 address of the upstream server for stratum ≥ 2
// in NTPv4 over IPv4 (RFC 5905 §7.3: for IPv6 it is a hash, shown as hex).

export const NTP_ANOMALIES = [
  'ntp.truncated', // a mode 1-5 datagram shorter than the 48-byte header (RFC 5905 §7.3)
  'ntp.bad-version', // version 0 or above 4 on a port-123 datagram
] as const;
export type NtpAnomaly = (typeof NTP_ANOMALIES)[number];

export const NTP_MODES = [
  'reserved',
  'symmetric-active',
  'symmetric-passive',
  'client',
  'server',
  'broadcast',
  'control',
  'private',
] as const;
export type NtpMode = (typeof NTP_MODES)[number];

export const NTP_HEADER = 48;

export interface NtpPacket {
  readonly leap: number;
  readonly version: number;
  readonly mode: NtpMode;
  /** 0 unspecified/kiss, 1 primary (own clock), 2-15 secondary, 16 unsynchronised. */
  readonly stratum: number;
  readonly poll: number;
  /** Reference id as text: 'GPS', 'RATE' (kiss), '17.253.4.253', or 8 hex digits. Empty when zero. */
  readonly refId: string;
  /** Transmit timestamp, seconds since 1900 (integer part). */
  readonly transmitSecs: number;
}

export type NtpResult =
  | { readonly kind: 'ok'; readonly packet: NtpPacket }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: NtpAnomaly };

const NOT = { kind: 'not' } as const;

/** Printable ASCII reference id (kiss codes and clock names), trailing NULs dropped; undefined if not text. */
function asciiRef(b: Uint8Array, o: number): string | undefined {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = b[o + i]!;
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

function hex8(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += (b[o + i]! < 16 ? '0' : '') + b[o + i]!.toString(16);
  return s;
}

/**
 * Decode one NTP datagram at `b[off, off+len)`. `ipv6`: the datagram came over IPv6, where a
 * stratum ≥ 2 reference id is a hash, not an address.
 */
export function decodeNtp(b: Uint8Array, off: number, len: number, ipv6 = false): NtpResult {
  if (len < 1 || off < 0 || off + len > b.length) return NOT;
  const first = b[off]!;
  const version = (first >> 3) & 7;
  const modeNo = first & 7;
  if (version === 0 || version > 4) return { kind: 'anomaly', code: 'ntp.bad-version' };
  const mode = NTP_MODES[modeNo]!;
  if (modeNo === 6 || modeNo === 7) {
    return { kind: 'ok', packet: { leap: first >> 6, version, mode, stratum: 0, poll: 0, refId: '', transmitSecs: 0 } };
  }
  if (len < NTP_HEADER) return { kind: 'anomaly', code: 'ntp.truncated' };
  const stratum = b[off + 1]!;
  const r = off + 12;
  let refId = '';
  if (b[r] !== 0 || b[r + 1] !== 0 || b[r + 2] !== 0 || b[r + 3] !== 0) {
    if (stratum <= 1) refId = asciiRef(b, r) ?? hex8(b, r);
    else if (!ipv6 && version >= 3) refId = `${b[r]}.${b[r + 1]}.${b[r + 2]}.${b[r + 3]}`;
    else refId = hex8(b, r);
  }
  const t = off + 40;
  const transmitSecs = ((b[t]! << 24) | (b[t + 1]! << 16) | (b[t + 2]! << 8) | b[t + 3]!) >>> 0;
  return {
    kind: 'ok',
    packet: { leap: first >> 6, version, mode, stratum, poll: (b[off + 2]! << 24) >> 24, refId, transmitSecs },
  };
}
