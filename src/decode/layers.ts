// The reusable per-packet layer record filled by `decodePacket` (src/decode/packet.ts).
// One instance is reused for every packet on the hot path: fields are plain numbers and
// offsets into the packet buffer, never strings, so decoding a packet allocates nothing.
// Addresses are turned into strings only when a flow or device is first created.
import type { L2L4Anomaly } from './l2l4-anomaly.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;
/** Some writers use DLT_RAW values 12/14 for raw IP; accepted as raw. */
export const LINKTYPE_RAW_ALT1 = 12;
export const LINKTYPE_RAW_ALT2 = 14;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
/** PPP (RFC 1661), with or without RFC 1662's HDLC-like address/control bytes. */
export const LINKTYPE_PPP = 9;
/** PPP in HDLC-like framing (RFC 1662). */
export const LINKTYPE_PPP_HDLC = 50;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export class Layers {
  /** Link type the packet was decoded with. */
  linktype = 0;
  /** Offset of the 6-byte source / destination MAC in `data`, or -1 when the link has none. */
  macSrcOff = -1;
  macDstOff = -1;
  /** 802.1Q tags: outer and inner VLAN ids, -1 when absent. `vlanCount` counts all tags seen. */
  vlanOuter = -1;
  vlanInner = -1;
  vlanCount = 0;
  /** EtherType (or SLL protocol) of the layer-3 payload; 0 when unknown. */
  ethertype = 0;

  // ARP (ethertype 0x0806, Ethernet/IPv4 only)
  isArp = false;
  arpOp = 0;
  arpSenderMacOff = -1;
  arpTargetMacOff = -1;
  arpSenderIp = 0; // u32
  arpTargetIp = 0; // u32

  // IP
  /** 0 = no IP layer decoded, 4 or 6. */
  ipVersion = 0;
  l3Off = -1;
  /** IPv4 addresses as unsigned 32-bit numbers (use `>>> 0`). */
  ip4Src = 0;
  ip4Dst = 0;
  /** IPv6: offsets of the 16-byte addresses in `data`. */
  ip6SrcOff = -1;
  ip6DstOff = -1;
  ttl = 0;
  /** Final upper-layer protocol after IPv6 extension headers. */
  ipProto = -1;
  /** Bytes of the IP datagram actually present (min of header total length and captured bytes). */
  ipLen = 0;
  /** IP payload (upper layer) offset and length, bounded by the IP total length and the capture. */
  ipPayloadOff = -1;
  ipPayloadLen = 0;
  /** Total length the IP header claims for the payload (may exceed ipPayloadLen when snapped). */
  ipPayloadClaimed = 0;

  // Fragmentation (IPv4 flags/offset or IPv6 fragment header)
  isFragment = false;
  fragOffset = 0; // bytes
  fragMore = false;
  fragId = 0;

  // L4
  l4Off = -1;
  srcPort = -1;
  dstPort = -1;
  tcpFlags = 0;
  tcpSeq = 0; // u32
  tcpAck = 0; // u32
  tcpWindow = 0;
  /** MSS option value, -1 when absent. */
  tcpMss = -1;
  icmpType = -1;
  icmpCode = -1;
  /** Application payload (after TCP/UDP header), bounded by the capture. */
  payloadOff = -1;
  payloadLen = 0;
  /** True when the capture cut the packet short of what the headers claim (snaplen). */
  snapped = false;

  /** First anomaly code met while decoding this packet, or null. Decoding stops at the damaged layer. */
  anomaly: L2L4Anomaly | null = null;
  /** A second independent anomaly (e.g. bad TCP option after a good header), or null. */
  anomaly2: L2L4Anomaly | null = null;

  // Encapsulation (src/decode/tunnel.ts). Every other field describes the innermost packet.
  /** Encapsulation headers unwrapped (tunnels, MPLS, PPPoE); 0 for a plain packet. */
  encapDepth = 0;
  /** The outermost IP tunnel (TUNNEL_* in tunnel.ts), 0 when none; the addresses are its endpoints. */
  tunnelKind = 0;
  /** 4 or 6: the outer IP version of that tunnel. */
  tunnelIpVersion = 0;
  tunnelIp4Src = 0;
  tunnelIp4Dst = 0;
  tunnelIp6SrcOff = -1;
  tunnelIp6DstOff = -1;
  /** Its VNI, GRE key or ERSPAN session id; -1 when it has none. */
  tunnelId = -1;

  reset(linktype: number): void {
    this.linktype = linktype;
    this.forgetLinkAndIp();
    this.isArp = false;
    this.arpOp = 0;
    this.arpSenderMacOff = -1;
    this.arpTargetMacOff = -1;
    this.arpSenderIp = 0;
    this.arpTargetIp = 0;
    this.isFragment = false;
    this.fragOffset = 0;
    this.fragMore = false;
    this.fragId = 0;
    this.snapped = false;
    this.encapDepth = 0;
    // The tunnel fields are only ever set together with tunnelKind: plain packets skip them.
    if (this.tunnelKind !== 0) {
      this.tunnelKind = 0;
      this.tunnelIpVersion = 0;
      this.tunnelIp4Src = 0;
      this.tunnelIp4Dst = 0;
      this.tunnelIp6SrcOff = -1;
      this.tunnelIp6DstOff = -1;
      this.tunnelId = -1;
    }
    this.resetL4();
  }

  /**
   * Step inside an encapsulation: forget the outer packet's link, IP and L4 fields (the inner
   * packet's are decoded next) but keep the anomalies, `snapped` and the tunnel fields.
   */
  enterEncap(): void {
    this.encapDepth++;
    this.forgetLinkAndIp();
    this.l4Off = -1;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpFlags = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.payloadOff = -1;
    this.payloadLen = 0;
  }

  /** Forget the link and IP fields: a new packet, or the inner packet of an encapsulation. */
  private forgetLinkAndIp(): void {
    this.macSrcOff = -1;
    this.macDstOff = -1;
    this.vlanOuter = -1;
    this.vlanInner = -1;
    this.vlanCount = 0;
    this.ethertype = 0;
    this.ipVersion = 0;
    this.l3Off = -1;
    this.ip4Src = 0;
    this.ip4Dst = 0;
    this.ip6SrcOff = -1;
    this.ip6DstOff = -1;
    this.ttl = 0;
    this.ipProto = -1;
    this.ipLen = 0;
    this.ipPayloadOff = -1;
    this.ipPayloadLen = 0;
    this.ipPayloadClaimed = 0;
  }

  /** Forget the L4 fields and the anomalies (before decoding a reassembled datagram's L4). */
  resetL4(): void {
    this.l4Off = -1;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.tcpMss = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.payloadOff = -1;
    this.payloadLen = 0;
    this.anomaly = null;
    this.anomaly2 = null;
  }
}
