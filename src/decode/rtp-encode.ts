// RTP and RTCP packets written (the simulator's nurse-call phone and the tests): the mirror of
// decode/rtp.ts.
import { Bytes } from './bytes.js';

export interface RtpSpec {
  readonly payloadType: number;
  readonly seq: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly marker?: boolean;
  readonly csrc?: readonly number[];
  readonly payload: Uint8Array;
}

export function rtpPacket(s: RtpSpec): Uint8Array {
  const cc = s.csrc?.length ?? 0;
  const w = new Bytes(12 + cc * 4 + s.payload.length)
    .u8(0x80 | cc)
    .u8((s.marker ? 0x80 : 0) | (s.payloadType & 0x7f))
    .u16(s.seq & 0xffff)
    .u32(s.timestamp)
    .u32(s.ssrc);
  for (const c of s.csrc ?? []) w.u32(c);
  return w.bytes(s.payload).done();
}

/** A compound RTCP datagram: a sender report (no report blocks) and an SDES with a CNAME. */
export function rtcpSenderReport(
  ssrc: number,
  ntpSecs: number,
  rtpTs: number,
  packets: number,
  octets: number,
  cname: string,
): Uint8Array {
  const w = new Bytes(64);
  w.u8(0x80).u8(200).u16(6).u32(ssrc).u32(ntpSecs).u32(0).u32(rtpTs).u32(packets).u32(octets);
  // SDES: one chunk (SSRC, CNAME item, end), padded to a 32-bit boundary.
  const name = new TextEncoder().encode(cname);
  const chunk = 4 + 2 + name.length + 1;
  const padded = Math.ceil(chunk / 4) * 4;
  w.u8(0x81)
    .u8(202)
    .u16(padded / 4)
    .u32(ssrc)
    .u8(1)
    .u8(name.length)
    .bytes(name)
    .zeros(padded - chunk + 1);
  return w.done();
}
