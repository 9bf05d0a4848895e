// The flow engine: raw packets in, typed events out (src/events.ts).
//
// Per packet: decode L2–L4 into one reused `Layers`, reassemble IP fragments, find or create
// the flow, count, and — only for flows whose application we analyse — reassemble TCP and feed
// the analyzer. It describes; it never judges (that is inventory/detect, downstream of events).

import type { RawPacket } from '../capture/types.js';
import { Hl7Reader } from '../decode/hl7/hl7.js';
import { IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, Layers } from '../decode/layers.js';
import { decodeL4, decodePacket } from '../decode/packet.js';
import { TUNNEL_KIND_NAMES } from '../decode/tunnel.js';
import type { Endpoint, EventSink, FlowTunnel, L4Proto, WardEvent } from '../events.js';
import type { AppEnv } from './app.js';
import { ControlRefs, Dispatcher } from './dispatch.js';
import { IpDefragmenter } from './defrag.js';
import { endFlowApps, onTcpPacket, onUdpPacket } from './engine-apps.js';
import { AddressText } from './intern.js';
import { FlowKey, looksLikeServer, protoName, tunnelKey } from './ports.js';
import { DEFAULT_TIMEOUTS, Flow, FlowTable, type FlowTimeouts, TimeoutClass } from './table.js';
import { BufferBudget, DEFAULT_MAX_BUFFERED } from './budget.js';
import type { AnomalyCode } from '../decode/anomalies.js';

/**
 * Open flows a run tracks at once (`--max-flows`); past it the oldest is ended as 'evicted'. With
 * the devices (inventory/table.ts MAX_DEVICES) and the detector's tables at their own bounds, a
 * flood of spoofed sources must still fit the launcher's heap cap (cli/bin.ts): a flow costs
 * ~0.9 KB with its streams, endpoints and the inventory's entry, so 65 536 of them ~60 MB. The bench
 * capture peaks below 30 000 open flows.
 */
export const DEFAULT_MAX_FLOWS = 65_536;

export interface EngineOptions {
  /** Salted hash of a patient identifier (the engine never sees the salt's source). */
  hashPatientId: (id: string) => string;
  maxFlows?: number;
  timeouts?: Partial<FlowTimeouts>;
  /** Out-of-order bytes kept per TCP direction. */
  maxTcpBuffer?: number;
  /** What all flows may hold at once (`--max-buffer`; flow/budget.ts). */
  maxBuffered?: number;
  /** Anomaly events emitted per code (all are counted). */
  anomalyEventsPerCode?: number;
  /**
   * One shard of a multi-worker run (src/engine/workers.ts): the driver calls `sweepNow` where a
   * single engine would sweep, tells `beforeEnd` which flow a sweep or finish ends (its place in
   * the merged order; null: the fragment table's expiry that follows). A shard tells device-seen
   * once per pair *of its own*; the driver's merge keeps the run's first (see `deviceSeen`).
   */
  shard?: { beforeEnd: (f: Flow | null) => void };
}

export interface EngineStats {
  packets: number;
  bytes: number;
  flows: number;
  flowsByProto: Record<L4Proto, number>;
  evicted: number;
  first: number;
  last: number;
  apps: Record<string, number>;
  anomalies: Partial<Record<AnomalyCode, number>>;
  /**
   * Capture loss as Zeek's capture_loss estimates it: TCP acknowledgements of new data (`acks`),
   * and those acknowledging bytes the capture never held (`gaps`, `gapBytes`): packets the
   * capture — the mirror port, the tap, the kernel — lost.
   */
  tcpAcks: number;
  tcpGaps: number;
  tcpGapBytes: number;
}

const UNKNOWN_MAC = undefined;

export class FlowEngine {
  private readonly L = new Layers();
  /** The current packet's key, reused (no allocation per packet). */
  private readonly key = new FlowKey();
  private readonly table: FlowTable;
  private readonly timeouts: FlowTimeouts;
  private readonly defrag: IpDefragmenter;
  readonly dispatcher = new Dispatcher();
  readonly env: AppEnv;
  readonly maxTcpBuffer: number;
  /** The run's budget for bytes held across flows (flow/budget.ts). */
  readonly buffers: BufferBudget;
  private readonly anomalyEventsPerCode: number;
  private readonly seen = new SeenPairs();
  private readonly text = new AddressText();
  private nextFlowId = 1;
  private lastSweep = 0;
  private readonly shard: EngineOptions['shard'];
  /** True while a sweep or finish ends flows (a shard names each for the merge). */
  private ending = false;
  readonly stats: EngineStats = {
    packets: 0,
    bytes: 0,
    flows: 0,
    flowsByProto: { tcp: 0, udp: 0, icmp: 0, icmpv6: 0, other: 0 },
    evicted: 0,
    first: Number.POSITIVE_INFINITY, // unset until a packet comes: 0 is a real time (1970)
    last: 0,
    apps: {},
    anomalies: {},
    tcpAcks: 0,
    tcpGaps: 0,
    tcpGapBytes: 0,
  };

  constructor(
    readonly sink: EventSink,
    opts: EngineOptions,
  ) {
    this.table = new FlowTable(opts.maxFlows ?? DEFAULT_MAX_FLOWS);
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.maxTcpBuffer = opts.maxTcpBuffer ?? 256 * 1024;
    this.buffers = new BufferBudget(opts.maxBuffered ?? DEFAULT_MAX_BUFFERED);
    this.anomalyEventsPerCode = opts.anomalyEventsPerCode ?? 20;
    this.shard = opts.shard;
    if (opts.shard !== undefined) this.dispatcher.refs = new ControlRefs();
    this.defrag = new IpDefragmenter({ onAnomaly: (code) => this.anomaly(code, this.stats.last) });
    const stats = this.stats;
    const dispatcher = this.dispatcher;
    this.env = {
      hashPatientId: opts.hashPatientId,
      learnRpcPort: (ip, port, proto) => dispatcher.learnRpcPort(ip, port, proto),
      expectFlow: (ip, port, proto, app, controlFlowId) => dispatcher.expectFlow(ip, port, proto, app, controlFlowId),
      countApp: (name) => {
        stats.apps[name] = (stats.apps[name] ?? 0) + 1;
      },
      hl7: new Hl7Reader(),
    };
  }

  emit(ev: WardEvent): void {
    this.sink(ev);
  }

  /** Count a named anomaly; the first few of each code also become events. */
  anomaly(code: AnomalyCode, ts: number, flow?: Flow, detail?: string): void {
    const n = (this.stats.anomalies[code] ?? 0) + 1;
    this.stats.anomalies[code] = n;
    if (n > this.anomalyEventsPerCode) return;
    this.sink(
      flow
        ? { type: 'anomaly', ts, code, flowId: flow.id, src: flow.client, dst: flow.server, detail }
        : { type: 'anomaly', ts, code, detail },
    );
  }

  packet(p: RawPacket): void {
    const L = this.L;
    const st = this.stats;
    const ts = p.ts;
    st.packets++;
    st.bytes += p.origLen;
    if (ts < st.first) st.first = ts;
    if (ts > st.last) st.last = ts;
    if (ts - this.lastSweep >= 1e6 && this.shard === undefined) this.sweep(ts);

    // Decode in the reader's chunk when it says where the frame is (no view per packet).
    const frame = p.frame ?? p.data;
    decodePacket(frame, p.linktype, L, p.frameStart ?? 0, p.frameEnd ?? frame.length);
    if (L.anomaly !== null) this.anomaly(L.anomaly, ts);
    if (L.anomaly2 !== null) this.anomaly(L.anomaly2, ts);
    if (L.isArp) {
      this.onArp(frame, ts);
      return;
    }
    if (L.ipVersion === 0) return;

    let l4 = frame;
    if (L.isFragment) {
      const whole = this.defrag.add(L, frame, ts);
      if (whole === null) return;
      decodeL4(L.ipProto, whole, 0, whole.length, L);
      if (L.anomaly !== null) this.anomaly(L.anomaly, ts);
      if (L.anomaly2 !== null) this.anomaly(L.anomaly2, ts);
      l4 = whole;
    }
    const proto = L.ipProto;
    const isTcp = proto === IPPROTO_TCP;
    const isUdp = proto === IPPROTO_UDP;
    if ((isTcp || isUdp) && L.srcPort < 0) return; // L4 header damaged: anomaly already counted

    const k = this.key;
    if (L.ipVersion === 4) {
      k.set4(L.ip4Src, L.ip4Dst);
    } else {
      k.set6(frame, L.ip6SrcOff, L.ip6DstOff);
    }
    k.aPort = isTcp || isUdp ? L.srcPort : 0;
    k.bPort = isTcp || isUdp ? L.dstPort : 0;
    k.proto = proto;
    k.vlan = L.vlanOuter;
    k.tun = L.tunnelKind === 0 ? 0 : tunnelKey(L, frame);
    const h = k.hash();

    let f = this.table.find(h, k);
    if (f === null) f = this.newFlow(frame, h, ts);
    const dir = f.dirOf(k.a0, k.a1, k.a2, k.a3, k.aPort);
    const len = p.origLen;
    if (dir === 0) {
      f.pkts0++;
      f.bytes0 += len;
    } else {
      f.pkts1++;
      f.bytes1 += len;
    }
    f.last = ts;
    f.lastSeq = st.packets;
    this.table.touch(f);
    if (isTcp) {
      trackAck(st, f, dir, L, ts);
      onTcpPacket(this, f, dir, l4, L, ts);
      if (f.closeFlags !== 0 && f.tclass === TimeoutClass.Tcp && ((f.closeFlags & 3) === 3 || f.closeFlags & 4)) {
        this.table.reclass(f, TimeoutClass.Closed);
      }
    } else if (isUdp) {
      onUdpPacket(this, f, dir, l4, L, ts);
    }
  }

  /** End of input: every flow still open ends with reason 'eof'. */
  finish(): void {
    const ts = this.stats.last;
    const open = [...this.table.all()];
    this.ending = true;
    for (const f of open) {
      this.table.remove(f);
      this.endFlow(f, ts, 'eof');
    }
    this.ending = false;
  }

  /** A shard's sweep, where the driver saw a single engine sweep (its `ts - lastSweep ≥ 1 s`). */
  sweepNow(ts: number): void {
    this.sweep(ts);
  }

  get openFlows(): number {
    return this.table.size;
  }

  private sweep(ts: number): void {
    this.lastSweep = ts;
    this.ending = true;
    this.table.expire(ts, this.timeouts, (f) => this.endFlow(f, f.last, 'idle'));
    this.ending = false;
    this.shard?.beforeEnd(null); // what the fragment table's expiry says comes after every flow's end
    this.defrag.expire(ts);
  }

  private newFlow(frame: Uint8Array, h: number, ts: number): Flow {
    const L = this.L;
    if (this.table.size >= this.table.maxFlows) {
      const victim = this.table.oldest();
      if (victim) {
        this.table.remove(victim);
        this.stats.evicted++;
        this.endFlow(victim, victim.last, 'evicted');
      }
    }
    const k = this.key;
    const proto = k.proto;
    const vlan = k.vlan;
    const f = new Flow();
    f.id = this.nextFlowId++;
    f.proto = proto;
    f.ipVersion = L.ipVersion;
    f.vlan = vlan;
    f.tun = k.tun;
    f.hash = h;
    f.first = ts;
    f.last = ts;
    const flags = L.tcpFlags;
    const isTcp = proto === IPPROTO_TCP;
    const withPorts = isTcp || proto === IPPROTO_UDP;
    // Who started it: SYN sender; SYN-ACK receiver; else the port heuristic (ports.ts).
    let senderIsClient = true;
    if (isTcp && flags & 0x02) {
      senderIsClient = (flags & 0x10) === 0;
      f.syn = senderIsClient;
    } else if (withPorts) {
      senderIsClient = !looksLikeServer(k.aPort, k.bPort);
    }
    const srcEp = this.endpoint(frame, L.ipVersion, L.ip6SrcOff, L.ip4Src, k.aPort, L.macSrcOff, withPorts);
    const dstEp = this.endpoint(frame, L.ipVersion, L.ip6DstOff, L.ip4Dst, k.bPort, L.macDstOff, withPorts);
    f.setEnds(k, senderIsClient);
    f.client = senderIsClient ? srcEp : dstEp;
    f.server = senderIsClient ? dstEp : srcEp;
    if (L.tunnelKind !== 0) f.tunnel = this.tunnelOf(frame);
    f.tclass = isTcp ? TimeoutClass.Tcp : proto === IPPROTO_UDP ? TimeoutClass.Udp : TimeoutClass.Other;
    this.table.insert(f);
    const pname = protoName(proto);
    this.stats.flows++;
    this.stats.flowsByProto[pname]++;
    // Router/neighbour solicitations and advertisements speak for the sender's own address.
    const ndp = proto === IPPROTO_ICMPV6 && L.icmpType >= 133 && L.icmpType <= 137;
    this.deviceSeen(srcEp, ts, vlan, ndp ? 'ndp' : 'ip');
    this.deviceSeen(dstEp, ts, vlan, 'ip');
    this.sink({
      type: 'flow-start',
      ts,
      flowId: f.id,
      src: f.client,
      dst: f.server,
      vlan: vlan >= 0 ? vlan : undefined,
      proto: pname,
      syn: f.syn,
      tunnel: f.tunnel,
    });
    return f;
  }

  private tunnelOf(frame: Uint8Array): FlowTunnel {
    const L = this.L;
    const v4 = L.tunnelIpVersion === 4;
    return {
      kind: TUNNEL_KIND_NAMES[L.tunnelKind] as FlowTunnel['kind'],
      src: v4 ? this.text.ip4(L.tunnelIp4Src) : this.text.ip6(frame, L.tunnelIp6SrcOff),
      dst: v4 ? this.text.ip4(L.tunnelIp4Dst) : this.text.ip6(frame, L.tunnelIp6DstOff),
      id: L.tunnelId >= 0 ? L.tunnelId : undefined,
    };
  }

  private endpoint(
    frame: Uint8Array,
    version: number,
    ip6Off: number,
    ip4: number,
    port: number,
    macOff: number,
    withPort: boolean,
  ): Endpoint {
    const ip = version === 4 ? this.text.ip4(ip4) : this.text.ip6(frame, ip6Off);
    const mac = macOff >= 0 ? this.text.macAt(frame, macOff) : UNKNOWN_MAC;
    if (withPort) return mac === undefined ? { ip, port } : { ip, port, mac };
    return mac === undefined ? { ip } : { ip, mac };
  }

  /** A unicast (MAC, IP) pair, once per run. */
  deviceSeen(ep: Endpoint, ts: number, vlan: number, via: 'ip' | 'arp' | 'dhcp' | 'ndp'): void {
    const mac = ep.mac;
    // Group bit of the first octet ('x1', 'x3', … in the second hex digit): multicast/broadcast.
    if (mac === undefined || (hexValue(mac.charCodeAt(1)) & 1) === 1) return;
    // In a shard too: a pair this shard told before was merged before, so the driver's run-wide
    // SeenPairs holds it and would drop this one — while that set has neither been cleared nor
    // refused the pair (< 100 000 MACs, < 4096 IPs on the MAC; ARCHITECTURE.md "Workers").
    if (!this.seen.first(mac, ep.ip)) return;
    this.sink({ type: 'device-seen', ts, mac, ip: ep.ip, vlan: vlan >= 0 ? vlan : undefined, via });
  }

  private onArp(frame: Uint8Array, ts: number): void {
    const L = this.L;
    const senderMac = L.arpSenderMacOff >= 0 ? this.text.macAt(frame, L.arpSenderMacOff) : '';
    const ev: WardEvent = {
      type: 'arp',
      ts,
      op: L.arpOp,
      senderMac,
      senderIp: this.text.ip4(L.arpSenderIp),
      targetMac: L.arpTargetMacOff >= 0 ? this.text.macAt(frame, L.arpTargetMacOff) : '',
      targetIp: this.text.ip4(L.arpTargetIp),
    };
    this.sink(ev);
    if (senderMac !== '' && L.arpSenderIp !== 0)
      this.deviceSeen({ ip: ev.senderIp, mac: senderMac }, ts, L.vlanOuter, 'arp');
  }

  endFlow(f: Flow, ts: number, why: 'idle' | 'evicted' | 'eof'): void {
    if (this.ending && this.shard !== undefined) this.shard.beforeEnd(f);
    endFlowApps(this, f, ts);
    // A hole still waiting for its data when the flow ends is capture loss.
    if ((f.hole0 | f.hole1) !== 0) {
      countHole(this.stats, f, 0);
      countHole(this.stats, f, 1);
    }
    // What its holders still keep goes back to the run's budget with the flow.
    if (f.held !== 0) {
      this.buffers.used -= f.held;
      f.held = 0;
      f.probeHeld = 0;
    }
    const reason = f.closeFlags & 4 ? 'rst' : (f.closeFlags & 3) === 3 ? 'fin' : why;
    this.sink({
      type: 'flow-end',
      ts,
      flowId: f.id,
      src: f.client,
      dst: f.server,
      vlan: f.vlan >= 0 ? f.vlan : undefined,
      proto: protoName(f.proto),
      first: f.first,
      last: f.last,
      packets: [f.pkts0, f.pkts1],
      bytes: [f.bytes0, f.bytes1],
      app: f.appName,
      appBy: f.appName === undefined ? undefined : f.appByPort ? 'port' : f.appByHeuristic ? 'heuristic' : 'content',
      controlFlowId: f.controlFlowId >= 0 ? f.controlFlowId : undefined,
      reason,
      tunnel: f.tunnel,
    });
    const refs = this.dispatcher.refs;
    if (refs !== undefined) {
      refs.end(f.id);
      if (f.controlFlowId >= 0) refs.drop(f.controlFlowId);
    }
    f.ctx = null;
    f.tcp0 = f.tcp1 = null;
    f.stream = null;
    f.dgram = null;
    f.probe0 = f.probe1 = null;
  }
}

/** (MAC, IP) pairs already told, bounded: device-seen once per pair per run. */
export class SeenPairs {
  /**
   * A MAC's one address as itself, a Set from its second on: most MACs have one, and a Set each
   * was ~150 bytes times 100 000 MACs in a flood of spoofed sources.
   */
  private readonly pairs = new Map<string, string | Set<string>>();

  /** True the first time a pair is seen (then remembered, within the bounds). */
  first(mac: string, ip: string): boolean {
    const had = this.pairs.get(mac);
    if (had === undefined) {
      if (this.pairs.size >= 100_000) this.pairs.clear();
      this.pairs.set(mac, ip);
      return true;
    }
    if (typeof had === 'string') {
      if (had === ip) return false;
      this.pairs.set(mac, new Set([had, ip]));
      return true;
    }
    if (had.has(ip)) return false;
    if (had.size < 4096) had.add(ip);
    return true;
  }
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/** Acknowledgements this far past the bytes seen are broken or spoofed, not loss (as tcp-stream.ts). */
const MAX_GAP = 16 * 1024 * 1024;

/**
 * Capture-loss estimate (Zeek's capture_loss: ACKs, and ACKs for data never seen): each direction's
 * highest sequence end — from the segment length the IP header claims, so a snapped capture is not
 * loss — and each acknowledgement of new data checked against the other direction's. A gap is
 * counted once: the end moves to the acknowledgement. Mid-stream starts judge nothing until the
 * other direction's data was seen. The acknowledged bytes wait HOLE_WAIT as a hole: data that
 * fills it after all (a mirror port's two directions a little out of step) is order, not loss;
 * what is left is counted then, at the flow's next packet past the wait or at its end.
 */
function trackAck(st: EngineStats, f: Flow, dir: 0 | 1, L: Layers, ts: number): void {
  if ((f.hole0 | f.hole1) !== 0) {
    if (f.hole0 !== 0 && ts - f.holeTs0 > HOLE_WAIT) countHole(st, f, 0);
    if (f.hole1 !== 0 && ts - f.holeTs1 > HOLE_WAIT) countHole(st, f, 1);
  }
  const flags = L.tcpFlags;
  if (flags & 0x04) return; // RST: its numbers say nothing about data
  let len = 0;
  if (L.payloadOff >= 0) {
    const claimed = L.ipPayloadClaimed - (L.payloadOff - L.l4Off);
    len = Math.max(claimed, L.payloadLen);
  }
  if (flags & 0x03) len++; // SYN and FIN take a sequence number each
  if (len > 0 && (dir === 0 ? f.hole0 : f.hole1) !== 0) fillHole(f, dir, L.tcpSeq | 0, len);
  if (len > 0) {
    const end = (L.tcpSeq + len) | 0;
    const bit = dir === 0 ? 1 : 2;
    const cur = dir === 0 ? f.end0 : f.end1;
    if ((f.ackBits & bit) === 0 || ((end - cur) | 0) > 0) {
      if (dir === 0) f.end0 = end;
      else f.end1 = end;
      f.ackBits |= bit;
    }
  }
  if ((flags & 0x10) === 0) return;
  const other = dir === 0 ? 2 : 1;
  if ((f.ackBits & other) === 0) return;
  const ack = L.tcpAck | 0;
  const mine = dir === 0 ? 4 : 8;
  if ((f.ackBits & mine) !== 0 && ((ack - (dir === 0 ? f.ack0 : f.ack1)) | 0) <= 0) return; // nothing new
  if (dir === 0) f.ack0 = ack;
  else f.ack1 = ack;
  f.ackBits |= mine;
  st.tcpAcks++;
  const end = dir === 0 ? f.end1 : f.end0;
  const ahead = (ack - end) | 0;
  if (ahead > 0 && ahead <= MAX_GAP) {
    // The other direction's bytes [end, ack) were never seen: a hole, until they come or the wait ends.
    if (dir === 0) {
      if (f.hole1 !== 0) countHole(st, f, 1);
      f.hole1 = ahead;
      f.holeAt1 = end;
      f.holeTs1 = ts;
      f.end1 = ack;
    } else {
      if (f.hole0 !== 0) countHole(st, f, 0);
      f.hole0 = ahead;
      f.holeAt0 = end;
      f.holeTs0 = ts;
      f.end0 = ack;
    }
  }
}

/** µs an acknowledged hole waits for its data before it counts as capture loss. */
const HOLE_WAIT = 1_000_000;

/**
 * Data of direction `dir` at [seq, seq + len) that covers one end of its hole: what of the hole it
 * covers was order, not loss. From the start, the hole now starts after it; reaching the hole's end
 * from inside it, the hole now ends where the data starts — so segments that come in any order
 * after their acknowledgement, last first too, fill it whole. (Data strictly inside the hole
 * leaves it alone: both its ends are still missing, and what is left is counted whole.)
 */
function fillHole(f: Flow, dir: 0 | 1, seq: number, len: number): void {
  const at = dir === 0 ? f.holeAt0 : f.holeAt1;
  const hole = dir === 0 ? f.hole0 : f.hole1;
  const rel = (seq - at) | 0;
  if (rel > 0) {
    if (rel < hole && rel + len >= hole) {
      if (dir === 0) f.hole0 = rel;
      else f.hole1 = rel;
    }
    return;
  }
  const to = Math.min(rel + len, hole);
  if (to <= 0) return;
  if (dir === 0) {
    f.hole0 = hole - to;
    f.holeAt0 = (at + to) | 0;
  } else {
    f.hole1 = hole - to;
    f.holeAt1 = (at + to) | 0;
  }
}

/** What is left of direction `dir`'s hole is capture loss: one gap of that many bytes. */
export function countHole(st: EngineStats, f: Flow, dir: 0 | 1): void {
  const hole = dir === 0 ? f.hole0 : f.hole1;
  if (hole <= 0) return;
  st.tcpGaps++;
  st.tcpGapBytes += hole;
  if (dir === 0) f.hole0 = 0;
  else f.hole1 = 0;
}
