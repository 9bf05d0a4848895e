// The outermost tunnel is part of the flow key by its kind and its two endpoints: the same inner
// 5-tuple between other tunnel endpoints (another VTEP pair, another ERSPAN source) is another
// flow; the same tunnel's two directions (endpoints swapped) are one flow, whatever id (VNI, ERSPAN
// session) each direction carries — real taps use one id per direction (tcpdump's Geneve sample,
// test/flow/foxio-reference.test.ts), and Zeek and tshark keep that one connection; a plain packet
// with that tuple is another flow.
import { describe, expect, it } from 'vitest';
import type { FlowEnd, WardEvent } from '../../src/events.js';
import { FlowEngine } from '../../src/flow/engine.js';
import {
  eth,
  erspan2,
  gre,
  INNER_DST,
  INNER_MAC_DST,
  INNER_MAC_SRC,
  INNER_SRC,
  innerFrame,
  ipv4,
  OUTER_DST,
  OUTER_SRC,
  tcpSyn,
  udp,
  vxlan,
} from '../decode/tunnel-build.js';

/** The inner SYN of 10.2.2.9:2575 back to 10.1.1.5:40000: the other direction of the same tuple. */
const replyFrame = () => eth(0x0800, ipv4(6, tcpSyn(2575, 40000), INNER_DST, INNER_SRC), INNER_MAC_SRC, INNER_MAC_DST);
const overVxlan = (vni: number, frame: Uint8Array, src = OUTER_SRC, dst = OUTER_DST) =>
  eth(0x0800, ipv4(17, udp(51000, 4789, vxlan(vni, frame)), src, dst));
const overErspan = (session: number, frame: Uint8Array) =>
  eth(0x0800, ipv4(47, gre(0x88be, erspan2(session, frame), { seq: 1 })));

function flows(packets: Uint8Array[]): FlowEnd[] {
  const events: WardEvent[] = [];
  const e = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => s });
  for (const [i, b] of packets.entries())
    e.packet({ ts: 1e6 + i * 1000, linktype: 1, data: b, origLen: b.length, ifIndex: 0 });
  e.finish();
  return events.filter((x): x is FlowEnd => x.type === 'flow-end');
}

describe('the tunnel in the flow key', () => {
  it('one inner 5-tuple over two VNIs between the same VTEPs is one flow; its record keeps the first VNI', () => {
    const f = flows([overVxlan(100, innerFrame()), overVxlan(200, innerFrame()), overVxlan(100, replyFrame())]);
    expect(f.length).toBe(1);
    expect(f[0]!.packets).toEqual([2, 1]);
    expect(f[0]!.tunnel).toMatchObject({ kind: 'vxlan', id: 100 });
    expect(f[0]!.src.ip).toBe('10.1.1.5');
  });

  it('two ERSPAN sessions from one source are one flow; the same VNI between other VTEPs is another flow', () => {
    expect(flows([overErspan(33, innerFrame()), overErspan(34, innerFrame())]).length).toBe(1);
    const other = flows([overVxlan(100, innerFrame()), overVxlan(100, innerFrame(), 0xc0000263, OUTER_DST)]);
    expect(other.map((x) => x.tunnel?.src).sort()).toEqual(['192.0.2.1', '192.0.2.99']);
  });

  it("one tunnel's two directions (its endpoints swapped) are one flow", () => {
    const f = flows([overVxlan(100, innerFrame()), overVxlan(100, replyFrame(), OUTER_DST, OUTER_SRC)]);
    expect(f.length).toBe(1);
    expect(f[0]!.packets).toEqual([1, 1]);
  });

  it('a plain packet with the same tuple is not the tunnelled flow; plain packets still make one flow', () => {
    const f = flows([innerFrame(), overVxlan(100, innerFrame()), innerFrame(), replyFrame()]);
    expect(f.length).toBe(2);
    const plain = f.find((x) => x.tunnel === undefined)!;
    expect(plain.packets).toEqual([2, 1]);
  });
});
