// The per-flow application half of the engine: TCP reassembly into analyzers, UDP datagrams,
// probing, and the FlowContext analyzers see. Kept apart from engine.ts so that the packet loop
// stays small enough to read.

import type { Layers } from '../decode/layers.js';
import type { Endpoint, WardEvent } from '../events.js';
import type { AppEnv, Dir, FlowContext } from './app.js';
import { createFlowApp, PROBE_MAX } from './dispatch.js';
import { portName } from './port-names.js';
import type { FlowEngine } from './engine.js';
import type { Flow } from './table.js';
import { type StreamSink, TcpStream } from './tcp-stream.js';
import type { AnomalyCode } from '../decode/anomalies.js';

const SYN = 0x02;
const FIN = 0x01;
const RST = 0x04;
const ACK = 0x10;

/**
 * What analyzers see of a flow, and the sink of both of its TCP directions (each TcpStream
 * passes its direction back), so a flow needs no per-direction wrapper objects.
 */
export class FlowCtx implements FlowContext, StreamSink {
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

  get controlFlowId(): number | undefined {
    return this.flow.controlFlowId >= 0 ? this.flow.controlFlowId : undefined;
  }

  emit(ev: WardEvent): void {
    this.engine.emit(ev);
  }

  anomaly(code: AnomalyCode, ts: number, detail?: string): void {
    this.engine.anomaly(code, ts, this.flow, detail);
  }

  reserve(bytes: number, ts: number): boolean {
    const b = this.engine.buffers;
    if (bytes > 0 && b.used + bytes > b.limit) {
      b.refusals++;
      b.refused += bytes;
      this.engine.anomaly('stream.memcap', ts, this.flow);
      return false;
    }
    b.used += bytes;
    this.flow.held += bytes;
    return true;
  }

  data(bytes: Uint8Array, ts: number, dir: Dir): void {
    const f = this.flow;
    if (f.stream !== null) f.stream.data(dir, bytes, ts);
    else if (!f.appDecided) probeData(this.engine, f, dir, bytes, ts);
  }

  gap(length: number, ts: number, dir: Dir): void {
    const f = this.flow;
    if (!f.appDecided) decideByPort(this.engine, f, ts);
    if (f.stream !== null) f.stream.gap(dir, length, ts);
  }
}

/** Probing ends: the bytes its copies held go back to the run's budget. */
function endProbes(engine: FlowEngine, f: Flow): void {
  if (f.probeHeld !== 0) {
    engine.buffers.used -= f.probeHeld;
    f.held -= f.probeHeld;
    f.probeHeld = 0;
  }
  f.probe0 = f.probe1 = null;
}

/** Reassembly ends for the flow: its streams' out-of-order bytes go back to the run's budget. */
export function dropStreams(engine: FlowEngine, f: Flow): void {
  const held = (f.tcp0?.held ?? 0) + (f.tcp1?.held ?? 0);
  if (held > 0) {
    engine.buffers.used -= held;
    f.held -= held;
  }
  f.tcp0 = f.tcp1 = null;
}

function ctxOf(engine: FlowEngine, f: Flow): FlowCtx {
  let c = f.ctx;
  if (c === null) c = f.ctx = new FlowCtx(engine, f);
  return c;
}

function newStream(engine: FlowEngine, f: Flow, dir: Dir): TcpStream {
  const st = new TcpStream(ctxOf(engine, f), engine.maxTcpBuffer, dir);
  if (dir === 0) f.tcp0 = st;
  else f.tcp1 = st;
  return st;
}

export function onTcpPacket(engine: FlowEngine, f: Flow, dir: Dir, data: Uint8Array, L: Layers, ts: number): void {
  const flags = L.tcpFlags;
  if (flags & FIN) f.closeFlags |= dir === 0 ? 1 : 2;
  if (flags & RST) f.closeFlags |= 4;
  // Flows with no application of ours, or whose analyzer is finished, are only counted:
  // no reassembly, no copies.
  if (f.appDecided && (f.stream === null || f.stream.finished === true)) {
    if (f.tcp0 !== null || f.tcp1 !== null) dropStreams(engine, f);
    return;
  }
  const hasData = (L.payloadLen > 0 || flags & FIN) && !(flags & RST);
  // A direction's stream exists from its first SYN or data on; until then there is nothing it
  // could hold (an acknowledgement of an unstarted stream is ignored either way).
  if (flags & SYN || hasData) {
    const st = (dir === 0 ? f.tcp0 : f.tcp1) ?? newStream(engine, f, dir);
    let seq = L.tcpSeq;
    if (flags & SYN) {
      st.syn(seq);
      seq = (seq + 1) | 0;
    }
    if (hasData) st.segment(seq, data, L.payloadOff, L.payloadLen, (flags & FIN) !== 0, ts);
  }
  if (flags & ACK) {
    const other = dir === 0 ? f.tcp1 : f.tcp0;
    if (other !== null) other.acked(L.tcpAck, ts);
  }
}

export function onUdpPacket(engine: FlowEngine, f: Flow, dir: Dir, data: Uint8Array, L: Layers, ts: number): void {
  if (L.payloadLen <= 0) return;
  const payload = data.subarray(L.payloadOff, L.payloadOff + L.payloadLen);
  if (!f.appDecided) {
    f.appDecided = true;
    const d = engine.dispatcher;
    const announced = d.claimExpected('udp', f);
    const app =
      (announced !== undefined ? d.udpApp(announced) : undefined) ?? d.chooseUdp(f, dir, payload, L.srcPort, L.dstPort);
    if (app !== null) {
      f.appName = app.name;
      f.appByHeuristic = app.heuristic === true && announced === undefined;
      f.dgram = app.create(ctxOf(engine, f));
    } else if (announced !== undefined) f.appName = announced;
    else nameByPort(engine, f, 'udp');
  }
  if (f.dgram !== null) f.dgram.datagram(dir, payload, ts);
}

function probeData(engine: FlowEngine, f: Flow, dir: Dir, bytes: Uint8Array, ts: number): void {
  if (f.probe0 === null && f.probe1 === null && claimAnnouncedTcp(engine, f)) return;
  if (f.probe0 === null && f.probe1 === null) f.probeTs = ts;
  const old = dir === 0 ? f.probe0 : f.probe1;
  const room = PROBE_MAX - (old?.length ?? 0);
  const take = Math.min(room, bytes.length);
  // The first bytes of a direction are probed in place (a view of the packet); they are kept (as
  // text, see Flow.probe0) only when the probes need more, because the view dies with this call.
  let buf: Uint8Array;
  if (old === null) buf = take === bytes.length ? bytes : bytes.subarray(0, take);
  else {
    buf = Buffer.allocUnsafe(old.length + take);
    (buf as Buffer).write(old as string, 0, 'latin1');
    buf.set(take === bytes.length ? bytes : bytes.subarray(0, take), old.length);
  }
  if (dir === 0) f.probe0 = buf;
  else f.probe1 = buf;
  const app = engine.dispatcher.probeTcp(f, dir);
  if (app === undefined) {
    // Undecided: what the probes keep comes from the run's budget (65 536 flows × 2 KiB a
    // direction would be 256 MiB). Refused, probing ends as at PROBE_MAX: by the server's port.
    if (take > 0 && !ctxOf(engine, f).reserve(take, ts)) {
      decideByPort(engine, f, ts);
    } else {
      f.probeHeld += take;
      const kept = latin1(buf);
      if (dir === 0) f.probe0 = kept;
      else f.probe1 = kept;
      return;
    }
  } else if (app === null) {
    giveUp(engine, f);
    return;
  } else startApp(engine, f, app, ts);
  // Bytes beyond the probe budget in this very segment still belong to the app.
  if (take < bytes.length && f.stream !== null) f.stream.data(dir, bytes.subarray(take), ts);
}

/** A probe copy as text: one latin1 char a byte. */
function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** A probe copy as bytes again (the one being probed is bytes already). */
function bytesOf(p: Uint8Array | string): Uint8Array {
  return typeof p === 'string' ? Buffer.from(p, 'latin1') : p;
}

function decideByPort(engine: FlowEngine, f: Flow, ts: number): void {
  const app = engine.dispatcher.tcpByServerPort(f);
  if (app === undefined) giveUp(engine, f);
  else startApp(engine, f, app, ts);
}

/** No analyzer of ours: name the flow by its port (counted once per flow), or leave it unnamed. */
function nameByPort(engine: FlowEngine, f: Flow, proto: 'tcp' | 'udp'): void {
  const name = portName(proto, f.sPort, f.cPort);
  if (name === undefined) return;
  f.appName = name;
  f.appByPort = true;
  engine.env.countApp(name);
}

/** A TCP flow a control flow announced (FTP data): named and tied to it, never reassembled. */
export function claimAnnouncedTcp(engine: FlowEngine, f: Flow): boolean {
  const announced = engine.dispatcher.claimExpected('tcp', f);
  if (announced === undefined) return false;
  f.appDecided = true;
  f.appName = announced;
  endProbes(engine, f);
  if (f.tcp0 !== null || f.tcp1 !== null) dropStreams(engine, f);
  engine.env.countApp(announced);
  return true;
}

function startApp(engine: FlowEngine, f: Flow, app: Parameters<typeof createFlowApp>[1], ts: number): void {
  createFlowApp(f, app, ctxOf(engine, f));
  const p0 = f.probe0;
  const p1 = f.probe1;
  endProbes(engine, f);
  // Replay what was kept while probing, client side first (requests precede answers).
  if (p0 !== null) f.stream!.data(0, bytesOf(p0), f.probeTs || ts);
  if (p1 !== null) f.stream!.data(1, bytesOf(p1), f.probeTs || ts);
}

function giveUp(engine: FlowEngine, f: Flow): void {
  if (f.appName === undefined) nameByPort(engine, f, 'tcp');
  f.appDecided = true;
  endProbes(engine, f);
  if (f.tcp0 !== null || f.tcp1 !== null) dropStreams(engine, f);
}

/** Flush reassembly and tell the analyzer the flow is over. */
export function endFlowApps(engine: FlowEngine, f: Flow, ts: number): void {
  if (f.tcp0 !== null) f.tcp0.flush(ts);
  // Flushing one side may have ended probing (a gap decides by port) and dropped the other.
  if (f.tcp1 !== null) f.tcp1.flush(ts);
  // The flow ended while still probing: judge by what we have.
  if (!f.appDecided && (f.probe0 !== null || f.probe1 !== null)) decideByPort(engine, f, ts);
  // An announced FTP data connection that carried nothing (an empty listing) is still claimed.
  if (!f.appDecided && f.proto === 6) claimAnnouncedTcp(engine, f);
  if (f.stream !== null) f.stream.end(ts);
  if (f.dgram !== null) {
    f.dgram.end(ts);
    // A guess its analyzer took back: named as if no analyzer had taken the flow.
    if (f.dgram.rejected === true) {
      f.appName = undefined;
      f.appByHeuristic = false;
      nameByPort(engine, f, 'udp');
    }
  }
}
