// The record stream (engine/stream.ts): alerts leave while input is still being read, updates
// are bounded per alert, and folding the stream by key gives exactly the records of a whole run.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import {
  type AlertRecord,
  type AlertUpdateRecord,
  alertKey,
  type DeviceRecord,
  type SummaryRecord,
} from '../../src/contract/records.js';
import { Pipeline } from '../../src/engine/analyze.js';
import { feedFrames, feedScenario, renderScenario } from '../../src/server/live/sim-feed.js';
import { SCENARIO_START_US } from '../../src/sim/scenarios.js';

const SALT = '42'.repeat(32);
const SECONDS = 120;

interface Seen {
  records: (AlertRecord | AlertUpdateRecord | DeviceRecord | SummaryRecord)[];
  finals: number;
}

function streamed(updateSeconds = 10): { pipeline: Pipeline; seen: Seen } {
  const seen: Seen = { records: [], finals: 0 };
  const pipeline = new Pipeline({
    config: loadConfig(undefined),
    salt: SALT,
    stream: {
      updateSeconds,
      sink: {
        alert: (a) => seen.records.push(a),
        update: (u) => seen.records.push(u),
        device: (d) => seen.records.push(d),
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

describe('record stream', () => {
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
