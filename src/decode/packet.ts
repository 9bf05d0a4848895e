// Link, network and transport layers of one packet, into the reusable `Layers` record.
// Straight-line byte arithmetic, no allocation, no exceptions: this runs for every packet.
// Decoding stops at the first damaged layer; what was decoded before it stays in `out`.
// Encapsulations (tunnel.ts) are unwrapped to the innermost packet, at most MAX_TUNNEL_DEPTH
// deep: once a tunnel header is whole, `out` describes the inner packet (an inner packet that is
// damaged leaves no flow), and the outermost IP tunnel's endpoints stay in `out.tunnel*`.
import { decodeArp } from './arp.js';
import {
  decodeEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_RARP,
  walkVlanTags,
} from './ethernet.js';
import { decodeIcmp } from './icmp.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { flag } from './l2l4-anomaly.js';
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_NULL,
  LINKTYPE_PPP,
  LINKTYPE_PPP_HDLC,
  LINKTYPE_RAW,
  LINKTYPE_RAW_ALT1,
  LINKTYPE_RAW_ALT2,
  type Layers,
} from './layers.js';
import { decodeNull, decodePpp, decodeRawIp, decodeSll, decodeSll2 } from './sll.js';
import { decodeTcp } from './tcp.js';
import {
  decodeGeneve,
  decodeGre,
  decodeMpls,
  decodePppoe,
  decodeTeredo,
  decodeVxlan,
  ETHERTYPE_MPLS,
  ETHERTYPE_PPPOE_SESSION,
  INNER_ETHERNET,
  INNER_IP,
  IPPROTO_GRE,
  IPPROTO_IPIP,
  IPPROTO_IPV6_ENCAP,
  MAX_TUNNEL_DEPTH,
  TUNNEL_6IN4,
  TUNNEL_IPIP,
  TunnelHeader,
  UDP_GENEVE,
  UDP_TEREDO,
  UDP_VXLAN,
} from './tunnel.js';
import { decodeUdp } from './udp.js';

export { L2L4_ANOMALIES, type L2L4Anomaly } from './l2l4-anomaly.js';

/** OpenBSD's loopback: like NULL, but the family is always in network byte order. */
export const LINKTYPE_LOOP = 108;

/**
 * Decode the frame data[start, end). Offsets written to `out` index `data`, so a reader's chunk
 * can be decoded in place, without a view per packet; the defaults decode all of `data`.
 */
export function decodePacket(data: Uint8Array, linktype: number, out: Layers, start = 0, end = data.length): void {
  out.reset(linktype);
  let off: number;
  switch (linktype) {
    case LINKTYPE_ETHERNET:
      off = decodeEthernet(data, out, start, end);
      break;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_ALT1:
    case LINKTYPE_RAW_ALT2:
      off = decodeRawIp(data, out, start, end);
      break;
    case LINKTYPE_IPV4:
      out.ethertype = ETHERTYPE_IPV4;
      off = start;
      break;
    case LINKTYPE_IPV6:
      out.ethertype = ETHERTYPE_IPV6;
      off = start;
      break;
    case LINKTYPE_LINUX_SLL:
      off = decodeSll(data, out, start, end);
      break;
    case LINKTYPE_LINUX_SLL2:
      off = decodeSll2(data, out, start, end);
      break;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      off = decodeNull(data, out, start, end);
      break;
    case LINKTYPE_PPP:
    case LINKTYPE_PPP_HDLC:
      off = decodePpp(data, out, start, end);
      break;
    default:
      flag(out, 'link.unknown-type');
      return;
  }
  if (off < 0) return;
  decodeNetwork(data, off, end, out);
}

/** Scratch of the tunnel header decoders: decodePacket is synchronous, one at a time. */
const tunnelHeader = new TunnelHeader();

/**
 * From the layer-3 payload at `off` (EtherType in `out.ethertype`) down. Straight-line for
 * plain packets; encapsulations take the cold calls, which recurse here for the inner packet
 * (bounded: unwrap refuses past MAX_TUNNEL_DEPTH).
 */
function decodeNetwork(data: Uint8Array, off: number, end: number, out: Layers): void {
  const et = out.ethertype;
  let l4: number;
  if (et === ETHERTYPE_IPV4) l4 = decodeIpv4(data, off, out, end);
  else if (et === ETHERTYPE_IPV6) l4 = decodeIpv6(data, off, out, end);
  else {
    if (et === ETHERTYPE_ARP || et === ETHERTYPE_RARP) decodeArp(data, off, out, end);
    else if (et === ETHERTYPE_MPLS || et === ETHERTYPE_PPPOE_SESSION) decodeShim(data, off, end, out, et);
    return;
  }
  if (l4 < 0) return;
  // IP bounded both: readable bytes end at ipPayloadOff + ipPayloadLen, claimed ones further.
  const readEnd = out.ipPayloadOff + out.ipPayloadLen;
  const claimedEnd = out.ipPayloadOff + out.ipPayloadClaimed;
  const proto = out.ipProto;
  dispatchL4(proto, data, l4, readEnd - l4, claimedEnd - l4, out.isFragment, out);
  if (proto === IPPROTO_TCP || out.isFragment) return; // a tunnel inside a fragment is not unwrapped
  if (proto === IPPROTO_UDP) {
    const dp = out.dstPort;
    const sp = out.srcPort;
    if (
      (dp === UDP_VXLAN ||
        dp === UDP_GENEVE ||
        dp === UDP_TEREDO ||
        sp === UDP_TEREDO ||
        sp === UDP_VXLAN ||
        sp === UDP_GENEVE) &&
      out.payloadOff >= 0
    )
      decodeUdpTunnel(data, out, et);
  } else if (proto === IPPROTO_GRE || proto === IPPROTO_IPIP || proto === IPPROTO_IPV6_ENCAP) {
    decodeIpTunnel(data, l4, readEnd, out, et, proto);
  }
}

function decodeShim(data: Uint8Array, off: number, end: number, out: Layers, et: number): void {
  const t = tunnelHeader;
  const inner = et === ETHERTYPE_MPLS ? decodeMpls(data, off, end, out, t) : decodePppoe(data, off, end, out, t);
  if (inner < 0) return;
  const l3 = unwrap(data, inner, end, out, -1);
  if (l3 >= 0) decodeNetwork(data, l3, end, out);
}

function decodeUdpTunnel(data: Uint8Array, out: Layers, et: number): void {
  const t = tunnelHeader;
  const p = out.payloadOff;
  const innerEnd = p + out.payloadLen;
  const dp = out.dstPort;
  const sp = out.srcPort;
  const toTunnel = dp === UDP_VXLAN || dp === UDP_GENEVE;
  let inner: number;
  if (!toTunnel && (dp === UDP_TEREDO || sp === UDP_TEREDO)) inner = decodeTeredo(data, p, innerEnd, out, t);
  else if (toTunnel && out.snapped) {
    // Cut short by the capture: read as the tunnel the destination port names; a header cut inside is flagged.
    inner = dp === UDP_VXLAN ? decodeVxlan(data, p, innerEnd, out, t) : decodeGeneve(data, p, innerEnd, out, t);
  } else {
    // A whole datagram to VXLAN's or Geneve's port, or one only from it (a VTEP answering, or VXLAN-GPE's
    // 4790 as the destination; Wireshark decodes these too), is a tunnel only when its header holds and
    // the inner packet looks like one: an ephemeral port may be 4789 or 6081 by chance (a DNS answer to
    // port 6081), and such a datagram stays plain UDP with nothing flagged. The decoders flag only a cut
    // header and Geneve options past the end; both are checked first here.
    if (innerEnd - p < 8) return;
    if (toTunnel ? dp === UDP_VXLAN : sp === UDP_VXLAN) inner = decodeVxlan(data, p, innerEnd, out, t);
    else if (p + 8 + ((data[p]! & 0x3f) << 2) > innerEnd) return;
    else inner = decodeGeneve(data, p, innerEnd, out, t);
    if (inner < 0 || !plausibleInner(data, inner, innerEnd, t.inner)) return;
  }
  if (inner < 0) return;
  const l3 = unwrap(data, inner, innerEnd, out, et);
  if (l3 >= 0) decodeNetwork(data, l3, innerEnd, out);
}

/** An inner Ethernet frame carrying IP, ARP or a VLAN tag, or an IP packet of the announced version. */
function plausibleInner(d: Uint8Array, off: number, end: number, inner: number): boolean {
  let et = inner;
  let ip = off;
  if (inner === INNER_ETHERNET) {
    if (end - off < 15) return false;
    et = (d[off + 12]! << 8) | d[off + 13]!;
    if (et === ETHERTYPE_ARP || et === 0x8100 || et === 0x88a8) return true;
    ip = off + 14;
  }
  if (ip >= end) return false;
  if (et === ETHERTYPE_IPV4) return d[ip]! >> 4 === 4;
  if (et === ETHERTYPE_IPV6) return d[ip]! >> 4 === 6;
  return false;
}

function decodeIpTunnel(data: Uint8Array, l4: number, readEnd: number, out: Layers, et: number, proto: number): void {
  const t = tunnelHeader;
  let inner = l4;
  if (proto === IPPROTO_GRE) inner = decodeGre(data, l4, readEnd, out, t);
  else {
    t.kind = proto === IPPROTO_IPIP ? TUNNEL_IPIP : TUNNEL_6IN4;
    t.id = -1;
    t.inner = proto === IPPROTO_IPIP ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  }
  if (inner < 0) return;
  const l3 = unwrap(data, inner, readEnd, out, et);
  if (l3 >= 0) decodeNetwork(data, l3, readEnd, out);
}

/**
 * Step into what `tunnelHeader` says is at `inner`: note the outermost IP tunnel's endpoints
 * (`outerEt` is the EtherType of the outer IP, -1 for MPLS/PPPoE), reset `out` for the inner
 * packet and decode its link header. Returns the inner layer-3 offset, or -1.
 */
function unwrap(data: Uint8Array, inner: number, end: number, out: Layers, outerEt: number): number {
  if (out.encapDepth >= MAX_TUNNEL_DEPTH) {
    flag(out, 'tunnel.too-deep');
    return -1;
  }
  const t = tunnelHeader;
  if (outerEt >= 0 && out.tunnelKind === 0) {
    out.tunnelKind = t.kind;
    out.tunnelId = t.id;
    out.tunnelIpVersion = out.ipVersion;
    out.tunnelIp4Src = out.ip4Src;
    out.tunnelIp4Dst = out.ip4Dst;
    out.tunnelIp6SrcOff = out.ip6SrcOff;
    out.tunnelIp6DstOff = out.ip6DstOff;
  }
  const kind = t.inner;
  out.enterEncap();
  if (kind === INNER_ETHERNET) return decodeEthernet(data, out, inner, end);
  if (kind === INNER_IP) return decodeRawIp(data, out, inner, end);
  // An EtherType-typed payload (GRE, Geneve, IP-in-IP, PPPoE): tags may follow, as after Ethernet's.
  return walkVlanTags(data, kind, inner, out, end);
}

/**
 * Decode TCP/UDP/ICMP/ICMPv6 at `off` (`len` bytes), e.g. a datagram reassembled by
 * IpDefragmenter. Resets and fills only the L4 fields (l4Off, ports, TCP, ICMP, payload) and
 * the anomalies, so that afterwards `anomaly`/`anomaly2` hold only what this call found (the
 * caller has already counted those of decodePacket). Link and IP fields stay as they are.
 */
export function decodeL4(proto: number, data: Uint8Array, off: number, len: number, out: Layers): void {
  out.resetL4();
  if (!(off >= 0 && off <= data.length)) return;
  const avail = data.length - off;
  if (!(len <= avail)) len = avail;
  if (!(len >= 0)) return;
  dispatchL4(proto, data, off, len, len, false, out);
}

function dispatchL4(
  proto: number,
  d: Uint8Array,
  off: number,
  len: number,
  claimed: number,
  partial: boolean,
  out: Layers,
): void {
  if (proto === IPPROTO_TCP) decodeTcp(d, off, len, claimed, out);
  else if (proto === IPPROTO_UDP) decodeUdp(d, off, len, claimed, partial, out);
  else if (proto === IPPROTO_ICMP) decodeIcmp(d, off, len, claimed, false, out);
  else if (proto === IPPROTO_ICMPV6) decodeIcmp(d, off, len, claimed, true, out);
}
