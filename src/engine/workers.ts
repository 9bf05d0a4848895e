// `--workers N`: the flow engine split over N worker threads, with the same events in the same
// order as one engine (ARCHITECTURE.md "Workers" says why this design and where it stops).
//
// The main thread reads the capture, finds each packet's address pair (pair-hash.ts: read from
// the frame, the full L2–L3 decode only for tunnels and odd headers) and hands the packet to the shard that pair hashes to (symmetric: both directions, every
// fragment of a datagram and every flow of a host pair land together). Wherever a single engine
// would sweep idle flows, every shard sweeps at that place. Each read chunk becomes one batch
// per shard (transferred ArrayBuffers); each shard answers a batch with its events (one binary
// batch, event-codec.ts), each keyed
// by its place in the single engine's order; the main thread merges the N answers of a batch by
// key, gives flows their run-wide ids, keeps device-seen once per pair and anomaly events to
// their cap, then feeds inventory and detection exactly as one engine would.
import { Worker } from 'node:worker_threads';
import type { RawPacket } from '../capture/types.js';
import { Layers } from '../decode/layers.js';
import { LINKTYPE_ETHERNET } from '../decode/layers.js';
import type { Endpoint, EventSink, L4Proto, WardEvent } from '../events.js';
import { DEFAULT_MAX_BUFFERED } from '../flow/budget.js';
import { DEFAULT_MAX_FLOWS, type EngineStats, SeenPairs } from '../flow/engine.js';
import type { AnomalyCode } from '../decode/anomalies.js';
import { type DecodedBatch, EventDecoder } from './event-codec.js';
import { pairHash, quickPairHash } from './pair-hash.js';
import { type FromShard, REC_BYTES, type ShardStats, SWEEP, type ToShard } from './shard-worker.js';

/** Batches sent and not yet merged before the reader waits (back-pressure; bounds memory). */
const MAX_IN_FLIGHT = 2;
const ANOMALY_EVENTS_PER_CODE = 20;

interface Answer {
  readonly batch: DecodedBatch<WardEvent>;
  readonly released: readonly number[];
}

class Shard {
  buf = new ArrayBuffer(1 << 20);
  bytes = new Uint8Array(this.buf);
  head = new Float64Array(this.buf);
  len = 0;
  /**
   * Run-wide flow id of each of this shard's open flows, and of the ended ones still named as a
   * control flow (until the shard releases them): not one entry per flow of the run.
   */
  readonly ids = new Map<number, number>();
  stats: ShardStats = {
    flows: 0,
    flowsByProto: {},
    evicted: 0,
    apps: {},
    anomalies: {},
    tcpAcks: 0,
    tcpGaps: 0,
    tcpGapBytes: 0,
  };
  /** Answers not merged yet, in batch order. */
  readonly answers: Answer[] = [];
  /** This shard's stream of event batches (its shapes carry over from batch to batch). */
  readonly decoder = new EventDecoder();

  constructor(readonly worker: Worker) {}

  reserve(n: number): void {
    if (this.len + n <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.len + n) size *= 2;
    const grown = new ArrayBuffer(size);
    new Uint8Array(grown).set(this.bytes.subarray(0, this.len));
    this.buf = grown;
    this.bytes = new Uint8Array(grown);
    this.head = new Float64Array(grown);
  }

  /** Packet buffers the worker gave back (at most MAX_IN_FLIGHT + 1 exist a shard). */
  readonly spare: ArrayBuffer[] = [];

  flush(): void {
    const m: ToShard = { t: 'batch', buf: this.buf, len: this.len };
    this.worker.postMessage(m, [this.buf]);
    this.use(this.spare.pop() ?? new ArrayBuffer(1 << 20));
  }

  private use(buf: ArrayBuffer): void {
    this.buf = buf;
    this.bytes = new Uint8Array(buf);
    this.head = new Float64Array(buf);
    this.len = 0;
  }
}

export interface ShardedOptions {
  workers: number;
  salt: string;
  maxFlows?: number;
  maxBuffered?: number;
}

export class ShardedEngine {
  private readonly shards: Shard[];
  private readonly L = new Layers();
  private readonly seen = new SeenPairs();
  private readonly anomalyEvents = new Map<string, number>();
  /** Each open flow's client and server, by run-wide id. */
  private readonly ends = new Map<number, readonly [Endpoint, Endpoint]>();
  private nextFlowId = 1;
  private open = 0;
  private lastSweep = 0;
  private sent = 0;
  private merged = 0;
  private waiter: (() => void) | null = null;
  private failed: Error | null = null;
  private finished = false;
  private readonly own = { packets: 0, bytes: 0, first: Number.POSITIVE_INFINITY, last: 0 };

  constructor(
    private readonly sink: EventSink,
    opts: ShardedOptions,
  ) {
    const url = new URL('./shard-worker.js', import.meta.url);
    // Each shard holds 1/N of the flows: its share of 192 MB (the launcher caps the main heap at 256 MB,
    // which also holds the devices and the detector), and room to work.
    const oldMb = Math.max(48, Math.ceil(192 / opts.workers) + 32);
    this.shards = [];
    // Young generation: 8 MB for one or two shards (~37 scavenges a shard on 300k bench packets
    // instead of ~70 with 4 MB; 16 MB halves that again but 2 shards then peak at 306 MB on 5 M
    // packets), 4 MB past that, so that N of them stay within the run's memory bound (peak RSS
    // ≤ 300 MB), as the launcher caps the main heap: on 1 M packets 4 shards peak at 284 MB with
    // 4 MB and 299 MB with 8 MB.
    const youngMb = opts.workers <= 2 ? 8 : 4;
    for (let i = 0; i < opts.workers; i++) {
      const w = new Worker(url, {
        resourceLimits: { maxYoungGenerationSizeMb: youngMb, maxOldGenerationSizeMb: oldMb },
      });
      const shard = new Shard(w);
      w.on('message', (m: FromShard) => this.onAnswer(shard, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (!this.finished) this.fail(new Error(`worker thread exited (${code}) before the run ended`));
      });
      // The run's flow bound is shared out: N shards hold no more flows than one engine.
      const maxFlows = Math.max(16, Math.ceil((opts.maxFlows ?? DEFAULT_MAX_FLOWS) / opts.workers));
      // So is the budget for held bytes.
      const maxBuffered = Math.ceil((opts.maxBuffered ?? DEFAULT_MAX_BUFFERED) / opts.workers);
      const init: ToShard = { t: 'init', salt: opts.salt, maxFlows, maxBuffered };
      w.postMessage(init);
      this.shards.push(shard);
    }
  }

  /** The threads have ended their flows (after `finish`). */
  get done(): boolean {
    return this.finished;
  }

  get workers(): number {
    return this.shards.length;
  }

  get openFlows(): number {
    return this.open;
  }

  /** The single engine's counters: packets and times from the reader, the rest summed over shards. */
  get stats(): EngineStats {
    const flowsByProto: Record<L4Proto, number> = { tcp: 0, udp: 0, icmp: 0, icmpv6: 0, other: 0 };
    const apps: Record<string, number> = {};
    const anomalies: Record<string, number> = {};
    let flows = 0;
    let evicted = 0;
    let tcpAcks = 0;
    let tcpGaps = 0;
    let tcpGapBytes = 0;
    for (const s of this.shards) {
      flows += s.stats.flows;
      evicted += s.stats.evicted;
      tcpAcks += s.stats.tcpAcks;
      tcpGaps += s.stats.tcpGaps;
      tcpGapBytes += s.stats.tcpGapBytes;
      for (const [k, v] of Object.entries(s.stats.flowsByProto)) flowsByProto[k as L4Proto] += v;
      for (const [k, v] of Object.entries(s.stats.apps)) apps[k] = (apps[k] ?? 0) + v;
      for (const [k, v] of Object.entries(s.stats.anomalies)) anomalies[k] = (anomalies[k] ?? 0) + v;
    }
    return {
      ...this.own,
      flows,
      flowsByProto,
      evicted,
      apps,
      anomalies: anomalies as EngineStats['anomalies'],
      tcpAcks,
      tcpGaps,
      tcpGapBytes,
    };
  }

  packet(p: RawPacket): void {
    const own = this.own;
    const ts = p.ts;
    own.packets++;
    own.bytes += p.origLen;
    if (ts < own.first) own.first = ts;
    if (ts > own.last) own.last = ts;
    const seq = own.packets;
    if (ts - this.lastSweep >= 1e6) {
      this.lastSweep = ts;
      for (const s of this.shards) this.record(s, SWEEP, ts, seq, 0, p.frame ?? p.data, 0, 0);
    }
    const frame = p.frame ?? p.data;
    const start = p.frameStart ?? 0;
    const end = p.frameEnd ?? frame.length;
    const s = this.shards[this.shardOf(frame, p.linktype, start, end)]!;
    this.record(s, seq, ts, p.origLen, p.linktype, frame, start, end);
  }

  /** After each read chunk: one batch to every shard; wait while too many are unmerged. */
  afterChunk(): Promise<void> | undefined {
    this.sendBatch();
    if (this.failed) return Promise.reject(this.failed);
    if (this.sent - this.merged < MAX_IN_FLIGHT) return undefined;
    return this.until(() => this.sent - this.merged < MAX_IN_FLIGHT);
  }

  /** Every packet so far handed out and its events delivered (end of a file). */
  async drain(): Promise<void> {
    this.sendBatch();
    await this.until(() => this.merged === this.sent);
  }

  /** End of input: every shard closes its flows; their events are merged; the threads end. */
  async finish(): Promise<void> {
    if (this.finished) {
      if (this.failed) throw this.failed;
      return;
    }
    await this.drain();
    const m: ToShard = { t: 'finish', last: this.own.last };
    for (const s of this.shards) s.worker.postMessage(m);
    this.sent++;
    await this.until(() => this.merged === this.sent);
    this.finished = true;
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }

  /** Stop the threads without merging (an error elsewhere). */
  async abort(): Promise<void> {
    this.finished = true;
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }

  private sendBatch(): void {
    if (this.shards.every((s) => s.len === 0)) return;
    for (const s of this.shards) s.flush();
    this.sent++;
  }

  private until(ok: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.failed) reject(this.failed);
        else if (ok()) resolve();
        else this.waiter = check;
      };
      check();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private fail(err: Error): void {
    this.failed ??= err;
    this.wake();
  }

  private shardOf(frame: Uint8Array, linktype: number, start: number, end: number): number {
    const n = this.shards.length;
    const quick = linktype === LINKTYPE_ETHERNET ? quickPairHash(frame, start, end) : -1;
    const h = quick >= 0 ? quick : pairHash(frame, linktype, this.L, start, end);
    return h < 0 ? 0 : h % n; // ARP and the rest: no flow, any shard
  }

  private record(
    s: Shard,
    seq: number,
    ts: number,
    origLen: number,
    linktype: number,
    frame: Uint8Array,
    start: number,
    end: number,
  ): void {
    const caplen = end - start;
    s.reserve(REC_BYTES + caplen + 8);
    const w = s.len >> 3;
    const h = s.head;
    h[w] = seq;
    h[w + 1] = ts;
    h[w + 2] = this.own.last;
    h[w + 3] = origLen;
    h[w + 4] = linktype;
    h[w + 5] = caplen;
    if (caplen > 0) s.bytes.set(frame.subarray(start, end), s.len + REC_BYTES);
    s.len += REC_BYTES + ((caplen + 7) & ~7);
  }

  private onAnswer(shard: Shard, m: FromShard): void {
    shard.stats = m.stats;
    if (m.buf !== null) shard.spare.push(m.buf);
    try {
      shard.answers.push({ batch: shard.decoder.decode<WardEvent>(m.events), released: m.released });
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    while (this.shards.every((s) => s.answers.length > 0)) {
      try {
        this.merge(this.shards.map((s) => s.answers.shift()!));
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      this.merged++;
    }
    this.wake();
  }

  /** The shards' answers to one batch, in the single engine's order (keys ascending). */
  private merge(answers: Answer[]): void {
    this.mergeEvents(answers.map((a) => a.batch));
    // What the shards released cannot be named again: after the whole batch, as they told it.
    for (let i = 0; i < answers.length; i++) {
      const ids = this.shards[i]!.ids;
      for (const id of answers[i]!.released) ids.delete(id);
    }
  }

  /** Run-wide ids mapped now, over all shards (open flows and pinned control flows). */
  get mappedFlows(): number {
    let n = 0;
    for (const s of this.shards) n += s.ids.size;
    return n;
  }

  private mergeEvents(outs: DecodedBatch<WardEvent>[]): void {
    const n = outs.length;
    const at = new Array<number>(n).fill(0);
    for (;;) {
      let best = -1;
      let b1 = 0;
      let b2 = 0;
      for (let i = 0; i < n; i++) {
        const o = outs[i]!;
        const j = at[i]!;
        if (j >= o.e.length) continue;
        const k1 = o.k[2 * j]!;
        const k2 = o.k[2 * j + 1]!;
        if (best < 0 || k1 < b1 || (k1 === b1 && k2 < b2)) {
          best = i;
          b1 = k1;
          b2 = k2;
        }
      }
      if (best < 0) return;
      // Events of one packet come from one shard, all together: take the shard's whole run of that key.
      const o = outs[best]!;
      let j = at[best]!;
      while (j < o.e.length && o.k[2 * j] === b1 && o.k[2 * j + 1] === b2) this.deliver(best, o.e[j++]!);
      at[best] = j;
    }
  }

  private deliver(shard: number, ev: WardEvent): void {
    const ids = this.shards[shard]!.ids;
    const m = ev as { flowId?: number; controlFlowId?: number };
    if (ev.type === 'flow-start') {
      ids.set(ev.flowId, this.nextFlowId++);
      this.open++;
    } else if (ev.type === 'flow-end') this.open--;
    else if (ev.type === 'device-seen' && !this.seen.first(ev.mac, ev.ip ?? '')) return;
    else if (ev.type === 'anomaly') {
      const c = (this.anomalyEvents.get(ev.code) ?? 0) + 1;
      this.anomalyEvents.set(ev.code as AnomalyCode, c);
      if (c > ANOMALY_EVENTS_PER_CODE) return;
    }
    if (m.controlFlowId !== undefined) m.controlFlowId = ids.get(m.controlFlowId)!;
    if (m.flowId !== undefined) {
      const id = (m.flowId = ids.get(m.flowId)!);
      // One engine hands out a flow's two Endpoint objects in all its events, and inventory
      // tells its ends apart by identity: the merged events get them back.
      const e = ev as { src?: Endpoint; dst?: Endpoint; host?: Endpoint };
      if (ev.type === 'flow-start') this.ends.set(id, [ev.src, ev.dst]);
      else {
        const ends = this.ends.get(id);
        if (ends !== undefined) {
          if (e.src !== undefined) e.src = same(e.src, ends);
          if (e.dst !== undefined) e.dst = same(e.dst, ends, 1);
          if (e.host !== undefined) e.host = same(e.host, ends);
          if (ev.type === 'flow-end') this.ends.delete(id);
        }
      }
    }
    this.sink(ev);
  }
}

/** The flow's own end equal to `ep` (the `first`-th checked first), else `ep`. */
function same(ep: Endpoint, ends: readonly [Endpoint, Endpoint], first = 0): Endpoint {
  const a = ends[first]!;
  if (a.ip === ep.ip && a.port === ep.port && a.mac === ep.mac) return a;
  const b = ends[1 - first]!;
  if (b.ip === ep.ip && b.port === ep.port && b.mac === ep.mac) return b;
  return ep;
}
