// Synthesised ward traffic straight into a Pipeline: the simulator's frames become RawPackets
// for the flow engine, shifted in time. Nothing touches the network.
import type { RawPacket } from '../../capture/types.js';
import { LINKTYPE_ETHERNET } from '../../decode/layers.js';
import type { Pipeline } from '../../engine/analyze.js';
import { generateScenario, SCENARIO_START_US, type ScenarioName } from '../../sim/scenarios.js';

export interface SimFrames {
  readonly ts: Float64Array;
  readonly frames: Uint8Array[];
}

/** Render `durationSec` of a scenario, its first instant moved to `startUs`. */
export function renderScenario(name: ScenarioName, startUs: number, durationSec: number, seed = 1): SimFrames {
  const ts: number[] = [];
  const frames: Uint8Array[] = [];
  const shift = startUs - SCENARIO_START_US;
  generateScenario(name, { durationSec, seed }, (t, frame) => {
    ts.push(t + shift);
    frames.push(frame.slice());
  });
  return { ts: Float64Array.from(ts), frames };
}

/** Feeds frames [from, …) while their time is ≤ untilUs; returns the index of the next frame. */
export function feedFrames(
  pipeline: Pipeline,
  sim: SimFrames,
  from: number,
  untilUs = Number.POSITIVE_INFINITY,
): number {
  const pkt: RawPacket = { ts: 0, linktype: LINKTYPE_ETHERNET, data: new Uint8Array(0), origLen: 0, ifIndex: 0 };
  let i = from;
  for (; i < sim.frames.length && (sim.ts[i] as number) <= untilUs; i++) {
    const f = sim.frames[i] as Uint8Array;
    pkt.ts = sim.ts[i] as number;
    pkt.data = f;
    pkt.origLen = f.length;
    pipeline.engine.packet(pkt);
  }
  return i;
}

/** A whole scenario through a pipeline at once (tests, benchmarks). */
export function feedScenario(
  pipeline: Pipeline,
  name: ScenarioName,
  startUs: number,
  durationSec: number,
  seed = 1,
): number {
  const sim = renderScenario(name, startUs, durationSec, seed);
  feedFrames(pipeline, sim, 0);
  return sim.frames.length;
}
