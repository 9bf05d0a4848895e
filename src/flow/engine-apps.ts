// The per-flow application half of the engine: TCP reassembly into analyzers, UDP datagrams,
// probing, and the FlowContext analyzers see. Kept apart from engine.ts so that the packet loop
// stays small enough to read.

import type { Layers } from '../decode/layers.js';
import type { Endpoint, WardEvent } from '../events.js';
import type { AppEnv, Dir, FlowContext } from './app.js';
import { createFlowApp, PROBE_MAX } from './dispatch.js';
import type { FlowEngine } from './engine.js';
import type { Flow } from './table.js';
import { type StreamSink, TcpStream } from './tcp-stream.js';

const SYN = 0x02;
const FIN = 0x01;
const RST = 0x04;
const ACK = 0x10;

export class FlowCtx implements FlowContext {
  readonly flowId: number;
  readonly proto: 'tcp' | 'udp';
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly vlan?: number;
  readonly env: AppEnv;

  constructor(
    readonly engine: FlowEngine,
    private readonly flow: Flow,
  ) {
    this.flowId = flow.id;
    this.proto = flow.proto === 6 ? 'tcp' : 'udp';
    this.client = flow.client;
    this.server = flow.server;
    if (flow.vlan >= 0) this.vlan = flow.vlan;
    this.env = engine.env;
  }

  emit(ev: WardEvent): void {
    this.engine.emit(ev);
  }

  anomaly(code: string, ts: number, detail?: string): void {
    this.engine.anomaly(code, ts, this.flow, detail);
  }
}

class DirSink implements StreamSink {
  constructor(
    private readonly engine: FlowEngine,
    private readonly flow: Flow,
    private readonly dir: Dir,
  ) {}

  data(bytes: Uint8Array, ts: number): void {
    const f = this.flow;
    if (f.stream !== null) f.stream.data(this.dir, bytes, ts);
    else if (!f.appDecided) probeData(this.engine, f, this.dir, bytes, ts);
  }

  gap(length: number, ts: number): void {
    const f = this.flow;
    if (!f.appDecided) decideByPort(this.engine, f, ts);
    if (f.stream !== null) f.stream.gap(this.dir, length, ts);
  }

  anomaly(code: string, ts: number): void {
    this.engine.anomaly(code, ts, this.flow);
  }
}

export function onTcpPacket(engine: FlowEngine, f: Flow, dir: Dir, data: Uint8Array, L: Layers, ts: number): void {
  const flags = L.tcpFlags;
  if (flags & FIN) f.closeFlags |= dir === 0 ? 1 : 2;
  if (flags & RST) f.closeFlags |= 4;
  // Flows with no application of ours, or whose analyzer is finished, are only counted:
  // no reassembly, no copies.
  if (f.appDecided && (f.stream === null || f.stream.finished === true)) {
    f.tcp = null;
    return;
  }
  let tcp = f.tcp;
  if (tcp === null) {
    tcp = f.tcp = [
      new TcpStream(new DirSink(engine, f, 0), engine.maxTcpBuffer),
      new TcpStream(new DirSink(engine, f, 1), engine.maxTcpBuffer),
    ];
  }
  const st = tcp[dir];
  let seq = L.tcpSeq;
  if (flags & SYN) {
    st.syn(seq);
    seq = (seq + 1) >>> 0;
  }
  if (L.payloadLen > 0 || flags & FIN) {
    if (!(flags & RST)) st.segment(seq, data, L.payloadOff, L.payloadLen, (flags & FIN) !== 0, ts);
  }
  if (flags & ACK && f.tcp !== null) f.tcp[dir === 0 ? 1 : 0].acked(L.tcpAck, ts);
}

export function onUdpPacket(engine: FlowEngine, f: Flow, dir: Dir, data: Uint8Array, L: Layers, ts: number): void {
  if (L.payloadLen <= 0) return;
  const payload = data.subarray(L.payloadOff, L.payloadOff + L.payloadLen);
  if (!f.appDecided) {
    f.appDecided = true;
    const app = engine.dispatcher.chooseUdp(f, dir, payload, L.srcPort, L.dstPort);
    if (app !== null) {
      f.appName = app.name;
      f.dgram = app.create(f.ctx!);
    }
  }
  if (f.dgram !== null) f.dgram.datagram(dir, payload, ts);
}

function probeData(engine: FlowEngine, f: Flow, dir: Dir, bytes: Uint8Array, ts: number): void {
  if (f.probe === null) {
    f.probe = [null, null];
    f.probeTs = ts;
  }
  const old = f.probe[dir];
  const room = PROBE_MAX - (old?.length ?? 0);
  const take = Math.min(room, bytes.length);
  // The first bytes of a direction are probed in place (a view of the packet); they are copied
  // only when the probes need more, because the view dies with this call.
  let buf: Uint8Array;
  let borrowed = false;
  if (old === null) {
    buf = bytes.subarray(0, take);
    borrowed = true;
  } else {
    buf = new Uint8Array(old.length + take);
    buf.set(old);
    buf.set(bytes.subarray(0, take), old.length);
  }
  f.probe[dir] = buf;
  const app = engine.dispatcher.probeTcp(f, dir);
  if (app === undefined) {
    if (borrowed) f.probe[dir] = buf.slice();
    return;
  }
  if (app === null) {
    giveUp(f);
    return;
  }
  startApp(f, app, ts);
  // Bytes beyond the probe budget in this very segment still belong to the app.
  if (take < bytes.length && f.stream !== null) f.stream.data(dir, bytes.subarray(take), ts);
}

function decideByPort(engine: FlowEngine, f: Flow, ts: number): void {
  const app = engine.dispatcher.tcpByServerPort(f);
  if (app === undefined) giveUp(f);
  else startApp(f, app, ts);
}

function startApp(f: Flow, app: Parameters<typeof createFlowApp>[1], ts: number): void {
  createFlowApp(f, app, f.ctx!);
  const probe = f.probe;
  f.probe = null;
  if (probe === null) return;
  // Replay what was kept while probing, client side first (requests precede answers).
  if (probe[0] !== null) f.stream!.data(0, probe[0], f.probeTs || ts);
  if (probe[1] !== null) f.stream!.data(1, probe[1], f.probeTs || ts);
}

function giveUp(f: Flow): void {
  f.appDecided = true;
  f.probe = null;
  f.tcp = null;
}

/** Flush reassembly and tell the analyzer the flow is over. */
export function endFlowApps(f: Flow, ts: number): void {
  if (f.tcp !== null) {
    f.tcp[0].flush(ts);
    f.tcp[1].flush(ts);
  }
  if (!f.appDecided && f.probe !== null && f.ctx !== null) {
    // The flow ended while still probing: judge by what we have.
    if (f.ctx instanceof FlowCtx) decideByPort(f.ctx.engine, f, ts);
  }
  if (f.stream !== null) f.stream.end(ts);
  if (f.dgram !== null) f.dgram.end(ts);
}
