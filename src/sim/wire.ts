// Frame builders for the simulator: Ethernet, ARP, IPv4, UDP, TCP with correct checksums.
// One FrameBuilder owns one scratch buffer; every build returns a view into it that is valid
// until the next build. Callers copy (or write out) the frame before building another one,
// so generating millions of packets allocates almost nothing per packet.

import { macBytes, parseIp4 } from '../net/addr.js';
import { WardwatchError } from '../errors.js';

export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const IP_TCP = 6;
export const IP_UDP = 17;

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

/** A simulated network interface: its MAC and IPv4 address (u32). */
export interface Host {
  readonly name: string;
  readonly mac: Uint8Array;
  readonly ip: number;
}

export const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ZERO_MAC = new Uint8Array(6);

/** A dotted quad as a number; a bad one is the user's argument (`--live HOST:PORT`, scenario hosts). */
export function ip4(text: string): number {
  const n = parseIp4(text);
  if (n === null)
    throw new WardwatchError('WW_ARGS', `not an IPv4 address: '${text}' (e.g. 10.40.12.20)`, { field: 'address' });
  return n;
}

export { ip4ToString as ip4Text } from '../net/addr.js';

export function mac(text: string): Uint8Array {
  const b = macBytes(text);
  if (b === null)
    throw new WardwatchError('WW_ARGS', `not a MAC address: '${text}' (e.g. 02:57:30:00:00:01)`, { field: 'mac' });
  return b;
}

export function host(name: string, macText: string, ipText: string): Host {
  return { name, mac: mac(macText), ip: ip4(ipText) };
}

/** Ones-complement sum of buf[off, off+len) added to `sum` (not folded). */
export function sum16(buf: Uint8Array, off: number, len: number, sum: number): number {
  const end = off + (len & ~1);
  let i = off;
  // Unrolled by 4 words: checksumming 1460-byte segments is the hot loop of `mixed`.
  for (; i + 8 <= end; i += 8) {
    sum += ((buf[i]! << 8) | buf[i + 1]!) + ((buf[i + 2]! << 8) | buf[i + 3]!);
    sum += ((buf[i + 4]! << 8) | buf[i + 5]!) + ((buf[i + 6]! << 8) | buf[i + 7]!);
  }
  for (; i < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (len & 1) sum += buf[off + len - 1]! << 8;
  return sum;
}

export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

const ETH_LEN = 14;
const IP_LEN = 20;

export class FrameBuilder {
  readonly buf: Uint8Array;
  private readonly dv: DataView;
  private ipId = 0x1000;

  constructor(size = 70_000) {
    this.buf = new Uint8Array(size);
    this.dv = new DataView(this.buf.buffer);
  }

  private eth(dst: Uint8Array, src: Uint8Array, type: number): void {
    this.buf.set(dst, 0);
    this.buf.set(src, 6);
    this.dv.setUint16(12, type);
  }

  /** IPv4 header at 14 for a payload of `l4len` bytes; returns nothing, checksum filled. */
  private ipv4(src: number, dst: number, proto: number, l4len: number, ttl: number): void {
    const b = this.buf;
    const dv = this.dv;
    b[14] = 0x45;
    b[15] = 0;
    dv.setUint16(16, IP_LEN + l4len);
    this.ipId = (this.ipId + 1) & 0xffff;
    dv.setUint16(18, this.ipId);
    dv.setUint16(20, 0x4000); // DF, as Linux sets on TCP and most UDP
    b[22] = ttl;
    b[23] = proto;
    dv.setUint16(24, 0);
    dv.setUint32(26, src);
    dv.setUint32(30, dst);
    dv.setUint16(24, fold(sum16(b, 14, IP_LEN, 0)));
  }

  private pseudo(src: number, dst: number, proto: number, len: number): number {
    return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;
  }

  /** An Ethernet/IPv4/UDP frame. `dstMac` defaults to the destination host's MAC. */
  udp(
    src: Host,
    dst: Host,
    sport: number,
    dport: number,
    payload: Uint8Array,
    opts?: { dstMac?: Uint8Array; srcIp?: number; dstIp?: number; ttl?: number },
  ): Uint8Array {
    const l4 = 8 + payload.length;
    const sip = opts?.srcIp ?? src.ip;
    const dip = opts?.dstIp ?? dst.ip;
    this.eth(opts?.dstMac ?? dst.mac, src.mac, ETH_IPV4);
    this.ipv4(sip, dip, IP_UDP, l4, opts?.ttl ?? 64);
    const o = ETH_LEN + IP_LEN;
    const dv = this.dv;
    dv.setUint16(o, sport);
    dv.setUint16(o + 2, dport);
    dv.setUint16(o + 4, l4);
    dv.setUint16(o + 6, 0);
    this.buf.set(payload, o + 8);
    let c = fold(sum16(this.buf, o, l4, this.pseudo(sip, dip, IP_UDP, l4)));
    if (c === 0) c = 0xffff; // RFC 768: zero means "no checksum"
    dv.setUint16(o + 6, c);
    return this.buf.subarray(0, o + l4);
  }

  /**
   * An Ethernet/IPv4/TCP frame carrying payload[pOff, pOff+pLen). With SYN, an MSS option
   * (and window scale off) is added so decoders see the negotiated segment size.
   */
  tcp(
    src: Host,
    dst: Host,
    sport: number,
    dport: number,
    seq: number,
    ack: number,
    flags: number,
    window: number,
    payload: Uint8Array | null,
    pOff = 0,
    pLen = payload ? payload.length - pOff : 0,
    mss = 1460,
    dstMac?: Uint8Array,
  ): Uint8Array {
    const optLen = flags & SYN ? 4 : 0;
    const hl = 20 + optLen;
    const l4 = hl + pLen;
    this.eth(dstMac ?? dst.mac, src.mac, ETH_IPV4);
    this.ipv4(src.ip, dst.ip, IP_TCP, l4, 64);
    const o = ETH_LEN + IP_LEN;
    const b = this.buf;
    const dv = this.dv;
    dv.setUint16(o, sport);
    dv.setUint16(o + 2, dport);
    dv.setUint32(o + 4, seq >>> 0);
    dv.setUint32(o + 8, flags & ACK ? ack >>> 0 : 0);
    b[o + 12] = (hl / 4) << 4;
    b[o + 13] = flags;
    dv.setUint16(o + 14, window);
    dv.setUint32(o + 16, 0); // checksum + urgent pointer
    if (optLen) {
      b[o + 20] = 2;
      b[o + 21] = 4;
      dv.setUint16(o + 22, mss);
    }
    if (payload && pLen > 0) b.set(payload.subarray(pOff, pOff + pLen), o + hl);
    dv.setUint16(o + 16, fold(sum16(b, o, l4, this.pseudo(src.ip, dst.ip, IP_TCP, l4))));
    return b.subarray(0, o + l4);
  }

  /** ARP request (op 1, broadcast) or reply (op 2, unicast to the target). */
  arp(op: 1 | 2, sender: Host, targetIp: number, target?: Host): Uint8Array {
    this.eth(op === 1 ? BROADCAST_MAC : target!.mac, sender.mac, ETH_ARP);
    const dv = this.dv;
    dv.setUint16(14, 1);
    dv.setUint16(16, ETH_IPV4);
    this.buf[18] = 6;
    this.buf[19] = 4;
    dv.setUint16(20, op);
    this.buf.set(sender.mac, 22);
    dv.setUint32(28, sender.ip);
    this.buf.set(op === 1 ? ZERO_MAC : target!.mac, 32);
    dv.setUint32(38, targetIp);
    // Pad to the 60-byte Ethernet minimum, as a NIC would on the wire.
    this.buf.fill(0, 42, 60);
    return this.buf.subarray(0, 60);
  }
}
