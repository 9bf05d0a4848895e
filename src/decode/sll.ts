// The other link layers of pcap files: Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113) and
// v2 (LINKTYPE_LINUX_SLL2, 276), BSD loopback (LINKTYPE_NULL, 0, and LINKTYPE_LOOP, 108) and raw
// IP (101, 12, 14, 228, 229), PPP (9, 50). Each returns the layer-3 offset with `out.ethertype` set, or -1.
// The frame is d[s, end) (a record inside a reader's chunk); offsets set in `out` index `d`.
// Header layouts: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and _SLL2.html.
import { decodeEthertype, ETHERTYPE_IPV4, ETHERTYPE_IPV6, walkVlanTags } from './ethernet.js';
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

const ARPHRD_ETHER = 1;
/** Netlink captures (nlmon): the protocol field is a netlink family, not an EtherType. */
const ARPHRD_NETLINK = 824;

/** SLL v1: packet type(2) ARPHRD(2) address length(2) address(8) protocol(2). */
export function decodeSll(d: Uint8Array, out: Layers, s = 0, end = d.length): number {
  if (end - s < 16) {
    flag(out, 'sll.truncated');
    return -1;
  }
  const hatype = (d[s + 2] << 8) | d[s + 3];
  // The address is the sender's for incoming and outgoing packets alike (packet(7)).
  if (hatype === ARPHRD_ETHER && d[s + 4] === 0 && d[s + 5] === 6) out.macSrcOff = s + 6;
  if (hatype === ARPHRD_NETLINK) return -1;
  return decodeEthertype(d, s + 14, out, end);
}

/** SLL v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8). */
export function decodeSll2(d: Uint8Array, out: Layers, s = 0, end = d.length): number {
  if (end - s < 20) {
    flag(out, 'sll2.truncated');
    return -1;
  }
  const hatype = (d[s + 8] << 8) | d[s + 9];
  if (hatype === ARPHRD_ETHER && d[s + 11] === 6) out.macSrcOff = s + 12;
  if (hatype === ARPHRD_NETLINK) return -1;
  // The protocol sits at the start; the payload (and any tags) after the 20-byte header.
  return walkVlanTags(d, (d[s] << 8) | d[s + 1], s + 20, out, end);
}

/**
 * BSD loopback: a 4-byte address family in the *capturing host's* byte order (LOOP: network
 * order). AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
 */
export function decodeNull(d: Uint8Array, out: Layers, s = 0, end = d.length): number {
  if (end - s < 4) {
    flag(out, 'null.truncated');
    return -1;
  }
  let af = -1;
  if (d[s + 1] === 0 && d[s + 2] === 0 && d[s + 3] === 0) af = d[s];
  else if (d[s] === 0 && d[s + 1] === 0 && d[s + 2] === 0) af = d[s + 3];
  if (af === 2) out.ethertype = ETHERTYPE_IPV4;
  else if (af === 24 || af === 28 || af === 30) out.ethertype = ETHERTYPE_IPV6;
  else {
    flag(out, 'null.unknown-family');
    return -1;
  }
  return s + 4;
}

/** Raw IP: no link header; the version nibble says which IP it is. */
export function decodeRawIp(d: Uint8Array, out: Layers, s = 0, end = d.length): number {
  if (end - s < 1) {
    flag(out, 'raw.truncated');
    return -1;
  }
  const v = d[s] >> 4;
  if (v === 4) out.ethertype = ETHERTYPE_IPV4;
  else if (v === 6) out.ethertype = ETHERTYPE_IPV6;
  else {
    flag(out, 'raw.bad-version');
    return -1;
  }
  return s;
}

/** PPP's protocol numbers for IPv4 and IPv6 (RFC 1332, RFC 5072). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/**
 * PPP (LINKTYPE_PPP 9, LINKTYPE_PPP_HDLC 50): RFC 1662's address and control bytes (0xff 0x03)
 * when present, then the protocol — two bytes, or one when compressed (RFC 1661 §6.5: an odd first
 * byte). IPv4 and IPv6 go on; LCP, IPCP and the other control protocols are the link's own
 * traffic, not an anomaly: no layer 3, nothing flagged.
 */
export function decodePpp(d: Uint8Array, out: Layers, s = 0, end = d.length): number {
  let off = s;
  if (end - off >= 2 && d[off] === 0xff && d[off + 1] === 0x03) off += 2;
  if (end - off < 1) {
    flag(out, 'ppp.truncated');
    return -1;
  }
  let proto = d[off]!;
  if ((proto & 1) === 1) off += 1;
  else if (end - off < 2) {
    flag(out, 'ppp.truncated');
    return -1;
  } else {
    proto = (proto << 8) | d[off + 1]!;
    off += 2;
  }
  if (proto === PPP_IPV4) out.ethertype = ETHERTYPE_IPV4;
  else if (proto === PPP_IPV6) out.ethertype = ETHERTYPE_IPV6;
  else return -1;
  return off;
}
