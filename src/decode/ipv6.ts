// IPv6 (RFC 8200) with its extension-header chain. `out.ipProto` is the upper-layer protocol
// found after the chain; for a fragment that is not the first, the Next Header of the fragment
// header (the rest of the chain is in the first fragment).
//
// For fragments, `ipPayloadOff/Len` is the fragmentable part (what follows the fragment
// header, §4.5), so that reassembly can place it at `fragOffset`; otherwise it is the
// upper-layer payload after every extension header.
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

export const IPV6_HOPOPTS = 0;
export const IPV6_ROUTING = 43;
export const IPV6_FRAGMENT = 44;
export const IPV6_ESP = 50;
export const IPV6_AH = 51;
export const IPV6_NONXT = 59;
export const IPV6_DSTOPTS = 60;
export const IPV6_MOBILITY = 135;
export const IPV6_HIP = 139;
export const IPV6_SHIM6 = 140;

/** Real chains hold 1–3 headers; each costs ≥ 8 bytes, so this also bounds the walk. */
export const MAX_IPV6_EXT_HEADERS = 16;

function isExtHeader(nh: number): boolean {
  return (
    nh === IPV6_HOPOPTS ||
    nh === IPV6_ROUTING ||
    nh === IPV6_FRAGMENT ||
    nh === IPV6_AH ||
    nh === IPV6_DSTOPTS ||
    nh === IPV6_MOBILITY ||
    nh === IPV6_HIP ||
    nh === IPV6_SHIM6
  );
}

/** Length of the extension header `nh` at `p` (the caller checked 8 bytes are readable). */
function extLen(d: Uint8Array, p: number, nh: number): number {
  switch (nh) {
    case IPV6_HOPOPTS:
    case IPV6_ROUTING:
    case IPV6_DSTOPTS:
    case IPV6_MOBILITY:
    case IPV6_HIP:
    case IPV6_SHIM6:
      return (d[p + 1] + 1) << 3; // §4.3: Hdr Ext Len in 8-octet units, not counting the first 8
    case IPV6_FRAGMENT:
      return 8;
    case IPV6_AH:
      return (d[p + 1] + 2) << 2; // RFC 4302 §2.2: 4-octet units, minus 2
    default:
      return 8;
  }
}

/**
 * Decode the IPv6 header at `off`. Returns the offset of the upper-layer header when it is in
 * this packet (not a later fragment, chain complete, not No Next Header/ESP), else -1. The
 * frame ends at `frameEnd` in `d` (a reader's chunk holds the records after it).
 */
export function decodeIpv6(d: Uint8Array, off: number, out: Layers, frameEnd = d.length): number {
  const avail = frameEnd - off;
  if (avail < 40) {
    flag(out, avail > 0 && d[off] >> 4 !== 6 ? 'ipv6.bad-version' : 'ipv6.truncated');
    return -1;
  }
  if (d[off] >> 4 !== 6) {
    flag(out, 'ipv6.bad-version');
    return -1;
  }
  out.ipVersion = 6;
  out.l3Off = off;
  out.ttl = d[off + 7];
  out.ip6SrcOff = off + 8;
  out.ip6DstOff = off + 24;
  let nh = d[off + 6];
  let plen = (d[off + 4] << 8) | d[off + 5];
  // RFC 2675 jumbogram: payload length 0 and a Jumbo option in hop-by-hop; trust the capture.
  if (plen === 0 && nh === IPV6_HOPOPTS) plen = avail - 40;
  const total = 40 + plen;
  const ipLen = Math.min(total, avail);
  out.ipLen = ipLen;
  if (total > avail) out.snapped = true;
  const end = off + ipLen;
  const claimedEnd = off + total;
  let p = off + 40;
  // Bounded: at most MAX_IPV6_EXT_HEADERS iterations, each advancing p by ≥ 8 bytes.
  for (let n = 0; isExtHeader(nh); n++) {
    if (n >= MAX_IPV6_EXT_HEADERS) {
      flag(out, 'ipv6.too-many-ext-headers');
      return -1;
    }
    // Every extension header is at least 8 bytes (§4.2).
    const hlen = p + 8 <= end ? extLen(d, p, nh) : 8;
    if (p + hlen > end) {
      if (p + hlen > claimedEnd) flag(out, 'ipv6.bad-ext-header');
      out.ipProto = nh;
      out.ipPayloadOff = end;
      out.ipPayloadLen = 0;
      out.ipPayloadClaimed = claimedEnd > end ? claimedEnd - end : 0;
      return -1;
    }
    const next = d[p];
    if (nh === IPV6_FRAGMENT) {
      // §4.5: offset in 8-octet units in the top 13 bits, M flag in the low bit, 32-bit id.
      const fo = (d[p + 2] << 8) | d[p + 3];
      const fragOffset = fo & 0xfff8;
      const more = (fo & 1) !== 0;
      out.fragId = ((d[p + 4] << 24) | (d[p + 5] << 16) | (d[p + 6] << 8) | d[p + 7]) >>> 0;
      p += 8;
      // An "atomic fragment" (offset 0, M 0) is processed as a whole datagram (RFC 6946).
      if (more || fragOffset !== 0) {
        out.isFragment = true;
        out.fragOffset = fragOffset;
        out.fragMore = more;
        out.ipPayloadOff = p;
        out.ipPayloadLen = end - p;
        out.ipPayloadClaimed = claimedEnd - p;
        if (fragOffset + claimedEnd - p > 65535) flag(out, 'ipv6.bad-fragment');
        if (fragOffset !== 0) {
          out.ipProto = next;
          return -1;
        }
      }
      nh = next;
      continue;
    }
    nh = next;
    p += hlen;
  }
  out.ipProto = nh;
  if (!out.isFragment) {
    out.ipPayloadOff = p;
    out.ipPayloadLen = end - p;
    out.ipPayloadClaimed = claimedEnd - p;
  }
  return nh === IPV6_NONXT || nh === IPV6_ESP ? -1 : p;
}

/**
 * Skip the extension headers that may follow a fragment header inside reassembled bytes
 * (`nh` = the fragment header's Next Header). Returns the upper-layer offset and protocol
 * packed as `offset * 256 + proto`, or -1 when the chain is malformed or runs past `end`.
 */
export function skipIpv6ExtHeaders(d: Uint8Array, p: number, end: number, nh: number): number {
  for (let n = 0; n <= MAX_IPV6_EXT_HEADERS; n++) {
    if (nh === IPV6_FRAGMENT) return -1; // a fragment inside a fragment
    if (!isExtHeader(nh)) return p * 256 + nh;
    if (p + 8 > end) return -1;
    const hlen = extLen(d, p, nh);
    if (p + hlen > end) return -1;
    nh = d[p];
    p += hlen;
  }
  return -1;
}
