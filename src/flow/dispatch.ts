// Application dispatch: content first, port second (DESIGN.md "Decoders").
//
// A TCP flow's first bytes in each direction are kept (bounded) while the analyzers' probes
// look at them; the first 'yes' wins. When no probe says yes before the probe budget is spent,
// the server port (or a port a portmapper reply taught us) decides; otherwise the flow has no
// application and the engine stops reassembling it, which is where most of the speed comes from.

import type { Dir, FlowContext, TcpAppFactory, UdpAppFactory } from './app.js';
import { tcpApps, udpApps } from './apps/index.js';
import { portName } from './port-names.js';
import type { Flow } from './table.js';

/** Bytes kept per direction while probing. */
export const PROBE_MAX = 2048;

/**
 * What may still name each flow as its control flow, in one shard of `--workers N`
 * (src/engine/workers.ts): the announcements it made that are still expected, and the live flows
 * tied to it. The main thread maps each shard's flow ids to run-wide ones; a flow is `released`
 * (its mapping dropped after the batch that told it) when it has ended and nothing can name it any
 * more — at its end, or later when the last announcement or tied flow goes — so the map holds the
 * open flows and those control flows, not every flow of a week-long watch. Exact: every later
 * `controlFlowId` comes from an announcement or a tied flow counted here.
 */
export class ControlRefs {
  private readonly refs = new Map<number, number>();
  /** Flows that ended while named. */
  private readonly ended = new Set<number>();
  /** Ended flows nothing can name any more, since the last `take`. */
  private released: number[] = [];

  hold(id: number): void {
    this.refs.set(id, (this.refs.get(id) ?? 0) + 1);
  }

  drop(id: number): void {
    const n = (this.refs.get(id) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(id, n);
      return;
    }
    this.refs.delete(id);
    if (this.ended.delete(id)) this.released.push(id);
  }

  /** Flow `id` ended (before its own ties are dropped): released now unless something names it. */
  end(id: number): void {
    if (this.refs.has(id)) this.ended.add(id);
    else this.released.push(id);
  }

  /** Ended flows still named (a test's view of the bound). */
  get held(): number {
    return this.ended.size;
  }

  /** What was released since the last call. */
  take(): number[] {
    const out = this.released;
    if (out.length > 0) this.released = [];
    return out;
  }
}

export class Dispatcher {
  /** Set in a shard of `--workers N`: what names each control flow is counted. */
  refs: ControlRefs | undefined;
  private readonly learned = new Map<string, number>();
  /** Data flows announced by a control flow: `proto/ip/port` → app name and the control flow's id. */
  private readonly expected = new Map<string, { readonly app: string; readonly control: number }>();
  private readonly tcpByPort = new Map<number, TcpAppFactory>();
  private readonly udpByPort = new Map<number, UdpAppFactory>();
  private readonly rpcTcp: TcpAppFactory | undefined;
  private readonly rpcUdp: UdpAppFactory | undefined;

  constructor(
    private readonly tcp: readonly TcpAppFactory[] = tcpApps,
    private readonly udp: readonly UdpAppFactory[] = udpApps,
  ) {
    for (const a of tcp) for (const p of a.ports) if (!this.tcpByPort.has(p)) this.tcpByPort.set(p, a);
    for (const a of udp) for (const p of a.ports) if (!this.udpByPort.has(p)) this.udpByPort.set(p, a);
    this.rpcTcp = tcp.find((a) => a.name === 'rpc');
    this.rpcUdp = udp.find((a) => a.name === 'rpc');
  }

  /** A portmapper GETPORT reply said `ip:port/proto` serves an RPC program. Bounded. */
  learnRpcPort(ip: string, port: number, proto: 'tcp' | 'udp'): void {
    if (this.learned.size >= 10_000) this.learned.clear();
    this.learned.set(`${proto}/${ip}/${port}`, 1);
  }

  /** A control flow announced a data flow to `ip:port/proto` (FTP PASV/PORT, TFTP). Bounded. */
  expectFlow(ip: string, port: number, proto: 'tcp' | 'udp', app: string, control: number): void {
    const refs = this.refs;
    if (this.expected.size >= 10_000) {
      if (refs !== undefined) for (const e of this.expected.values()) refs.drop(e.control);
      this.expected.clear();
    }
    const k = `${proto}/${ip}/${port}`;
    if (refs !== undefined) {
      refs.hold(control);
      const old = this.expected.get(k);
      if (old !== undefined) refs.drop(old.control);
    }
    this.expected.set(k, { app, control });
  }

  /**
   * The announced data flow `f` is, if any (either end may be the announced one: a PASV data
   * connection goes to the server's port, an active one comes from port 20 to the client's).
   * Ties `f` to its control flow and names it.
   */
  claimExpected(proto: 'tcp' | 'udp', f: Flow): string | undefined {
    if (this.expected.size === 0) return undefined;
    let k = `${proto}/${f.server.ip}/${f.sPort}`;
    let e = this.expected.get(k);
    if (e === undefined) e = this.expected.get((k = `${proto}/${f.client.ip}/${f.cPort}`));
    if (e === undefined) return undefined;
    // TFTP answers every block from the same port pair; FTP opens one connection per transfer.
    // (The claimed flow names the control flow now: a TCP one takes the announcement's count over.)
    if (proto === 'tcp') this.expected.delete(k);
    else this.refs?.hold(e.control);
    f.controlFlowId = e.control;
    return e.app;
  }

  /** An analyzer of ours by name (the announced data flows' apps). */
  tcpApp(name: string): TcpAppFactory | undefined {
    return this.tcp.find((a) => a.name === name);
  }

  udpApp(name: string): UdpAppFactory | undefined {
    return this.udp.find((a) => a.name === name);
  }

  private isLearned(proto: 'tcp' | 'udp', f: Flow): boolean {
    return this.learned.size > 0 && this.learned.has(`${proto}/${f.server.ip}/${f.sPort}`);
  }

  /** Port-based choice for a TCP flow (learned RPC ports first). */
  tcpByServerPort(f: Flow): TcpAppFactory | undefined {
    if (this.rpcTcp && this.isLearned('tcp', f)) return this.rpcTcp;
    return this.tcpByPort.get(f.sPort);
  }

  /**
   * Probe the kept bytes of a TCP flow. Returns the app, null when it is certainly none of
   * ours, or undefined when more bytes are needed.
   */
  probeTcp(f: Flow, dir: Dir): TcpAppFactory | null | undefined {
    const buf = (dir === 0 ? f.probe0 : f.probe1) as Uint8Array; // bytes while probeData probes
    let more = false;
    for (const app of this.tcp) {
      const r = app.probe(dir, buf);
      if (r === 'yes') return app;
      if (r === 'more') more = true;
    }
    const other = dir === 0 ? f.probe1 : f.probe0;
    const budgetSpent = buf.length >= PROBE_MAX;
    // Undecided while any probe wants more, or while the other side may still speak first-of-kind.
    if (!budgetSpent && (more || other === null)) return undefined;
    return this.tcpByServerPort(f) ?? null;
  }

  /** Choose the analyzer of a UDP flow from its first datagram. */
  chooseUdp(f: Flow, dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): UdpAppFactory | null {
    if (this.rpcUdp && this.isLearned('udp', f)) return this.rpcUdp;
    for (const app of this.udp)
      if (app.heuristic !== true && app.probe(dir, payload, srcPort, dstPort) === 'yes') return app;
    const byPort = this.udpByPort.get(f.sPort);
    if (byPort !== undefined) return byPort;
    // Guesses last, and never for a port the fallback table names (a registered service).
    if (portName('udp', f.sPort, f.cPort) !== undefined) return null;
    for (const app of this.udp)
      if (app.heuristic === true && app.probe(dir, payload, srcPort, dstPort) === 'yes') return app;
    return null;
  }
}

export function createFlowApp(f: Flow, app: TcpAppFactory, ctx: FlowContext): void {
  f.appDecided = true;
  f.appName = app.name;
  f.stream = app.create(ctx);
}
