// Alerts aggregate by (rule, src address, dst address, dst port) — DESIGN.md "Alert rules":
// one alert with count, first, last and merged evidence. The source port is left out of the
// key (it is ephemeral) and out of the output. Each aggregate also keeps the flows it covers
// (`flowKey`: the raw alert's endpoints — or its `flow`'s, for a destination reached through a
// proxy —, ports where the rule knew them), a bounded list plus a
// count, so `wardwatch extract` can cut the packets behind an alert out of the capture.
import type { RuleId } from '../contract/config.js';
import { hostPortText, type Severity, severityRank } from '../contract/records.js';
import type { Endpoint, Micros } from '../events.js';

export type Evidence = Record<string, unknown>;

export interface Aggregate {
  readonly key: string;
  readonly rule: RuleId;
  first: Micros;
  last: Micros;
  count: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly deviceId: string;
  message: string;
  evidence: Evidence;
  /** Set when a rule grades its own alerts (the highest raw severity wins). */
  severity?: Severity;
  /** Flow keys covered (at most MAX_FLOWS, in first-seen order). */
  readonly flows: string[];
  /** Distinct flow keys listed, plus raw alerts whose key did not fit the list (an upper bound past MAX_FLOWS). */
  flowCount: number;
}

/** What a rule raises (through `Context.raise`); the aggregator folds these into `Aggregate`s. */
export interface RawAlert {
  readonly rule: RuleId;
  readonly ts: Micros;
  /** When the rule aggregated itself (finish-time rules): last time and count. */
  readonly last?: Micros;
  readonly count?: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly deviceId: string;
  readonly message: string;
  readonly evidence: Evidence;
  /** Overrides the rule's default severity for this raw alert (config severities still win). */
  readonly severity?: Severity;
  /**
   * The connection the packets are on when it is not src → dst: a destination reached through a
   * proxy is the alert's `dst`, its packets go device → proxy (what `wardwatch extract` cuts).
   */
  readonly flow?: { readonly src: Endpoint; readonly dst: Endpoint };
}

const MAX_LIST = 50;
/** Flow keys listed per alert; `flowCount` counts the rest. */
export const MAX_FLOWS = 32;

/**
 * The flow a raw alert is about: `src[:port]>dst[:port]` (IPv6 in brackets); a missing port
 * matches every port. Undefined when either side has no address (device-level alerts).
 */
export function flowKey(src: Endpoint, dst: Endpoint): string | undefined {
  if (src.ip === '' || dst.ip === '') return undefined;
  return `${hostPortText(src.ip, src.port)}>${hostPortText(dst.ip, dst.port)}`;
}
/**
 * Distinct alerts (rule, source, destination, port) kept per rule and in all. An aggregate costs
 * ~1 KB with its key, message, evidence and flow keys: a server offering FTP to 150 000 clients
 * made 100 000 of them, ~105 MB beside a full flow table and the devices, and the run ran out
 * of heap and printed nothing. Per rule, so that one rule's flood cannot crowd out the alerts
 * of another (a backdoor's egress after a scan's noise); past either bound new keys are dropped
 * and counted by rule (the summary says which), while the alerts already kept still count.
 */
export const MAX_AGGREGATES_PER_RULE = 10_000;
export const MAX_AGGREGATES = 40_000;

function cmp(a: unknown, b: unknown): number {
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Default merge: arrays become sorted unions (bounded), other values keep the first seen. */
export function mergeEvidence(a: Evidence, b: Evidence): Evidence {
  const out: Evidence = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev) && Array.isArray(v)) {
      const seen = new Set(prev.map((x) => JSON.stringify(x)));
      const merged = [...prev];
      for (const x of v) if (!seen.has(JSON.stringify(x))) merged.push(x);
      out[k] = merged.sort(cmp).slice(0, MAX_LIST);
    }
  }
  return out;
}

export class Aggregator {
  private readonly map = new Map<string, Aggregate>();
  private readonly perRule = new Map<RuleId, number>();
  /** New alert keys dropped past the bounds, by rule. */
  readonly dropped = new Map<RuleId, number>();
  /** Told of every new aggregate (`created`) and every later fold into one: the stream of a live run. */
  onChange: ((a: Aggregate, created: boolean) => void) | undefined;

  add(raw: RawAlert, merge: ((a: Evidence, b: Evidence) => Evidence) | undefined): void {
    const key = `${raw.rule}|${raw.src.ip}|${raw.dst.ip}|${raw.dst.port ?? ''}`;
    const cur = this.map.get(key);
    const count = raw.count ?? 1;
    const fk = raw.flow !== undefined ? flowKey(raw.flow.src, raw.flow.dst) : flowKey(raw.src, raw.dst);
    if (cur === undefined) {
      const kept = this.perRule.get(raw.rule) ?? 0;
      if (kept >= MAX_AGGREGATES_PER_RULE || this.map.size >= MAX_AGGREGATES) {
        this.dropped.set(raw.rule, (this.dropped.get(raw.rule) ?? 0) + 1);
        return;
      }
      this.perRule.set(raw.rule, kept + 1);
      const agg: Aggregate = {
        key,
        rule: raw.rule,
        first: raw.ts,
        last: raw.last ?? raw.ts,
        count,
        src: { ip: raw.src.ip, ...(raw.src.mac !== undefined ? { mac: raw.src.mac } : {}) },
        dst: { ip: raw.dst.ip, ...(raw.dst.port !== undefined ? { port: raw.dst.port } : {}) },
        deviceId: raw.deviceId,
        message: raw.message,
        evidence: raw.evidence,
        ...(raw.severity !== undefined ? { severity: raw.severity } : {}),
        flows: fk !== undefined ? [fk] : [],
        flowCount: fk !== undefined ? 1 : 0,
      };
      this.map.set(key, agg);
      this.onChange?.(agg, true);
      return;
    }
    if (fk !== undefined && !cur.flows.includes(fk)) {
      cur.flowCount++;
      if (cur.flows.length < MAX_FLOWS) cur.flows.push(fk);
    }
    cur.count += count;
    cur.first = Math.min(cur.first, raw.ts);
    cur.last = Math.max(cur.last, raw.last ?? raw.ts);
    cur.evidence = (merge ?? mergeEvidence)(cur.evidence, raw.evidence);
    if (
      cur.severity !== undefined &&
      (raw.severity === undefined || severityRank(raw.severity) > severityRank(cur.severity))
    )
      cur.severity = raw.severity;
    this.onChange?.(cur, false);
  }

  all(): Aggregate[] {
    return [...this.map.values()];
  }
}
