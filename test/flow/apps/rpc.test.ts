import { describe, expect, it } from 'vitest';
import type { RpcCall } from '../../../src/events.js';
import { probeRpcTcp, probeRpcUdp, RPC_MAX_PENDING, rpcTcpApp, rpcUdpApp } from '../../../src/flow/apps/rpc.js';
import { concat } from '../../fixtures/medical/hex.js';
import { fakeContext, type Recorder } from '../../fixtures/medical/fake-context.js';
import { pcapFlows, type TestFlow } from '../../fixtures/medical/pcap-flows.js';
import {
  DUMP_CALL,
  DUMP_REPLY,
  GETADDR_CALL,
  GETADDR_REPLY,
  GETPORT_CALL,
  GETPORT_REPLY,
  MNT_CALL,
  MNT_REPLY,
  NFS3_LOOKUP_CALL,
  recordMark,
} from '../../fixtures/medical/rpc-messages.js';
import { capture } from '../../helpers/paths.js';

const calls = (r: Recorder) => r.events.filter((e): e is RpcCall => e.type === 'rpc-call');
const monitor = { ip: '10.1.3.21', port: 800 };
const ioc = { ip: '202.114.4.119', port: 111 };

/** Feed one flow of a capture to the RPC analyzer for its transport. */
function run(f: TestFlow): Recorder {
  const rec = fakeContext(f.proto, f.client, f.server);
  if (f.proto === 'udp') {
    const app = rpcUdpApp.create(rec.ctx);
    for (const p of f.packets) app.datagram(p.dir, p.payload, p.ts);
    app.end(0);
  } else {
    const app = rpcTcpApp.create(rec.ctx);
    for (const p of f.packets) app.data(p.dir, p.payload, p.ts);
    app.end(0);
  }
  return rec;
}

function runCapture(name: string) {
  const recs = pcapFlows(capture(name)).map((f) => ({ f, rec: run(f) }));
  return { recs, calls: recs.flatMap((x) => calls(x.rec)), anomalies: recs.flatMap((x) => x.rec.anomalies) };
}

describe('rpc analyzers on the shared captures', () => {
  it('rpc-mount-unmount.pcap (UDP): MOUNT /export, program 100005', () => {
    const { recs, calls: cs, anomalies } = runCapture('rpc-mount-unmount.pcap');
    for (const { f } of recs) expect(probeRpcUdp(f.packets[0]!.payload)).toBe('yes');
    expect(cs.map((c) => `${c.progName} ${c.procName} ${c.path ?? ''}`.trim())).toEqual([
      'mount NULL',
      'mount NULL',
      'mount MNT /export',
      'mount NULL',
      'mount UMNT /export',
    ]);
    expect(new Set(cs.map((c) => c.prog))).toEqual(new Set([100005]));
    expect(cs.every((c) => c.reply?.accepted && c.reply.status === 0 && c.transport === 'udp')).toBe(true);
    expect(cs[2]).toMatchObject({
      src: { ip: '192.168.122.1', port: 940 },
      dst: { ip: '192.168.122.219', port: 20048 },
      vers: 3,
      proc: 1,
    });
    expect(anomalies).toEqual([]);
  });

  it('rpc-mount-base.pcap: MOUNT /pddevbal801 over UDP, 36 NFS calls over TCP', () => {
    const { calls: cs, anomalies } = runCapture('rpc-mount-base.pcap');
    expect([...new Set(cs.filter((c) => c.path && c.prog === 100005).map((c) => c.path))]).toEqual(['/pddevbal801']);
    expect(new Set(cs.map((c) => c.prog))).toEqual(new Set([100003, 100005]));
    const nfs = cs.filter((c) => c.prog === 100003);
    expect(nfs).toHaveLength(36);
    expect(nfs.every((c) => c.transport === 'tcp' && c.reply !== undefined)).toBe(true);
    expect(nfs.filter((c) => c.procName === 'MKDIR').map((c) => c.path)).toEqual(['bro-nfs']);
    expect(nfs.filter((c) => c.procName === 'LOOKUP').map((c) => c.reply?.status)).toEqual([2, 2, 2, 2, 2]); // NFS3ERR_NOENT: each name looked up before it is created
    expect(anomalies).toEqual([]);
  });

  it('rpc-nfs-write.pcap: GETPORT teaches ports; 45 NFS calls (tshark counts 44 frames: one carries two calls)', () => {
    const { recs, calls: cs, anomalies } = runCapture('rpc-nfs-write.pcap');
    expect(new Set(cs.map((c) => c.prog))).toEqual(new Set([100000, 100003, 100005, 100227]));
    expect(cs.filter((c) => c.prog === 100003)).toHaveLength(45);
    expect(cs.filter((c) => c.procName === 'WRITE')).toHaveLength(1);
    expect([...new Set(cs.filter((c) => c.prog === 100005 && c.path).map((c) => c.path))]).toEqual(['/export']);
    const getport = cs.filter((c) => c.procName === 'GETPORT');
    expect(getport.map((c) => [c.transport, c.lookupProg, c.reply?.port])).toEqual([
      ['tcp', 100003, 2049],
      ['udp', 100005, 20048],
      ['tcp', 100003, 2049],
      ['udp', 100005, 20048],
    ]);
    expect(recs.flatMap((x) => x.rec.learned)).toContainEqual({
      ip: '192.168.122.219',
      port: 20048,
      proto: 'udp',
      prog: 100005,
    });
    expect(recs.reduce((n, x) => n + (x.rec.counts.rpc ?? 0), 0)).toBe(cs.length);
    expect(anomalies).toEqual([]);
  });
});

describe('rpc analyzers on fixtures', () => {
  it('probes TCP and UDP by content', () => {
    expect(probeRpcTcp(concat(recordMark(GETPORT_CALL.length, true), GETPORT_CALL))).toBe('yes');
    expect(probeRpcTcp(recordMark(40, true))).toBe('more');
    expect(probeRpcTcp(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe('no');
    expect(probeRpcUdp(GETPORT_CALL)).toBe('yes');
    expect(probeRpcUdp(GETPORT_REPLY)).toBe('more');
    expect(probeRpcUdp(new Uint8Array(48))).toBe('no');
    expect(rpcTcpApp.ports).toEqual([111, 2049]);
    expect(rpcUdpApp.ports).toEqual([111, 2049]);
  });

  it('GETPORT over TCP: learns the port from the reply, src is the caller', () => {
    const rec = fakeContext('tcp', monitor, ioc);
    const app = rpcTcpApp.create(rec.ctx);
    app.data(0, concat(recordMark(GETPORT_CALL.length, true), GETPORT_CALL), 10);
    app.data(1, concat(recordMark(GETPORT_REPLY.length, true), GETPORT_REPLY), 20);
    expect(calls(rec)).toEqual([
      {
        type: 'rpc-call',
        ts: 10,
        flowId: 7,
        src: monitor,
        dst: ioc,
        transport: 'tcp',
        xid: 0x12345678,
        prog: 100000,
        progName: 'portmap',
        vers: 2,
        proc: 3,
        procName: 'GETPORT',
        reply: { accepted: true, status: 0, port: 20048 },
        lookupProg: 100005,
      },
    ]);
    expect(rec.learned).toEqual([{ ip: ioc.ip, port: 20048, proto: 'udp', prog: 100005 }]);
  });

  it('learns ports from DUMP entries and rpcbind GETADDR universal addresses', () => {
    const rec = fakeContext('udp', monitor, { ip: '10.0.0.9', port: 111 });
    const app = rpcUdpApp.create(rec.ctx);
    app.datagram(0, DUMP_CALL, 1);
    app.datagram(1, DUMP_REPLY, 2);
    app.datagram(0, GETADDR_CALL, 3);
    app.datagram(1, GETADDR_REPLY, 4);
    expect(rec.learned).toEqual([
      { ip: '10.0.0.9', port: 111, proto: 'tcp', prog: 100000 },
      { ip: '10.0.0.9', port: 20048, proto: 'udp', prog: 100005 },
      { ip: '10.0.0.9', port: 2049, proto: 'tcp', prog: 100003 },
    ]);
    expect(calls(rec).map((c) => [c.procName, c.lookupProg, c.reply?.port])).toEqual([
      ['DUMP', undefined, undefined],
      ['GETADDR', 100003, 2049],
    ]);
  });

  it('emits unanswered calls at end, reports MNT status and xid reuse', () => {
    const rec = fakeContext('udp', monitor, { ip: ioc.ip, port: 20048 });
    const app = rpcUdpApp.create(rec.ctx);
    app.datagram(0, MNT_CALL, 1);
    app.datagram(0, MNT_CALL, 2); // retransmission: not a new call
    app.datagram(1, MNT_REPLY, 3);
    app.datagram(0, NFS3_LOOKUP_CALL, 4);
    const reused = NFS3_LOOKUP_CALL.slice();
    reused[23] = 1; // same xid 99, now GETATTR
    app.datagram(0, reused, 5);
    app.end(6);
    expect(calls(rec).map((c) => [c.procName, c.path, c.reply?.status])).toEqual([
      ['MNT', '/export', 13],
      ['LOOKUP', 'boot.sh', undefined],
      ['GETATTR', undefined, undefined],
    ]);
    expect(rec.anomalies.map((a) => a.code)).toEqual(['rpc.xid-reuse']);
    expect(rec.counts).toEqual({ rpc: 3 });
  });

  it('bounds the pending table and survives hostile streams', () => {
    const rec = fakeContext('udp');
    const app = rpcUdpApp.create(rec.ctx);
    for (let i = 0; i < RPC_MAX_PENDING + 10; i++) {
      const c = GETPORT_CALL.slice();
      c.set([0, 0, i >> 8, i & 0xff], 0);
      app.datagram(0, c, i);
    }
    expect(calls(rec)).toHaveLength(10); // the 10 oldest were pushed out without a reply
    app.end(0);
    expect(calls(rec)).toHaveLength(RPC_MAX_PENDING + 10);

    const t = fakeContext('tcp');
    const s = rpcTcpApp.create(t.ctx);
    s.data(0, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3), 1);
    s.data(0, new Uint8Array(1 << 20), 2);
    s.end(3);
    expect(t.anomalies.map((a) => a.code)).toEqual(['rpc.fragment-too-long']);
  });
});
