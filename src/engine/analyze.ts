// The pipeline of DESIGN.md, assembled: capture → flow engine → events → inventory + detect.
// Library entry used by `analyze`, `inventory`, `report`, `watch`, the lab and the firmware
// cross-check. Files are read one after another through one engine, streaming.

import { readCapture, readCaptureStream } from '../capture/reader.js';
import type { CaptureInfo, PacketCallback, RawPacket } from '../capture/types.js';
import type { BreachReport } from '../contract/breach.js';
import type { WardConfig } from '../contract/config.js';
import type { PolicyFile } from '../contract/policy.js';
import {
  type AlertRecord,
  type CaptureStatsRecord,
  percentText,
  type DeviceRecord,
  type IncidentRecord,
  isoTime,
  type SummaryRecord,
  type TcpGapsRecord,
} from '../contract/records.js';
import { loadConfig } from '../config/config.js';
import { Detector } from '../detect/detector.js';
import { configIndicators } from '../config/indicators.js';
import { loadPolicy } from '../config/policy.js';
import type { EventSink, L4Proto, WardEvent } from '../events.js';
import { DEFAULT_MAX_BUFFERED } from '../flow/budget.js';
import { FlowEngine } from '../flow/engine.js';
import { loadCatalog } from '../config/catalog.js';
import { Inventory } from '../inventory/inventory.js';
import { siteMatcher } from '../inventory/zones.js';
import { loadOrCreateSalt, patientHasher, saltId } from './salt.js';
import { RecordStream, type StreamOptions } from './stream.js';
import { ShardedEngine } from './workers.js';
import { WardwatchError } from '../errors.js';

export interface AnalyzeOptions {
  configPath?: string;
  /** Already-loaded config (tests, lab); wins over `configPath`. */
  config?: WardConfig;
  policyPath?: string;
  /** Already-loaded policy (tests, lab); wins over `policyPath`. */
  policy?: PolicyFile;
  /** Hex salt; default: the config's `saltFile`, else the per-installation salt file. */
  salt?: string;
  /** Progress of the current file: bytes read of `total` (0 for stdin). */
  onProgress?: (file: string, offset: number, total: number) => void;
  /** Further subscribers to every event (the store, a live console). */
  onEvent?: EventSink;
  maxFlows?: number;
  /** What all flows may hold at once, in bytes (`--max-buffer`; flow/budget.ts). */
  maxBuffered?: number;
  /** Stop reading (live capture shutdown). */
  signal?: AbortSignal;
  /** Records as they happen (`watch`, `analyze -`, the console): see `engine/stream.ts`. */
  stream?: StreamOptions;
  /**
   * Worker threads for the flow engine (src/engine/workers.ts); 1 (the default) runs it on this
   * thread. Any count gives the same records. Finish such a run with `end()`.
   */
  workers?: number;
}

export interface Peer {
  ip: string;
  port?: number;
  proto: string;
  packets: number;
  bytes: number;
}

export interface AnalyzeResult {
  alerts: AlertRecord[];
  /** The alerts grouped by device (src/detect/incidents.ts). */
  incidents: IncidentRecord[];
  devices: DeviceRecord[];
  summary: SummaryRecord;
  breach: BreachReport;
  inventory: Inventory;
  /** Responders of every flow, by (ip, port, proto): what was contacted. */
  peers: Peer[];
  captures: { file: string; info: CaptureInfo }[];
  /** The salt's non-secret id (src/engine/salt.ts `saltId`). */
  saltId: string;
}

/** Sees every packet of a stream after the engine (`watch --keep`: capture/rolling.ts). */
export interface PacketTee {
  /** The stream's capture info, before its first packet. */
  start(info: CaptureInfo): void;
  packet(pkt: RawPacket): void;
}

/** A signal that stopped a run early (the summary says so). */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Everything one run needs, built once from options. */
export class Pipeline {
  readonly config: WardConfig;
  readonly inventory: Inventory;
  readonly detector: Detector;
  readonly engine: FlowEngine | ShardedEngine;
  private readonly sharded: ShardedEngine | undefined;
  readonly captures: { file: string; info: CaptureInfo }[] = [];
  /** Set when records stream (`opts.stream`). */
  readonly stream: RecordStream | undefined;
  /** The salt's non-secret id (breach reports print it; the salt itself never leaves). */
  readonly saltId: string;
  /**
   * Responders by address, then by protocol and port as one number (`portKey`): no key string is
   * built per flow-end (addresses are the engine's interned strings); `peerList` keeps first-seen order.
   */
  private readonly peers = new Map<string, Map<number, Peer>>();
  private readonly peerList: Peer[] = [];
  private result: AnalyzeResult | undefined;
  /** The capture being read now (an interim summary names it). */
  private reading: string | undefined;
  /** A live capture's latest counts from its tool (`noteCaptureStats`). */
  private captureStats: CaptureStatsRecord | undefined;
  private readonly maxBuffered: number;

  constructor(opts: AnalyzeOptions = {}) {
    this.config = opts.config ?? loadConfig(opts.configPath);
    const policy: PolicyFile | undefined = opts.policy ?? (opts.policyPath ? loadPolicy(opts.policyPath) : undefined);
    const salt = opts.salt ?? loadOrCreateSalt(this.config.saltFile);
    this.saltId = saltId(salt);
    this.inventory = new Inventory({
      catalog: loadCatalog(this.config.catalogFiles),
      site: siteMatcher(this.config.zones),
    });
    this.detector = new Detector({ config: this.config, indicators: configIndicators(this.config), policy });
    const extra = opts.onEvent;
    const inventory = this.inventory;
    const detector = this.detector;
    const stream = opts.stream ? new RecordStream(detector, inventory, opts.stream) : undefined;
    this.stream = stream;
    const sink = (ev: WardEvent) => {
      inventory.onEvent(ev);
      detector.onEvent(ev);
      if (ev.type === 'flow-end') this.notePeer(ev.dst.ip, ev.dst.port, ev.proto, ev.packets, ev.bytes);
      if (extra) extra(ev);
      if (stream) stream.time(ev.ts);
    };
    const workers = opts.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1)
      throw new WardwatchError('WW_ARGS', `workers must be ≥ 1, got ${workers}`);
    const { maxFlows, maxBuffered } = opts;
    this.maxBuffered = maxBuffered ?? DEFAULT_MAX_BUFFERED;
    this.sharded = workers > 1 ? new ShardedEngine(sink, { workers, salt, maxFlows, maxBuffered }) : undefined;
    this.engine = this.sharded ?? new FlowEngine(sink, { hashPatientId: patientHasher(salt), maxFlows, maxBuffered });
  }

  private notePeer(
    ip: string,
    port: number | undefined,
    proto: L4Proto,
    packets: readonly [number, number],
    bytes: readonly [number, number],
  ): void {
    let byPort = this.peers.get(ip);
    const key = portKey(proto, port);
    let p = byPort?.get(key);
    if (p === undefined) {
      if (this.peerList.length >= 100_000) return;
      p = port === undefined ? { ip, proto, packets: 0, bytes: 0 } : { ip, port, proto, packets: 0, bytes: 0 };
      if (byPort === undefined) this.peers.set(ip, (byPort = new Map()));
      byPort.set(key, p);
      this.peerList.push(p);
    }
    p.packets += packets[0] + packets[1];
    p.bytes += bytes[0] + bytes[1];
  }

  async readFile(file: string, opts: AnalyzeOptions = {}): Promise<CaptureInfo> {
    const engine = this.engine;
    this.reading = file;
    const info = await this.settle(
      readCapture(file, (pkt) => engine.packet(pkt), {
        onProgress: opts.onProgress ? (off, total) => opts.onProgress!(file, off, total) : undefined,
        signal: opts.signal,
        afterChunk: this.afterChunk,
      }),
    );
    this.captures.push({ file, info });
    return info;
  }

  /** With worker threads, the reader waits after each chunk while the shards are busy (back-pressure). */
  private get afterChunk(): (() => Promise<void> | undefined) | undefined {
    const sharded = this.sharded;
    return sharded ? () => sharded.afterChunk() : undefined;
  }

  /** The end of one read: the shards drain (or stop on an error) before the capture counts as read. */
  private settle(read: Promise<CaptureInfo>): Promise<CaptureInfo> {
    const sharded = this.sharded;
    return read
      .then(async (i) => {
        await sharded?.drain();
        return i;
      })
      .catch(async (err: unknown) => {
        await sharded?.abort();
        throw err;
      })
      .finally(() => {
        this.reading = undefined;
      });
  }

  /** Reads a capture stream; a `tee` (watch --keep) sees every packet too, after the engine. */
  async readStream(
    stream: NodeJS.ReadableStream,
    name: string,
    opts: AnalyzeOptions & { tee?: PacketTee } = {},
  ): Promise<CaptureInfo> {
    const engine = this.engine;
    const tee = opts.tee;
    this.reading = name;
    const onPacket: PacketCallback =
      tee === undefined
        ? (pkt) => engine.packet(pkt)
        : (pkt) => {
            engine.packet(pkt);
            tee.packet(pkt);
          };
    const info = await this.settle(
      readCaptureStream(stream, name, onPacket, {
        signal: opts.signal,
        afterChunk: this.afterChunk,
        onInfo: tee === undefined ? undefined : (i) => tee.start(i),
      }),
    );
    this.captures.push({ file: name, info });
    return info;
  }

  /**
   * What the capture tool of a live source counted (`watch -i`: tcpdump's report, asked for while
   * it runs and given on exit): the summaries carry the latest, with a warning when the kernel
   * dropped packets before they were read.
   */
  noteCaptureStats(stats: CaptureStatsRecord): void {
    this.captureStats = stats;
  }

  /** The capture-loss warning of the latest counts, or undefined when nothing was lost (or none were given). */
  captureLoss(): string | undefined {
    const cs = this.captureStats;
    return cs !== undefined && cs.dropped + cs.interfaceDropped > 0 ? captureLossWarning(cs) : undefined;
  }

  /** `finish()` for any worker count: the worker threads close their flows first. */
  async end(opts: { interrupted?: StopSignal } = {}): Promise<AnalyzeResult> {
    // The workers' closing flows raise alerts too: the stream holds them for its end (as in finish).
    if (this.sharded !== undefined) this.stream?.closing();
    await this.sharded?.finish();
    return this.finish(opts);
  }

  /** Stop the worker threads of a run that will not be finished (an error). */
  async abort(): Promise<void> {
    await this.sharded?.abort();
  }

  /** End of input (or `interrupted` by a signal): close every flow, judge, and build the records. */
  finish(opts: { interrupted?: StopSignal } = {}): AnalyzeResult {
    if (this.result !== undefined) return this.result;
    if (this.sharded !== undefined && !this.sharded.done)
      throw new WardwatchError('WW_INTERNAL', 'a run with worker threads ends with end(), not finish()');
    // Closing the flows and judging raise alerts: the stream tells them at its end, in order.
    this.stream?.closing();
    if (this.sharded === undefined) this.engine.finish();
    const devices = this.inventory.records();
    const alerts = this.detector.finish(devices);
    const summary = this.summaryRecord(devices.length, alerts.length, this.detector.warnings, opts.interrupted);
    this.result = {
      alerts,
      devices,
      summary,
      incidents: this.detector.incidents(devices),
      breach: this.detector.breach(devices),
      inventory: this.inventory,
      peers: [...this.peerList],
      captures: this.captures,
      saltId: this.saltId,
    };
    this.stream?.end(alerts, devices, summary, this.result.incidents);
    return this.result;
  }

  /** A summary of what was read so far, without ending the run (`--summary-every`); also sent to the stream. */
  interimSummary(): SummaryRecord {
    const s: SummaryRecord = {
      ...this.summaryRecord(
        this.inventory.records().length,
        this.stream?.stats.alerts ?? 0,
        this.detector.interimWarnings(),
        undefined,
      ),
      files: [...this.captures.map((c) => c.file), ...(this.reading !== undefined ? [this.reading] : [])],
      interim: true,
    };
    this.stream?.summary(s, false);
    return s;
  }

  private summaryRecord(
    deviceCount: number,
    alertCount: number,
    detectorWarnings: readonly string[],
    interrupted: StopSignal | undefined,
  ): SummaryRecord {
    const st = this.engine.stats;
    const warnings: string[] = [];
    for (const c of this.captures) {
      if (c.info.damaged) warnings.push(`${c.file}: damaged: ${c.info.damage ?? 'stopped early'}`);
      for (const w of c.info.warnings) warnings.push(`${c.file}: ${w}`);
    }
    const anomalies: Record<string, number> = { ...st.anomalies };
    for (const c of this.captures)
      for (const [code, n] of Object.entries(c.info.anomalies)) anomalies[code] = (anomalies[code] ?? 0) + n;
    if (st.evicted > 0) warnings.push(`flow table full: ${st.evicted} flows evicted before they ended`);
    const memcap = st.anomalies['stream.memcap'] ?? 0;
    if (memcap > 0) warnings.push(bufferWarning(memcap, this.maxBuffered));
    const gaps = st.tcpGaps > 0 ? { acks: st.tcpAcks, gaps: st.tcpGaps, bytes: st.tcpGapBytes } : undefined;
    if (gaps !== undefined && gaps.gaps >= GAP_WARN_MIN && gaps.gaps >= gaps.acks * GAP_WARN_SHARE)
      warnings.push(gapWarning(gaps));
    warnings.push(...detectorWarnings);
    const cs = this.captureStats;
    const loss = this.captureLoss();
    if (loss !== undefined) warnings.push(loss);
    if (interrupted) warnings.push(`interrupted by ${interrupted}: the records cover what was read before it`);
    return {
      type: 'summary',
      files: this.captures.map((c) => c.file),
      packets: st.packets,
      bytes: st.bytes,
      flows: st.flows,
      devices: deviceCount,
      alerts: alertCount,
      damaged: this.captures.some((c) => c.info.damaged),
      apps: sortedRecord(st.apps),
      anomalies: sortedRecord(anomalies),
      warnings,
      ...(st.packets > 0 ? { first: isoTime(st.first), last: isoTime(st.last) } : {}),
      ...(interrupted ? { interrupted: true } : {}),
      ...(cs !== undefined ? { capture: cs } : {}),
      ...(gaps !== undefined ? { tcpGaps: gaps } : {}),
    };
  }
}

/** TCP gaps warn from this share of the acknowledgements (Zeek's notice is at 10 %), and this many. */
const GAP_WARN_SHARE = 0.01;
const GAP_WARN_MIN = 5;

/** The run's budget for held bytes was spent `times` times (the anomaly `stream.memcap`). */
export function bufferWarning(times: number, limit: number): string {
  return (
    `buffer budget spent (${+(limit / 2 ** 20).toFixed(1)} MiB held across flows): ${times} times a flow's bytes were not held ` +
    '(a TCP hole skipped, an HL7 frame or DICOM PDU dropped, a flow named by its port before its probes were done); --max-buffer raises it'
  );
}

/** The summary's words for TCP acknowledging data the capture never held. */
export function gapWarning(g: TcpGapsRecord): string {
  return `capture loss: ${percentText(g.gaps, g.acks)} of TCP acknowledgements (${g.gaps} of ${g.acks}) covered data this capture never held (${g.bytes} bytes) — the tap, mirror port or capture dropped packets (estimated as Zeek's capture_loss), so flows and alerts may be missing`;
}

/** The summary's words for a live capture that lost packets before they were read. */
export function captureLossWarning(cs: CaptureStatsRecord): string {
  const parts: string[] = [];
  if (cs.dropped > 0) {
    const share = percentText(cs.dropped, cs.received);
    const pct = share === undefined ? '' : ` (${share})`;
    parts.push(
      `the kernel dropped ${cs.dropped} of the ${cs.received} packets the filter passed${pct} before they were read`,
    );
  }
  if (cs.interfaceDropped > 0) parts.push(`the interface dropped ${cs.interfaceDropped}`);
  return `${cs.source}: capture loss: ${parts.join('; ')} — the reader fell behind the traffic (the analysis, or a burst larger than the capture buffer), so flows, devices and alerts may be missing; narrow --filter to what the ward needs`;
}

/** Analyse capture files (or '-' for stdin) in order, as one run. */
export async function analyzeCaptures(inputs: readonly string[], opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const pipeline = new Pipeline(opts);
  try {
    for (const file of inputs) await pipeline.readFile(file, opts);
  } catch (err) {
    await pipeline.abort();
    throw err;
  }
  return pipeline.end();
}

const PROTO_CODE: Record<L4Proto, number> = { tcp: 0, udp: 1, icmp: 2, icmpv6: 3, other: 4 };
/** One number for (protocol, port or none): 65 537 values a protocol. */
function portKey(proto: L4Proto, port: number | undefined): number {
  return PROTO_CODE[proto] * 65_537 + (port ?? 65_536);
}

function sortedRecord(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
