// A sensor run's batches: the store's Ingestor folds flows, DNS, addresses and exposure without a
// store, a RecordSink keeps the newest alert and device records (`watch`'s record stream; a file
// run of `analyze` hands its final records to `settle` instead), and `cut()` turns what is new
// since the previous cut into one IngestBatch of DELTAS (an alert's count, a device's packets and
// bytes: what is new since the last seq of this source), as src/server/live/stream-store.ts does
// for the console's own ward. Cuts fall at deterministic points — the first event at or past each
// `everySeconds` of capture time, a batch reaching `maxRows`, the end — so replaying the same file
// again cuts the same batches with the same ids (`${source}:${seq}`), and the console's exactly-once
// ledger turns a restarted replay's re-sends into duplicates.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { IngestBatch, IngestCapture, IngestTcpGaps } from '../contract/ingest.js';
import { type AlertRecord, alertKey, type DeviceRecord } from '../contract/records.js';
import type { RecordSink } from '../engine/stream.js';
import type { WardEvent } from '../events.js';
import { Zones } from '../net/zones.js';
import { batchRows } from '../store/batch.js';
import { Ingestor } from '../store/ingest.js';

export interface BatcherOptions {
  readonly sensor: string;
  readonly source: string;
  readonly zones: readonly string[];
  /** Capture seconds between cuts (default 10). */
  readonly everySeconds?: number;
  /** Cut early at this many rows (default 20,000; the contract allows 50,000). */
  readonly maxRows?: number;
  /** Called with each cut batch, in order. */
  readonly onBatch: (b: IngestBatch) => void;
}

export class SensorBatcher {
  readonly stats = { batches: 0, events: 0, records: 0, rows: 0 };
  private readonly ingest: Ingestor;
  private readonly alerts = new Map<string, AlertRecord>();
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly written = { alerts: new Map<string, number>(), devices: new Map<string, [number, number]>() };
  private seq = 0;
  private nextCutUs = Number.NaN;
  /** The live capture's latest counts, and whether the console has them yet. */
  private capture: IngestCapture | undefined;
  private captureSent = true;
  /** Where the run's TCP-gap counts are read at each cut (`gapsFrom`), and the last sent. */
  private gapStats: (() => { tcpAcks: number; tcpGaps: number; tcpGapBytes: number }) | undefined;
  private gapsSent: IngestTcpGaps = { acks: 0, gaps: 0, bytes: 0 };
  private readonly everyUs: number;
  private readonly maxRows: number;

  constructor(private readonly opts: BatcherOptions) {
    this.ingest = new Ingestor(undefined, { zones: new Zones(opts.zones) });
    this.everyUs = (opts.everySeconds ?? 10) * 1e6;
    this.maxRows = opts.maxRows ?? 20_000;
  }

  /** For `new Pipeline({ stream: { sink } })`. */
  readonly sink: RecordSink = {
    alert: (a) => this.alerts.set(alertKey(a), a),
    update: (_u, full) => {
      if (full !== undefined) this.alerts.set(alertKey(full), full);
    },
    device: (d) => this.devices.set(d.id, d),
  };

  /**
   * A file run's final alerts and devices (`analyze FILE --to`, which runs without a record
   * stream): what the last cut sends, as a stream's end would have told the sink.
   */
  settle(alerts: readonly AlertRecord[], devices: readonly DeviceRecord[]): void {
    for (const a of alerts) this.alerts.set(alertKey(a), a);
    for (const d of devices) this.devices.set(d.id, d);
  }

  /** For `new Pipeline({ onEvent })`: cut at capture-time boundaries, then fold the event. */
  readonly onEvent = (ev: WardEvent): void => {
    if (Number.isNaN(this.nextCutUs)) this.nextCutUs = ev.ts + this.everyUs;
    else if (ev.ts >= this.nextCutUs) {
      this.nextCutUs = ev.ts + this.everyUs;
      this.cut();
    }
    this.stats.events++;
    this.ingest.onEvent(ev);
    if (this.ingest.rows >= this.maxRows) this.cut();
  };

  /**
   * A live capture's counts (tcpdump's, cumulative): the next batch carries them when they
   * changed — a cut with nothing else new sends them alone, so the console hears of a capture
   * that is losing packets (and of its exit report) even when little else is new.
   */
  noteCapture(c: IngestCapture): void {
    const was = this.capture;
    if (was?.received === c.received && was.dropped === c.dropped && was.interfaceDropped === c.interfaceDropped)
      return;
    this.capture = { received: c.received, dropped: c.dropped, interfaceDropped: c.interfaceDropped };
    this.captureSent = false;
  }

  /**
   * The run's engine counters (`pipeline.engine.stats`): once there was a gap, each cut carries the
   * TCP-gap counts when they changed since the last batch that did — loss the traffic itself
   * shows, any source; the console keeps the latest.
   */
  gapsFrom(stats: () => { tcpAcks: number; tcpGaps: number; tcpGapBytes: number }): void {
    this.gapStats = stats;
  }

  /** Cut what is new into a batch (nothing when nothing is). Call once more after `finish()`. */
  cut(): void {
    const rows = batchRows(this.ingest.take());
    const records: (AlertRecord | DeviceRecord)[] = [];
    for (const [key, a] of this.alerts) {
      const before = this.written.alerts.get(key) ?? 0;
      if (a.count <= before) continue;
      this.written.alerts.set(key, a.count);
      records.push({ ...a, count: a.count - before });
    }
    for (const d of this.devices.values()) {
      const [p, b] = this.written.devices.get(d.id) ?? [0, 0];
      const packets = d.packets ?? 0;
      const bytes = d.bytes ?? 0;
      this.written.devices.set(d.id, [Math.max(p, packets), Math.max(b, bytes)]);
      records.push({ ...d, packets: Math.max(0, packets - p), bytes: Math.max(0, bytes - b) });
    }
    this.alerts.clear();
    this.devices.clear();
    const nRows =
      rows.flows.length +
      rows.addresses.length +
      rows.dns.length +
      rows.exposure.length +
      rows.patients.length +
      rows.minutes.length +
      rows.proxyRequests.length;
    const capture = this.captureSent ? undefined : this.capture;
    const st = this.gapStats?.();
    const was = this.gapsSent;
    const tcpGaps =
      st !== undefined && st.tcpGaps > 0 && (st.tcpGaps !== was.gaps || st.tcpAcks !== was.acks)
        ? { acks: st.tcpAcks, gaps: st.tcpGaps, bytes: st.tcpGapBytes }
        : undefined;
    if (records.length === 0 && nRows === 0 && capture === undefined && tcpGaps === undefined) return;
    this.captureSent = true;
    if (tcpGaps !== undefined) this.gapsSent = tcpGaps;
    const seq = this.seq++;
    // Records past the contract's 10,000 go in batches of their own, in order.
    for (let i = 0; i === 0 || i < records.length; i += 10_000) {
      const part = records.slice(i, i + 10_000);
      const s = i === 0 ? seq : this.seq++;
      this.stats.batches++;
      this.stats.records += part.length;
      this.stats.rows += i === 0 ? nRows : 0;
      this.opts.onBatch({
        v: 1,
        sensor: this.opts.sensor,
        source: this.opts.source,
        seq: s,
        batch: `${this.opts.source}:${s}`,
        sentAt: new Date().toISOString(),
        records: part,
        rows: i === 0 ? rows : emptyRows(),
        ...(i === 0 && capture !== undefined ? { capture } : {}),
        ...(i === 0 && tcpGaps !== undefined ? { tcpGaps } : {}),
      });
    }
  }
}

function emptyRows(): IngestBatch['rows'] {
  return { flows: [], addresses: [], dns: [], exposure: [], patients: [], minutes: [], proxyRequests: [] };
}

/**
 * A file replay's source: sha256 over the sensor and each capture's first MiB digest and size,
 * so the same files replayed again (a restart) name the same source and cut the same batch ids.
 */
export function fileSource(sensor: string, files: readonly string[]): string {
  const h = createHash('sha256').update(sensor, 'utf8');
  for (const f of files) {
    const size = statSync(f).size;
    const fd = openSync(f, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size, 1 << 20));
      const n = readSync(fd, buf, 0, buf.length, 0);
      h.update('\0')
        .update(createHash('sha256').update(buf.subarray(0, n)).digest('hex'))
        .update(`:${size}`);
    } finally {
      closeSync(fd);
    }
  }
  return h.digest('hex');
}
