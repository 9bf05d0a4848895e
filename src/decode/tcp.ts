// TCP header (RFC 9293 §3.1) and its options. Checksums are not verified (offload, see ipv4.ts).
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

const TCP_OPT_EOL = 0;
const TCP_OPT_NOP = 1;
const TCP_OPT_MSS = 2;

/**
 * Decode TCP at `off`. `len` bytes are readable (≤ the buffer), `claimed` is what the IP layer
 * says the segment holds (≥ len when the capture was snapped).
 */
export function decodeTcp(d: Uint8Array, off: number, len: number, claimed: number, out: Layers): void {
  out.l4Off = off;
  if (len < 20) {
    if (len >= 4) {
      out.srcPort = (d[off] << 8) | d[off + 1];
      out.dstPort = (d[off + 2] << 8) | d[off + 3];
    }
    if (claimed < 20) flag(out, 'tcp.truncated');
    else out.snapped = true;
    return;
  }
  out.srcPort = (d[off] << 8) | d[off + 1];
  out.dstPort = (d[off + 2] << 8) | d[off + 3];
  out.tcpSeq = ((d[off + 4] << 24) | (d[off + 5] << 16) | (d[off + 6] << 8) | d[off + 7]) >>> 0;
  out.tcpAck = ((d[off + 8] << 24) | (d[off + 9] << 16) | (d[off + 10] << 8) | d[off + 11]) >>> 0;
  out.tcpFlags = d[off + 13];
  out.tcpWindow = (d[off + 14] << 8) | d[off + 15];
  const hl = (d[off + 12] >> 4) << 2;
  if (hl < 20 || hl > claimed) {
    flag(out, 'tcp.bad-offset');
    return;
  }
  if (hl > len) {
    out.snapped = true; // options cut by the capture: read what is there
    if (hl > 20) walkOptions(d, off + 20, off + len, out, false);
    return;
  }
  if (hl > 20) walkOptions(d, off + 20, off + hl, out, true);
  out.payloadOff = off + hl;
  out.payloadLen = len - hl;
}

/** §3.2: kind, length ≥ 2, data; EOL ends the list, NOP pads. At most 40 bytes, each step ≥ 1. */
function walkOptions(d: Uint8Array, i: number, end: number, out: Layers, complete: boolean): void {
  while (i < end) {
    const kind = d[i];
    if (kind === TCP_OPT_EOL) return;
    if (kind === TCP_OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) {
      if (complete) flag(out, 'tcp.bad-option');
      return;
    }
    const olen = d[i + 1];
    if (olen < 2) {
      flag(out, 'tcp.bad-option');
      return;
    }
    if (i + olen > end) {
      if (complete) flag(out, 'tcp.bad-option');
      return;
    }
    if (kind === TCP_OPT_MSS) {
      if (olen === 4) out.tcpMss = (d[i + 2] << 8) | d[i + 3];
      else flag(out, 'tcp.bad-option');
    }
    i += olen;
  }
}
