// Hand-built packets, one field a line, with what decodePacket must find in them.
// Checksums are plausible but not verified by the decoders (offload makes them unreliable).
import type { Layers } from '../../src/decode/layers.js';
import { hex } from './l2l4-hex.js';

export interface Fixture {
  name: string;
  linktype: number;
  bytes: Uint8Array;
  /** Bytes that carry meaning; beyond this is link padding. */
  meaningful: number;
  expect: Partial<Layers>;
}

const ETH_UNICAST = `
  00 1b 21 3a 4f 5e   # destination MAC
  00 0c 29 aa bb cc   # source MAC
`;

export const ETH_IPV4_OPTS_TCP_SYN = hex(`${ETH_UNICAST}
  08 00               # EtherType IPv4
  46                  # version 4, IHL 6 (24 bytes: one option word)
  00                  # DSCP/ECN
  00 40               # total length 64 = 24 IP + 40 TCP
  1c 46               # identification
  40 00               # flags DF, fragment offset 0
  40                  # TTL 64
  06                  # protocol TCP
  b1 e6               # header checksum
  c0 a8 01 0a         # source 192.168.1.10
  cb 00 71 05         # destination 203.0.113.5
  94 04 00 00         # option: Router Alert (RFC 2113), length 4
  c3 50               # TCP source port 50000
  0a 0f               # destination port 2575 (HL7 MLLP)
  fe dc ba 98         # sequence number (high bit set: must stay unsigned)
  00 00 00 00         # acknowledgment number
  a0                  # data offset 10 words (40 bytes)
  02                  # flags SYN
  fa f0               # window 64240
  00 00               # checksum
  00 00               # urgent pointer
  02 04 05 b4         # option MSS 1460
  04 02               # option SACK permitted
  08 0a 00 0a 2b 3c 00 00 00 00   # option timestamps TSval 666428, TSecr 0
  01                  # option NOP
  03 03 07            # option window scale 7
`);

export const ETH_VLAN_IPV4_UDP = hex(`${ETH_UNICAST}
  81 00               # TPID 802.1Q
  a0 64               # TCI: priority 5, DEI 0, VLAN 100
  08 00               # EtherType IPv4
  45 00               # version 4, IHL 5; DSCP/ECN
  00 24               # total length 36 = 20 + 8 UDP + 8 data
  00 01               # identification
  00 00               # flags, fragment offset 0
  80                  # TTL 128
  11                  # protocol UDP
  00 00               # header checksum
  0a 01 02 03         # source 10.1.2.3
  0a 01 02 04         # destination 10.1.2.4
  d4 31               # UDP source port 54321
  00 35               # destination port 53
  00 10               # length 16
  00 00               # checksum (none)
  12 34 01 00 00 01 00 00   # 8 bytes of data (a DNS header start)
  00 00 00 00 00 00   # Ethernet padding to the 60-byte minimum
`);

export const ETH_QINQ_IPV4_ICMP = hex(`${ETH_UNICAST}
  88 a8               # TPID 802.1ad service tag
  00 c8               # TCI: VLAN 200 (outer)
  81 00               # TPID 802.1Q customer tag
  20 64               # TCI: priority 1, VLAN 100 (inner)
  08 00               # EtherType IPv4
  45 00 00 24         # IPv4, IHL 5, total length 36
  ab cd 00 00         # identification, no fragmentation
  40 01 00 00         # TTL 64, protocol ICMP, checksum
  c0 00 02 01         # source 192.0.2.1
  c6 33 64 01         # destination 198.51.100.1
  08                  # ICMP type 8 echo request
  00                  # code 0
  f7 ff               # checksum
  00 01 00 01         # identifier 1, sequence 1
  61 62 63 64 65 66 67 68   # echo data "abcdefgh"
  00 00               # Ethernet padding
`);

export const ETH_ARP_REQUEST = hex(`
  ff ff ff ff ff ff   # destination broadcast
  00 0c 29 aa bb cc   # source MAC
  08 06               # EtherType ARP
  00 01               # hardware type Ethernet
  08 00               # protocol type IPv4
  06                  # hardware address length
  04                  # protocol address length
  00 01               # operation request
  00 0c 29 aa bb cc   # sender MAC
  c0 a8 01 0a         # sender IP 192.168.1.10
  00 00 00 00 00 00   # target MAC (unknown)
  c0 a8 01 01         # target IP 192.168.1.1
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # padding to 60 bytes
`);

const IP6_DOC_SRC = '20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 # source 2001:db8::1';
const IP6_DOC_DST = '20 01 0d b8 00 00 00 01 00 00 00 00 00 00 00 53 # destination 2001:db8:0:1::53';

export const ETH_IPV6_HBH_FRAG_UDP = hex(`${ETH_UNICAST}
  86 dd               # EtherType IPv6
  60 0a bc de         # version 6, traffic class 0, flow label 0xabcde
  00 20               # payload length 32
  00                  # next header: hop-by-hop options
  40                  # hop limit 64
  ${IP6_DOC_SRC}
  ${IP6_DOC_DST}
  2c                  # HBH next header: fragment (44)
  00                  # HBH length 0 (8 bytes)
  05 02 00 00         # option Router Alert (MLD)
  01 00               # option PadN, 2 bytes
  11                  # fragment next header: UDP
  00                  # reserved
  00 01               # fragment offset 0, M (more fragments) set
  12 34 56 78         # identification
  00 35               # UDP source port 53
  14 e9               # destination port 5353
  01 00               # length 256: the whole datagram, longer than this first fragment
  00 00               # checksum
  0f 3f 81 80 00 01 00 01   # first 8 bytes of data
`);

export const ETH_IPV6_ICMPV6 = hex(`${ETH_UNICAST}
  86 dd               # EtherType IPv6
  60 00 00 00         # version 6
  00 10               # payload length 16
  3a                  # next header ICMPv6
  ff                  # hop limit 255
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01   # source fe80::1
  ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01   # destination ff02::1
  80                  # ICMPv6 type 128 echo request
  00                  # code 0
  12 34               # checksum
  00 09 00 01         # identifier 9, sequence 1
  01 02 03 04 05 06 07 08   # echo data
`);

export const SLL_IPV4_TCP_SACK = hex(`
  00 00               # SLL packet type: to us
  00 01               # ARPHRD_ETHER
  00 06               # link-layer address length 6
  00 0c 29 aa bb cc 00 00   # sender address, padded to 8
  08 00               # protocol IPv4
  45 00 00 45         # IPv4, IHL 5, total length 69 = 20 + 44 + 5
  00 02 40 00         # identification, DF
  40 06 00 00         # TTL 64, protocol TCP, checksum
  0a 00 00 05         # source 10.0.0.5
  ca 72 04 78         # destination 202.114.4.120
  9c 40               # TCP source port 40000
  02 03               # destination port 515
  00 00 03 e8         # sequence 1000
  80 00 00 01         # acknowledgment 2147483649
  b0                  # data offset 11 words (44 bytes)
  18                  # flags PSH ACK
  01 f5               # window 501
  00 00 00 00         # checksum, urgent pointer
  01 01 08 0a 00 00 00 64 00 00 00 c8   # NOP NOP timestamps 100/200
  01 01 05 0a 00 00 07 d0 00 00 0b b8   # NOP NOP SACK block 2000-3000
  0b 4d 53 48 7c      # data: MLLP start, "MSH|"
`);

export const SLL2_IPV6_UDP = hex(`
  86 dd               # SLL2 protocol IPv6
  00 00               # reserved
  00 00 00 02         # interface index 2
  00 01               # ARPHRD_ETHER
  04                  # packet type: outgoing
  06                  # address length 6
  8e 36 06 44 ac af 00 00   # sender address, padded to 8
  60 00 00 00         # IPv6
  00 0c               # payload length 12
  11                  # next header UDP
  40                  # hop limit 64
  fe 80 00 00 00 00 00 00 8c 36 06 ff fe 44 ac af   # source fe80::8c36:6ff:fe44:acaf
  ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 fb   # destination ff02::fb
  14 e9 14 e9         # UDP ports 5353 -> 5353
  00 0c 00 00         # length 12, checksum
  00 00 84 00         # data: mDNS response header start
`);

const IPV4_UDP_LOOPBACK = `
  45 00 00 1c         # IPv4, IHL 5, total length 28
  00 03 00 00         # identification, no fragmentation
  40 11 00 00         # TTL 64, UDP, checksum
  7f 00 00 01         # source 127.0.0.1
  7f 00 00 01         # destination 127.0.0.1
  30 39 00 7b         # UDP ports 12345 -> 123
  00 08 00 00         # length 8 (no data), checksum
`;

export const NULL_LE_IPV4 = hex(`
  02 00 00 00         # AF_INET (2), little-endian host
  ${IPV4_UDP_LOOPBACK}
`);

export const NULL_BE_IPV6 = hex(`
  00 00 00 1e         # AF_INET6 as macOS numbers it (30), big-endian host
  60 00 00 00 00 14   # IPv6, payload length 20
  06 40               # next header TCP, hop limit 64
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01   # source ::1
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01   # destination ::1
  c0 00 00 16         # TCP ports 49152 -> 22
  00 00 00 01         # sequence 1
  00 00 00 00         # acknowledgment 0
  50 02               # data offset 5, SYN
  ff ff 00 00 00 00   # window 65535, checksum, urgent
`);

export const RAW_IPV4_TCP = hex(`
  45 00 00 28         # IPv4, IHL 5, total length 40
  00 01 00 00         # identification, no fragmentation
  40 06 00 00         # TTL 64, TCP, checksum
  0a 00 00 01         # source 10.0.0.1
  0a 00 00 02         # destination 10.0.0.2
  9c 40 00 15         # TCP ports 40000 -> 21
  00 00 00 00 00 00 00 00   # sequence, acknowledgment
  50 02 20 00         # data offset 5, SYN, window 8192
  00 00 00 00         # checksum, urgent
`);

export const RAW_IPV6_DSTOPTS_UDP = hex(`
  60 00 00 00 00 10   # IPv6, payload length 16
  3c 40               # next header destination options (60), hop limit 64
  ${IP6_DOC_SRC}
  ${IP6_DOC_DST}
  11 00               # dest-opts next header UDP, length 0 (8 bytes)
  01 04 00 00 00 00   # PadN, 4 bytes
  04 00 08 4b         # UDP ports 1024 -> 2123
  00 08 00 00         # length 8, checksum
`);

export const SLL_ARP_REPLY = hex(`
  00 01               # SLL packet type: broadcast
  00 01               # ARPHRD_ETHER
  00 06               # address length
  00 1b 21 3a 4f 5e 00 00   # sender address
  08 06               # protocol ARP
  00 01 08 00 06 04   # Ethernet/IPv4, lengths 6/4
  00 02               # operation reply
  00 1b 21 3a 4f 5e   # sender MAC
  c0 a8 01 01         # sender IP 192.168.1.1
  00 0c 29 aa bb cc   # target MAC
  c0 a8 01 0a         # target IP 192.168.1.10
`);

export const FIXTURES: Fixture[] = [
  {
    name: 'Ethernet / IPv4 with Router Alert / TCP SYN with MSS, SACK-permitted, timestamps, WS',
    linktype: 1,
    bytes: ETH_IPV4_OPTS_TCP_SYN,
    meaningful: 78,
    expect: {
      macDstOff: 0,
      macSrcOff: 6,
      ethertype: 0x0800,
      ipVersion: 4,
      l3Off: 14,
      ip4Src: 0xc0a8010a,
      ip4Dst: 0xcb007105,
      ttl: 64,
      ipProto: 6,
      ipLen: 64,
      ipPayloadOff: 38,
      ipPayloadLen: 40,
      isFragment: false,
      l4Off: 38,
      srcPort: 50000,
      dstPort: 2575,
      tcpSeq: 4275878552,
      tcpAck: 0,
      tcpFlags: 0x02,
      tcpWindow: 64240,
      tcpMss: 1460,
      payloadOff: 78,
      payloadLen: 0,
      anomaly: null,
    },
  },
  {
    name: 'Ethernet / 802.1Q / IPv4 / UDP, padded',
    linktype: 1,
    bytes: ETH_VLAN_IPV4_UDP,
    meaningful: 54,
    expect: {
      vlanOuter: 100,
      vlanInner: -1,
      vlanCount: 1,
      ethertype: 0x0800,
      l3Off: 18,
      ipLen: 36,
      ttl: 128,
      ipProto: 17,
      ip4Src: 0x0a010203,
      srcPort: 54321,
      dstPort: 53,
      payloadOff: 46,
      payloadLen: 8,
      snapped: false,
      anomaly: null,
    },
  },
  {
    name: 'Ethernet / 802.1ad + 802.1Q (QinQ) / IPv4 / ICMP echo',
    linktype: 1,
    bytes: ETH_QINQ_IPV4_ICMP,
    meaningful: 58,
    expect: {
      vlanOuter: 200,
      vlanInner: 100,
      vlanCount: 2,
      l3Off: 22,
      ipProto: 1,
      icmpType: 8,
      icmpCode: 0,
      l4Off: 42,
      payloadOff: 50,
      payloadLen: 8,
      srcPort: -1,
      anomaly: null,
    },
  },
  {
    name: 'Ethernet / ARP request, padded',
    linktype: 1,
    bytes: ETH_ARP_REQUEST,
    meaningful: 42,
    expect: {
      ethertype: 0x0806,
      isArp: true,
      arpOp: 1,
      arpSenderMacOff: 22,
      arpSenderIp: 0xc0a8010a,
      arpTargetMacOff: 32,
      arpTargetIp: 0xc0a80101,
      ipVersion: 0,
      anomaly: null,
    },
  },
  {
    name: 'Ethernet / IPv6 / hop-by-hop / fragment (first) / UDP',
    linktype: 1,
    bytes: ETH_IPV6_HBH_FRAG_UDP,
    meaningful: 86,
    expect: {
      ethertype: 0x86dd,
      ipVersion: 6,
      l3Off: 14,
      ip6SrcOff: 22,
      ip6DstOff: 38,
      ttl: 64,
      ipProto: 17,
      ipLen: 72,
      isFragment: true,
      fragOffset: 0,
      fragMore: true,
      fragId: 0x12345678,
      ipPayloadOff: 70,
      ipPayloadLen: 16,
      l4Off: 70,
      srcPort: 53,
      dstPort: 5353,
      payloadOff: 78,
      payloadLen: 8,
      anomaly: null,
    },
  },
  {
    name: 'Ethernet / IPv6 / ICMPv6 echo request',
    linktype: 1,
    bytes: ETH_IPV6_ICMPV6,
    meaningful: 70,
    expect: {
      ipVersion: 6,
      ipProto: 58,
      ttl: 255,
      icmpType: 128,
      icmpCode: 0,
      l4Off: 54,
      payloadLen: 8,
      anomaly: null,
    },
  },
  {
    name: 'Linux SLL / IPv4 / TCP with timestamps and a SACK block, MLLP data',
    linktype: 113,
    bytes: SLL_IPV4_TCP_SACK,
    meaningful: 85,
    expect: {
      macSrcOff: 6,
      macDstOff: -1,
      ethertype: 0x0800,
      l3Off: 16,
      ip4Dst: 0xca720478,
      srcPort: 40000,
      dstPort: 515,
      tcpSeq: 1000,
      tcpAck: 2147483649,
      tcpFlags: 0x18,
      tcpWindow: 501,
      tcpMss: -1,
      l4Off: 36,
      payloadOff: 80,
      payloadLen: 5,
      anomaly: null,
    },
  },
  {
    name: 'Linux SLL2 / IPv6 / UDP',
    linktype: 276,
    bytes: SLL2_IPV6_UDP,
    meaningful: 72,
    expect: {
      macSrcOff: 12,
      ethertype: 0x86dd,
      ipVersion: 6,
      l3Off: 20,
      ipProto: 17,
      srcPort: 5353,
      dstPort: 5353,
      payloadOff: 68,
      payloadLen: 4,
      anomaly: null,
    },
  },
  {
    name: 'BSD loopback (little-endian AF_INET) / IPv4 / UDP',
    linktype: 0,
    bytes: NULL_LE_IPV4,
    meaningful: 32,
    expect: {
      macSrcOff: -1,
      ethertype: 0x0800,
      l3Off: 4,
      ip4Src: 0x7f000001,
      srcPort: 12345,
      dstPort: 123,
      payloadOff: 32,
      payloadLen: 0,
      anomaly: null,
    },
  },
  {
    name: 'BSD loopback (big-endian AF_INET6 = 30) / IPv6 / TCP SYN',
    linktype: 0,
    bytes: NULL_BE_IPV6,
    meaningful: 64,
    expect: { ethertype: 0x86dd, ipVersion: 6, l3Off: 4, srcPort: 49152, dstPort: 22, tcpFlags: 2, tcpWindow: 65535 },
  },
  {
    name: 'raw IP (101) / IPv4 / TCP to port 21',
    linktype: 101,
    bytes: RAW_IPV4_TCP,
    meaningful: 40,
    expect: { ethertype: 0x0800, l3Off: 0, ipVersion: 4, srcPort: 40000, dstPort: 21, tcpWindow: 8192, anomaly: null },
  },
  {
    name: 'raw IP (101) / IPv6 / destination options / UDP',
    linktype: 101,
    bytes: RAW_IPV6_DSTOPTS_UDP,
    meaningful: 56,
    expect: {
      ipVersion: 6,
      ipProto: 17,
      ipPayloadOff: 48,
      ipPayloadLen: 8,
      srcPort: 1024,
      dstPort: 2123,
      payloadLen: 0,
    },
  },
  {
    name: 'Linux SLL / ARP reply',
    linktype: 113,
    bytes: SLL_ARP_REPLY,
    meaningful: 44,
    expect: {
      macSrcOff: 6,
      isArp: true,
      arpOp: 2,
      arpSenderIp: 0xc0a80101,
      arpTargetIp: 0xc0a8010a,
      arpTargetMacOff: 34,
    },
  },
];
