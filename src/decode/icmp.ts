// ICMP (RFC 792) and ICMPv6 (RFC 4443): type and code. The 4 bytes after the checksum
// (echo id/sequence, MTU, pointer, unused) belong to the header; the payload follows them.
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

export function decodeIcmp(d: Uint8Array, off: number, len: number, claimed: number, v6: boolean, out: Layers): void {
  out.l4Off = off;
  if (len < 4) {
    if (claimed < 4) flag(out, v6 ? 'icmpv6.truncated' : 'icmp.truncated');
    else out.snapped = true;
    return;
  }
  out.icmpType = d[off];
  out.icmpCode = d[off + 1];
  if (len >= 8) {
    out.payloadOff = off + 8;
    out.payloadLen = len - 8;
  }
}
