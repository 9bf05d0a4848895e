// UDP (RFC 768). The length field is checked against the IP payload: UDP's own length rules
// (trailing bytes after it are padding), but it may never claim more than IP carried.
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

/**
 * Decode UDP at `off` (`len` readable, `claimed` per the IP header). `partial` is true for the
 * first fragment of a datagram, whose UDP length legitimately exceeds this packet.
 */
export function decodeUdp(
  d: Uint8Array,
  off: number,
  len: number,
  claimed: number,
  partial: boolean,
  out: Layers,
): void {
  out.l4Off = off;
  if (len < 8) {
    if (len >= 4) {
      out.srcPort = (d[off] << 8) | d[off + 1];
      out.dstPort = (d[off + 2] << 8) | d[off + 3];
    }
    if (claimed < 8) flag(out, 'udp.truncated');
    else out.snapped = true;
    return;
  }
  out.srcPort = (d[off] << 8) | d[off + 1];
  out.dstPort = (d[off + 2] << 8) | d[off + 3];
  let ulen = (d[off + 4] << 8) | d[off + 5];
  if (ulen === 0 && claimed > 0xffff) {
    ulen = claimed; // RFC 2675 §4: length 0 in a jumbogram, the IP payload length rules
  } else if (ulen < 8) {
    flag(out, 'udp.bad-length');
    ulen = claimed;
  } else if (ulen > claimed && !partial) {
    flag(out, 'udp.bad-length');
    ulen = claimed;
  }
  out.payloadOff = off + 8;
  out.payloadLen = Math.min(ulen, len) - 8;
}
