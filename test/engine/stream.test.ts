// The record stream (engine/stream.ts): alerts leave while input is still being read, updates
// are bounded per alert, and folding the stream by key gives exactly the records of a whole run.
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/config.js';
import type { WardConfig } from '../../src/contract/config.js';
import type { PolicyFile } from '../../src/contract/policy.js';
import {
  type AlertRecord,
  type AlertUpdateRecord,
  alertKey,
  type DeviceRecord,
  type IncidentRecord,
  type SummaryRecord,
} from '../../src/contract/records.js';
import { Pipeline } from '../../src/engine/analyze.js';
import { feedFrames, feedScenario, renderScenario } from '../../src/server/live/sim-feed.js';
import { SCENARIO_START_US } from '../../src/sim/scenarios.js';
import { flow, MON } from '../detect/helpers.js';

const SALT = '42'.repeat(32);
const SECONDS = 120;

interface Seen {
  records: (AlertRecord | AlertUpdateRecord | DeviceRecord | IncidentRecord | SummaryRecord)[];
  finals: number;
}

function streamed(
  updateSeconds = 10,
  config: WardConfig = loadConfig(undefined),
  policy?: PolicyFile,
): { pipeline: Pipeline; seen: Seen } {
  const seen: Seen = { records: [], finals: 0 };
  const pipeline = new Pipeline({
    config,
    salt: SALT,
    ...(policy !== undefined ? { policy } : {}),
    stream: {
      updateSeconds,
      sink: {
        alert: (a) => seen.records.push(a),
        update: (u) => seen.records.push(u),
        device: (d) => seen.records.push(d),
        incident: (i) => seen.records.push(i),
        summary: (s, final) => {
          seen.records.push(s);
          if (final) seen.finals++;
        },
      },
    },
  });
  return { pipeline, seen };
}

/** Alerts by key after applying every update in order; suppressed ones drop out. */
function fold(records: Seen['records']): Map<string, AlertRecord> {
  const out = new Map<string, AlertRecord>();
  for (const r of records) {
    if (r.type === 'alert') out.set(alertKey(r), structuredClone(r));
    if (r.type !== 'alert-update') continue;
    const cur = out.get(r.key);
    if (cur === undefined) throw new Error(`update before its alert: ${r.key}`);
    if (r.suppressed) {
      out.delete(r.key);
      continue;
    }
    Object.assign(cur, {
      severity: r.severity,
      first: r.first,
      last: r.last,
      count: r.count,
      ...(r.evidence !== undefined ? { evidence: r.evidence } : {}),
      ...(r.message !== undefined ? { message: r.message } : {}),
      ...(r.device !== undefined ? { device: r.device } : {}),
      ...(r.id !== undefined ? { id: r.id } : {}),
      ...(r.flows !== undefined ? { flows: r.flows, flowCount: r.flowCount } : {}),
    });
  }
  return out;
}

/** Incidents by id, each the last one sent; withdrawn ones drop out. */
function foldIncidents(records: Seen['records']): Map<string, IncidentRecord> {
  const out = new Map<string, IncidentRecord>();
  for (const r of records) {
    if (r.type !== 'incident') continue;
    if (r.withdrawn) out.delete(r.id);
    else out.set(r.id, r);
  }
  return out;
}

// Every finish-time rule triggered by the backdoor ward: the CMS8000s send patient data to the
// outside (phi.cleartext) and are catalogued with advisories (device.vulnerable); learning ended
// before the capture (device.new for every device); a nurse PC calls 198.51.100.81:443 every ~40 s
// (egress.beacon at three regular calls); the monitors' policy allows only the central station.
const LEARNED = new Date(SCENARIO_START_US / 1000 - 60_000).toISOString();
const EVERY_RULE = `learningUntil: '${LEARNED}'\nbeacon: {minCount: 3, maxJitter: 0.5, minIntervalSeconds: 1}\n`;
const MONITORS: PolicyFile = {
  version: 1,
  devices: [
    {
      name: 'monitors',
      match: { model: 'Contec CMS8000' },
      mode: 'alert',
      allow: [{ peer: '10.40.12.0/24', proto: 'tcp' }],
      deny: [],
    },
  ],
};
const FINISH_RULES = ['phi.cleartext', 'device.vulnerable', 'egress.beacon', 'policy.violation', 'device.new'];

describe('record stream', () => {
  it('finish-time rules speak while input is read, and the fold (alerts and incidents) equals the whole run', () => {
    const config = parseConfig(EVERY_RULE, 'stream.yaml');
    const { pipeline, seen } = streamed(10, config, MONITORS);
    const sim = renderScenario('cms8000', SCENARIO_START_US, SECONDS);
    feedFrames(pipeline, sim, 0);
    const during = [...seen.records];
    const result = pipeline.finish();

    const plain = new Pipeline({ config, salt: SALT, policy: MONITORS });
    feedScenario(plain, 'cms8000', SCENARIO_START_US, SECONDS);
    const whole = plain.finish();
    // The scenario triggers each of them in the whole run, the test has something to look for.
    for (const rule of FINISH_RULES) expect(whole.alerts.map((a) => a.rule)).toContain(rule);
    expect(result.alerts).toEqual(whole.alerts);

    // Each was out before input ended: an alert record of every one of them.
    const early = during.filter((r): r is AlertRecord => r.type === 'alert');
    for (const rule of FINISH_RULES) expect(early.map((a) => a.rule)).toContain(rule);
    // phi.cleartext went out on the first patient records (a few messages), and grew by updates.
    const phi = early.find((a) => a.rule === 'phi.cleartext')!;
    const final = whole.alerts.find((a) => alertKey(a) === alertKey(phi))!;
    expect(phi.count).toBeLessThan(final.count);
    const grew = during.filter(
      (r): r is AlertUpdateRecord => r.type === 'alert-update' && r.key === alertKey(phi) && r.count > phi.count,
    );
    expect(grew.length).toBeGreaterThan(0);
    expect(grew.some((u) => u.message !== undefined && u.evidence !== undefined)).toBe(true);
    // device.new learned what its device is while running (the monitor's model), not only at the end.
    const newMonitor = during.find(
      (r) => r.type === 'alert-update' && r.rule === 'device.new' && r.evidence?.model === 'Contec CMS8000',
    );
    expect(newMonitor).toBeDefined();
    // Incidents opened while running: the monitors', with their phi patients once known.
    const incidents = during.filter((r): r is IncidentRecord => r.type === 'incident');
    expect(incidents.some((i) => i.device.model === 'Contec CMS8000' && i.rules.includes('phi.cleartext'))).toBe(true);

    // Nothing counted twice: the fold is the whole run's alerts and incidents, exactly.
    const folded = fold(seen.records);
    expect([...folded.keys()].sort()).toEqual(whole.alerts.map(alertKey).sort());
    for (const a of whole.alerts) expect(folded.get(alertKey(a))).toEqual(a);
    const foldedIncidents = foldIncidents(seen.records);
    expect([...foldedIncidents.values()].sort((x, y) => x.id.localeCompare(y.id))).toEqual(
      [...whole.incidents].sort((x, y) => x.id.localeCompare(y.id)),
    );
    // At most one incident record per incident per tick (plus the opening and the final one).
    const perId = new Map<string, number>();
    for (const i of incidents) perId.set(i.id, (perId.get(i.id) ?? 0) + 1);
    const ticks = pipeline.stream?.stats.ticks ?? 0;
    for (const n of perId.values()) expect(n).toBeLessThanOrEqual(ticks + 1);
  });

  it('an early judgement that no longer holds is withdrawn at the end: alert suppressed, incident withdrawn', () => {
    // Four regular calls home (every 10 s: a beacon at three), then four irregular ones: the
    // whole run has no beacon. egress.no-dns is off so the beacon is the device's only alert.
    const yaml =
      "beacon: {minCount: 3, maxJitter: 0.3, minIntervalSeconds: 1}\nrules: {'egress.no-dns': {enabled: false}}\n";
    const events = [0, 10, 20, 30, 31, 32, 33, 90].map((t) => flow(t, MON, '203.0.113.9', 443));
    const feed = (p: Pipeline) => {
      for (const ev of events) {
        p.inventory.onEvent(ev);
        p.detector.onEvent(ev);
        p.stream?.time(ev.ts);
      }
      return p.finish();
    };
    const { pipeline, seen } = streamed(5, parseConfig(yaml, 'stream.yaml'));
    const result = feed(pipeline);
    const whole = feed(new Pipeline({ config: parseConfig(yaml, 'stream.yaml'), salt: SALT }));
    expect(whole.alerts).toEqual([]);
    expect(result.alerts).toEqual([]);
    const beacon = seen.records.find((r): r is AlertRecord => r.type === 'alert' && r.rule === 'egress.beacon');
    expect(beacon?.count).toBeGreaterThanOrEqual(3);
    const key = alertKey(beacon!);
    const last = seen.records.filter((r) => r.type === 'alert-update' && r.key === key).at(-1);
    expect(last).toMatchObject({ type: 'alert-update', suppressed: true });
    expect(seen.records.some((r) => r.type === 'incident' && r.rules.includes('egress.beacon') && !r.withdrawn)).toBe(
      true,
    );
    expect(seen.records.filter((r) => r.type === 'incident').at(-1)).toMatchObject({ withdrawn: true });
    expect(fold(seen.records).size).toBe(0);
    expect(foldIncidents(seen.records).size).toBe(0);
  });

  it('the end settles in analyze order: alerts, then incidents, then devices, then the summary', () => {
    const { pipeline, seen } = streamed(10, parseConfig(EVERY_RULE, 'stream.yaml'), MONITORS);
    feedScenario(pipeline, 'cms8000', SCENARIO_START_US, SECONDS);
    const from = seen.records.length;
    const result = pipeline.finish();
    const tail = seen.records.slice(from).map((r) => (r.type === 'alert-update' ? 'alert' : r.type));
    const order = ['alert', 'incident', 'device', 'summary'];
    const ranks = tail.map((t) => order.indexOf(t));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(tail.filter((t) => t === 'device')).toHaveLength(result.devices.length);
    // The settling alerts follow analyze's final order.
    const settled = seen.records
      .slice(from)
      .flatMap((r) => (r.type === 'alert' ? [alertKey(r)] : r.type === 'alert-update' && !r.suppressed ? [r.key] : []));
    const finalOrder = result.alerts.map(alertKey);
    expect(settled).toEqual(finalOrder.filter((k) => settled.includes(k)));
  });

  it('sends alerts while the capture is being read, and the fold equals the whole run', () => {
    const { pipeline, seen } = streamed();
    const sim = renderScenario('cms8000', SCENARIO_START_US, SECONDS);
    // Feed the first half; some alerts must already be out before the rest is read.
    const half = SCENARIO_START_US + (SECONDS / 2) * 1e6;
    const i = feedFrames(pipeline, sim, 0, half);
    const early = seen.records.filter((r) => r.type === 'alert') as AlertRecord[];
    expect(early.length).toBeGreaterThan(0);
    expect(early.map((a) => a.rule)).toContain('egress.ioc');
    // Each early alert happened in the part that was read.
    for (const a of early) expect(Date.parse(a.first) * 1000).toBeLessThanOrEqual(half);
    expect(seen.records.some((r) => r.type === 'device')).toBe(true);
    feedFrames(pipeline, sim, i);
    const result = pipeline.finish();
    expect(seen.finals).toBe(1);
    expect(seen.records.at(-1)).toEqual(result.summary);

    // The same frames through a plain pipeline: the whole-run records.
    const plain = new Pipeline({ config: loadConfig(undefined), salt: SALT });
    feedScenario(plain, 'cms8000', SCENARIO_START_US, SECONDS);
    const whole = plain.finish();
    expect(result.alerts).toEqual(whole.alerts);
    const folded = fold(seen.records);
    expect([...folded.keys()].sort()).toEqual(whole.alerts.map(alertKey).sort());
    for (const a of whole.alerts) expect(folded.get(alertKey(a))).toEqual(a);
    // The final section lists every device as analyze does, after the last alert record.
    const lastAlert = seen.records.findLastIndex((r) => r.type === 'alert' || r.type === 'alert-update');
    const tailDevices = seen.records.slice(lastAlert + 1).filter((r) => r.type === 'device');
    expect(tailDevices).toEqual(whole.devices);
  });

  it('sends at most one update per alert per tick of capture time', () => {
    const every = 30;
    const { pipeline, seen } = streamed(every);
    feedScenario(pipeline, 'cms8000', SCENARIO_START_US, SECONDS);
    const beforeEnd = seen.records.filter((r) => r.type === 'alert-update').length;
    pipeline.finish();
    const updates = seen.records.filter((r): r is AlertUpdateRecord => r.type === 'alert-update');
    expect(beforeEnd).toBeGreaterThan(0); // counts grew while reading, and were reported
    const perKey = new Map<string, number>();
    for (const u of updates) perKey.set(u.key, (perKey.get(u.key) ?? 0) + 1);
    // Ticks every 30 s over 120 s: at most 4 during the run, plus the settling one at the end.
    for (const n of perKey.values()) expect(n).toBeLessThanOrEqual(SECONDS / every + 1);
    expect(pipeline.stream?.stats.ticks).toBeLessThanOrEqual(SECONDS / every);
  });

  it('sends a device again only when what it is changes, not as its counters (and the reasons quoting them) grow', () => {
    const { pipeline, seen } = streamed(1);
    const sim = renderScenario('cms8000', SCENARIO_START_US, SECONDS);
    feedFrames(pipeline, sim, 0);
    const during = seen.records.filter((r): r is DeviceRecord => r.type === 'device');
    const ids = new Set(during.map((d) => d.id));
    // 120 ticks of 1 s: a device resent on every counter change would appear ~100 times.
    expect(during.length).toBeLessThan(ids.size * 4);
    const strip = ({ first: _f, last: _l, packets: _p, bytes: _b, reasons: _r, ...rest }: DeviceRecord) =>
      JSON.stringify(rest);
    const byId = new Map<string, string[]>();
    for (const d of during) byId.set(d.id, [...(byId.get(d.id) ?? []), strip(d)]);
    for (const sigs of byId.values()) expect(new Set(sigs).size).toBe(sigs.length);
  });

  it('an interim summary counts what was read so far and does not end the run', () => {
    const { pipeline, seen } = streamed();
    const sim = renderScenario('cms8000', SCENARIO_START_US, SECONDS);
    const i = feedFrames(pipeline, sim, 0, SCENARIO_START_US + 30e6);
    const s = pipeline.interimSummary();
    expect(s.packets).toBe(pipeline.engine.stats.packets);
    expect(s.packets).toBeGreaterThan(0);
    expect(seen.finals).toBe(0);
    feedFrames(pipeline, sim, i);
    const result = pipeline.finish();
    expect(result.summary.packets).toBe(sim.frames.length);
    expect(seen.records.filter((r) => r.type === 'summary')).toHaveLength(2);
  });
});
