// Where `--workers N` places a packet (src/engine/workers.ts): a hash symmetric over its (inner)
// source and destination addresses, ports left out, so that both directions of a flow, every
// fragment of a datagram and every flow of a host pair land in one shard.
import { decodePacket } from '../decode/packet.js';
import type { Layers } from '../decode/layers.js';
import { UDP_GENEVE, UDP_TEREDO, UDP_VXLAN } from '../decode/tunnel.js';

/** The pair hash from the full decode (the inner packet's addresses in a tunnel); -1 without IP. */
export function pairHash(frame: Uint8Array, linktype: number, L: Layers, start: number, end: number): number {
  decodePacket(frame, linktype, L, start, end);
  if (L.ipVersion === 4) return (mix(L.ip4Src) + mix(L.ip4Dst)) >>> 0;
  if (L.ipVersion === 6) return (mix6(frame, L.ip6SrcOff) + mix6(frame, L.ip6DstOff)) >>> 0;
  return -1;
}

/**
 * The address-pair hash of `shardOf` read straight from an Ethernet frame (up to two 802.1Q/802.1ad
 * tags, then IPv4 or IPv6), or -1 where only the full decode can tell: anything that is or may be
 * a tunnel (GRE, IP-in-IP, 6in4, UDP to VXLAN/Geneve/Teredo ports, MPLS, PPPoE) — its hash is the
 * *inner* pair's —, IPv6 extension headers, and headers decodePacket would refuse. Where it answers,
 * decodePacket would have set these same addresses and not unwrapped (decodeNetwork unwraps only an
 * unfragmented UDP to a tunnel port or the IP tunnel protocols), so both give every packet of a flow
 * one shard. Most packets of a capture take this path: the main thread then decodes no packet.
 */
export function quickPairHash(d: Uint8Array, start: number, end: number): number {
  if (end - start < 14) return -1;
  let off = start + 12;
  let et = (d[off]! << 8) | d[off + 1]!;
  off += 2;
  for (let tags = 0; et === 0x8100 || et === 0x88a8; tags++) {
    if (tags === 2 || off + 4 > end) return -1;
    et = (d[off + 2]! << 8) | d[off + 3]!;
    off += 4;
  }
  let proto: number;
  let l4: number;
  let h: number;
  if (et === 0x0800) {
    if (end - off < 20 || d[off]! >> 4 !== 4) return -1;
    const hl = (d[off]! & 0x0f) << 2;
    const total = (d[off + 2]! << 8) | d[off + 3]!;
    if (hl < 20 || (total !== 0 && total < hl)) return -1;
    proto = d[off + 9]!;
    // A fragment is never unwrapped: its outer addresses are its pair whatever it carries.
    if (((d[off + 6]! << 8) | d[off + 7]!) & 0x3fff) proto = -1;
    l4 = off + hl;
    h = mix(((d[off + 12]! << 24) | (d[off + 13]! << 16) | (d[off + 14]! << 8) | d[off + 15]!) >>> 0);
    h += mix(((d[off + 16]! << 24) | (d[off + 17]! << 16) | (d[off + 18]! << 8) | d[off + 19]!) >>> 0);
    if (proto === 47 || proto === 4 || proto === 41) return -1;
  } else if (et === 0x86dd) {
    if (end - off < 40 || d[off]! >> 4 !== 6) return -1;
    proto = d[off + 6]!;
    if (proto !== 6 && proto !== 17 && proto !== 58) return -1;
    l4 = off + 40;
    h = mix6(d, off + 8) + mix6(d, off + 24);
  } else return -1;
  if (proto === 17) {
    if (l4 + 4 > end) return -1;
    const sp = (d[l4]! << 8) | d[l4 + 1]!;
    const dp = (d[l4 + 2]! << 8) | d[l4 + 3]!;
    if (dp === UDP_VXLAN || dp === UDP_GENEVE || dp === UDP_TEREDO || sp === UDP_TEREDO) return -1;
  }
  return h >>> 0;
}

function mix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

function mix6(b: Uint8Array, off: number): number {
  let h = 0;
  for (let i = 0; i < 16; i += 4)
    h = mix(h ^ ((b[off + i]! << 24) | (b[off + i + 1]! << 16) | (b[off + i + 2]! << 8) | b[off + i + 3]!));
  return h;
}
