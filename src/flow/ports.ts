// Flow keys and the small facts about ports the engine uses to orient flows.
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type Layers } from '../decode/layers.js';
import type { L4Proto } from '../events.js';

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * One finaliser per endpoint over the words spread by distinct odd multipliers (was one per
 * word: IPv4 hashed three zero words). The hash only places flows in buckets; nothing is
 * ordered by it.
 */
function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  return mix(
    (w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f)) +
      Math.imul(port + 1, 0x9e3779b1),
  );
}

function word(d: Uint8Array, o: number): number {
  return (d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!;
}

/**
 * The key of the packet being processed: both addresses as four 32-bit words (IPv4 uses the
 * first), ports, protocol, outer VLAN. One instance is reused for every packet.
 *
 * Words are kept signed (int32): keys are only compared and hashed, and an unsigned word above
 * 2^31 (192.168/16, every IPv6 address) is not a small integer to V8, so each such field of
 * every Flow would hold a boxed number of its own. The hash is the same either way (it works
 * modulo 2^32).
 */
export class FlowKey {
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  aPort = 0;
  bPort = 0;
  proto = 0;
  vlan = -1;
  /** The outermost tunnel's identity (`tunnelKey`), 0 for a packet that came through none. */
  tun = 0;

  set4(src: number, dst: number): void {
    this.a0 = src | 0;
    this.a1 = this.a2 = this.a3 = 0;
    this.b0 = dst | 0;
    this.b1 = this.b2 = this.b3 = 0;
  }

  set6(d: Uint8Array, src: number, dst: number): void {
    this.a0 = word(d, src);
    this.a1 = word(d, src + 4);
    this.a2 = word(d, src + 8);
    this.a3 = word(d, src + 12);
    this.b0 = word(d, dst);
    this.b1 = word(d, dst + 4);
    this.b2 = word(d, dst + 8);
    this.b3 = word(d, dst + 12);
  }

  /** Symmetric: both directions of a flow hash alike (the endpoint hashes are added). */
  hash(): number {
    const h =
      endpointHash(this.a0, this.a1, this.a2, this.a3, this.aPort) +
      endpointHash(this.b0, this.b1, this.b2, this.b3, this.bPort);
    return (Math.imul(h ^ (this.proto << 16) ^ (this.vlan & 0xfff) ^ this.tun, 0x9e3779b1) ^ (h >>> 15)) | 0;
  }
}

/**
 * The identity of the packet's outermost IP tunnel as one non-zero number: its kind and its two
 * endpoints, combined symmetrically so both directions of a flow agree. The id (VNI, GRE key,
 * ERSPAN session) is left out on purpose: real taps put the two directions of one connection on
 * different ids (tcpdump's Geneve test capture: VNI 10 one way, 11 the other; ERSPAN rx and tx
 * sessions), and Zeek and tshark keep such a connection one flow. The same inner 5-tuple between
 * other tunnel endpoints (another VTEP pair, another collector) is another flow. The flow's record
 * keeps the first packet's tunnel, id included. A 32-bit digest: two tunnels that collide share flows.
 * Only called for tunnelled packets (`L.tunnelKind !== 0`).
 */
export function tunnelKey(L: Layers, d: Uint8Array): number {
  let ea: number;
  let eb: number;
  if (L.tunnelIpVersion === 6) {
    const a = L.tunnelIp6SrcOff;
    const b = L.tunnelIp6DstOff;
    ea = endpointHash(word(d, a), word(d, a + 4), word(d, a + 8), word(d, a + 12), 0);
    eb = endpointHash(word(d, b), word(d, b + 4), word(d, b + 8), word(d, b + 12), 0);
  } else {
    ea = endpointHash(L.tunnelIp4Src | 0, 0, 0, 0, 0);
    eb = endpointHash(L.tunnelIp4Dst | 0, 0, 0, 0, 0);
  }
  const t = mix((ea + eb) ^ Math.imul(L.tunnelKind, 0x27d4eb2f));
  return t === 0 ? 1 : t;
}

export function protoName(p: number): L4Proto {
  if (p === IPPROTO_TCP) return 'tcp';
  if (p === IPPROTO_UDP) return 'udp';
  if (p === IPPROTO_ICMP) return 'icmp';
  if (p === IPPROTO_ICMPV6) return 'icmpv6';
  return 'other';
}

/**
 * True when `src` looks like the server side answering `dst` (we missed the first packet):
 * only when `src` is a well-known service port and `dst` is not. Port numbers alone mislead —
 * RPC clients bind reserved ports below 1024 — so by default the first sender is the client.
 */
export function looksLikeServer(src: number, dst: number): boolean {
  return SERVICE_PORTS.has(src) && !SERVICE_PORTS.has(dst);
}

const SERVICE_PORTS = new Set([
  20, 21, 22, 23, 25, 53, 67, 69, 80, 88, 104, 110, 111, 119, 123, 135, 137, 138, 139, 143, 161, 162, 389, 443, 445,
  465, 513, 514, 515, 587, 636, 873, 993, 995, 1433, 1812, 1813, 2049, 2575, 3128, 3306, 3389, 5060, 5061, 5353, 5355,
  5432, 6514, 8000, 8080, 8443, 11112, 20048,
]);
