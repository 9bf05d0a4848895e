// The other link layers of pcap files: Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113) and
// v2 (LINKTYPE_LINUX_SLL2, 276), BSD loopback (LINKTYPE_NULL, 0, and LINKTYPE_LOOP, 108) and raw
// IP (101, 12, 14, 228, 229). Each returns the layer-3 offset with `out.ethertype` set, or -1.
// Header layouts: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and _SLL2.html.
import { decodeEthertype, ETHERTYPE_IPV4, ETHERTYPE_IPV6, walkVlanTags } from './ethernet.js';
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

const ARPHRD_ETHER = 1;
/** Netlink captures (nlmon): the protocol field is a netlink family, not an EtherType. */
const ARPHRD_NETLINK = 824;

/** SLL v1: packet type(2) ARPHRD(2) address length(2) address(8) protocol(2). */
export function decodeSll(d: Uint8Array, out: Layers): number {
  if (d.length < 16) {
    flag(out, 'sll.truncated');
    return -1;
  }
  const hatype = (d[2] << 8) | d[3];
  // The address is the sender's for incoming and outgoing packets alike (packet(7)).
  if (hatype === ARPHRD_ETHER && d[4] === 0 && d[5] === 6) out.macSrcOff = 6;
  if (hatype === ARPHRD_NETLINK) return -1;
  return decodeEthertype(d, 14, out);
}

/** SLL v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8). */
export function decodeSll2(d: Uint8Array, out: Layers): number {
  if (d.length < 20) {
    flag(out, 'sll2.truncated');
    return -1;
  }
  const hatype = (d[8] << 8) | d[9];
  if (hatype === ARPHRD_ETHER && d[11] === 6) out.macSrcOff = 12;
  if (hatype === ARPHRD_NETLINK) return -1;
  // The protocol sits at the start; the payload (and any tags) after the 20-byte header.
  return walkVlanTags(d, (d[0] << 8) | d[1], 20, out);
}

/**
 * BSD loopback: a 4-byte address family in the *capturing host's* byte order (LOOP: network
 * order). AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
 */
export function decodeNull(d: Uint8Array, out: Layers): number {
  if (d.length < 4) {
    flag(out, 'null.truncated');
    return -1;
  }
  let af = -1;
  if (d[1] === 0 && d[2] === 0 && d[3] === 0) af = d[0];
  else if (d[0] === 0 && d[1] === 0 && d[2] === 0) af = d[3];
  if (af === 2) out.ethertype = ETHERTYPE_IPV4;
  else if (af === 24 || af === 28 || af === 30) out.ethertype = ETHERTYPE_IPV6;
  else {
    flag(out, 'null.unknown-family');
    return -1;
  }
  return 4;
}

/** Raw IP: no link header; the version nibble says which IP it is. */
export function decodeRawIp(d: Uint8Array, out: Layers): number {
  if (d.length < 1) {
    flag(out, 'raw.truncated');
    return -1;
  }
  const v = d[0] >> 4;
  if (v === 4) out.ethertype = ETHERTYPE_IPV4;
  else if (v === 6) out.ethertype = ETHERTYPE_IPV6;
  else {
    flag(out, 'raw.bad-version');
    return -1;
  }
  return 0;
}
