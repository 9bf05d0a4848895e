// ARP (RFC 826) and RARP (RFC 903, same format). Only the Ethernet/IPv4 form is decoded into
// the layer record; other hardware/protocol pairs are recognised but left undecoded.
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

const ARP_FIXED = 8; // htype(2) ptype(2) hlen(1) plen(1) op(2)

export function decodeArp(d: Uint8Array, off: number, out: Layers, end = d.length): void {
  const avail = end - off;
  if (avail < ARP_FIXED) {
    flag(out, 'arp.truncated');
    return;
  }
  const htype = (d[off] << 8) | d[off + 1];
  const ptype = (d[off + 2] << 8) | d[off + 3];
  const hlen = d[off + 4];
  const plen = d[off + 5];
  out.arpOp = (d[off + 6] << 8) | d[off + 7];
  // sender hw, sender proto, target hw, target proto
  if (ARP_FIXED + 2 * (hlen + plen) > avail) {
    flag(out, 'arp.truncated');
    return;
  }
  if (htype !== 1 || ptype !== 0x0800 || hlen !== 6 || plen !== 4) return;
  out.isArp = true;
  out.arpSenderMacOff = off + 8;
  out.arpSenderIp = ((d[off + 14] << 24) | (d[off + 15] << 16) | (d[off + 16] << 8) | d[off + 17]) >>> 0;
  out.arpTargetMacOff = off + 18;
  out.arpTargetIp = ((d[off + 24] << 24) | (d[off + 25] << 16) | (d[off + 26] << 8) | d[off + 27]) >>> 0;
}
