// The simulator's building blocks without tshark: checksums, the TCP model's seq/ack arithmetic,
// MLLP framing round trips, PCD-01 content, and the seeded patient model.
import { describe, expect, it } from 'vitest';
import { Patient } from '../../src/sim/patient.js';
import { ack, adt, field, mllp, oru, unframe } from '../../src/decode/hl7/messages.js';
import { Rng } from '../../src/sim/rng.js';
import { Sim } from '../../src/sim/sched.js';
import { TcpConn } from '../../src/sim/tcp.js';
import { FrameBuilder, fold, host, ip4, ip4Text, sum16 } from '../../src/sim/wire.js';

const a = host('a', '02:00:00:00:00:01', '10.40.12.100');
const b = host('b', '02:00:00:00:00:02', '10.40.12.20');

/** Recompute a checksum over a frame region that includes the stored checksum: must fold to 0. */
function verifies(frame: Uint8Array, off: number, len: number, pseudo = 0): boolean {
  return fold(sum16(frame, off, len, pseudo)) === 0;
}

function pseudo(f: Uint8Array, proto: number, len: number): number {
  const dv = new DataView(f.buffer, f.byteOffset);
  return dv.getUint16(26) + dv.getUint16(28) + dv.getUint16(30) + dv.getUint16(32) + proto + len;
}

describe('wire', () => {
  it('converts addresses both ways', () => {
    expect(ip4Text(ip4('203.0.113.120'))).toBe('203.0.113.120');
    expect(ip4('255.255.255.255')).toBe(0xffffffff);
  });

  it('writes valid IPv4, UDP and TCP checksums (odd payload lengths too)', () => {
    const fb = new FrameBuilder();
    for (const n of [0, 1, 7, 100, 1460]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
      const u = fb.udp(a, b, 5000, 53, payload).slice();
      expect(verifies(u, 14, 20)).toBe(true);
      expect(verifies(u, 34, 8 + n, pseudo(u, 17, 8 + n))).toBe(true);
      const t = fb.tcp(a, b, 40000, 2575, 1000, 2000, 0x18, 64240, payload).slice();
      expect(verifies(t, 14, 20)).toBe(true);
      expect(verifies(t, 34, 20 + n, pseudo(t, 6, 20 + n))).toBe(true);
    }
  });

  it('pads ARP to the Ethernet minimum', () => {
    const fb = new FrameBuilder();
    expect(fb.arp(1, a, b.ip).length).toBe(60);
  });
});

describe('TCP model', () => {
  it('segments at the MSS and advances seq/ack, ending with FIN/ACK', () => {
    const frames: Uint8Array[] = [];
    const sim = new Sim(0, 1e9, (_t, f) => frames.push(f.slice()));
    const c = new TcpConn(sim, a, b, 40000, 2575, 1000);
    sim.at(0, (t) => {
      t = c.connect(t);
      t = c.send(t, true, new Uint8Array(4000));
      c.close(t);
    });
    sim.run();
    const segs = frames.map((f) => {
      const dv = new DataView(f.buffer);
      return {
        sport: dv.getUint16(34),
        seq: dv.getUint32(38),
        ack: dv.getUint32(42),
        flags: f[47]!,
        len: f.length - 54 - (f[47]! & 2 ? 4 : 0),
      };
    });
    const data = segs.filter((s) => s.sport === 40000 && s.len > 0);
    expect(data.map((s) => s.len)).toEqual([1460, 1460, 1080]);
    expect(data[0]!.seq).toBe(1001);
    expect(data[2]!.seq).toBe(1001 + 2920);
    const lastAck = segs.filter((s) => s.sport === 2575 && s.flags === 0x10).at(-1)!;
    expect(lastAck.ack).toBe(1001 + 4000);
    expect(segs.filter((s) => s.flags & 0x01)).toHaveLength(2);
  });
});

describe('HL7 and MLLP', () => {
  const rng = new Rng(5);
  const p = new Patient(rng, 0, 0);
  const h = {
    sendingApp: 'CMS8000',
    sendingFacility: 'WARD',
    receivingApp: 'CENTRAL',
    receivingFacility: 'WARD',
    controlId: 'C1',
  };

  it('builds PCD-01 ORU^R01 with MDC-coded vitals', () => {
    const v = p.at(60e6);
    const m = oru(h, 60e6, p.demo, 'ICU^01^A', v, 'CMS8000^CONTEC');
    expect(field(m, 'MSH', 3)).toBe('CMS8000');
    expect(field(m, 'MSH', 9)).toBe('ORU^R01^ORU_R01');
    expect(field(m, 'PV1', 3)).toBe('ICU^01^A');
    for (const code of ['150456', '149530', '147842', '150344', '151562', '150021', '150022', '150023'])
      expect(m).toContain(`|${code}^MDC_`);
    expect(p.demo.name).toMatch(/^(DOE|ROE|POE|MOE|LOE|COE|TESTPATIENT|SAMPLE)\^/);
  });

  it('frames and unframes MLLP, across arbitrary chunk boundaries', () => {
    const msgs = [adt(h, 0, 'A01', p.demo, 'ICU^01^A'), ack(h, 0, 'AE', 'C1')];
    const stream = new Uint8Array([...mllp(msgs[0]!), ...mllp(msgs[1]!)]);
    for (const cut of [1, 5, 100, stream.length - 1]) {
      const first = unframe(stream.subarray(0, cut));
      const rest = new Uint8Array([...first.rest, ...stream.subarray(cut)]);
      expect([...first.messages, ...unframe(rest).messages]).toEqual(msgs);
    }
    expect(field(msgs[1]!, 'MSA', 1)).toBe('AE');
  });
});

describe('patient model', () => {
  it('is deterministic for a seed and stays in plausible ranges while drifting', () => {
    const p1 = new Patient(new Rng(9), 0, 0);
    const p2 = new Patient(new Rng(9), 0, 0);
    const seen = new Set<number>();
    for (let t = 5e6; t < 3600e6; t += 5e6) {
      const v = p1.at(t);
      expect(p2.at(t)).toEqual(v);
      expect(v.spo2).toBeGreaterThanOrEqual(70);
      expect(v.spo2).toBeLessThanOrEqual(100);
      expect(v.hr).toBeGreaterThan(30);
      expect(v.hr).toBeLessThan(200);
      expect(v.temp).toBeGreaterThan(34);
      expect(v.temp).toBeLessThan(41);
      seen.add(v.hr);
    }
    expect(seen.size).toBeGreaterThan(5);
    // NIBP cycles: a new reading at least every 5 minutes after the first.
    expect(p1.at(3600e6).nibp!.at).toBeGreaterThan(3600e6 - 5 * 60e6);
  });
});
