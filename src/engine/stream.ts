// Records as they happen (`watch`, `analyze -`, the console's demo ward): a RecordSink on the
// Pipeline hears of each alert the moment a rule raises it, of its later state as an
// `alert-update` (at most one per alert per tick), of devices on first sight and when what they
// are changes (checked each tick), of incidents when they open and change (stream-incidents.ts),
// and of summaries when asked. Ticks come every `updateSeconds` of capture time (checked once
// per event: one comparison) and whenever the driver calls `tick()` (the CLI does every
// `updateSeconds` of wall time, so a quiet link still reports). At each tick the finish-time
// rules (phi.cleartext, device.vulnerable, egress.beacon, policy.violation; device.new's
// identifiers) say what they can already (`Detector.early`): new keys go out as `alert`, known
// ones as `alert-update` when they changed. Those raises never touch the run's aggregates.
//
// At the end the stream settles: every alert of the final list in its final order — as `alert`
// when it was never streamed, as `alert-update` when its final state differs from what was
// sent, with `suppressed: true` for a streamed alert that is not in the final list (a
// suppression covers it after all, or an early judgement no longer holds) — then every final
// incident that differs from what was sent (and `withdrawn` ones), then every device as it
// stands, then the summary. Folding the stream by key gives exactly the records `analyze FILE`
// prints.
import {
  type AlertRecord,
  type AlertUpdateRecord,
  alertKey,
  type DeviceRecord,
  type IncidentRecord,
  type SummaryRecord,
} from '../contract/records.js';
import type { Aggregate } from '../detect/aggregate.js';
import type { Detector } from '../detect/detector.js';
import type { DeviceLookup } from '../detect/incidents.js';
import type { Inventory } from '../inventory/inventory.js';
import { StreamIncidents } from './stream-incidents.js';

export interface RecordSink {
  /** An alert, the first time it is raised (or at the end, for rules that judge then). */
  alert?(a: AlertRecord): void;
  /**
   * A streamed alert's newer state; `full` is the whole record as it stands (CEF and syslog resend
   * it), absent for `suppressed` updates.
   */
  update?(u: AlertUpdateRecord, full: AlertRecord | undefined): void;
  /** An incident when it opens, when it changes (at most once a tick), and the final ones at the end. */
  incident?(i: IncidentRecord): void;
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
  message: string;
  model: string | undefined;
  /** The record's stable id (it names the first time) and how many flows it covered when sent. */
  id: string | undefined;
  flowCount: number;
}

export interface StreamStats {
  alerts: number;
  updates: number;
  devices: number;
  incidents: number;
  summaries: number;
  ticks: number;
}

export class RecordStream {
  readonly stats: StreamStats = {
    alerts: 0,
    updates: 0,
    devices: 0,
    incidents: 0,
    summaries: 0,
    ticks: 0,
  };
  private readonly sink: RecordSink;
  private readonly everyUs: number;
  /** Capture time at which the next tick is due (set by the first event). */
  private nextTickUs = Number.NaN;
  /** What was last sent of each streamed alert, by key (bounded by the aggregator's key limit). */
  private readonly sent = new Map<string, Sent>();
  /** Each streamed alert as last sent, by key: what the incidents are built from. */
  private readonly current = new Map<string, AlertRecord>();
  private readonly incidents: StreamIncidents;
  /** Streamed aggregates folded into since the last tick. */
  private readonly dirty = new Set<Aggregate>();
  /** Identity of each device as last sent (`identity`): bounded by the device table. */
  private readonly devices = new Map<string, string>();
  private ended = false;
  /** Input has ended and the detector is judging: what it raises now is told by `end`, in order. */
  private settling = false;

  constructor(
    private readonly detector: Detector,
    private readonly inventory: Inventory,
    opts: StreamOptions,
  ) {
    this.sink = opts.sink;
    this.everyUs = Math.max(0.001, opts.updateSeconds ?? 10) * 1e6;
    const emit = this.sink.incident?.bind(this.sink);
    this.incidents = new StreamIncidents(detector, emit);
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
    if (this.ended || this.settling) return;
    this.stats.ticks++;
    for (const a of this.dirty) {
      const rec = this.detector.provisional(a, this.model(a.deviceId));
      if (rec !== undefined) this.sendUpdate(rec);
    }
    this.dirty.clear();
    const devices = this.inventory.records();
    for (const rec of this.detector.early(devices)) {
      if (this.sent.has(alertKey(rec))) this.sendUpdate(rec);
      else this.sendAlert(alertKey(rec), rec);
    }
    this.incidents.tick(this.current, devices);
    this.stats.incidents = this.incidents.count;
    this.checkDevices(devices);
  }

  /** An interim (or the final) summary. */
  summary(s: SummaryRecord, final: boolean): void {
    if (this.ended) return;
    this.stats.summaries++;
    this.sink.summary?.(s, final);
  }

  /** Input has ended: from now on only `end` speaks (finish-time raises are settled there, in order). */
  closing(): void {
    this.settling = true;
  }

  /** End of input: settle every alert against the final list, then devices, then the summary. */
  end(
    alerts: readonly AlertRecord[],
    devices: readonly DeviceRecord[],
    summary: SummaryRecord,
    incidents: readonly IncidentRecord[],
  ): void {
    if (this.ended) return;
    this.settling = true;
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
    this.incidents.end(incidents);
    this.stats.incidents = this.incidents.count;
    for (const d of devices) {
      this.stats.devices++;
      this.sink.device?.(d);
    }
    this.summary(summary, true);
    this.ended = true;
  }

  private onAggregate(a: Aggregate, created: boolean): void {
    if (this.ended || this.settling) return;
    // A key sent early (`Detector.early`) that its rule now raises for the run (at finish) is
    // not new: the settling at the end states it.
    if (!created || this.sent.has(a.key)) {
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
      message: a.message,
      model: a.device.model,
      id: a.id,
      flowCount: a.flowCount ?? 0,
    });
    this.stats.alerts++;
    this.sink.alert?.(a);
    this.current.set(key, a);
    if (!this.settling) this.incidents.touched(a.device.id, this.current, this.lookup);
    this.stats.incidents = this.incidents.count;
  }

  private sendUpdate(a: AlertRecord): void {
    const key = alertKey(a);
    const s = this.sent.get(key);
    if (s === undefined) return;
    const evidence = JSON.stringify(a.evidence);
    const evidenceChanged = evidence !== s.evidence;
    const deviceChanged = a.device.model !== s.model;
    const messageChanged = a.message !== s.message;
    const idChanged = a.id !== s.id;
    const flowsChanged = (a.flowCount ?? 0) !== s.flowCount;
    if (
      !evidenceChanged &&
      !deviceChanged &&
      !messageChanged &&
      !idChanged &&
      !flowsChanged &&
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
    s.message = a.message;
    s.model = a.device.model;
    s.id = a.id;
    s.flowCount = a.flowCount ?? 0;
    const u: AlertUpdateRecord = {
      type: 'alert-update',
      key,
      rule: a.rule,
      severity: a.severity,
      first: a.first,
      last: a.last,
      count: a.count,
      ...(evidenceChanged ? { evidence: a.evidence } : {}),
      ...(messageChanged ? { message: a.message } : {}),
      ...(deviceChanged ? { device: a.device } : {}),
      ...(idChanged && a.id !== undefined ? { id: a.id } : {}),
      ...(flowsChanged && a.flows !== undefined ? { flows: a.flows, flowCount: a.flowCount } : {}),
    };
    this.stats.updates++;
    this.sink.update?.(u, a);
    this.current.set(key, a);
    if (!this.settling) this.incidents.touched(a.device.id, this.current, this.lookup);
  }

  /** The records an opening incident reads, judged one by one as asked (not every device's). */
  private readonly lookup: DeviceLookup = {
    byId: (id) => this.inventory.recordOf(id),
    withIp: (ip) => this.inventory.recordWithIp(ip),
  };

  private checkDevices(devices: readonly DeviceRecord[] = this.inventory.records()): void {
    if (this.sink.device === undefined) return;
    for (const d of devices) {
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
