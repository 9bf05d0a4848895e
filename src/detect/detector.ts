// The detector: feeds events to the rules through a shared context, aggregates raw alerts,
// and at finish applies severities, suppressions and device models, then sorts the output
// (severity, then first time). Wire data never throws here.
import { DEFAULT_SEVERITY, type RuleId, type WardConfig } from '../contract/config.js';
import { BREACH_NOTES, type BreachReport } from '../contract/breach.js';
import type { Indicator } from '../contract/indicators.js';
import type { PolicyFile } from '../contract/policy.js';
import { createHash } from 'node:crypto';
import {
  type AlertRecord,
  alertId,
  type DeviceRecord,
  type IncidentRecord,
  isoTime,
  severityRank,
} from '../contract/records.js';
import type { WardEvent } from '../events.js';
import { type Aggregate, Aggregator, MAX_AGGREGATES, MAX_AGGREGATES_PER_RULE } from './aggregate.js';
import { Context, type Rule } from './context.js';
import { buildIncidents, type DeviceLookup } from './incidents.js';
import { createDeviceNew } from './rules/device.new.js';
import { createDeviceTlsChange } from './rules/device.tls-change.js';
import { createDeviceVulnerable } from './rules/device.vulnerable.js';
import { createDnsBypass } from './rules/dns.bypass.js';
import { createEgressBeacon } from './rules/egress.beacon.js';
import { createEgressIoc } from './rules/egress.ioc.js';
import { createEgressNoDns } from './rules/egress.no-dns.js';
import { createInboundOutside } from './rules/inbound.outside.js';
import { createPhiCleartext } from './rules/phi.cleartext.js';
import { createPolicyViolation } from './rules/policy.violation.js';
import { createRpcOutboundNfs } from './rules/rpc.outbound-nfs.js';
import { createServiceInsecure } from './rules/service.insecure.js';
import { Suppressor } from './suppress.js';

export interface DetectorOptions {
  readonly config: WardConfig;
  readonly indicators: readonly Indicator[];
  readonly policy?: PolicyFile;
  /** Wall clock for suppression expiry (ms since epoch); tests pin it. */
  readonly now?: number;
}

export interface DetectorStats {
  events: number;
  raised: number;
  suppressed: number;
}

/**
 * An alert's stable id: the first 16 hex digits of SHA-256 over rule, device id, peer (dst
 * address and port) and first time (ISO, ms), NUL-separated. The same capture analysed again
 * gives the same ids; `wardwatch extract --alert ID` takes it.
 */
export function alertRecordId(
  rule: string,
  deviceId: string,
  peerIp: string,
  peerPort: number | undefined,
  first: number,
): string {
  const text = [rule, deviceId, peerIp, peerPort ?? '', isoTime(first)].join('\0');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The order of `analyze`'s alerts: severity, then first time, then rule and addresses. */
export function alertOrder(x: AlertRecord, y: AlertRecord): number {
  return (
    severityRank(y.severity) - severityRank(x.severity) ||
    x.first.localeCompare(y.first) ||
    x.rule.localeCompare(y.rule) ||
    x.src.ip.localeCompare(y.src.ip) ||
    x.dst.ip.localeCompare(y.dst.ip) ||
    (x.dst.port ?? 0) - (y.dst.port ?? 0)
  );
}

export class Detector {
  readonly warnings: string[] = [];
  readonly stats: DetectorStats = { events: 0, raised: 0, suppressed: 0 };
  private readonly ctx: Context;
  private readonly rules: Rule[];
  /** Rules by the event types they read, so each event reaches only the rules that judge it. */
  private readonly byType = new Map<WardEvent['type'], Rule[]>();
  /** Rules that read every event type. */
  private readonly anyType: Rule[] = [];
  private readonly suppressor: Suppressor;
  private finished: AlertRecord[] | undefined;

  constructor(opts: DetectorOptions) {
    const { config } = opts;
    this.ctx = new Context(config, opts.indicators);
    const all: Rule[] = [
      createEgressIoc(),
      createEgressNoDns(),
      createPhiCleartext(),
      createRpcOutboundNfs(),
      createDeviceVulnerable(),
      createServiceInsecure(),
      createEgressBeacon(),
      createInboundOutside(),
      createDnsBypass(),
    ];
    if (opts.policy !== undefined) all.push(createPolicyViolation(opts.policy));
    if (config.learningUntil !== undefined) all.push(createDeviceNew(Date.parse(config.learningUntil) * 1000));
    if (config.learningUntil !== undefined) all.push(createDeviceTlsChange(Date.parse(config.learningUntil) * 1000));
    this.rules = all.filter((r) => config.rules[r.id]?.enabled !== false);
    for (const r of this.rules) {
      this.ctx.registerMerge(r);
      if (r.onEvent === undefined) continue;
      if (r.types === undefined) {
        this.anyType.push(r);
        for (const list of this.byType.values()) list.push(r);
        continue;
      }
      for (const t of r.types) {
        let list = this.byType.get(t);
        if (list === undefined) this.byType.set(t, (list = [...this.anyType]));
        list.push(r);
      }
    }
    this.suppressor = new Suppressor(config.suppressions, opts.now ?? Date.now());
    this.warnings.push(...this.suppressor.warnings);
  }

  /** One line per rule whose new alert keys were dropped past the bounds (aggregate.ts), with the count so far. */
  private droppedWarnings(): string[] {
    return [...this.ctx.aggregator.dropped].map(
      ([rule, n]) =>
        `${rule}: ${n} alerts dropped past ${MAX_AGGREGATES_PER_RULE} distinct (source, destination, port) keys a rule, ${MAX_AGGREGATES} in all`,
    );
  }

  /**
   * The warnings so far, for a summary of a run that goes on (`watch`, `--summary-every`): the rules'
   * tables' (a bound reached, alerts dropped) as well as the configuration's, which `finish` adds
   * at the end — a week-long watch must not keep them until it stops.
   */
  interimWarnings(): readonly string[] {
    if (this.finished !== undefined) return this.warnings;
    return [...new Set([...this.warnings, ...this.ctx.warnings, ...this.droppedWarnings()])];
  }

  onEvent(ev: WardEvent): void {
    this.stats.events++;
    this.ctx.learn(ev);
    if (ev.type === 'hl7-message') {
      const p = this.ctx.throughProxy(ev);
      this.ctx.ledger.add(p.ev, this.ctx, p.via);
    }
    // Rules run in their configured order, whichever list the event picks.
    const rules = this.byType.get(ev.type) ?? this.anyType;
    for (let i = 0; i < rules.length; i++) (rules[i] as Rule).onEvent?.(ev, this.ctx);
  }

  /** End of input: judge what needs the whole picture, and return the aggregated alerts. */
  finish(devices: readonly DeviceRecord[]): AlertRecord[] {
    if (this.finished !== undefined) return this.finished;
    for (const r of this.rules) r.finish?.(this.ctx, devices);
    const byRule = new Map<RuleId, Rule>(this.rules.map((r) => [r.id, r]));
    const models = new Map(devices.map((d) => [d.id, d.model]));
    const out: AlertRecord[] = [];
    for (const a of this.ctx.aggregator.all()) {
      this.stats.raised++;
      byRule.get(a.rule)?.annotate?.(a, this.ctx);
      if (this.suppressor.covers(a, this.ctx.dns)) continue;
      out.push(this.record(a, models.get(a.deviceId)));
    }
    this.stats.suppressed = this.suppressor.suppressed;
    for (const w of this.droppedWarnings()) this.ctx.warnOnce(w);
    this.warnings.push(...this.suppressor.summary(), ...this.ctx.warnings);
    out.sort(alertOrder);
    this.finished = out;
    return out;
  }

  /**
   * Streaming (`watch`, `analyze -`): `fn` hears of every aggregate as a rule raises it
   * (`created`) and of every later fold into it. Rules that judge at finish raise only then.
   */
  onAlert(fn: (a: Aggregate, created: boolean) => void): void {
    this.ctx.aggregator.onChange = fn;
  }

  /**
   * Streaming, each tick: the alerts the finish-time rules can raise already (`Rule.early`), as
   * records as they stand now. They are raised into an aggregator of their own, never the run's,
   * so the run's counts and `finish` are untouched: the stream sends them as alerts or updates by
   * key, and `finish` later states the same keys whole.
   */
  early(devices: readonly DeviceRecord[]): AlertRecord[] {
    const scratch = new Aggregator();
    for (const r of this.rules)
      if (r.early !== undefined) this.ctx.raiseInto(scratch, () => r.early?.(this.ctx, devices));
    const models = new Map(devices.map((d) => [d.id, d.model]));
    const out: AlertRecord[] = [];
    for (const a of scratch.all()) {
      const rec = this.provisional(a, models.get(a.deviceId));
      if (rec !== undefined) out.push(rec);
    }
    return out;
  }

  /**
   * An aggregate as an alert record as it stands now, before input has ended: no finish-time
   * annotation, and undefined when a suppression covers it (not counted: `finish` counts).
   */
  provisional(a: Aggregate, model: string | undefined): AlertRecord | undefined {
    if (this.suppressor.matches(a, this.ctx.dns)) return undefined;
    return this.record(a, model);
  }

  private record(a: Aggregate, model: string | undefined): AlertRecord {
    return {
      type: 'alert',
      rule: a.rule,
      severity: this.ctx.config.rules[a.rule]?.severity ?? a.severity ?? DEFAULT_SEVERITY[a.rule],
      first: isoTime(a.first),
      last: isoTime(a.last),
      count: a.count,
      src: a.src,
      dst: a.dst,
      device: { id: a.deviceId, ...(model !== undefined ? { model } : {}) },
      message: a.message,
      evidence: a.evidence,
      id: alertRecordId(a.rule, a.deviceId, a.dst.ip, a.dst.port, a.first),
      ...(a.flows.length > 0 ? { flows: a.flows, flowCount: a.flowCount } : {}),
    };
  }

  /**
   * The patient-exposure report (counts only). Complete after input has ended. With the device
   * records, it names each device by model and address; destinations that are indicators say so.
   */
  breach(devices?: readonly DeviceRecord[]): BreachReport {
    const r = this.ctx.ledger.report();
    for (const d of r.destinations) {
      const i = this.ctx.indicatorFor(d.ip);
      if (i !== undefined) d.indicator = { source: i.source, note: i.note };
    }
    if (devices !== undefined) {
      const named = new Set(r.destinations.flatMap((d) => d.devices));
      r.devices = devices
        .filter((d) => named.has(d.id))
        .map((d) => ({
          id: d.id,
          ...(d.model !== undefined ? { model: d.model } : {}),
          ...(d.class !== undefined ? { class: d.class } : {}),
          ...(d.hostname !== undefined ? { hostname: d.hostname } : {}),
          ips: d.ips,
        }));
    }
    r.notes = [...BREACH_NOTES];
    return r;
  }

  /** The alerts of `finish` grouped by device, with what to do next (src/detect/incidents.ts). */
  incidents(devices: readonly DeviceRecord[]): IncidentRecord[] {
    return this.incidentsOf(this.finish(devices), devices);
  }

  /** Incidents of the given alerts (a stream's alerts as they stand, before input ends). */
  incidentsOf(alerts: readonly AlertRecord[], devices: readonly DeviceRecord[] | DeviceLookup): IncidentRecord[] {
    const ledger = this.ctx.ledger.entries();
    const phiKeys = new Set(alerts.filter((a) => a.rule === 'phi.cleartext').map(alertId));
    return buildIncidents({
      alerts,
      devices,
      isOutside: (ip) => this.ctx.zones.isOutside(ip),
      // The clinical feed a block must keep: the device's HL7 peers at site.
      feeds: (id) => [
        ...new Set(
          ledger
            .filter((e) => e.deviceId === id && !e.outside && !e.inbound && e.dst.port !== undefined)
            .map((e) => `${e.dst.ip}:${e.dst.port}`),
        ),
      ],
      // Distinct patients over the device's phi.cleartext alerts (exact, from the ledger's hashes).
      patients: (id) => {
        const all = new Set<string>();
        for (const e of ledger)
          if (e.deviceId === id && phiKeys.has(alertId({ rule: 'phi.cleartext', src: e.src, dst: e.dst })))
            for (const h of e.hashes) all.add(h);
        return all.size;
      },
    });
  }
}
