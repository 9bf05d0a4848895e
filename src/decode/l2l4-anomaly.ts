// Named anomaly codes of the link, network and transport decoders (and of IP reassembly in
// src/flow/defrag.ts, listed here so that every L2–L4 code is documented in one place).
// Codes are `<proto>.<what>`, stable: summaries, tests and alert evidence match on them.
import type { Layers } from './layers.js';

export const L2L4_ANOMALIES = [
  // link layers
  'link.unknown-type', // a link type wardwatch does not decode
  'eth.truncated', // fewer than 14 bytes
  'vlan.truncated', // an 802.1Q/802.1ad tag cut short
  'vlan.too-many-tags', // more stacked tags than MAX_VLAN_TAGS
  'sll.truncated', // Linux cooked header (16 bytes) cut short
  'sll2.truncated', // Linux cooked v2 header (20 bytes) cut short
  'null.truncated', // BSD loopback family word (4 bytes) cut short
  'null.unknown-family', // loopback family that is neither AF_INET nor an AF_INET6 value
  'raw.truncated', // raw-IP link with an empty packet
  'ppp.truncated', // PPP link (9, 50) header cut short: no protocol field
  'raw.bad-version', // raw-IP link whose first nibble is neither 4 nor 6
  // ARP
  'arp.truncated', // header or addresses cut short
  // IPv4
  'ipv4.truncated', // fewer than 20 bytes where IPv4 was announced
  'ipv4.bad-version', // version nibble is not 4
  'ipv4.bad-ihl', // IHL below 5 words
  'ipv4.bad-total-length', // total length below the header length
  'ipv4.zero-total-length', // total length 0 (TSO capture): the captured length is used instead
  'ipv4.bad-option', // option length below 2 or past the header
  'ipv4.bad-fragment', // fragment offset + length beyond 65535 (RFC 791 maximum)
  // IPv6
  'ipv6.truncated', // fewer than 40 bytes where IPv6 was announced
  'ipv6.bad-version', // version nibble is not 6
  'ipv6.bad-ext-header', // an extension header extends past the payload length
  'ipv6.too-many-ext-headers', // more than MAX_IPV6_EXT_HEADERS extension headers
  'ipv6.bad-fragment', // fragment offset + length beyond 65535
  // transport
  'tcp.truncated', // the IP payload is shorter than a TCP header
  'tcp.bad-offset', // data offset below 5 words or past the IP payload
  'tcp.bad-option', // option length below 2 or past the header
  'udp.truncated', // the IP payload is shorter than a UDP header
  'udp.bad-length', // UDP length below 8 or beyond the IP payload
  'icmp.truncated', // fewer than 4 bytes of ICMP
  'icmpv6.truncated', // fewer than 4 bytes of ICMPv6
  // tunnels and encapsulations (src/decode/tunnel.ts)
  'tunnel.too-deep', // more nested encapsulations than MAX_TUNNEL_DEPTH; the packet is kept as decoded so far
  'gre.truncated', // a GRE header (4 bytes plus its optional fields) cut short
  'erspan.truncated', // an ERSPAN type II (8 bytes) or type III (12, or 20 with the platform subheader) header cut short
  'erspan.bad-version', // the ERSPAN header's version is not the one its GRE protocol type announces (1 for II, 2 for III)
  'vxlan.truncated', // a VXLAN header (8 bytes) cut short
  'geneve.truncated', // a Geneve header (8 bytes) cut short
  'geneve.bad-options', // the Geneve option length runs past the datagram
  'teredo.truncated', // a Teredo authentication or origin indicator cut short
  'mpls.truncated', // a label stack entry (4 bytes) or the control word cut short
  'mpls.too-many-labels', // more stacked labels than MAX_MPLS_LABELS
  'pppoe.truncated', // a PPPoE session header and PPP protocol (8 bytes) cut short
  'pppoe.bad-header', // PPPoE version/type not 1/1, or a session packet with a non-zero code
  // IP reassembly (src/flow/defrag.ts)
  'ipfrag.overlap', // overlapping fragments disagree; the first bytes seen are kept
  'ipfrag.past-end', // a fragment extends past the end the last fragment set (clipped)
  'ipfrag.too-big', // the datagram would exceed maxDatagramBytes; dropped
  'ipfrag.too-many-fragments', // more pieces than a datagram may hold; dropped
  'ipfrag.truncated', // a fragment was cut by the capture; the datagram cannot complete
  'ipfrag.timeout', // a datagram was still incomplete after timeoutUs; dropped
  'ipfrag.evicted', // the table or memory limit was full; the oldest datagram was dropped
] as const;

export type L2L4Anomaly = (typeof L2L4_ANOMALIES)[number];

/** TCP reassembly (src/flow/tcp-stream.ts), listed here beside the other transport codes. */
export const TCP_STREAM_ANOMALIES = [
  'tcp.overlap', // a segment partly repeats bytes already delivered or buffered; the new tail is kept
  'tcp.overlap-mismatch', // overlapping bytes differ from the ones kept; the first seen win
  'tcp.buffer-full', // out-of-order data past the per-direction buffer limit; the hole is skipped
  'stream.memcap', // the run's budget for held bytes (--max-buffer) was spent: this flow's were not held (a hole skipped, an HL7 frame or DICOM PDU dropped, probing cut short: the flow named by its port)
  'tcp.gap', // reserved: holes are counted by the gap callback (gapBytes), not raised under this code
] as const;
export type TcpStreamAnomaly = (typeof TCP_STREAM_ANOMALIES)[number];

/** Record an anomaly: the first goes to `anomaly`, a second independent one to `anomaly2`. */
export function flag(out: Layers, code: L2L4Anomaly): void {
  if (out.anomaly === null) out.anomaly = code;
  else if (out.anomaly2 === null && out.anomaly !== code) out.anomaly2 = code;
}
