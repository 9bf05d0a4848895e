// Tunnels and mirror encapsulations (src/decode/tunnel.ts via decodePacket): each kind unwraps to
// the inner hosts with the outer endpoints kept; tshark reads the same bytes the same way; every
// truncated prefix is bounded and named; nesting is bounded by MAX_TUNNEL_DEPTH.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/writer.js';
import { Layers } from '../../src/decode/layers.js';
import { decodePacket } from '../../src/decode/packet.js';
import { MAX_TUNNEL_DEPTH, TUNNEL_KIND_NAMES } from '../../src/decode/tunnel.js';
import { dnsResponse } from '../../src/decode/dns/encode.js';
import { FlowEngine } from '../../src/flow/engine.js';
import type { FlowEnd, FlowStart, WardEvent } from '../../src/events.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';
import { checkBounds, rng } from './l2l4-hex.js';
import {
  eth,
  fixtures,
  gre,
  INNER_DST,
  INNER_SRC,
  innerFrame,
  innerIp,
  ipv4,
  mpls,
  OUTER_DST,
  OUTER_SRC,
  pppoe,
  udp,
  vxlan,
} from './tunnel-build.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-tunnel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function decode(b: Uint8Array): Layers {
  const o = new Layers();
  decodePacket(b, 1, o);
  return o;
}

function macAt(b: Uint8Array, off: number): string {
  return [...b.subarray(off, off + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

describe('tunnel decoding', () => {
  for (const f of fixtures()) {
    it(`${f.name}: the inner hosts, with the outer endpoints as the tunnel's`, () => {
      const o = decode(f.bytes);
      expect(o.anomaly).toBeNull();
      expect(o.encapDepth).toBe(1);
      expect(o.srcPort).toBe(40000);
      expect(o.dstPort).toBe(2575);
      expect(o.tcpFlags).toBe(0x02);
      if (o.ipVersion === 4) {
        expect(o.ip4Src).toBe(INNER_SRC);
        expect(o.ip4Dst).toBe(INNER_DST);
      } else {
        expect(o.ipVersion).toBe(6);
        expect(f.bytes[o.ip6DstOff + 15]).toBe(0x09); // 2001:db8::9
      }
      expect(TUNNEL_KIND_NAMES[o.tunnelKind]).toBe(f.kind);
      if (f.kind !== '') {
        expect(o.tunnelIpVersion).toBe(4);
        expect(o.tunnelIp4Src).toBe(OUTER_SRC);
        expect(o.tunnelIp4Dst).toBe(OUTER_DST);
        expect(o.tunnelId).toBe(f.id);
      }
      // L2 tunnels carry the inner hosts' MACs; behind an L3 tunnel the outer MACs are routers'
      // (MPLS and PPPoE keep the frame's own, which are the link's ends).
      if (f.l2) expect(macAt(f.bytes, o.macSrcOff)).toBe('02:00:00:00:00:05');
      else if (f.kind !== '') expect(o.macSrcOff).toBe(-1);
      checkBounds(o, f.bytes.length);
    });
  }

  it.runIf(HAVE_TSHARK || process.env.CI === 'true')(
    'tshark reads every fixture as the same inner TCP SYN',
    () => {
      const w = new PcapWriter({ linktype: 1 });
      const all = fixtures();
      const file = join(dir, 'tunnels.pcap');
      writeFileSync(file, Buffer.concat([w.header(), ...all.map((f, i) => w.record(1.7e15 + i, f.bytes))]));
      // One tshark run for all (it is slow to start); decode-as options only touch their frame.
      const lines = tshark(file, [
        ...all.flatMap((f) => f.tsharkArgs ?? []),
        ...['-T', 'fields', '-E', 'occurrence=l', '-e', 'frame.protocols'],
        ...['-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.flags.syn'],
      ]);
      expect(lines).toEqual(all.map((f) => `${f.protocols}\t40000\t2575\t1`));
    },
    120_000,
  );

  it('each truncated prefix is bounded, and a cut inside a tunnel header is named', () => {
    const expectCut: Record<string, string[]> = {
      'gre-ipv4': ['gre.truncated'],
      'gre-teb-key': ['gre.truncated'],
      'erspan-2': ['gre.truncated', 'erspan.truncated'],
      'erspan-3': ['gre.truncated', 'erspan.truncated'],
      vxlan: ['vxlan.truncated'],
      geneve: ['geneve.truncated', 'geneve.bad-options'],
      'mpls-ipv4': ['mpls.truncated'],
      pppoe: ['pppoe.truncated'],
    };
    for (const f of fixtures()) {
      const seen = new Set<string>();
      for (let n = 0; n < f.bytes.length; n++) {
        const cut = f.bytes.subarray(0, n);
        const o = decode(cut);
        checkBounds(o, n);
        if (o.anomaly !== null) seen.add(o.anomaly);
        // A cut packet never passes for a whole inner SYN: it is named, marked snapped, or stays
        // the outer packet (cut before the tunnel could be recognised).
        const wholeInner = o.encapDepth > 0 && o.srcPort === 40000 && o.l4Off >= 0 && !o.snapped;
        expect(wholeInner && o.anomaly === null, `${f.name} cut at ${n}`).toBe(false);
      }
      for (const code of expectCut[f.name] ?? []) expect(seen, f.name).toContain(code);
    }
  });

  it('nests: VXLAN inside ERSPAN inside MPLS, the outermost IP tunnel is the one kept', () => {
    const inner = eth(0x0800, ipv4(17, udp(51000, 4789, vxlan(7, innerFrame())), 0xc0000263, 0xc0000264));
    const ers = eth(0x0800, ipv4(47, gre(0x88be, inner)));
    const o = decode(eth(0x8847, mpls([16], ers.subarray(14))));
    expect(o.anomaly).toBeNull();
    expect(o.encapDepth).toBe(3);
    expect(o.ip4Src).toBe(INNER_SRC);
    expect(o.srcPort).toBe(40000);
    expect(TUNNEL_KIND_NAMES[o.tunnelKind]).toBe('erspan');
    expect(o.tunnelIp4Src).toBe(OUTER_SRC);
  });

  it(`stops past ${MAX_TUNNEL_DEPTH} encapsulations with tunnel.too-deep, keeping the layer reached`, () => {
    let pkt = innerIp();
    for (let i = 0; i < MAX_TUNNEL_DEPTH; i++) pkt = ipv4(4, pkt, 0xc0000200 + i, 0xc0000280 + i);
    let o = decode(eth(0x0800, pkt));
    expect(o.anomaly).toBeNull();
    expect(o.ip4Src).toBe(INNER_SRC);
    expect(o.encapDepth).toBe(MAX_TUNNEL_DEPTH);
    o = decode(eth(0x0800, ipv4(4, pkt, 0xc00002ff, 0xc00002fe)));
    expect(o.anomaly).toBe('tunnel.too-deep');
    expect(o.encapDepth).toBe(MAX_TUNNEL_DEPTH);
    expect(o.ipProto).toBe(4); // the innermost tunnel's outer header, not the SYN
  });

  it('leaves lookalikes as plain traffic: UDP 4789 without the VXLAN I flag, PPPoE LCP, GRE version 1', () => {
    const notVxlan = vxlan(5, innerFrame());
    notVxlan[0] = 0;
    let o = decode(eth(0x0800, ipv4(17, udp(51000, 4789, notVxlan))));
    expect([o.anomaly, o.encapDepth, o.dstPort, o.ip4Src]).toEqual([null, 0, 4789, OUTER_SRC]);
    o = decode(eth(0x8864, pppoe(1, 0xc021, new Uint8Array([1, 1, 0, 4]))));
    expect([o.anomaly, o.ipVersion]).toEqual([null, 0]);
    const pptp = gre(0x880b, innerIp());
    pptp[1] = 0x01; // version 1
    o = decode(eth(0x0800, ipv4(47, pptp)));
    expect([o.anomaly, o.encapDepth, o.ipProto]).toEqual([null, 0, 47]);
  });

  it('VXLAN from source port 4789 (to VXLAN-GPE 4790, as in Arkime’s ERSPAN sample) is unwrapped only when it holds', () => {
    let o = decode(eth(0x0800, ipv4(17, udp(4789, 4790, vxlan(7, innerFrame())))));
    expect([o.anomaly, o.encapDepth, o.ip4Src, o.dstPort]).toEqual([null, 1, INNER_SRC, 2575]);
    // an ephemeral port that happens to be 4789: no I flag, or no IP inside — plain UDP, nothing flagged
    const noFlag = vxlan(7, innerFrame());
    noFlag[0] = 0;
    o = decode(eth(0x0800, ipv4(17, udp(4789, 5353, noFlag))));
    expect([o.anomaly, o.encapDepth, o.srcPort, o.ip4Src]).toEqual([null, 0, 4789, OUTER_SRC]);
    const junk = vxlan(7, new Uint8Array(40).fill(0x41));
    o = decode(eth(0x0800, ipv4(17, udp(4789, 5353, junk))));
    expect([o.anomaly, o.encapDepth, o.srcPort, o.ip4Src]).toEqual([null, 0, 4789, OUTER_SRC]);
    o = decode(eth(0x0800, ipv4(17, udp(6081, 40000, new Uint8Array([0xc0, 0, 0x65, 0x58, 0, 0, 1, 0])))));
    expect([o.anomaly, o.encapDepth, o.srcPort]).toEqual([null, 0, 6081]);
    o = decode(eth(0x0800, ipv4(17, udp(4789, 40000, new Uint8Array([0x08, 0, 0])))));
    expect([o.anomaly, o.encapDepth, o.srcPort]).toEqual([null, 0, 4789]); // short: not flagged either
  });

  it('a whole DNS answer to an ephemeral port 4789 or 6081 stays plain DNS, nothing flagged, whatever its id', () => {
    // Every DNS id: some look like a VXLAN I flag (0x08 in the first byte) or a Geneve version 0 with
    // options that run past the datagram; a resolver's answer to such a port is no tunnel.
    for (const port of [4789, 6081]) {
      for (let id = 0; id < 0x10000; id += 0x101) {
        const answer = dnsResponse(id, 'pump.vendor.example', [
          { name: 'pump.vendor.example', type: 'A', ttl: 60, data: '203.0.113.7' },
        ]);
        const o = decode(eth(0x0800, ipv4(17, udp(53, port, answer))));
        expect([o.anomaly, o.encapDepth, o.srcPort, o.dstPort, o.ip4Src], `id ${id} to ${port}`).toEqual([
          null,
          0,
          53,
          port,
          OUTER_SRC,
        ]);
      }
    }
  });

  it('names damaged headers: ERSPAN version, MPLS stack depth, PPPoE version', () => {
    const e2 = gre(0x88be, new Uint8Array(8 + 54), { seq: 1 }); // version nibble 0
    expect(decode(eth(0x0800, ipv4(47, e2))).anomaly).toBe('erspan.bad-version');
    const deep = mpls([1, 2, 3, 4, 5, 6, 7, 8, 9], innerIp());
    expect(decode(eth(0x8847, deep)).anomaly).toBe('mpls.too-many-labels');
    const bad = pppoe(1, 0x21, innerIp());
    bad[0] = 0x21;
    expect(decode(eth(0x8864, bad)).anomaly).toBe('pppoe.bad-header');
  });

  it('survives random bytes after every tunnel header (seeded fuzz)', () => {
    const r = rng(18);
    for (const f of fixtures()) {
      for (let i = 0; i < 300; i++) {
        const b = f.bytes.slice();
        const flips = 1 + Math.floor(r() * 4);
        for (let j = 0; j < flips; j++) b[14 + Math.floor(r() * (b.length - 14))] = Math.floor(r() * 256);
        const o = decode(b);
        checkBounds(o, b.length);
        expect(o.encapDepth).toBeLessThanOrEqual(MAX_TUNNEL_DEPTH);
      }
    }
  });
});

describe('tunnels in the flow engine', () => {
  it('a VXLAN-wrapped SYN is a flow between the inner hosts, the VTEPs as its tunnel', () => {
    const events: WardEvent[] = [];
    const e = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => s });
    const b = fixtures().find((f) => f.name === 'vxlan')!.bytes;
    e.packet({ ts: 1e6, linktype: 1, data: b, origLen: b.length, ifIndex: 0 });
    e.finish();
    const start = events.find((x): x is FlowStart => x.type === 'flow-start')!;
    expect(start).toMatchObject({
      src: { ip: '10.1.1.5', port: 40000, mac: '02:00:00:00:00:05' },
      dst: { ip: '10.2.2.9', port: 2575, mac: '02:00:00:00:00:09' },
      proto: 'tcp',
      tunnel: { kind: 'vxlan', src: '192.0.2.1', dst: '192.0.2.2', id: 100 },
    });
    const end = events.find((x): x is FlowEnd => x.type === 'flow-end')!;
    expect(end.tunnel).toEqual(start.tunnel);
    // The inner host is the device; the VTEP's MAC is not attributed the inner address.
    const seen = events.filter((x) => x.type === 'device-seen');
    expect(seen.map((x) => (x.type === 'device-seen' ? x.mac : ''))).toEqual([
      '02:00:00:00:00:05',
      '02:00:00:00:00:09',
    ]);
  });

  it('a DNS answer to port 6081 is a DNS answer, not a Geneve packet', () => {
    const events: WardEvent[] = [];
    const e = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => s });
    // id 0x0012: a Geneve version 0 whose 72 bytes of options would run past the answer
    const answer = dnsResponse(0x12, 'pump.vendor.example', [
      { name: 'pump.vendor.example', type: 'A', ttl: 60, data: '203.0.113.7' },
    ]);
    const b = eth(0x0800, ipv4(17, udp(53, 6081, answer)));
    e.packet({ ts: 1e6, linktype: 1, data: b, origLen: b.length, ifIndex: 0 });
    e.finish();
    expect(events.filter((x) => x.type === 'anomaly')).toEqual([]);
    expect(events.find((x) => x.type === 'dns-answer')).toMatchObject({
      query: 'pump.vendor.example',
      asker: '192.0.2.2',
    });
  });

  it('a plain flow has no tunnel key', () => {
    const events: WardEvent[] = [];
    const e = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => s });
    const b = innerFrame();
    e.packet({ ts: 1e6, linktype: 1, data: b, origLen: b.length, ifIndex: 0 });
    e.finish();
    const start = events.find((x): x is FlowStart => x.type === 'flow-start')!;
    expect(JSON.stringify(start)).not.toContain('tunnel');
  });
});
