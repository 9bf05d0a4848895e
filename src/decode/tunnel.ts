// Tunnel and mirror encapsulations: GRE (RFC 2784/2890) with ERSPAN types I/II/III
// (draft-foschiano-erspan) and transparent Ethernet bridging, VXLAN (RFC 7348, UDP 4789),
// Geneve (RFC 8926, UDP 6081), Teredo (RFC 4380, UDP 3544), MPLS label stacks (RFC 3032, with the
// pseudowire control word of RFC 4385) and PPPoE sessions (RFC 2516).
//
// Each header function reads one encapsulation header and returns the offset of what it carries,
// with `t.inner` saying what that is (INNER_ETHERNET, INNER_IP: read the version nibble, or an
// EtherType), or -1 when the bytes are not that encapsulation (no anomaly: plain traffic on the
// port) or are damaged (anomaly flagged). They never read past `end`. Unwrapping into the
// inner packet is packet.ts's job.
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

// Anomaly codes: the tunnel section of L2L4_ANOMALIES (l2l4-anomaly.ts).

/** Mirror ports wrap once or twice (ERSPAN over GRE over MPLS); more is treated as hostile. */
export const MAX_TUNNEL_DEPTH = 4;
/** RFC 3032 stacks in real networks hold 2–4 labels. */
export const MAX_MPLS_LABELS = 8;

export const IPPROTO_IPIP = 4;
export const IPPROTO_IPV6_ENCAP = 41;
export const IPPROTO_GRE = 47;
export const UDP_VXLAN = 4789;
export const UDP_GENEVE = 6081;
export const UDP_TEREDO = 3544;
export const ETHERTYPE_TEB = 0x6558; // transparent Ethernet bridging (RFC 1701 protocol types)
export const ETHERTYPE_ERSPAN2 = 0x88be; // ERSPAN type I (no sequence number) and type II
export const ETHERTYPE_ERSPAN3 = 0x22eb;
export const ETHERTYPE_MPLS = 0x8847; // MPLS unicast
export const ETHERTYPE_PPPOE_SESSION = 0x8864;

/** The tunnel kinds, numbered for `Layers.tunnelKind` (0 = none); names via TUNNEL_KIND_NAMES. */
export const TUNNEL_GRE = 1;
export const TUNNEL_ERSPAN = 2;
export const TUNNEL_VXLAN = 3;
export const TUNNEL_GENEVE = 4;
export const TUNNEL_IPIP = 5;
export const TUNNEL_6IN4 = 6;
export const TUNNEL_TEREDO = 7;
export const TUNNEL_KIND_NAMES = ['', 'gre', 'erspan', 'vxlan', 'geneve', 'ipip', '6in4', 'teredo'] as const;
export type TunnelKindName = Exclude<(typeof TUNNEL_KIND_NAMES)[number], ''>;

/** What a header carries: an Ethernet frame, or IP (version nibble); an EtherType otherwise. */
export const INNER_ETHERNET = -2;
export const INNER_IP = -3;

/** The scratch of one header decode (made once per decoder, passed in: no module state). */
export class TunnelHeader {
  /** INNER_ETHERNET, INNER_IP, or the EtherType of the payload. */
  inner = 0;
  kind = 0;
  /** VXLAN/Geneve VNI, GRE key, ERSPAN session id; -1 when the header has none. */
  id = -1;
}

function u16(d: Uint8Array, o: number): number {
  return (d[o] << 8) | d[o + 1];
}

/** GRE at `off` (the IP payload). Version 0 only: version 1 is PPTP's enhanced GRE (PPP inside). */
export function decodeGre(d: Uint8Array, off: number, end: number, out: Layers, t: TunnelHeader): number {
  if (end - off < 4) {
    flag(out, 'gre.truncated');
    return -1;
  }
  const fl = u16(d, off);
  // RFC 1701 routing (R bit) is obsolete and its source-route list unbounded in form: not decoded.
  if ((fl & 0x0007) !== 0 || (fl & 0x4000) !== 0) return -1;
  const proto = u16(d, off + 2);
  const seq = (fl & 0x1000) !== 0;
  let p = off + 4;
  if (fl & 0x8000) p += 4; // checksum + reserved1
  let key = -1;
  if (fl & 0x2000) {
    if (p + 4 <= end) key = ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0;
    p += 4;
  }
  if (seq) p += 4;
  if (p > end) {
    flag(out, 'gre.truncated');
    return -1;
  }
  t.kind = TUNNEL_GRE;
  t.id = key;
  if (proto === ETHERTYPE_ERSPAN2) {
    t.kind = TUNNEL_ERSPAN;
    t.inner = INNER_ETHERNET;
    // Type I has no ERSPAN header and no GRE sequence number (Wireshark decides the same way).
    if (!seq) return p;
    if (end - p < 8) {
      flag(out, 'erspan.truncated');
      return -1;
    }
    // Ver(4) VLAN(12) COS(3) En(2) T(1) Session ID(10) Reserved(12) Index(20)
    if (d[p] >> 4 !== 1) {
      flag(out, 'erspan.bad-version');
      return -1;
    }
    t.id = u16(d, p + 2) & 0x03ff;
    return p + 8;
  }
  if (proto === ETHERTYPE_ERSPAN3) {
    t.kind = TUNNEL_ERSPAN;
    if (end - p < 12) {
      flag(out, 'erspan.truncated');
      return -1;
    }
    // Ver(4) VLAN(12) COS(3) BSO(2) T(1) Session(10) Timestamp(32) SGT(16) P(1) FT(5) HW(6) D(1) Gra(2) O(1)
    if (d[p] >> 4 !== 2) {
      flag(out, 'erspan.bad-version');
      return -1;
    }
    t.id = u16(d, p + 2) & 0x03ff;
    const ft = (d[p + 10] >> 2) & 0x1f;
    let q = p + 12;
    if (d[p + 11] & 1) q += 8; // platform-specific subheader
    if (q > end) {
      flag(out, 'erspan.truncated');
      return -1;
    }
    // Frame type 0 is an Ethernet frame, 2 an IP packet; the others are reserved.
    if (ft === 0) t.inner = INNER_ETHERNET;
    else if (ft === 2) t.inner = INNER_IP;
    else return -1;
    return q;
  }
  t.inner = proto === ETHERTYPE_TEB ? INNER_ETHERNET : proto;
  return p;
}

/** VXLAN at `off` (the UDP payload to port 4789): flags with the I bit, VNI, then Ethernet. */
export function decodeVxlan(d: Uint8Array, off: number, end: number, out: Layers, t: TunnelHeader): number {
  if (end - off < 8) {
    if (end - off > 0 && (d[off] & 0x08) !== 0) flag(out, 'vxlan.truncated');
    return -1;
  }
  if ((d[off] & 0x08) === 0) return -1; // RFC 7348 §5: the I flag must be set for a valid VNI
  t.kind = TUNNEL_VXLAN;
  t.id = (d[off + 4] << 16) | (d[off + 5] << 8) | d[off + 6];
  t.inner = INNER_ETHERNET;
  return off + 8;
}

/** Geneve at `off` (UDP payload to 6081): version 0, options, then the protocol-typed payload. */
export function decodeGeneve(d: Uint8Array, off: number, end: number, out: Layers, t: TunnelHeader): number {
  if (end - off < 8) {
    if (end - off > 0 && d[off] >> 6 === 0) flag(out, 'geneve.truncated');
    return -1;
  }
  if (d[off] >> 6 !== 0) return -1; // only version 0 is defined (RFC 8926 §3.4)
  const p = off + 8 + ((d[off] & 0x3f) << 2);
  if (p > end) {
    flag(out, 'geneve.bad-options');
    return -1;
  }
  t.kind = TUNNEL_GENEVE;
  t.id = (d[off + 4] << 16) | (d[off + 5] << 8) | d[off + 6];
  const proto = u16(d, off + 2);
  t.inner = proto === ETHERTYPE_TEB ? INNER_ETHERNET : proto;
  return p;
}

/**
 * Teredo at `off` (UDP payload from or to 3544): optional authentication and origin indicators
 * (RFC 4380 §5.1.1), then an IPv6 packet. Anything else on the port (qualification traffic that
 * is not IPv6) is left as plain UDP.
 */
export function decodeTeredo(d: Uint8Array, off: number, end: number, out: Layers, t: TunnelHeader): number {
  let p = off;
  if (end - p >= 2 && d[p] === 0 && d[p + 1] === 1) {
    if (end - p < 4) {
      flag(out, 'teredo.truncated');
      return -1;
    }
    // 0x0001, ID-len, AU-len, client id, authentication value, nonce (8), confirmation (1)
    p += 4 + d[p + 2] + d[p + 3] + 9;
    if (p > end) {
      flag(out, 'teredo.truncated');
      return -1;
    }
  }
  if (end - p >= 2 && d[p] === 0 && d[p + 1] === 0) {
    p += 8; // 0x0000, obfuscated origin port (2) and IPv4 address (4)
    if (p > end) {
      flag(out, 'teredo.truncated');
      return -1;
    }
  }
  if (end - p < 40 || d[p] >> 4 !== 6) return -1;
  t.kind = TUNNEL_TEREDO;
  t.id = -1;
  t.inner = ETHERTYPE_IPV6;
  return p;
}

/**
 * An MPLS label stack at `off`: entries to the bottom-of-stack bit, then IPv4/IPv6 by the first
 * nibble, or (nibble 0) a pseudowire control word and an Ethernet frame (RFC 4385 §3).
 */
export function decodeMpls(d: Uint8Array, off: number, end: number, out: Layers, t: TunnelHeader): number {
  let p = off;
  for (let n = 0; ; n++) {
    if (n >= MAX_MPLS_LABELS) {
      flag(out, 'mpls.too-many-labels');
      return -1;
    }
    if (end - p < 4) {
      flag(out, 'mpls.truncated');
      return -1;
    }
    const bottom = (d[p + 2] & 1) !== 0;
    p += 4;
    if (bottom) break;
  }
  if (end - p < 1) {
    flag(out, 'mpls.truncated');
    return -1;
  }
  const v = d[p] >> 4;
  t.id = -1;
  if (v === 4 || v === 6) {
    t.inner = v === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
    return p;
  }
  if (v !== 0) return -1;
  if (end - p < 4) {
    flag(out, 'mpls.truncated');
    return -1;
  }
  t.inner = INNER_ETHERNET;
  return p + 4;
}

/** A PPPoE session header and the PPP protocol at `off`: IPv4 (0x0021) and IPv6 (0x0057) go on. */
export function decodePppoe(d: Uint8Array, off: number, end: number, out: Layers, t: TunnelHeader): number {
  if (end - off < 8) {
    flag(out, 'pppoe.truncated');
    return -1;
  }
  if (d[off] !== 0x11 || d[off + 1] !== 0) {
    flag(out, 'pppoe.bad-header');
    return -1;
  }
  t.id = u16(d, off + 2); // session id
  const ppp = u16(d, off + 6);
  // LCP, IPCP, authentication and the rest of PPP's control protocols carry no IP.
  if (ppp !== 0x0021 && ppp !== 0x0057) return -1;
  t.inner = ppp === 0x0021 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  return off + 8;
}
