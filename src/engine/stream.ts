// Records as they happen (`watch`, `analyze -`, the console's demo ward): a RecordSink on the
// Pipeline hears of each alert the moment a rule raises it, of its later state as an
// `alert-update` (at most one per alert per tick), of devices on first sight and when what they
// are changes (checked each tick), and of summaries when asked. Ticks come every `updateSeconds`
// of capture time (checked once per event: one comparison) and whenever the driver calls
// `tick()` (the CLI does every `updateSeconds` of wall time, so a quiet link still reports).
//
// At the end the stream settles: every alert of the final list in its final order — as `alert`
// when it was never streamed (rules that judge at finish: phi.cleartext, device.vulnerable,
// egress.beacon, policy.violation, device.new), as `alert-update` when its final state differs
// from what was sent, with `suppressed: true` for a streamed alert a suppression covers after
// all — then every device as it stands, then the summary. Folding the stream by key gives
// exactly the records `analyze FILE` prints.
import {
  type AlertRecord,
  type AlertUpdateRecord,
  alertKey,
  type DeviceRecord,
  type SummaryRecord,
} from '../contract/records.js';
import type { Aggregate } from '../detect/aggregate.js';
import type { Detector } from '../detect/detector.js';
import type { Inventory } from '../inventory/inventory.js';

export interface RecordSink {
  /** An alert, the first time it is raised (or at the end, for rules that judge then). */
  alert?(a: AlertRecord): void;
  /**
   * A streamed alert's newer state; `full` is the whole record as it stands (CEF and syslog resend
   * it), absent for `suppressed` updates.
   */
  update?(u: AlertUpdateRecord, full: AlertRecord | undefined): void;
  /** A device on first sight, when what it is changes, and (every device) at the end. */
  device?(d: DeviceRecord): void;
  /** A summary: `final` at the end, interim when the driver asks (`--summary-every`). */
  summary?(s: SummaryRecord, final: boolean): void;
}

export interface StreamOptions {
  readonly sink: RecordSink;
  /** Seconds between ticks: the bound on updates per alert and on device checks (default 10). */
  readonly updateSeconds?: number;
}

interface Sent {
  severity: AlertRecord['severity'];
  first: string;
  last: string;
  count: number;
  evidence: string;
  model: string | undefined;
}

export interface StreamStats {
  alerts: number;
  updates: number;
  devices: number;
  summaries: number;
  ticks: number;
}

export class RecordStream {
  readonly stats: StreamStats = { alerts: 0, updates: 0, devices: 0, summaries: 0, ticks: 0 };
  private readonly sink: RecordSink;
  private readonly everyUs: number;
  /** Capture time at which the next tick is due (set by the first event). */
  private nextTickUs = Number.NaN;
  /** What was last sent of each streamed alert, by key (bounded by the aggregator's key limit). */
  private readonly sent = new Map<string, Sent>();
  /** Streamed aggregates folded into since the last tick. */
  private readonly dirty = new Set<Aggregate>();
  /** Identity of each device as last sent (`identity`): bounded by the device table. */
  private readonly devices = new Map<string, string>();
  private ended = false;

  constructor(
    private readonly detector: Detector,
    private readonly inventory: Inventory,
    opts: StreamOptions,
  ) {
    this.sink = opts.sink;
    this.everyUs = Math.max(0.001, opts.updateSeconds ?? 10) * 1e6;
    detector.onAlert((a, created) => this.onAggregate(a, created));
  }

  /** Called for every event after inventory and detector have seen it. */
  time(ts: number): void {
    if (ts < this.nextTickUs) return;
    if (Number.isNaN(this.nextTickUs)) {
      this.nextTickUs = ts + this.everyUs;
      this.checkDevices(); // the first devices appear at once
      return;
    }
    this.nextTickUs = ts + this.everyUs;
    this.tick();
  }

  /** Send pending alert updates and device changes now. */
  tick(): void {
    if (this.ended) return;
    this.stats.ticks++;
    for (const a of this.dirty) {
      const rec = this.detector.provisional(a, this.model(a.deviceId));
      if (rec !== undefined) this.sendUpdate(rec);
    }
    this.dirty.clear();
    this.checkDevices();
  }

  /** An interim (or the final) summary. */
  summary(s: SummaryRecord, final: boolean): void {
    if (this.ended) return;
    this.stats.summaries++;
    this.sink.summary?.(s, final);
  }

  /** End of input: settle every alert against the final list, then devices, then the summary. */
  end(alerts: readonly AlertRecord[], devices: readonly DeviceRecord[], summary: SummaryRecord): void {
    if (this.ended) return;
    this.dirty.clear();
    const final = new Set<string>();
    for (const a of alerts) {
      const key = alertKey(a);
      final.add(key);
      if (this.sent.has(key)) this.sendUpdate(a);
      else this.sendAlert(key, a);
    }
    for (const [key, s] of this.sent) {
      if (final.has(key)) continue;
      const [rule = ''] = key.split('|', 1);
      this.stats.updates++;
      const u: AlertUpdateRecord = {
        type: 'alert-update',
        key,
        rule,
        severity: s.severity,
        first: s.first,
        last: s.last,
        count: s.count,
        suppressed: true,
      };
      this.sink.update?.(u, undefined);
    }
    for (const d of devices) {
      this.stats.devices++;
      this.sink.device?.(d);
    }
    this.summary(summary, true);
    this.ended = true;
  }

  private onAggregate(a: Aggregate, created: boolean): void {
    if (this.ended) return;
    if (!created) {
      if (this.sent.has(a.key)) this.dirty.add(a);
      return;
    }
    const rec = this.detector.provisional(a, this.model(a.deviceId));
    if (rec !== undefined) this.sendAlert(a.key, rec);
  }

  private sendAlert(key: string, a: AlertRecord): void {
    this.sent.set(key, {
      severity: a.severity,
      first: a.first,
      last: a.last,
      count: a.count,
      evidence: JSON.stringify(a.evidence),
      model: a.device.model,
    });
    this.stats.alerts++;
    this.sink.alert?.(a);
  }

  private sendUpdate(a: AlertRecord): void {
    const key = alertKey(a);
    const s = this.sent.get(key);
    if (s === undefined) return;
    const evidence = JSON.stringify(a.evidence);
    const evidenceChanged = evidence !== s.evidence;
    const deviceChanged = a.device.model !== s.model;
    if (
      !evidenceChanged &&
      !deviceChanged &&
      s.count === a.count &&
      s.first === a.first &&
      s.last === a.last &&
      s.severity === a.severity
    )
      return;
    s.severity = a.severity;
    s.first = a.first;
    s.last = a.last;
    s.count = a.count;
    s.evidence = evidence;
    s.model = a.device.model;
    const u: AlertUpdateRecord = {
      type: 'alert-update',
      key,
      rule: a.rule,
      severity: a.severity,
      first: a.first,
      last: a.last,
      count: a.count,
      ...(evidenceChanged ? { evidence: a.evidence } : {}),
      ...(deviceChanged ? { device: a.device } : {}),
    };
    this.stats.updates++;
    this.sink.update?.(u, a);
  }

  private checkDevices(): void {
    if (this.sink.device === undefined) return;
    for (const d of this.inventory.records()) {
      const sig = identity(d);
      if (this.devices.get(d.id) === sig) continue;
      this.devices.set(d.id, sig);
      this.stats.devices++;
      this.sink.device(d);
    }
  }

  private model(deviceId: string): string | undefined {
    return this.inventory.device(deviceId)?.model;
  }
}

/**
 * What a device is: addresses, names, model, class and confidence, how it was identified and its
 * advisories — not times, counters or the reasons' wording (which quotes counts that grow).
 */
function identity(d: DeviceRecord): string {
  const { first: _f, last: _l, packets: _p, bytes: _b, reasons: _r, ...rest } = d;
  return JSON.stringify(rest);
}
