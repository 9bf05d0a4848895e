// IPv4 (RFC 791). The header checksum is not verified: checksum offload makes it wrong in most
// captures taken on the sending host, and Zeek and Suricata ignore it by default too.
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

/**
 * Decode the IPv4 header at `off`. Returns the offset of the upper-layer header when it is
 * present in this packet (not a later fragment, header complete), else -1. The frame ends at
 * `end` in `d` (a reader's chunk holds the records after it).
 */
export function decodeIpv4(d: Uint8Array, off: number, out: Layers, end = d.length): number {
  const avail = end - off;
  if (avail < 20) {
    flag(out, avail > 0 && d[off] >> 4 !== 4 ? 'ipv4.bad-version' : 'ipv4.truncated');
    return -1;
  }
  const b0 = d[off];
  if (b0 >> 4 !== 4) {
    flag(out, 'ipv4.bad-version');
    return -1;
  }
  const hl = (b0 & 0x0f) << 2;
  if (hl < 20) {
    flag(out, 'ipv4.bad-ihl');
    return -1;
  }
  let total = (d[off + 2] << 8) | d[off + 3];
  if (total === 0) {
    // Captured on a host with TCP segmentation offload: the kernel hands over a super-packet
    // with total length 0. Zeek likewise falls back to the captured length.
    total = avail;
    flag(out, 'ipv4.zero-total-length');
  }
  if (total < hl) {
    flag(out, 'ipv4.bad-total-length');
    return -1;
  }
  out.ipVersion = 4;
  out.l3Off = off;
  out.ttl = d[off + 8];
  out.ipProto = d[off + 9];
  out.ip4Src = ((d[off + 12] << 24) | (d[off + 13] << 16) | (d[off + 14] << 8) | d[off + 15]) >>> 0;
  out.ip4Dst = ((d[off + 16] << 24) | (d[off + 17] << 16) | (d[off + 18] << 8) | d[off + 19]) >>> 0;
  // Flags (reserved, DF, MF) and the offset in 8-byte units (§3.1).
  const ff = (d[off + 6] << 8) | d[off + 7];
  const fragOffset = (ff & 0x1fff) << 3;
  const more = (ff & 0x2000) !== 0;
  if (more || fragOffset !== 0) {
    out.isFragment = true;
    out.fragOffset = fragOffset;
    out.fragMore = more;
    out.fragId = (d[off + 4] << 8) | d[off + 5];
    // §3.2: a datagram is at most 65535 bytes; more is the "ping of death".
    if (fragOffset + total - hl > 65535) flag(out, 'ipv4.bad-fragment');
  }
  // Bytes past the total length are link padding (Ethernet minimum frame), not payload.
  const ipLen = Math.min(total, avail);
  out.ipLen = ipLen;
  if (total > avail) out.snapped = true;
  out.ipPayloadClaimed = total - hl;
  if (hl > ipLen) {
    // The capture ends inside the options: addresses are known, the payload is not.
    out.ipPayloadOff = off + ipLen;
    out.ipPayloadLen = 0;
    return -1;
  }
  out.ipPayloadOff = off + hl;
  out.ipPayloadLen = ipLen - hl;
  if (hl > 20) checkOptions(d, off + 20, off + hl, out);
  return fragOffset === 0 ? off + hl : -1;
}

/** Options are skipped, but a malformed list is worth a name (§3.1: type, length ≥ 2, data). */
function checkOptions(d: Uint8Array, i: number, end: number, out: Layers): void {
  while (i < end) {
    const kind = d[i];
    if (kind === 0) return; // end of option list
    if (kind === 1) {
      i++; // no-operation
      continue;
    }
    if (i + 1 >= end || d[i + 1] < 2 || i + d[i + 1] > end) {
      flag(out, 'ipv4.bad-option');
      return;
    }
    i += d[i + 1];
  }
}
