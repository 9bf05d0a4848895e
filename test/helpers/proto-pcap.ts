// Test-only: small pcaps built from payloads with the simulator's frame builder, so one fixture
// can be read by tshark (field values to compare) and by the whole engine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/reader.js';
import { PcapWriter } from '../../src/capture/writer.js';
import type { WardEvent } from '../../src/events.js';
import { FlowEngine } from '../../src/flow/engine.js';
import { macBytes, parseIp6 } from '../../src/net/addr.js';
import { ACK, FrameBuilder, fold, type Host, host, PSH, SYN, sum16 } from '../../src/sim/wire.js';

export const DEV = host('dev', '02:00:00:00:00:11', '10.40.12.30');
export const SRV = host('srv', '02:00:00:00:00:22', '10.40.12.5');
export const OUT = host('out', '02:00:00:00:00:33', '203.0.113.50');

export interface Dgram {
  readonly from: Host;
  readonly to: Host;
  readonly sport: number;
  readonly dport: number;
  readonly payload: Uint8Array;
}

/** A pcap of UDP datagrams, 1 ms apart. */
export function udpPcap(dgrams: readonly Dgram[], t0 = 1_764_640_000_000_000): Uint8Array {
  const w = new PcapWriter({ linktype: 1 });
  const fb = new FrameBuilder();
  const parts = [w.header()];
  for (const [i, d] of dgrams.entries()) {
    parts.push(w.record(t0 + i * 1000, fb.udp(d.from, d.to, d.sport, d.dport, d.payload).slice()));
  }
  return Buffer.concat(parts);
}

/** A pcap of one TCP connection: handshake, then each payload from client (0) or server (1). */
export function tcpPcap(
  c: Host,
  s: Host,
  cport: number,
  sport: number,
  segs: readonly [0 | 1, Uint8Array][],
  t0 = 1_764_640_000_000_000,
): Uint8Array {
  const w = new PcapWriter({ linktype: 1 });
  const fb = new FrameBuilder();
  const parts = [w.header()];
  let t = t0;
  let cs = 1000;
  let ss = 5000;
  const push = (f: Uint8Array) => parts.push(w.record((t += 1000), f.slice()));
  push(fb.tcp(c, s, cport, sport, cs, 0, SYN, 64240, null));
  push(fb.tcp(s, c, sport, cport, ss, cs + 1, SYN | ACK, 64240, null));
  cs++;
  ss++;
  push(fb.tcp(c, s, cport, sport, cs, ss, ACK, 64240, null));
  for (const [dir, p] of segs) {
    if (dir === 0) {
      push(fb.tcp(c, s, cport, sport, cs, ss, PSH | ACK, 64240, p));
      cs += p.length;
    } else {
      push(fb.tcp(s, c, sport, cport, ss, cs, PSH | ACK, 64240, p));
      ss += p.length;
    }
  }
  return Buffer.concat(parts);
}

/** Write `bytes` to a temp file; `done()` removes it. */
export function tempPcap(bytes: Uint8Array): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ww-proto-'));
  const path = join(dir, 'x.pcap');
  writeFileSync(path, bytes);
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every event the engine emits for a capture file, and its app counts. */
export async function engineEvents(
  path: string,
): Promise<{ events: WardEvent[]; apps: Record<string, number>; anomalies: Record<string, number> }> {
  const events: WardEvent[] = [];
  const engine = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => `h(${s})` });
  await readCapture(path, (p) => engine.packet(p));
  engine.finish();
  return { events, apps: engine.stats.apps, anomalies: engine.stats.anomalies };
}

/** Decoder robustness: every prefix and a seeded fuzz of `base` decode without throwing. */
export function prefixesAndFuzz(
  base: Uint8Array,
  decode: (b: Uint8Array) => unknown,
  rnd: () => number,
  rounds = 2000,
): number {
  let n = 0;
  for (let i = 0; i <= base.length; i++) {
    decode(base.subarray(0, i));
    n++;
  }
  for (let r = 0; r < rounds; r++) {
    const m = base.slice();
    const flips = 1 + Math.floor(rnd() * 6);
    for (let k = 0; k < flips; k++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    decode(rnd() < 0.3 ? m.subarray(0, Math.floor(rnd() * m.length)) : m);
    n++;
  }
  return n;
}

export interface Dgram6 {
  readonly fromMac: string;
  readonly toMac: string;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly payload: Uint8Array;
}

/** An Ethernet/IPv6/UDP frame (hop limit 1, UDP checksum over the RFC 8200 pseudo-header). */
export function udp6Frame(d: Dgram6): Uint8Array {
  const src = parseIp6(d.src)!;
  const dst = parseIp6(d.dst)!;
  const l4 = 8 + d.payload.length;
  const f = new Uint8Array(14 + 40 + l4);
  const dv = new DataView(f.buffer);
  f.set(macBytes(d.toMac)!, 0);
  f.set(macBytes(d.fromMac)!, 6);
  dv.setUint16(12, 0x86dd);
  dv.setUint32(14, 0x60000000);
  dv.setUint16(18, l4);
  f[20] = 17;
  f[21] = 1;
  f.set(src, 22);
  f.set(dst, 38);
  dv.setUint16(54, d.sport);
  dv.setUint16(56, d.dport);
  dv.setUint16(58, l4);
  f.set(d.payload, 62);
  let sum = 0;
  for (let i = 22; i < 54; i += 2) sum += dv.getUint16(i);
  sum += l4 + 17;
  const c = fold(sum16(f, 54, l4, sum));
  dv.setUint16(60, c === 0 ? 0xffff : c);
  return f;
}

/** A pcap of IPv6 UDP datagrams, 1 ms apart. */
export function udp6Pcap(dgrams: readonly Dgram6[], t0 = 1_764_640_000_000_000): Uint8Array {
  const w = new PcapWriter({ linktype: 1 });
  const parts = [w.header()];
  for (const [i, d] of dgrams.entries()) parts.push(w.record(t0 + i * 1000, udp6Frame(d)));
  return Buffer.concat(parts);
}
