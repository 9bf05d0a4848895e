// The outermost tunnel is part of the flow key: two VXLAN VNIs (or two ERSPAN sessions, or two GRE
// tunnels between other endpoints) carrying the same inner 5-tuple are two flows, not one; the same
// tunnel's two directions (endpoints swapped) are one flow; a plain packet with that tuple is a third.
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
  it('two VXLAN VNIs with the same inner 5-tuple are two flows, each with its VNI', () => {
    const f = flows([overVxlan(100, innerFrame()), overVxlan(200, innerFrame()), overVxlan(100, innerFrame())]);
    expect(f.length).toBe(2);
    const byVni = new Map(f.map((x) => [x.tunnel?.id, x]));
    expect(byVni.get(100)!.packets).toEqual([2, 0]);
    expect(byVni.get(200)!.packets).toEqual([1, 0]);
    for (const x of f) expect(x.src.ip).toBe('10.1.1.5');
  });

  it('two ERSPAN sessions are two flows; the same VNI between other VTEPs is another flow', () => {
    expect(flows([overErspan(33, innerFrame()), overErspan(34, innerFrame())]).length).toBe(2);
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
