// decodePacket over hand-built fixtures: every field of every layer, then the malformed cases
// each anomaly code names.
import { describe, expect, it } from 'vitest';
import { Layers } from '../../src/decode/layers.js';
import { decodeL4, decodePacket, L2L4_ANOMALIES } from '../../src/decode/packet.js';
import {
  FIXTURES,
  ETH_IPV4_OPTS_TCP_SYN,
  ETH_VLAN_IPV4_UDP,
  RAW_IPV4_TCP,
  SLL_IPV4_TCP_SACK,
} from './l2l4-fixtures.js';
import { checkBounds, hex } from './l2l4-hex.js';

function decode(bytes: Uint8Array, linktype: number): Layers {
  const out = new Layers();
  decodePacket(bytes, linktype, out);
  checkBounds(out, bytes.length);
  return out;
}

/** A copy of `b` with bytes at `at` replaced. */
function patch(b: Uint8Array, at: number, ...bytes: number[]): Uint8Array {
  const c = b.slice();
  c.set(bytes, at);
  return c;
}

describe('decodePacket fixtures', () => {
  for (const f of FIXTURES) {
    it(f.name, () => {
      const out = decode(f.bytes, f.linktype);
      expect(out).toMatchObject({ linktype: f.linktype, anomaly: null, anomaly2: null, snapped: false, ...f.expect });
    });
  }

  it('reuses one record: nothing of the previous packet survives', () => {
    const out = new Layers();
    decodePacket(ETH_IPV4_OPTS_TCP_SYN, 1, out);
    decodePacket(hex('ff ff ff'), 1, out);
    expect(out).toMatchObject({ ipVersion: 0, srcPort: -1, tcpMss: -1, macSrcOff: -1, anomaly: 'eth.truncated' });
  });

  it('NULL loopback: both byte orders and every AF_INET6 value', () => {
    const ip6 = FIXTURES.find((f) => f.name.includes('AF_INET6'))!.bytes.subarray(4);
    for (const af of [
      [0x18, 0, 0, 0], // 24 little-endian (NetBSD/OpenBSD)
      [0x1c, 0, 0, 0], // 28 little-endian (FreeBSD)
      [0x1e, 0, 0, 0], // 30 little-endian (macOS)
      [0, 0, 0, 0x18],
      [0, 0, 0, 0x1c],
    ]) {
      const out = decode(Uint8Array.from([...af, ...ip6]), 0);
      expect(out).toMatchObject({ ipVersion: 6, dstPort: 22, anomaly: null });
    }
    const ip4 = FIXTURES.find((f) => f.name.includes('AF_INET)'))!.bytes;
    expect(decode(patch(ip4, 0, 0, 0, 0, 2), 0)).toMatchObject({ ipVersion: 4, dstPort: 123 });
    expect(decode(patch(ip4, 0, 0, 0, 0, 2), 108)).toMatchObject({ ipVersion: 4, dstPort: 123 }); // LINKTYPE_LOOP
    expect(decode(patch(ip4, 0, 7, 0, 0, 0), 0).anomaly).toBe('null.unknown-family');
    expect(decode(patch(ip4, 0, 2, 0, 0, 2), 0).anomaly).toBe('null.unknown-family');
  });

  it('raw IP: version from the first nibble; 228/229 are IPv4-only/IPv6-only', () => {
    for (const lt of [101, 12, 14, 228]) expect(decode(RAW_IPV4_TCP, lt)).toMatchObject({ ipVersion: 4, dstPort: 21 });
    expect(decode(RAW_IPV4_TCP, 229).anomaly).toBe('ipv6.bad-version');
    expect(decode(patch(RAW_IPV4_TCP, 0, 0x55), 101).anomaly).toBe('raw.bad-version');
    expect(decode(new Uint8Array(0), 101).anomaly).toBe('raw.truncated');
  });

  it('PPP (9, 50): with and without HDLC address/control, compressed protocol, control traffic', () => {
    const ip4 = [...RAW_IPV4_TCP];
    for (const lt of [9, 50]) {
      expect(decode(Uint8Array.from([0xff, 0x03, 0x00, 0x21, ...ip4]), lt)).toMatchObject({
        ipVersion: 4,
        dstPort: 21,
        anomaly: null,
      });
      expect(decode(Uint8Array.from([0x00, 0x21, ...ip4]), lt)).toMatchObject({
        ipVersion: 4,
        dstPort: 21,
        anomaly: null,
      });
      expect(decode(Uint8Array.from([0x21, ...ip4]), lt)).toMatchObject({ ipVersion: 4, dstPort: 21, anomaly: null }); // RFC 1661 §6.5
      // LCP (0xc021) and IPCP (0x8021): the link's own traffic, no layer 3 and no anomaly
      expect(decode(Uint8Array.from([0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4]), lt)).toMatchObject({
        ipVersion: 0,
        anomaly: null,
      });
      expect(decode(Uint8Array.from([0x80, 0x21, 1, 1, 0, 4]), lt)).toMatchObject({ ipVersion: 0, anomaly: null });
      for (const cut of [[], [0xff, 0x03], [0x00], [0xff, 0x03, 0x00]])
        expect(decode(Uint8Array.from(cut), lt).anomaly).toBe('ppp.truncated');
      // IPv4 announced, IPv6 inside: the IP decoder names it
      expect(decode(Uint8Array.from([0x00, 0x57, ...ip4]), lt).anomaly).toBe('ipv6.bad-version');
    }
  });

  it('unknown link type is named, not guessed', () => {
    expect(decode(RAW_IPV4_TCP, 147).anomaly).toBe('link.unknown-type');
  });

  it('802.3 length field (LLC frame) has no layer 3 and no anomaly', () => {
    const stp = patch(ETH_VLAN_IPV4_UDP, 12, 0x00, 0x26);
    expect(decode(stp, 1)).toMatchObject({ ethertype: 0, ipVersion: 0, macSrcOff: 6, anomaly: null });
  });

  it('caps stacked VLAN tags', () => {
    const tags = Array.from({ length: 5 }, () => [0x81, 0x00, 0x00, 0x01]).flat();
    const frame = Uint8Array.from([...ETH_VLAN_IPV4_UDP.subarray(0, 12), ...tags, 0x08, 0x00, ...new Uint8Array(40)]);
    expect(decode(frame, 1)).toMatchObject({ anomaly: 'vlan.too-many-tags', vlanCount: 4, vlanOuter: 1, vlanInner: 1 });
  });

  it('SLL carrying an 802.1Q frame walks the tag', () => {
    const b = Uint8Array.from([
      ...SLL_IPV4_TCP_SACK.subarray(0, 14),
      0x81,
      0x00,
      0x00,
      0x2a,
      0x08,
      0x00,
      ...SLL_IPV4_TCP_SACK.subarray(16),
    ]);
    expect(decode(b, 113)).toMatchObject({ vlanOuter: 42, l3Off: 20, dstPort: 515, payloadLen: 5 });
  });
});

describe('IPv4 malformed and edge cases', () => {
  const ip = 14; // IPv4 header offset in ETH_IPV4_OPTS_TCP_SYN
  it('bad version, IHL and total length', () => {
    expect(decode(patch(ETH_IPV4_OPTS_TCP_SYN, ip, 0x56), 1).anomaly).toBe('ipv4.bad-version');
    expect(decode(patch(ETH_IPV4_OPTS_TCP_SYN, ip, 0x44), 1).anomaly).toBe('ipv4.bad-ihl');
    expect(decode(patch(ETH_IPV4_OPTS_TCP_SYN, ip + 2, 0x00, 0x10), 1).anomaly).toBe('ipv4.bad-total-length');
  });

  it('IHL beyond the capture: addresses known, nothing after', () => {
    const out = decode(patch(ETH_IPV4_OPTS_TCP_SYN, ip, 0x4f).subarray(0, 14 + 40), 1);
    expect(out).toMatchObject({ ipVersion: 4, ip4Src: 0xc0a8010a, snapped: true, l4Off: -1 });
  });

  it('total length beyond the capture marks the packet snapped, payload bounded by the capture', () => {
    const out = decode(patch(SLL_IPV4_TCP_SACK, 16 + 2, 0x05, 0xdc), 113); // claims 1500
    expect(out).toMatchObject({ snapped: true, ipLen: 69, ipPayloadClaimed: 1480, payloadLen: 5, anomaly: null });
  });

  it('total length 0 (TSO capture) falls back to the captured length', () => {
    const out = decode(patch(SLL_IPV4_TCP_SACK, 16 + 2, 0, 0), 113);
    expect(out).toMatchObject({ anomaly: 'ipv4.zero-total-length', ipLen: 69, payloadLen: 5 });
  });

  it('malformed option is named but the packet still decodes', () => {
    const out = decode(patch(ETH_IPV4_OPTS_TCP_SYN, ip + 21, 0x09), 1); // Router Alert length 9 > header
    expect(out).toMatchObject({ anomaly: 'ipv4.bad-option', dstPort: 2575, tcpMss: 1460 });
  });

  it('a later fragment: fragment fields set, L4 not decoded', () => {
    const out = decode(patch(RAW_IPV4_TCP, 6, 0x20, 0x03), 101); // MF, offset 3 (24 bytes)
    expect(out).toMatchObject({ isFragment: true, fragMore: true, fragOffset: 24, fragId: 1, l4Off: -1, srcPort: -1 });
  });

  it('a first fragment decodes L4 and does not judge the UDP length', () => {
    const b = patch(ETH_VLAN_IPV4_UDP, 18 + 6, 0x20, 0x00); // MF, offset 0
    const out = decode(patch(b, 18 + 24, 0x05, 0xdc), 1); // UDP length 1500
    expect(out).toMatchObject({ isFragment: true, fragOffset: 0, dstPort: 53, payloadLen: 8, anomaly: null });
  });

  it('fragment past 65535 bytes (ping of death) is named', () => {
    const out = decode(patch(RAW_IPV4_TCP, 6, 0x1f, 0xff), 101); // offset 65528 + 20 bytes
    expect(out.anomaly).toBe('ipv4.bad-fragment');
  });
});

describe('IPv6 malformed and edge cases', () => {
  const frag = FIXTURES.find((f) => f.name.includes('hop-by-hop'))!.bytes;
  it('a later fragment: upper-layer protocol from the fragment header, no L4', () => {
    const out = decode(patch(frag, 14 + 48 + 2, 0x00, 0xb0), 1); // offset 22 words = 176 bytes, last
    expect(out).toMatchObject({ isFragment: true, fragOffset: 176, fragMore: false, ipProto: 17, l4Off: -1 });
    expect(out).toMatchObject({ ipPayloadOff: 70, ipPayloadLen: 16 });
  });

  it('an atomic fragment (offset 0, M 0) is a whole datagram (RFC 6946)', () => {
    const out = decode(patch(frag, 14 + 48 + 2, 0x00, 0x00), 1);
    expect(out).toMatchObject({ isFragment: false, dstPort: 5353, anomaly: 'udp.bad-length' });
  });

  it('extension header running past the payload length is named', () => {
    const out = decode(patch(frag, 14 + 41, 0x07), 1); // HBH length 64 bytes
    expect(out).toMatchObject({ anomaly: 'ipv6.bad-ext-header', ipProto: 0, l4Off: -1 });
  });

  it('too many extension headers', () => {
    const n = 20;
    const chain = Array.from({ length: n }, (_, i) => [i === n - 1 ? 59 : 60, 0, 1, 4, 0, 0, 0, 0]).flat();
    const b = Uint8Array.from([0x60, 0, 0, 0, 0, n * 8, 60, 64, ...new Uint8Array(32), ...chain]);
    expect(decode(b, 229).anomaly).toBe('ipv6.too-many-ext-headers');
  });

  it('No Next Header and ESP end the walk without L4', () => {
    const b = Uint8Array.from([0x60, 0, 0, 0, 0, 8, 50, 64, ...new Uint8Array(32), 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(decode(b, 229)).toMatchObject({ ipProto: 50, l4Off: -1, anomaly: null, ipPayloadLen: 8 });
  });

  it('bad version', () => {
    expect(decode(patch(frag, 14, 0x40), 1).anomaly).toBe('ipv6.bad-version');
  });
});

describe('TCP, UDP, ICMP malformed cases', () => {
  it('TCP data offset below 5 or past the segment', () => {
    expect(decode(patch(RAW_IPV4_TCP, 32, 0x40), 101).anomaly).toBe('tcp.bad-offset');
    expect(decode(patch(RAW_IPV4_TCP, 32, 0x60), 101)).toMatchObject({ anomaly: 'tcp.bad-offset', dstPort: 21 });
  });

  it('TCP option with length 0 or past the header', () => {
    const opts = 14 + 24 + 20;
    expect(decode(patch(ETH_IPV4_OPTS_TCP_SYN, opts + 1, 0), 1)).toMatchObject({
      anomaly: 'tcp.bad-option',
      payloadOff: 78,
    });
    expect(decode(patch(ETH_IPV4_OPTS_TCP_SYN, opts + 17, 3, 9), 1).anomaly).toBe('tcp.bad-option');
    expect(decode(patch(ETH_IPV4_OPTS_TCP_SYN, opts + 1, 5), 1).anomaly).toBe('tcp.bad-option'); // MSS length 5
  });

  it('TCP header longer than the IP payload is truncated', () => {
    const b = patch(RAW_IPV4_TCP, 2, 0x00, 0x24).subarray(0, 36); // total 36: 16 bytes of TCP
    expect(decode(b, 101)).toMatchObject({ anomaly: 'tcp.truncated', srcPort: 40000, dstPort: 21 });
  });

  it('UDP length below 8 or beyond the IP payload', () => {
    const udp = 18 + 20 + 4;
    expect(decode(patch(ETH_VLAN_IPV4_UDP, udp, 0, 4), 1)).toMatchObject({ anomaly: 'udp.bad-length', payloadLen: 8 });
    expect(decode(patch(ETH_VLAN_IPV4_UDP, udp, 0, 200), 1)).toMatchObject({
      anomaly: 'udp.bad-length',
      payloadLen: 8,
    });
    // shorter than IP says: the rest is trailer, UDP's length rules
    expect(decode(patch(ETH_VLAN_IPV4_UDP, udp, 0, 12), 1)).toMatchObject({ anomaly: null, payloadLen: 4 });
  });

  it('ICMP shorter than 4 bytes', () => {
    const b = Uint8Array.from([0x45, 0, 0, 22, 0, 0, 0, 0, 64, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 0]);
    expect(decode(b, 101)).toMatchObject({ anomaly: 'icmp.truncated', icmpType: -1 });
  });
});

describe('decodeL4 (for reassembled datagrams)', () => {
  it('decodes at an offset and leaves L2/L3 alone', () => {
    const out = decode(ETH_VLAN_IPV4_UDP, 1);
    decodeL4(6, SLL_IPV4_TCP_SACK, 36, 49, out);
    expect(out).toMatchObject({
      vlanOuter: 100,
      ipProto: 17,
      l4Off: 36,
      srcPort: 40000,
      dstPort: 515,
      payloadOff: 80,
      payloadLen: 5,
    });
    decodeL4(17, ETH_VLAN_IPV4_UDP, 38, 16, out);
    expect(out).toMatchObject({ tcpMss: -1, tcpFlags: 0, srcPort: 54321, payloadLen: 8 });
  });

  it('reports only its own anomalies', () => {
    const out = decode(new Uint8Array([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]), 101);
    expect(out.anomaly).toBe('ipv4.zero-total-length');
    decodeL4(17, ETH_VLAN_IPV4_UDP, 38, 16, out);
    expect(out).toMatchObject({ anomaly: null, anomaly2: null, ipVersion: 4, ip4Src: 0x01020304 });
    decodeL4(17, ETH_VLAN_IPV4_UDP, 38, 6, out);
    expect(out.anomaly).toBe('udp.truncated');
  });

  it('never reads outside the buffer whatever the arguments', () => {
    const out = new Layers();
    for (const [off, len] of [
      [-1, 10],
      [100, 10],
      [10, 1000],
      [0, -5],
      [Number.NaN, 3],
      [3, Number.NaN],
    ]) {
      decodeL4(6, RAW_IPV4_TCP, off, len, out);
      checkBounds(out, RAW_IPV4_TCP.length);
    }
  });
});

it('documents every anomaly code once, all named <proto>.<what>', () => {
  expect(new Set(L2L4_ANOMALIES).size).toBe(L2L4_ANOMALIES.length);
  for (const c of L2L4_ANOMALIES) expect(c).toMatch(/^[a-z0-9]+\.[a-z0-9-]+$/);
});
