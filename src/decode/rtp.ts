// RTP and RTCP headers (RFC 3550 §5.1, §6.4): enough to count media streams and tell them from
// other UDP — version 2, payload type, sequence number, SSRC; RTCP packet type and sender SSRC,
// walking a compound packet by its length words. Media payloads are never read.

export const RTP_ANOMALIES = [
  'rtp.truncated', // shorter than the fixed header plus its CSRC list (and extension header)
  'rtp.bad-padding', // the padding count is zero or exceeds the packet
  'rtcp.bad-length', // an RTCP packet's length word runs past the datagram
] as const;
export type RtpAnomaly = (typeof RTP_ANOMALIES)[number];

export interface RtpHeader {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly seq: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcCount: number;
}

export type RtpResult =
  | { readonly kind: 'ok'; readonly rtp: RtpHeader }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: RtpAnomaly };

const u16 = (b: Uint8Array, p: number) => (b[p]! << 8) | b[p + 1]!;
const u32 = (b: Uint8Array, p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

/** RTCP packet types (SR 200, RR 201, SDES 202, BYE 203, APP 204; XR 207): with the marker bit these sit at 72–79 in RTP's field. */
export function isRtcpType(pt: number): boolean {
  return pt >= 200 && pt <= 207;
}

export function decodeRtp(b: Uint8Array, off: number, end: number): RtpResult {
  end = Math.min(end, b.length);
  const n = end - off;
  if (n < 1 || b[off]! >> 6 !== 2) return { kind: 'not' };
  if (n < 12) return { kind: 'anomaly', code: 'rtp.truncated' };
  const first = b[off]!;
  const second = b[off + 1]!;
  // An RTCP packet on the RTP port (RFC 5761 multiplexing) is not an RTP packet.
  if (isRtcpType(second)) return { kind: 'not' };
  const cc = first & 0x0f;
  let hdr = 12 + 4 * cc;
  if (n < hdr) return { kind: 'anomaly', code: 'rtp.truncated' };
  if (first & 0x10) {
    if (n < hdr + 4) return { kind: 'anomaly', code: 'rtp.truncated' };
    hdr += 4 + 4 * u16(b, off + hdr + 2);
    if (n < hdr) return { kind: 'anomaly', code: 'rtp.truncated' };
  }
  if (first & 0x20) {
    const pad = b[end - 1]!;
    if (pad === 0 || hdr + pad > n) return { kind: 'anomaly', code: 'rtp.bad-padding' };
  }
  return {
    kind: 'ok',
    rtp: {
      payloadType: second & 0x7f,
      marker: (second & 0x80) !== 0,
      seq: u16(b, off + 2),
      timestamp: u32(b, off + 4),
      ssrc: u32(b, off + 8),
      csrcCount: cc,
    },
  };
}

export interface RtcpInfo {
  /** Packet type of the first packet (SR 200 or RR 201 in a well-formed compound). */
  readonly packetType: number;
  readonly ssrc: number;
  /** Packets in the compound datagram (bounded walk). */
  readonly packets: number;
}

export type RtcpResult =
  | { readonly kind: 'ok'; readonly rtcp: RtcpInfo }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: RtpAnomaly };

export function decodeRtcp(b: Uint8Array, off: number, end: number): RtcpResult {
  end = Math.min(end, b.length);
  if (end - off < 8 || b[off]! >> 6 !== 2 || !isRtcpType(b[off + 1]!)) return { kind: 'not' };
  let p = off;
  let packets = 0;
  while (p < end && packets < 16) {
    if (end - p < 4 || b[p]! >> 6 !== 2) return { kind: 'anomaly', code: 'rtcp.bad-length' };
    const len = 4 * (u16(b, p + 2) + 1);
    if (p + len > end) return { kind: 'anomaly', code: 'rtcp.bad-length' };
    p += len;
    packets++;
  }
  return { kind: 'ok', rtcp: { packetType: b[off + 1]!, ssrc: u32(b, off + 4), packets } };
}
