// The policy stage over captures: one pipeline run feeds the policy observer, then learn or
// simulate judge what it saw. The library entry for `policy learn|simulate` and a console page:
// plain typed objects in and out.
import type { PolicyFile } from '../contract/policy.js';
import type { AlertRecord, DeviceRecord } from '../contract/records.js';
import { Zones } from '../net/zones.js';
import { type LearnResult, learn } from '../policy/learn.js';
import { FlowObserver, type ObservedFlow } from '../policy/observe.js';
import { type SimulateResult, simulate } from '../policy/simulate.js';
import { type AnalyzeOptions, Pipeline } from './analyze.js';

export interface Observation {
  readonly flows: ObservedFlow[];
  readonly alerts: AlertRecord[];
  readonly devices: DeviceRecord[];
  /** Site or special (not outside): what local-only lets through. */
  readonly isLocal: (ip: string) => boolean;
  readonly warnings: string[];
}

export async function observeCaptures(inputs: readonly string[], opts: AnalyzeOptions = {}): Promise<Observation> {
  let observer: FlowObserver | undefined;
  const extra = opts.onEvent;
  const pipeline = new Pipeline({
    ...opts,
    policyPath: undefined,
    onEvent: (ev) => {
      observer?.onEvent(ev);
      extra?.(ev);
    },
  });
  const zones = new Zones(pipeline.config.zones);
  const isLocal = (ip: string) => !zones.isOutside(ip);
  observer = new FlowObserver(isLocal);
  for (const f of inputs) await pipeline.readFile(f, opts);
  const r = pipeline.finish();
  const warnings = [...r.summary.warnings];
  if (observer.dropped > 0) warnings.push(`policy: ${observer.dropped} flows not observed (table full)`);
  return { flows: observer.flows(), alerts: r.alerts, devices: r.devices, isLocal, warnings };
}

export async function learnFromCaptures(
  inputs: readonly string[],
  opts: AnalyzeOptions & { mode?: 'learn' | 'alert' | 'enforce' | 'local-only' | 'quarantine' } = {},
): Promise<LearnResult & { warnings: string[] }> {
  const o = await observeCaptures(inputs, opts);
  return {
    ...learn({ flows: o.flows, alerts: o.alerts, devices: o.devices, isSite: o.isLocal, mode: opts.mode }),
    warnings: o.warnings,
  };
}

export async function simulateCaptures(
  policy: PolicyFile,
  inputs: readonly string[],
  opts: AnalyzeOptions = {},
): Promise<SimulateResult> {
  const o = await observeCaptures(inputs, opts);
  return simulate({ policy, flows: o.flows, devices: o.devices, isSite: o.isLocal });
}

/** Device addresses by MAC from captures, for policies that match by MAC only. */
export async function addressesFrom(captures: readonly string[] | undefined): Promise<Record<string, string[]>> {
  if (captures === undefined || captures.length === 0) return {};
  const o = await observeCaptures(captures);
  return Object.fromEntries(o.devices.map((d) => [d.id.toLowerCase(), d.ips]));
}
