// The run's budget for bytes held across flows (src/flow/budget.ts): out-of-order TCP segments,
// HL7 frames spanning segments and DICOM PDUs together never hold more than it, a holder refused
// does what its own bound does (skip the hole, drop the frame or PDU) with the anomaly
// `stream.memcap`, the flow's later data is still read, and everything goes back when flows end.
import { describe, expect, it } from 'vitest';
import { frameMllp } from '../../src/decode/hl7/mllp.js';
import type { RpcCall, WardEvent } from '../../src/events.js';
import type { Dir, FlowContext, TcpAppFactory } from '../../src/flow/app.js';
import { dicomApp } from '../../src/flow/apps/dicom.js';
import { dnsTcpApp } from '../../src/flow/apps/dns.js';
import { httpApp } from '../../src/flow/apps/http.js';
import { rpcTcpApp, rpcUdpApp } from '../../src/flow/apps/rpc.js';
import { syslogTcpApp } from '../../src/flow/apps/syslog.js';
import { tlsApp } from '../../src/flow/apps/tls.js';
import { bannerApp } from '../../src/flow/apps/banner.js';
import { mqttApp } from '../../src/flow/apps/mqtt.js';
import { rdpApp, vncApp } from '../../src/flow/apps/remote.js';
import { smbApp } from '../../src/flow/apps/smb.js';
import { mqttConnack, mqttConnect, mqttPublish } from '../../src/decode/mqtt-encode.js';
import {
  rdpConnectionConfirm,
  rdpConnectionRequest,
  rfbVersionLine,
  vncSecurityTypes,
} from '../../src/decode/remote-encode.js';
import { SMB } from '../decode/lan/fixtures.js';
import { l4Payloads, type TcpConn, tcpConns } from '../decode/app-payloads.js';
import { capture } from '../helpers/paths.js';
import { fakeCtx } from './apps/fake-ctx.js';
import { DEFAULT_MAX_BUFFERED } from '../../src/flow/budget.js';
import { FlowEngine } from '../../src/flow/engine.js';
import { ACK, FrameBuilder, type Host, host, SYN } from '../../src/sim/wire.js';
import { ASSOCIATE_RQ } from '../fixtures/medical/dicom-pdus.js';
import { fakeContext } from '../fixtures/medical/fake-context.js';

const MiB = 2 ** 20;
const fb = new FrameBuilder();
const enc = new TextEncoder();
const server = host('lis', '02:00:00:00:00:01', '10.40.12.20');
const client = (i: number): Host =>
  host(`m${i}`, `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`, `10.40.13.${i + 10}`);
const hl7 = (id: number) =>
  frameMllp(
    `MSH|^~\\&|MON|ICU|LIS|LAB|20250130080000||ORU^R01|C${id}|P|2.6\rPID|||MRN${id}\rOBX|1|NM|8867-4^HR^LN||72|/min\r`,
  );

/** An engine whose budget is `limit`, and a feed that checks the budget after every packet. */
function run(limit: number) {
  const events: WardEvent[] = [];
  const e = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => `h${s.length}`, maxBuffered: limit });
  let ts = Date.UTC(2025, 0, 30, 8) * 1000;
  let peak = 0;
  const feed = (frame: Uint8Array) => {
    e.packet({ ts: ts++, linktype: 1, data: frame, origLen: frame.length, ifIndex: 0 });
    expect(e.buffers.used).toBeLessThanOrEqual(limit);
    expect(e.buffers.used).toBeGreaterThanOrEqual(0);
    peak = Math.max(peak, e.buffers.used);
  };
  const handshake = (c: Host, sport: number) => {
    feed(fb.tcp(c, server, sport, 2575, 1000, 0, SYN, 65535, null));
    feed(fb.tcp(server, c, 2575, sport, 5000, 1001, SYN | ACK, 65535, null));
    feed(fb.tcp(c, server, sport, 2575, 1001, 5001, ACK, 65535, null));
  };
  const data = (c: Host, sport: number, seq: number, payload: Uint8Array) =>
    feed(fb.tcp(c, server, sport, 2575, seq, 5001, ACK, 65535, payload));
  const messages = () => events.filter((x) => x.type === 'hl7-message');
  return { e, events, feed, handshake, data, messages, peak: () => peak };
}

describe('the budget for held bytes', () => {
  it('is 64 MiB unless told', () => {
    const e = new FlowEngine(() => {}, { hashPatientId: (s) => s });
    expect(e.buffers.limit).toBe(DEFAULT_MAX_BUFFERED);
    expect(DEFAULT_MAX_BUFFERED).toBe(64 * MiB);
  });

  it('bounds the out-of-order bytes of all flows together; a refused flow waits for no hole and its later messages are read', () => {
    const r = run(MiB);
    const flows = 20;
    const segs = 100; // 140 kB out of order a flow (under its own 256 KiB), 2.8 MB in all
    const filler = new Uint8Array(1400).fill(0x41);
    for (let i = 0; i < flows; i++) r.handshake(client(i), 20000 + i);
    // Every flow loses its first 1400 bytes, then sends on: out of order until the hole is given up.
    for (let k = 1; k <= segs; k++)
      for (let i = 0; i < flows; i++) r.data(client(i), 20000 + i, 1001 + k * 1400, filler);
    expect(r.peak()).toBeGreaterThan(MiB - 1400);
    expect(r.e.stats.anomalies['stream.memcap']).toBeGreaterThan(0);
    expect(r.e.buffers.refusals).toBe(r.e.stats.anomalies['stream.memcap']);
    // Then each sends one HL7 message in order: every flow's is read, refused or not.
    for (let i = 0; i < flows; i++) r.data(client(i), 20000 + i, 1001 + (segs + 1) * 1400, hl7(i));
    r.e.finish();
    expect(r.messages()).toHaveLength(flows);
    expect(r.e.buffers.used).toBe(0);
  });

  it('drops an HL7 frame it cannot hold (the next one is read) and lets a big frame buffer go once its frame is out', () => {
    const r = run(MiB);
    const flows = 4;
    // Each flow opens a frame of ~400 kB in 1400-byte segments: 1.6 MB in all, past the budget.
    const body = `MSH|^~\\&|MON|ICU|LIS|LAB|20250130080000||ORU^R01|BIG|P|2.6\rOBX|1|ED|PDF^Report||${'A'.repeat(400_000)}\r`;
    const frame = frameMllp(body);
    const seq = new Array<number>(flows).fill(1001);
    for (let i = 0; i < flows; i++) r.handshake(client(i), 30000 + i);
    for (let off = 0; off < frame.length; off += 1400)
      for (let i = 0; i < flows; i++) {
        const part = frame.subarray(off, Math.min(frame.length, off + 1400));
        r.data(client(i), 30000 + i, seq[i]!, part);
        seq[i]! += part.length;
      }
    const refused = r.e.stats.anomalies['stream.memcap'] ?? 0;
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(flows); // some frames fit
    const big = r.messages().length;
    expect(big).toBe(flows - refused);
    // Every frame is out (or dropped): the buffers over 64 KiB were let go, nothing is held.
    expect(r.e.buffers.used).toBe(0);
    for (let i = 0; i < flows; i++) r.data(client(i), 30000 + i, seq[i]!, hl7(100 + i));
    expect(r.messages()).toHaveLength(big + flows);
    r.e.finish();
    expect(r.e.buffers.used).toBe(0);
  });

  it('gives back what a flow held when it ends early (evicted from a full flow table)', () => {
    const events: WardEvent[] = [];
    const e = new FlowEngine((ev) => events.push(ev), { hashPatientId: (s) => s, maxFlows: 16, maxBuffered: MiB });
    let ts = 1e12;
    const feed = (f: Uint8Array) => e.packet({ ts: ts++, linktype: 1, data: f, origLen: f.length, ifIndex: 0 });
    const filler = new Uint8Array(1000).fill(0x42);
    for (let i = 0; i < 64; i++) {
      const c = client(i);
      feed(fb.tcp(c, server, 40000 + i, 2575, 1, 0, SYN, 65535, null));
      feed(fb.tcp(c, server, 40000 + i, 2575, 5000, 0, ACK, 65535, filler)); // past a hole: held
    }
    expect(e.stats.evicted).toBe(48);
    expect(e.buffers.used).toBe(16 * 1000); // the 16 open flows' segments, no more
    e.finish();
    expect(e.buffers.used).toBe(0);
    expect(e.stats.anomalies['stream.memcap']).toBeUndefined();
  });
});

describe('bytes kept while probing which application a flow is', () => {
  // Port 40000 names nothing; the client speaks and the server stays silent, so every probe waits
  // for more (up to 2 KiB a direction) and keeps copies of what it saw.
  const open = (r: ReturnType<typeof run>, i: number, payload: Uint8Array) => {
    const c = client(i);
    r.feed(fb.tcp(c, server, 20000 + i, 40000, 1000, 0, SYN, 65535, null));
    r.feed(fb.tcp(server, c, 40000, 20000 + i, 5000, 1001, SYN | ACK, 65535, null));
    r.feed(fb.tcp(c, server, 20000 + i, 40000, 1001, 5001, ACK, 65535, payload));
  };

  it('come from the budget: past it a flow stops probing at once (by its port) with stream.memcap', () => {
    const r = run(4500);
    const payload = new Uint8Array(1000).fill(0x41);
    for (let i = 0; i < 10; i++) open(r, i, payload);
    // Four flows' copies fit in 4500 bytes; the other six were refused and decided.
    expect(r.e.buffers.used).toBe(4000);
    expect(r.e.stats.anomalies['stream.memcap']).toBe(6);
    expect(r.e.buffers.refusals).toBe(6);
    r.e.finish();
    expect(r.e.buffers.used).toBe(0);
    const ends = r.events.filter((x) => x.type === 'flow-end');
    expect(ends).toHaveLength(10);
  });

  it('are given back when the flow is decided or ends', () => {
    const r = run(MiB);
    open(r, 1, new Uint8Array(1000).fill(0x41));
    expect(r.e.buffers.used).toBe(1000); // undecided: the copy is held
    // A request split after two bytes: the probes wait for the rest, then HTTP reads it whole.
    open(r, 2, enc.encode('GE'));
    expect(r.e.buffers.used).toBe(1002);
    r.feed(
      fb.tcp(client(2), server, 20002, 40000, 1003, 5001, ACK, 65535, enc.encode('T / HTTP/1.1\r\nHost: lis\r\n\r\n')),
    );
    expect(r.events.filter((x) => x.type === 'http-request')).toHaveLength(1);
    expect(r.e.buffers.used).toBe(1000);
    r.e.finish();
    expect(r.e.buffers.used).toBe(0);
  });
});

describe('DICOM under the budget', () => {
  const modality = { ip: '10.2.0.17', port: 50123 };
  const pacs = { ip: '10.2.0.2', port: 104 };
  it('an association PDU the budget cannot hold is skipped, not kept; one it can is read and given back', () => {
    for (const grant of [false, true]) {
      const rec = fakeContext('tcp', modality, pacs);
      let held = 0;
      const ctx = {
        ...rec.ctx,
        reserve: (n: number) => {
          if (n > 0 && !grant) return false;
          held += n;
          return true;
        },
      };
      const app = dicomApp.create(ctx);
      app.data(0, ASSOCIATE_RQ, 1);
      app.end(2);
      const assocs = rec.events.filter((e) => e.type === 'dicom-association');
      expect(assocs).toHaveLength(grant ? 1 : 0);
      expect(held).toBe(0);
    }
  });
});

describe('analyzers give back what they hold once they let it go', () => {
  /** A context whose budget is a ledger: what the analyzer holds now, and the most it held. */
  function ledger(ctx: FlowContext) {
    const l = { now: 0, max: 0, negative: false };
    const c: FlowContext = {
      ...ctx,
      reserve: (n) => {
        l.now += n;
        if (l.now < 0) l.negative = true;
        l.max = Math.max(l.max, l.now);
        return true;
      },
    };
    return { c, l };
  }

  /** Feed a conversation one byte at a time (every message then spans calls), without ending it. */
  function feed(app: TcpAppFactory, conn: TcpConn) {
    const rec = fakeCtx('tcp', conn.client, conn.server);
    const { c, l } = ledger(rec.ctx);
    const a = app.create(c);
    for (const ch of conn.chunks) {
      if (ch.gap) a.gap(ch.dir as Dir, ch.gap, ch.ts);
      else for (let i = 0; i < ch.bytes.length; i++) a.data(ch.dir as Dir, ch.bytes.subarray(i, i + 1), ch.ts);
    }
    return { l, events: rec.events };
  }

  it.each([
    ['tls', tlsApp, capture('tls-chrome-34-google.pcap'), 'tls-hello'],
    ['http', httpApp, capture('http-get.pcap'), 'http-request'],
  ])('%s: holds while a message spans calls, nothing once it is read', (_name, app, file, event) => {
    const conns = tcpConns(file).filter((c) => c.chunks.length > 0);
    expect(conns.length).toBeGreaterThan(0);
    const r = feed(app, conns[0]!);
    expect(r.events.some((e) => e.type === event)).toBe(true);
    expect(r.l.max).toBeGreaterThan(0);
    expect(r.l.negative).toBe(false);
    expect(r.l.now).toBe(0);
  });

  it.each([
    ['dns over TCP', dnsTcpApp, tcpDns(), 'dns-query'],
    [
      'syslog over TCP',
      syslogTcpApp,
      enc.encode('<34>1 2025-01-30T08:00:00Z mon01 app - - - hello\n'),
      'syslog-message',
    ],
  ])('%s: holds while a message spans calls, nothing once it is read', (_name, app, bytes, event) => {
    const conn: TcpConn = {
      client: { ip: '10.0.0.5', port: 40000 },
      server: { ip: '10.0.0.9', port: 53 },
      chunks: [{ dir: 0, ts: 1, bytes }],
    };
    const r = feed(app, conn);
    expect(r.events.some((e) => e.type === event)).toBe(true);
    expect(r.l.max).toBeGreaterThan(0);
    expect(r.l.negative).toBe(false);
    expect(r.l.now).toBe(0);
  });
});

describe('the analyzers that kept a few hundred bytes to 4 KiB a flow outside the budget', () => {
  const conn = (port: number, turns: [Dir, Uint8Array][]): TcpConn => ({
    client: { ip: '10.40.12.150', port: 50000 },
    server: { ip: '10.40.12.62', port },
    chunks: turns.map(([dir, bytes], i) => ({ dir, ts: i + 1, bytes })),
  });
  const cases: [string, TcpAppFactory, TcpConn, string][] = [
    [
      'mqtt',
      mqttApp,
      conn(1883, [
        [0, mqttConnect({ protocol: '3.1.1', clientId: 'spo2-bed12' })],
        [1, mqttConnack(0)],
        [0, mqttPublish('ward3/bed12/spo2', enc.encode('{"spo2":97}'))],
      ]),
      'mqtt-message',
    ],
    [
      'smb',
      smbApp,
      conn(445, [
        [0, SMB.smb2NegReq],
        [1, SMB.smb2NegResp],
      ]),
      'smb-negotiate',
    ],
    [
      'rdp',
      rdpApp,
      conn(3389, [
        [0, rdpConnectionRequest('fictional-user', ['tls', 'credssp'])],
        [1, rdpConnectionConfirm('credssp')],
      ]),
      'remote-access',
    ],
    [
      'vnc',
      vncApp,
      conn(5900, [
        [1, rfbVersionLine(3, 8)],
        [0, rfbVersionLine(3, 8)],
        [1, vncSecurityTypes([1, 2])],
        [0, Uint8Array.of(2)],
      ]),
      'remote-access',
    ],
    [
      'ftp (banner, then the control lines)',
      bannerApp,
      conn(21, [
        [1, enc.encode('220 Ward FTP server ready\r\n')],
        [0, enc.encode('USER anonymous\r\n')],
        [1, enc.encode('331 Password required\r\n')],
        [0, enc.encode('RETR report-0130.pdf\r\n')],
      ]),
      'file-transfer',
    ],
  ];

  it.each(cases)(
    '%s: holds from the budget while a message spans calls, nothing once it is read',
    (_n, app, c, event) => {
      const rec = fakeCtx('tcp', c.client, c.server);
      const l = { now: 0, max: 0, negative: false };
      const a = app.create({
        ...rec.ctx,
        reserve: (n) => {
          l.now += n;
          if (l.now < 0) l.negative = true;
          l.max = Math.max(l.max, l.now);
          return true;
        },
      });
      for (const ch of c.chunks)
        for (let i = 0; i < ch.bytes.length; i++) a.data(ch.dir as Dir, ch.bytes.subarray(i, i + 1), ch.ts);
      expect(rec.events.some((e) => e.type === event)).toBe(true);
      expect(l.max).toBeGreaterThan(0);
      expect(l.negative).toBe(false);
      expect(l.now).toBe(0);
    },
  );

  it.each(cases)('%s: refused, it holds nothing and nothing throws', (_n, app, c) => {
    const rec = fakeCtx('tcp', c.client, c.server);
    let asked = 0;
    let held = 0;
    const a = app.create({
      ...rec.ctx,
      reserve: (n) => {
        if (n > 0) {
          asked++;
          return false;
        }
        held += n;
        return true;
      },
    });
    for (const ch of c.chunks)
      for (let i = 0; i < ch.bytes.length; i++) a.data(ch.dir as Dir, ch.bytes.subarray(i, i + 1), ch.ts);
    a.end(99);
    expect(asked).toBeGreaterThan(0);
    expect(held).toBe(0); // nothing given back that was never taken
  });
});

/** One DNS query (A example.com) with its TCP length prefix. */
function tcpDns(): Uint8Array {
  const q = [
    0x12,
    0x34,
    0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    7,
    ...enc.encode('example'),
    3,
    ...enc.encode('com'),
    0,
    0,
    1,
    0,
    1,
  ];
  return new Uint8Array([q.length >> 8, q.length & 255, ...q]);
}

describe('RPC under the budget', () => {
  const conn = () => {
    const c = tcpConns(capture('rpc-nfs-write.pcap')).find((x) => x.chunks.length > 0);
    expect(c).toBeDefined();
    return c!;
  };
  const run = (reserve: ((n: number) => boolean) | undefined) => {
    const c = conn();
    const rec = fakeCtx('tcp', c.client, c.server);
    const app = rpcTcpApp.create(reserve === undefined ? rec.ctx : { ...rec.ctx, reserve });
    for (const ch of c.chunks) {
      if (ch.gap) app.gap(ch.dir as Dir, ch.gap, ch.ts);
      else app.data(ch.dir as Dir, ch.bytes, ch.ts);
    }
    app.end(c.chunks.at(-1)!.ts);
    return rec.events.filter((e): e is RpcCall => e.type === 'rpc-call');
  };

  it('granted, the calls and replies are as without a budget; every call is given back, only head buffers stay', () => {
    const plain = run(undefined);
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.some((c) => c.reply !== undefined)).toBe(true);
    let now = 0;
    let max = 0;
    const calls = run((n) => {
      now += n;
      max = Math.max(max, now);
      return true;
    });
    expect(calls).toEqual(plain);
    expect(max).toBeGreaterThan(0);
    // What is left is the two directions' head buffers, grown as needed (8 KiB each at most).
    expect(now).toBeGreaterThanOrEqual(0);
    expect(now).toBeLessThanOrEqual(2 * 8192);
  });

  it('refused, the flow holds nothing and nothing throws', () => {
    let now = 0;
    const calls = run((n) => {
      if (n > 0) return false;
      now += n;
      return true;
    });
    expect(now).toBe(0);
    expect(calls).toEqual([]); // the record heads could not be kept: the directions stopped
  });
});

describe('RPC calls waiting for their replies', () => {
  /** The UDP RPC datagrams of rpc-mount-base.pcap, as one flow per port pair would see them. */
  const run = (grant: boolean) => {
    const udp = l4Payloads(capture('rpc-mount-base.pcap')).filter((p) => p.proto === 'udp');
    expect(udp.length).toBeGreaterThan(0);
    const client = { ip: udp[0]!.src, port: udp[0]!.sport };
    const rec = fakeCtx('udp', client, { ip: udp[0]!.dst, port: udp[0]!.dport });
    let now = 0;
    const app = rpcUdpApp.create({
      ...rec.ctx,
      reserve: (n) => {
        if (n > 0 && !grant) return false;
        now += n;
        return true;
      },
    });
    for (const p of udp) {
      if (p.sport !== client.port && p.dport !== client.port) continue;
      app.datagram(p.src === client.ip && p.sport === client.port ? 0 : 1, p.payload, p.ts);
    }
    const before = now;
    app.end(udp.at(-1)!.ts);
    return { calls: rec.events.filter((e): e is RpcCall => e.type === 'rpc-call'), before, after: now };
  };

  it('hold the budget until answered; refused, each is told at once without its reply', () => {
    const granted = run(true);
    const refused = run(false);
    expect(granted.calls.length).toBeGreaterThan(0);
    expect(granted.calls.some((c) => c.reply !== undefined)).toBe(true);
    expect(granted.after).toBe(0);
    expect(refused.before).toBe(0);
    const xids = (cs: RpcCall[]) => cs.map((c) => c.xid).sort((x, y) => x - y);
    expect(xids(refused.calls)).toEqual(xids(granted.calls));
    expect(refused.calls.every((c) => c.reply === undefined)).toBe(true);
  });
});
