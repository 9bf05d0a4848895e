// Link, network and transport layers of one packet, into the reusable `Layers` record.
// Straight-line byte arithmetic, no allocation, no exceptions: this runs for every packet.
// Decoding stops at the first damaged layer; what was decoded before it stays in `out`.
import { decodeArp } from './arp.js';
import { decodeEthernet, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_RARP } from './ethernet.js';
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
  LINKTYPE_RAW,
  LINKTYPE_RAW_ALT1,
  LINKTYPE_RAW_ALT2,
  type Layers,
} from './layers.js';
import { decodeNull, decodeRawIp, decodeSll, decodeSll2 } from './sll.js';
import { decodeTcp } from './tcp.js';
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
    default:
      flag(out, 'link.unknown-type');
      return;
  }
  if (off < 0) return;
  const et = out.ethertype;
  let l4: number;
  if (et === ETHERTYPE_IPV4) l4 = decodeIpv4(data, off, out, end);
  else if (et === ETHERTYPE_IPV6) l4 = decodeIpv6(data, off, out, end);
  else {
    if (et === ETHERTYPE_ARP || et === ETHERTYPE_RARP) decodeArp(data, off, out, end);
    return;
  }
  if (l4 < 0) return;
  // IP bounded both: readable bytes end at ipPayloadOff + ipPayloadLen, claimed ones further.
  const readEnd = out.ipPayloadOff + out.ipPayloadLen;
  const claimedEnd = out.ipPayloadOff + out.ipPayloadClaimed;
  dispatchL4(out.ipProto, data, l4, readEnd - l4, claimedEnd - l4, out.isFragment, out);
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
