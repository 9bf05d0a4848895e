// ONC-RPC analyzers (TCP with record marking, UDP one message a datagram). Calls wait in a
// bounded per-flow table until their reply (matched by xid, RFC 5531 §9) and become one
// `rpc-call` each; portmapper answers teach the engine which dynamic ports serve MOUNT/NFS.

import type { Endpoint, RpcCall } from '../../events.js';
import { decodeRpc, RecordReassembler, type RpcAnomaly, type RpcReplyHeader, u32 } from '../../decode/rpc/rpc.js';
import { PROG_PORTMAP, plausibleProg, procName, progName } from '../../decode/rpc/names.js';
import { decodeCallArgs, decodeReplyResult, type RpcCallInfo } from '../../decode/rpc/programs.js';
import type { DatagramApp, Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory, UdpAppFactory } from '../app.js';
import { OldestFirst } from '../../net/oldest.js';

/** Calls awaiting a reply per flow; the oldest is emitted unanswered when full. */
export const RPC_MAX_PENDING = 256;
/**
 * What one unanswered call costs the run's budget for held bytes (flow/budget.ts): the entry,
 * its decoded arguments and its map slot, about. 256 a flow × 65 536 flows would be gigabytes.
 */
const PENDING_COST = 256;

interface Pending {
  readonly xid: number;
  readonly dir: Dir;
  readonly ts: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly info: RpcCallInfo;
}

/** The call/reply pairing shared by the TCP and UDP analyzers. */
class RpcSession {
  /** Keyed by xid * 2 + direction of the call, so each side may also act as a client. */
  private readonly pending = new Map<number, Pending>();
  private readonly pendingOldest = new OldestFirst(this.pending);

  constructor(
    private readonly ctx: FlowContext,
    private readonly transport: 'tcp' | 'udp',
  ) {}

  message(dir: Dir, b: Uint8Array, end: number, ts: number): void {
    const r = decodeRpc(b, 0, end);
    if (r.kind === 'not') return;
    if (r.kind === 'anomaly') {
      this.ctx.anomaly(r.code, ts);
      return;
    }
    const m = r.msg;
    if (m.kind === 'reply') {
      this.reply(dir, m, b, end);
      return;
    }
    const key = m.xid * 2 + dir;
    const old = this.pending.get(key);
    if (old) {
      // Same procedure again: a retransmission (normal over UDP). Anything else reuses the xid.
      if (old.prog === m.prog && old.vers === m.vers && old.proc === m.proc) return;
      this.ctx.anomaly('rpc.xid-reuse', ts, `xid ${m.xid}`);
      this.pending.delete(key);
      this.emit(old);
      this.ctx.reserve?.(-PENDING_COST, ts);
    } else if (this.pending.size >= RPC_MAX_PENDING) {
      const oldest = this.pendingOldest.take();
      if (oldest !== undefined) {
        this.emit(oldest[1]);
        this.ctx.reserve?.(-PENDING_COST, ts);
      }
    }
    const info = decodeCallArgs(m.prog, m.vers, m.proc, b, m.argOff, end);
    const call: Pending = { xid: m.xid, dir, ts, prog: m.prog, vers: m.vers, proc: m.proc, info };
    // The run's budget is spent (stream.memcap): the call is told now, without waiting for its reply.
    if (this.ctx.reserve?.(PENDING_COST, ts) === false) this.emit(call);
    else this.pending.set(key, call);
  }

  end(): void {
    for (const p of this.pending.values()) this.emit(p);
    if (this.pending.size > 0) this.ctx.reserve?.(-PENDING_COST * this.pending.size, 0);
    this.pending.clear();
  }

  private reply(dir: Dir, m: RpcReplyHeader, b: Uint8Array, end: number): void {
    const key = m.xid * 2 + (dir === 0 ? 1 : 0);
    const call = this.pending.get(key);
    if (!call) return;
    this.pending.delete(key);
    this.ctx.reserve?.(-PENDING_COST, call.ts);
    const res = m.accepted && m.stat === 0 ? decodeReplyResult(call.prog, call.vers, call.proc, b, m.resOff, end) : {};
    // reply.status: the procedure's own status word (mountstat3, nfsstat3…; 0 = OK) when the call
    // was accepted and succeeded and the procedure has one; otherwise accept_stat or reject_stat.
    const status = m.accepted && m.stat === 0 && res.status !== undefined ? res.status : m.stat;
    const replier = dir === 0 ? this.ctx.client : this.ctx.server;
    if (call.prog === PROG_PORTMAP) this.learn(replier.ip, call, res.port, res.mappings);
    this.emit(call, { accepted: m.accepted, status, port: res.port, fh: res.fh });
  }

  private learn(
    ip: string,
    call: Pending,
    port: number | undefined,
    mappings: readonly { prog: number; proto: string; port: number }[] | undefined,
  ): void {
    const { env } = this.ctx;
    const proto = call.info.lookupProto;
    if (port && call.info.lookupProg !== undefined && proto) env.learnRpcPort(ip, port, proto, call.info.lookupProg);
    for (const e of mappings ?? []) {
      if (e.port > 0 && (e.proto === 'tcp' || e.proto === 'udp')) env.learnRpcPort(ip, e.port, e.proto, e.prog);
    }
  }

  private emit(p: Pending, reply?: RpcCall['reply']): void {
    const { ctx } = this;
    const src: Endpoint = p.dir === 0 ? ctx.client : ctx.server;
    const dst: Endpoint = p.dir === 0 ? ctx.server : ctx.client;
    const progN = progName(p.prog);
    const procN = procName(p.prog, p.vers, p.proc);
    ctx.env.countApp('rpc');
    // One literal with every key (undefined where absent), in the event's key order.
    const ev: RpcCall = {
      type: 'rpc-call',
      ts: p.ts,
      flowId: ctx.flowId,
      src,
      dst,
      vlan: ctx.vlan,
      transport: this.transport,
      xid: p.xid,
      prog: p.prog,
      progName: progN || undefined,
      vers: p.vers,
      proc: p.proc,
      procName: procN || undefined,
      path: p.info.path,
      fh: p.info.fh,
      reply,
      lookupProg: p.info.lookupProg,
    };
    ctx.emit(ev);
  }
}

class RpcStream implements StreamApp {
  private readonly session: RpcSession;
  private readonly records: [RecordReassembler, RecordReassembler];
  private ts = 0;

  constructor(ctx: FlowContext) {
    this.session = new RpcSession(ctx, 'tcp');
    const sink = (dir: Dir) => ({
      record: (head: Uint8Array) => this.session.message(dir, head, head.length, this.ts),
      anomaly: (code: RpcAnomaly) => ctx.anomaly(code, this.ts),
      reserve: (bytes: number) => ctx.reserve?.(bytes, this.ts) ?? true,
    });
    this.records = [new RecordReassembler(sink(0)), new RecordReassembler(sink(1))];
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    this.ts = ts;
    this.records[dir].push(bytes);
  }

  /** Record marks cannot be found again after lost bytes: stop until the flow ends. */
  gap(dir: Dir, _length: number, _ts: number): void {
    this.records[dir].stop();
  }

  end(_ts: number): void {
    this.session.end();
  }
}

class RpcDatagrams implements DatagramApp {
  private readonly session: RpcSession;
  constructor(ctx: FlowContext) {
    this.session = new RpcSession(ctx, 'udp');
  }
  datagram(dir: Dir, payload: Uint8Array, ts: number): void {
    this.session.message(dir, payload, payload.length, ts);
  }
  end(_ts: number): void {
    this.session.end();
  }
}

/** A call header at b[o]: msg_type CALL, rpcvers 2, a plausible program. */
function probeCall(b: Uint8Array, o: number): ProbeResult {
  if (b.length < o + 24) return 'more';
  if (u32(b, o + 4) !== 0 || u32(b, o + 8) !== 2) return u32(b, o + 4) === 1 ? 'more' : 'no';
  return plausibleProg(u32(b, o + 12)) ? 'yes' : 'no';
}

export function probeRpcTcp(b: Uint8Array): ProbeResult {
  if (b.length < 4) return 'more';
  const len = u32(b, 0) & 0x7fffffff;
  if (len < 8 || len > 1 << 24) return 'no';
  return probeCall(b, 4);
}

export function probeRpcUdp(b: Uint8Array): ProbeResult {
  if (b.length < 24) return 'no';
  return probeCall(b, 0);
}

export const rpcTcpApp: TcpAppFactory = {
  name: 'rpc',
  ports: [111, 2049],
  probe: (_dir, bytes) => probeRpcTcp(bytes),
  create: (ctx) => new RpcStream(ctx),
};

export const rpcUdpApp: UdpAppFactory = {
  name: 'rpc',
  ports: [111, 2049],
  probe: (_dir, payload) => probeRpcUdp(payload),
  create: (ctx) => new RpcDatagrams(ctx),
};
