// The flow engine on hand-made packets: orientation, per-protocol idle timeouts, the bound on
// the table (evictions counted), content-first dispatch, and flows it only counts.
import { describe, expect, it } from 'vitest';
import type { FlowEnd, WardEvent } from '../../src/events.js';
import { FlowEngine } from '../../src/flow/engine.js';
import { ACK, FIN, FrameBuilder, host, PSH, SYN } from '../../src/sim/wire.js';

const a = host('a', '02:00:00:00:00:0a', '10.0.0.10');
const b = host('b', '02:00:00:00:00:0b', '10.0.0.20');
const fb = new FrameBuilder();

function engine(opts: Partial<ConstructorParameters<typeof FlowEngine>[1]> = {}) {
  const events: WardEvent[] = [];
  const e = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => `h${s.length}`, ...opts });
  const feed = (ts: number, frame: Uint8Array) =>
    e.packet({ ts, linktype: 1, data: frame, origLen: frame.length, ifIndex: 0 });
  const ends = () => events.filter((x): x is FlowEnd => x.type === 'flow-end');
  return { e, events, feed, ends };
}

const enc = new TextEncoder();

describe('FlowEngine', () => {
  it('orients a TCP flow by its SYN even when the SYN-ACK is seen first', () => {
    const { e, feed, events } = engine();
    feed(1e6, fb.tcp(b, a, 80, 40000, 500, 101, SYN | ACK, 1000, null));
    feed(2e6, fb.tcp(a, b, 40000, 80, 101, 501, ACK, 1000, null));
    e.finish();
    const start = events.find((x) => x.type === 'flow-start');
    expect(start).toMatchObject({
      src: { ip: '10.0.0.10', port: 40000 },
      dst: { ip: '10.0.0.20', port: 80 },
      syn: false,
    });
  });

  it('treats the first sender as the client unless its port is a known service port', () => {
    const { e, feed, events } = engine();
    feed(1e6, fb.udp(a, b, 802, 20048, new Uint8Array(8))); // RPC client on a reserved port
    feed(1e6, fb.udp(b, a, 53, 33333, new Uint8Array(12))); // a DNS answer seen without its query
    e.finish();
    const starts = events.filter((x) => x.type === 'flow-start');
    expect(starts.map((s) => `${s.src.port}->${s.dst.port}`)).toEqual(['802->20048', '33333->53']);
  });

  it('ends idle UDP flows after 60 s and TCP flows after 5 min, with counts each way', () => {
    const { e, feed, ends } = engine();
    feed(0, fb.udp(a, b, 5000, 6000, new Uint8Array(10)));
    feed(1e6, fb.udp(b, a, 6000, 5000, new Uint8Array(10)));
    feed(2e6, fb.tcp(a, b, 41000, 443, 1, 0, SYN, 1000, null));
    feed(62e6, fb.tcp(a, b, 41000, 443, 2, 0, ACK, 1000, null)); // keeps TCP alive, UDP idle 61 s
    expect(ends().map((f) => [f.proto, f.reason, f.packets])).toEqual([['udp', 'idle', [1, 1]]]);
    feed(400e6, fb.udp(a, b, 7000, 7001, new Uint8Array(1))); // 338 s later: TCP expires too
    expect(ends().map((f) => f.proto)).toEqual(['udp', 'tcp']);
    e.finish();
    expect(ends().at(-1)).toMatchObject({ proto: 'udp', reason: 'eof' });
  });

  it('ends a TCP flow shortly after FIN both ways, with reason fin', () => {
    const { e, feed, ends } = engine();
    feed(0, fb.tcp(a, b, 41000, 80, 1, 0, SYN, 1000, null));
    feed(1e3, fb.tcp(a, b, 41000, 80, 2, 1, FIN | ACK, 1000, null));
    feed(2e3, fb.tcp(b, a, 80, 41000, 1, 3, FIN | ACK, 1000, null));
    feed(10e6, fb.udp(a, b, 1, 2, new Uint8Array(1))); // 10 s later: past the 5 s closed timeout
    expect(ends()[0]).toMatchObject({ proto: 'tcp', reason: 'fin' });
    e.finish();
  });

  it('stays within maxFlows, evicting the least recently active flow and counting it', () => {
    const { e, feed, ends } = engine({ maxFlows: 16 });
    for (let i = 0; i < 100; i++) feed(i * 1000, fb.udp(a, b, 10000 + i, 53000, new Uint8Array(4)));
    expect(e.openFlows).toBe(16);
    expect(e.stats.evicted).toBe(84);
    expect(
      ends()
        .filter((f) => f.reason === 'evicted')
        .map((f) => f.src.port),
    ).toEqual(Array.from({ length: 84 }, (_, i) => 10000 + i));
    e.finish();
    expect(e.stats.flows).toBe(100);
  });

  it('finds HL7 by content on port 515 and does not reassemble flows with no analyzer', () => {
    const { e, feed, events } = engine();
    const msg = enc.encode('\x0bMSH|^~\\&|MON|WARD|CS|WARD|20250130||ORU^R01|1|P|2.6\rPID|||123^^^H^MR||X^Y\r\x1c\r');
    feed(0, fb.tcp(a, b, 41000, 515, 100, 0, SYN, 1000, null));
    feed(1, fb.tcp(b, a, 515, 41000, 900, 101, SYN | ACK, 1000, null));
    feed(2, fb.tcp(a, b, 41000, 515, 101, 901, PSH | ACK, 1000, msg));
    feed(3, fb.tcp(a, b, 42000, 9999, 7, 0, SYN, 1000, null));
    feed(4, fb.tcp(a, b, 42000, 9999, 8, 0, PSH | ACK, 1000, enc.encode('not a protocol we know, just bytes')));
    e.finish();
    const hl7 = events.filter((x) => x.type === 'hl7-message');
    expect(hl7).toHaveLength(1);
    expect(hl7[0]).toMatchObject({ messageType: 'ORU^R01', patientHashes: ['h3'], dst: { port: 515 } });
    const apps = events.filter((x): x is FlowEnd => x.type === 'flow-end').map((f) => f.app ?? null);
    expect(apps).toEqual(['hl7', null]);
    expect(e.stats.apps.hl7).toBe(1);
  });

  it('counts damaged packets as named anomalies and keeps going', () => {
    const { e, feed } = engine();
    const good = fb.udp(a, b, 1000, 2000, new Uint8Array(4)).slice();
    const bad = good.slice();
    bad[14] = 0x43; // IHL 3: shorter than the fixed header
    feed(0, bad);
    feed(1, good);
    e.finish();
    expect(e.stats.anomalies['ipv4.bad-ihl']).toBe(1);
    expect(e.stats.flows).toBe(1);
    expect(e.stats.packets).toBe(2);
  });
});
