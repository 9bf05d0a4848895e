// Test-only: encapsulated packets built field by field with our byte writer (src/decode/bytes.ts),
// one field a line, lengths computed. Inner hosts 10.1.1.5:40000 → 10.2.2.9:2575 (a TCP SYN to
// HL7's port); tunnel endpoints 192.0.2.1 → 192.0.2.2 (a mirror's source and the sensor).
import { Bytes } from '../../src/decode/bytes.js';

export const OUTER_MAC_DST = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5e];
export const OUTER_MAC_SRC = [0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc];
export const INNER_MAC_DST = [0x02, 0x00, 0x00, 0x00, 0x00, 0x09];
export const INNER_MAC_SRC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x05];
export const INNER_SRC = 0x0a010105; // 10.1.1.5
export const INNER_DST = 0x0a020209; // 10.2.2.9
export const OUTER_SRC = 0xc0000201; // 192.0.2.1
export const OUTER_DST = 0xc0000202; // 192.0.2.2
export const INNER6_SRC = '20010000 4136e378 8000f227 3f57fefd'; // 2001:0:4136:e378:8000:f227:3f57:fefd (Teredo)
export const INNER6_DST = '20010db8 00000000 00000000 00000009'; // 2001:db8::9

function hexBytes(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function eth(type: number, payload: Uint8Array, dst = OUTER_MAC_DST, src = OUTER_MAC_SRC): Uint8Array {
  return new Bytes()
    .bytes(Uint8Array.from(dst)) // destination MAC
    .bytes(Uint8Array.from(src)) // source MAC
    .u16(type) // EtherType
    .bytes(payload)
    .done()
    .slice();
}

export function ipv4(proto: number, payload: Uint8Array, src = OUTER_SRC, dst = OUTER_DST): Uint8Array {
  return new Bytes()
    .u8(0x45) // version 4, IHL 5
    .u8(0) // DSCP/ECN
    .u16(20 + payload.length) // total length
    .u16(0x1234) // identification
    .u16(0x4000) // DF, offset 0
    .u8(64) // TTL
    .u8(proto) // protocol
    .u16(0) // header checksum (not verified)
    .u32(src) // source
    .u32(dst) // destination
    .bytes(payload)
    .done()
    .slice();
}

export function ipv6(nh: number, payload: Uint8Array, src = INNER6_SRC, dst = INNER6_DST): Uint8Array {
  return new Bytes()
    .u32(0x60000000) // version 6, traffic class, flow label
    .u16(payload.length) // payload length
    .u8(nh) // next header
    .u8(64) // hop limit
    .bytes(hexBytes(src)) // source
    .bytes(hexBytes(dst)) // destination
    .bytes(payload)
    .done()
    .slice();
}

export function tcpSyn(sport = 40000, dport = 2575): Uint8Array {
  return new Bytes()
    .u16(sport) // source port
    .u16(dport) // destination port
    .u32(0x01020304) // sequence number
    .u32(0) // acknowledgment
    .u8(0x50) // data offset 5 words
    .u8(0x02) // SYN
    .u16(64240) // window
    .u16(0) // checksum
    .u16(0) // urgent pointer
    .done()
    .slice();
}

export function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return new Bytes()
    .u16(sport) // source port
    .u16(dport) // destination port
    .u16(8 + payload.length) // length
    .u16(0) // checksum (none)
    .bytes(payload)
    .done()
    .slice();
}

/** The inner packet: IPv4 + TCP SYN, 40 bytes. */
export const innerIp = (): Uint8Array => ipv4(6, tcpSyn(), INNER_SRC, INNER_DST);
/** The inner frame: Ethernet + IPv4 + TCP SYN, 54 bytes. */
export const innerFrame = (): Uint8Array => eth(0x0800, innerIp(), INNER_MAC_DST, INNER_MAC_SRC);

export function gre(proto: number, payload: Uint8Array, opt: { key?: number; seq?: number } = {}): Uint8Array {
  const b = new Bytes();
  b.u16((opt.key !== undefined ? 0x2000 : 0) | (opt.seq !== undefined ? 0x1000 : 0)); // C R K S flags, version 0
  b.u16(proto); // protocol type
  if (opt.key !== undefined) b.u32(opt.key); // key (RFC 2890)
  if (opt.seq !== undefined) b.u32(opt.seq); // sequence number
  return b.bytes(payload).done().slice();
}

export function erspan2(session: number, frame: Uint8Array): Uint8Array {
  return new Bytes()
    .u16(0x1000 | 10) // version 1 (type II), VLAN 10
    .u16(session & 0x3ff) // COS 0, En 0, T 0, session id
    .u32(0x00000007) // reserved 0, index 7
    .bytes(frame)
    .done()
    .slice();
}

export function erspan3(session: number, frame: Uint8Array, ft = 0): Uint8Array {
  return new Bytes()
    .u16(0x2000 | 10) // version 2 (type III), VLAN 10
    .u16(session & 0x3ff) // COS, BSO, T, session id
    .u32(0x5f3759df) // timestamp
    .u16(0) // security group tag
    .u16((ft & 0x1f) << 2) // P 0, frame type, HW id 0, D 0, Gra 0, O 0 (no platform subheader)
    .bytes(frame)
    .done()
    .slice();
}

export function vxlan(vni: number, frame: Uint8Array): Uint8Array {
  return new Bytes()
    .u8(0x08) // flags: I (valid VNI)
    .zeros(3) // reserved
    .u8(vni >> 16) // VNI
    .u16(vni & 0xffff)
    .u8(0) // reserved
    .bytes(frame)
    .done()
    .slice();
}

export function geneve(vni: number, proto: number, payload: Uint8Array): Uint8Array {
  return new Bytes()
    .u8(2) // version 0, option length 2 words
    .u8(0) // O 0, C 0
    .u16(proto) // protocol type
    .u8(vni >> 16) // VNI
    .u16(vni & 0xffff)
    .u8(0) // reserved
    .u16(0x0104) // option class
    .u8(0x01) // type
    .u8(0x01) // reserved, length 1 word
    .u32(0xdeadbeef) // option data
    .bytes(payload)
    .done()
    .slice();
}

/** Teredo origin indication (RFC 4380 §5.1.1) before the IPv6 packet. */
export function teredoOrigin(payload: Uint8Array): Uint8Array {
  return new Bytes()
    .u16(0x0000) // origin indication
    .u16(0x3c3f ^ 0xffff) // obfuscated port
    .u32(0xc0000263 ^ 0xffffffff) // obfuscated IPv4 192.0.2.99
    .bytes(payload)
    .done()
    .slice();
}

export function mpls(labels: readonly number[], payload: Uint8Array): Uint8Array {
  const b = new Bytes();
  labels.forEach((l, i) => {
    // label (20) TC (3) S (1) TTL (8)
    b.u32(((l & 0xfffff) << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64);
  });
  return b.bytes(payload).done().slice();
}

export function pppoe(session: number, ppp: number, payload: Uint8Array): Uint8Array {
  return new Bytes()
    .u8(0x11) // version 1, type 1
    .u8(0x00) // code: session data
    .u16(session) // session id
    .u16(2 + payload.length) // length (PPP protocol + payload)
    .u16(ppp) // PPP protocol
    .bytes(payload)
    .done()
    .slice();
}

export interface TunnelFixture {
  name: string;
  bytes: Uint8Array;
  /** TUNNEL_KIND_NAMES entry, '' for MPLS/PPPoE (no outer IP). */
  kind: string;
  id: number;
  /** The inner packet has its own Ethernet header. */
  l2: boolean;
  /** tshark's frame.protocols for it. */
  protocols: string;
  /** tshark options needed for it (decode-as). */
  tsharkArgs?: string[];
}

export function fixtures(): TunnelFixture[] {
  const f = innerFrame();
  return [
    {
      name: 'gre-ipv4',
      bytes: eth(0x0800, ipv4(47, gre(0x0800, innerIp()))),
      kind: 'gre',
      id: -1,
      l2: false,
      protocols: 'eth:ethertype:ip:gre:ip:tcp',
    },
    {
      name: 'gre-teb-key',
      bytes: eth(0x0800, ipv4(47, gre(0x6558, f, { key: 77 }))),
      kind: 'gre',
      id: 77,
      l2: true,
      protocols: 'eth:ethertype:ip:gre:eth:ethertype:ip:tcp',
    },
    {
      name: 'erspan-1',
      bytes: eth(0x0800, ipv4(47, gre(0x88be, f))),
      kind: 'erspan',
      id: -1,
      l2: true,
      protocols: 'eth:ethertype:ip:gre:erspan:eth:ethertype:ip:tcp',
    },
    {
      name: 'erspan-2',
      bytes: eth(0x0800, ipv4(47, gre(0x88be, erspan2(33, f), { seq: 5 }))),
      kind: 'erspan',
      id: 33,
      l2: true,
      protocols: 'eth:ethertype:ip:gre:erspan:eth:ethertype:ip:tcp',
    },
    {
      name: 'erspan-3',
      bytes: eth(0x0800, ipv4(47, gre(0x22eb, erspan3(44, f), { seq: 6 }))),
      kind: 'erspan',
      id: 44,
      l2: true,
      protocols: 'eth:ethertype:ip:gre:erspan:eth:ethertype:ip:tcp',
    },
    {
      name: 'vxlan',
      bytes: eth(0x0800, ipv4(17, udp(51000, 4789, vxlan(100, f)))),
      kind: 'vxlan',
      id: 100,
      l2: true,
      protocols: 'eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp',
    },
    {
      name: 'geneve',
      bytes: eth(0x0800, ipv4(17, udp(51001, 6081, geneve(200, 0x6558, f)))),
      kind: 'geneve',
      id: 200,
      l2: true,
      protocols: 'eth:ethertype:ip:udp:geneve:eth:ethertype:ip:tcp',
    },
    {
      name: 'ipip',
      bytes: eth(0x0800, ipv4(4, innerIp())),
      kind: 'ipip',
      id: -1,
      l2: false,
      protocols: 'eth:ethertype:ip:ip:tcp',
    },
    {
      name: '6in4',
      bytes: eth(0x0800, ipv4(41, ipv6(6, tcpSyn()))),
      kind: '6in4',
      id: -1,
      l2: false,
      protocols: 'eth:ethertype:ip:ipv6:tcp',
    },
    {
      name: 'teredo',
      bytes: eth(0x0800, ipv4(17, udp(3544, 40001, teredoOrigin(ipv6(6, tcpSyn()))))),
      kind: 'teredo',
      id: -1,
      l2: false,
      protocols: 'eth:ethertype:ip:udp:teredo:ipv6:tcp',
    },
    {
      name: 'mpls-ipv4',
      bytes: eth(0x8847, mpls([1000, 2000], innerIp())),
      kind: '',
      id: -1,
      l2: false,
      protocols: 'eth:ethertype:mpls:ip:tcp',
    },
    {
      name: 'mpls-pw-ethernet',
      // Control word 0000 0000 (RFC 4385 §3: first nibble 0, flags, length, sequence) then the frame.
      bytes: eth(0x8847, mpls([3000], new Bytes().u32(0).bytes(f).done().slice())),
      kind: '',
      id: -1,
      l2: true,
      // tshark's pseudowire heuristic takes a zero control word for a MAC: tell it there is one.
      protocols: 'eth:ethertype:mpls:eth:ethertype:ip:tcp',
      tsharkArgs: ['-d', 'mpls.label==3000,pwethcw'],
    },
    {
      name: 'pppoe',
      bytes: eth(0x8864, pppoe(0x2a, 0x0021, innerIp())),
      kind: '',
      id: -1,
      l2: false,
      protocols: 'eth:ethertype:pppoes:ppp:ip:tcp',
    },
  ];
}
