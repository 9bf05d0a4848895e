// decodePacket (and IpDefragmenter) over the shared real captures, against tshark's counts
// in ground-truth.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ip4ToString, ip6ToString } from '../../src/net/addr.js';
import { Layers } from '../../src/decode/layers.js';
import { decodeL4, decodePacket } from '../../src/decode/packet.js';
import { IpDefragmenter } from '../../src/flow/defrag.js';
import { CAPTURES_DIR, capture, GROUND_TRUTH } from '../helpers/paths.js';
import { pcapRecords } from '../helpers/pcap-records.js';
import { checkBounds, checkL4Bounds } from './l2l4-hex.js';

interface Truth {
  packets: number;
  format: string;
  arp_packets?: number;
  ipv6_packets?: number;
  tcp_conversations?: number;
  udp_conversations?: number;
  vlan_ids?: string[];
}
const truth = JSON.parse(readFileSync(GROUND_TRUTH, 'utf8')) as Record<string, Truth>;

interface Tally {
  packets: number;
  arp: number;
  ipv6: number;
  tcp: Set<string>;
  udp: Set<string>;
  anomalies: string[];
  reassembled: { proto: number; bytes: number; srcPort: number; dstPort: number; payloadLen: number }[];
  defrag: IpDefragmenter;
}

function tally(name: string): Tally {
  const out = new Layers();
  const anomalies: string[] = [];
  const t: Tally = {
    packets: 0,
    arp: 0,
    ipv6: 0,
    tcp: new Set(),
    udp: new Set(),
    anomalies,
    reassembled: [],
    defrag: new IpDefragmenter({ onAnomaly: (c) => anomalies.push(c) }),
  };
  const conv = (data: Uint8Array) => {
    const a = out.ipVersion === 4 ? ip4ToString(out.ip4Src) : ip6ToString(data, out.ip6SrcOff);
    const b = out.ipVersion === 4 ? ip4ToString(out.ip4Dst) : ip6ToString(data, out.ip6DstOff);
    const x = `${a}/${out.srcPort}`;
    const y = `${b}/${out.dstPort}`;
    const key = x < y ? `${x} ${y}` : `${y} ${x}`;
    if (out.ipProto === 6) t.tcp.add(key);
    if (out.ipProto === 17) t.udp.add(key);
  };
  for (const r of pcapRecords(capture(name))) {
    t.packets++;
    decodePacket(r.data, r.linktype, out);
    checkBounds(out, r.data.length);
    if (out.anomaly) anomalies.push(out.anomaly);
    if (out.isArp) t.arp++;
    if (out.ipVersion === 6) t.ipv6++;
    if (out.isFragment) {
      const whole = t.defrag.add(out, r.data, r.ts);
      if (whole === null) continue;
      decodeL4(out.ipProto, whole, 0, whole.length, out);
      checkL4Bounds(out, whole.length);
      t.reassembled.push({
        proto: out.ipProto,
        bytes: whole.length,
        srcPort: out.srcPort,
        dstPort: out.dstPort,
        payloadLen: out.payloadLen,
      });
    }
    if (out.srcPort >= 0) conv(r.data);
  }
  return t;
}

describe('every shared classic pcap against tshark', () => {
  const names = Object.keys(truth).filter((n) => truth[n].format !== 'pcapng');
  it('has captures to check', () => expect(names.length).toBeGreaterThan(25));
  for (const name of names) {
    it(name, () => {
      const g = truth[name];
      const t = tally(name);
      expect(t.packets).toBe(g.packets);
      expect(t.arp).toBe(g.arp_packets ?? 0);
      expect(t.ipv6).toBe(g.ipv6_packets ?? 0);
      expect(t.tcp.size).toBe(g.tcp_conversations ?? 0);
      expect(t.udp.size).toBe(g.udp_conversations ?? 0);
    });
  }
  it('reads the captures from ../shared', () => expect(CAPTURES_DIR).toMatch(/testdata\/captures$/));
});

describe('link layers in real captures', () => {
  it('arp-who-has: 2 ARP, Ethernet/IPv4 form', () => {
    const out = new Layers();
    const recs = pcapRecords(capture('arp-who-has.pcap'));
    decodePacket(recs[0].data, recs[0].linktype, out);
    expect(out).toMatchObject({ isArp: true, arpOp: 1, anomaly: null });
    expect(tally('arp-who-has.pcap').arp).toBe(2);
  });

  it('linuxsll-arp: 12 ARP through Linux cooked v1', () => {
    expect(tally('linuxsll-arp.pcap')).toMatchObject({ arp: 12, anomalies: [] });
  });

  it('linux_dlt_sll2: 2 ICMP echo over IPv4, 2 ICMPv6 echo, 1 ARP and 1 RARP', () => {
    const out = new Layers();
    const seen: string[] = [];
    for (const r of pcapRecords(capture('linux_dlt_sll2.pcap'))) {
      expect(r.linktype).toBe(276);
      decodePacket(r.data, r.linktype, out);
      seen.push(out.isArp ? `arp${out.arpOp}` : `ip${out.ipVersion}/${out.ipProto}/${out.icmpType}`);
      expect(out.anomaly).toBeNull();
    }
    // RARP (RFC 903) shares ARP's format; tshark's "arp" filter counts it, so do we.
    expect(seen).toEqual(['ip4/1/8', 'ip4/1/0', 'ip6/58/128', 'ip6/58/129', 'arp1', 'arp3']);
  });

  it('http-vlan-0: one 802.1Q tag with VLAN id 0 on every packet', () => {
    const out = new Layers();
    for (const r of pcapRecords(capture('http-vlan-0.pcap'))) {
      decodePacket(r.data, r.linktype, out);
      expect(out).toMatchObject({ vlanCount: 1, vlanOuter: 0, vlanInner: -1, ipVersion: 4, ipProto: 6 });
    }
  });

  it('http-qinq-0: two tags, both VLAN 0', () => {
    const out = new Layers();
    const recs = pcapRecords(capture('http-qinq-0.pcap'));
    for (const r of recs) {
      decodePacket(r.data, r.linktype, out);
      expect(out).toMatchObject({ vlanCount: 2, vlanOuter: 0, vlanInner: 0, l3Off: 22, ipVersion: 4 });
    }
    decodePacket(recs[0].data, recs[0].linktype, out);
    expect(out).toMatchObject({ srcPort: 59856, dstPort: 80, tcpFlags: 0x02, tcpMss: 1460, tcpWindow: 65535 });
  });

  it('rawip-telnet-port21: LINKTYPE_IPV4 (228), TCP to port 21, an FTP server reply of 7 bytes', () => {
    const out = new Layers();
    const recs = pcapRecords(capture('rawip-telnet-port21.pcap'));
    expect(recs[0].linktype).toBe(228);
    decodePacket(recs[0].data, recs[0].linktype, out);
    expect(out).toMatchObject({ l3Off: 0, ip4Src: 0x0a000001, srcPort: 40000, dstPort: 21, tcpFlags: 0x02 });
    decodePacket(recs[3].data, recs[3].linktype, out);
    expect(out).toMatchObject({ srcPort: 21, payloadLen: 7 });
  });

  it('communityid-ipv6 and ftp-ipv6: every packet IPv6 + TCP', () => {
    expect(tally('communityid-ipv6.pcap')).toMatchObject({ ipv6: 17, anomalies: [] });
    expect(tally('ftp-ipv6.pcap')).toMatchObject({ ipv6: 136, anomalies: [] });
  });
});

describe('IP reassembly on real captures (lengths as tshark reassembles them)', () => {
  it('ipv4-fragmented-1: 3 overlapping fragments -> one 164-byte UDP datagram 123 -> 137', () => {
    const t = tally('ipv4-fragmented-1.pcap');
    // tshark: "[3 IPv4 Fragments (164 bytes): #1(18), #3(304), #2(116)]", overlap, too long.
    // Fragment 3 restarts at offset 0 with different bytes: the first bytes are kept.
    expect(t.reassembled).toEqual([{ proto: 17, bytes: 164, srcPort: 123, dstPort: 137, payloadLen: 10 }]);
    expect(t.anomalies).toEqual(['ipfrag.past-end', 'ipfrag.overlap']);
  });

  it('ipv4-fragmented-3: five fragments that all say "more" never complete', () => {
    // tshark shows no reassembly either: every fragment has MF set, the last one was not captured.
    const t = tally('ipv4-fragmented-3.pcap');
    expect(t.reassembled).toEqual([]);
    expect(t.defrag.pending).toBe(1);
    expect(t.defrag.bytesHeld).toBeGreaterThanOrEqual(5 * 1480);
    expect(t.defrag.expire(Number.MAX_SAFE_INTEGER)).toBe(1);
    expect(t.anomalies).toEqual(['ipfrag.timeout']);
  });

  it('ipv6-fragmented-dns: the 3-fragment response reassembles to 3238 bytes of UDP from port 53', () => {
    const t = tally('ipv6-fragmented-dns.pcap');
    // tshark: "[Reassembled IPv6 length: 3238]", UDP length 3238, DNS payload 3230.
    expect(t.reassembled).toEqual([{ proto: 17, bytes: 3238, srcPort: 53, dstPort: 51851, payloadLen: 3230 }]);
    // frame 4 is the lone last fragment (id 1) of a response whose first fragments were not captured
    expect(t.defrag.pending).toBe(1);
    expect(t.defrag.stats).toMatchObject({ fragments: 4, reassembled: 1 });
  });
});
