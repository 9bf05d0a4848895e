// Ethernet II (IEEE 802.3 clause 3) and stacked VLAN tags (IEEE 802.1Q, 802.1ad "QinQ").
// The functions return the offset of the layer-3 payload and set `out.ethertype`, or return
// -1 when there is nothing to decode further (anomaly set when the frame is malformed).
import { flag } from './l2l4-anomaly.js';
import type { Layers } from './layers.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
/** RARP (RFC 903) reuses the ARP packet format; tshark counts it as ARP. */
export const ETHERTYPE_RARP = 0x8035;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q C-tag
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad S-tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ (Cisco, Juniper)
export const ETHERTYPE_QINQ_OLD2 = 0x9200;

/** Real networks stack one (802.1Q) or two (QinQ) tags; more than this is treated as hostile. */
export const MAX_VLAN_TAGS = 4;

const ETH_HEADER = 14;

/** The frame is d[start, end) (a record inside a reader's chunk); offsets set in `out` index `d`. */
export function decodeEthernet(d: Uint8Array, out: Layers, start = 0, end = d.length): number {
  if (end - start < ETH_HEADER) {
    flag(out, 'eth.truncated');
    return -1;
  }
  out.macDstOff = start;
  out.macSrcOff = start + 6;
  return decodeEthertype(d, start + 12, out, end);
}

/** Read the EtherType at `off` (the caller guarantees 2 bytes there) and the tags after it. */
export function decodeEthertype(d: Uint8Array, off: number, out: Layers, end = d.length): number {
  return walkVlanTags(d, (d[off] << 8) | d[off + 1], off + 2, out, end);
}

/**
 * Given the EtherType `type` and the offset where its payload starts, walk stacked VLAN tags
 * (each 4 bytes: TCI, then the next EtherType). Also used by the Linux cooked headers, which
 * carry frames whose tag the kernel did not strip the same way.
 */
export function walkVlanTags(d: Uint8Array, type: number, off: number, out: Layers, end = d.length): number {
  while (
    type === ETHERTYPE_VLAN ||
    type === ETHERTYPE_QINQ ||
    type === ETHERTYPE_QINQ_OLD ||
    type === ETHERTYPE_QINQ_OLD2
  ) {
    if (out.vlanCount >= MAX_VLAN_TAGS) {
      flag(out, 'vlan.too-many-tags');
      return -1;
    }
    if (off + 4 > end) {
      flag(out, 'vlan.truncated');
      return -1;
    }
    // TCI: 3 bits priority, 1 bit DEI, 12 bits VLAN id (802.1Q-2018 §9.6); id 0 = priority tag only.
    const vid = ((d[off] << 8) | d[off + 1]) & 0x0fff;
    if (out.vlanCount === 0) out.vlanOuter = vid;
    else if (out.vlanCount === 1) out.vlanInner = vid;
    out.vlanCount++;
    type = (d[off + 2] << 8) | d[off + 3];
    off += 4;
  }
  // Values below 0x0600 are an 802.3 length, followed by LLC (STP, CDP, …): no EtherType, no IP.
  if (type < 0x0600) return -1;
  out.ethertype = type;
  return off;
}
