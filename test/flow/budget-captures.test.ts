// Every reservation from the run's budget for held bytes is given back: over every shared capture,
// every fixture capture, the simulator's scenarios and a many-flow bench capture, the budget's
// use stays within [0, limit] after every packet and is 0 once the flows have ended — so a
// long watch never leaks it. With a budget of nothing, every holder is refused: the runs still
// end cleanly, and nothing is held.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBenchCapture } from '../../src/bench/gen.js';
import { readCapture } from '../../src/capture/reader.js';
import { FlowEngine } from '../../src/flow/engine.js';
import { SCENARIOS, writeScenario } from '../../src/sim/scenarios.js';
import { CAPTURES_DIR, FIXTURES_DIR } from '../helpers/paths.js';

function capturesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(pcap|pcapng|cap)$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

async function run(file: string, limit: number | undefined) {
  const e = new FlowEngine(() => {}, { hashPatientId: (s) => `h${s.length}`, maxBuffered: limit });
  let bad = 0;
  let peak = 0;
  await readCapture(file, (p) => {
    e.packet(p);
    const u = e.buffers.used;
    if (u < 0 || u > e.buffers.limit) bad++;
    if (u > peak) peak = u;
  });
  e.finish();
  return { bad, peak, end: e.buffers.used, memcap: e.stats.anomalies['stream.memcap'] ?? 0 };
}

let tmp: string;
const generated: string[] = [];
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ww-budget-'));
  for (const name of SCENARIOS) {
    const out = join(tmp, `${name}.pcap`);
    await writeScenario(name, { durationSec: 120, seed: 5, out });
    generated.push(out);
  }
  const many = join(tmp, 'many.pcap');
  writeBenchCapture(many, 20_000, 3);
  generated.push(many);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the budget for held bytes, on real and simulated traffic', () => {
  it('is within its bound after every packet and all given back at the end, by default', async () => {
    const files = [...capturesUnder(CAPTURES_DIR), ...capturesUnder(FIXTURES_DIR), ...generated];
    expect(files.length).toBeGreaterThan(60);
    let held = 0;
    for (const f of files) {
      const r = await run(f, undefined);
      expect({ f, bad: r.bad, end: r.end, memcap: r.memcap }).toEqual({ f, bad: 0, end: 0, memcap: 0 });
      if (r.peak > 0) held++;
    }
    // Some captures do hold bytes across packets (HL7 frames, TLS records, out-of-order segments).
    expect(held).toBeGreaterThan(5);
  }, 120_000);

  it('with nothing to give, every holder is refused: the runs end cleanly and hold nothing', async () => {
    const files = [...capturesUnder(CAPTURES_DIR), ...capturesUnder(FIXTURES_DIR), ...generated];
    let refused = 0;
    for (const f of files) {
      const r = await run(f, 0);
      expect({ f, bad: r.bad, peak: r.peak, end: r.end }).toEqual({ f, bad: 0, peak: 0, end: 0 });
      refused += r.memcap;
    }
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});
