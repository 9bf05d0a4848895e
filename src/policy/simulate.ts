// `policy simulate`: replay observed flows against a policy and say, per device, what would be
// blocked and what still passes — before anything is applied. It warns loudly when a policy
// would block a clinical flow seen in the capture (HL7 to a central station, DICOM to PACS):
// "never break monitoring" is checked here first.
import type { PolicyFile } from '../contract/policy.js';
import type { DeviceRecord } from '../contract/records.js';
import { type FlowView, grantFor, policyFor, verdict } from './match.js';
import { isPatientCare, type ObservedFlow } from './observe.js';

export interface SimEntry {
  readonly direction: 'out' | 'in';
  readonly dst: string;
  readonly port?: number;
  readonly proto: string;
  readonly app?: string;
  readonly names?: string[];
  flows: number;
  packets: number;
  readonly reason: string;
}

export interface SimDevice {
  readonly id: string;
  readonly policy: string;
  readonly mode: string;
  readonly blocked: SimEntry[];
  readonly allowed: SimEntry[];
}

export interface ClinicalWarning {
  readonly device: string;
  readonly dst: string;
  readonly port?: number;
  readonly app: string;
  readonly flows: number;
  readonly reason: string;
  readonly message: string;
}

export interface SimulateResult {
  readonly devices: SimDevice[];
  readonly warnings: ClinicalWarning[];
}

export interface SimulateInput {
  readonly policy: PolicyFile;
  readonly flows: readonly ObservedFlow[];
  readonly devices: readonly DeviceRecord[];
  readonly isSite: (ip: string) => boolean;
}

export function simulate(input: SimulateInput): SimulateResult {
  const { policy, isSite } = input;
  const byIp = new Map<string, DeviceRecord>();
  for (const d of input.devices) for (const ip of d.ips) if (!byIp.has(ip)) byIp.set(ip, d);
  const out = new Map<string, SimDevice>();
  const entries = new Map<string, SimEntry>();
  const warnings = new Map<string, ClinicalWarning>();
  for (const f of input.flows) {
    const dev = byIp.get(f.ip);
    const id = dev?.id ?? f.ip;
    const p = policyFor(policy, id, f.ip, dev);
    if (p === undefined) continue;
    const view: FlowView = {
      direction: f.direction,
      peer: f.peer,
      proto: f.proto,
      port: f.port,
      names: new Set(f.names),
      ts: f.first,
      app: f.app,
    };
    const v = verdict(p, view, isSite, grantFor(policy.grants, id, f.ip, view));
    let d = out.get(id);
    if (d === undefined) {
      d = { id, policy: p.name ?? JSON.stringify(p.match), mode: p.mode, blocked: [], allowed: [] };
      out.set(id, d);
    }
    const key = `${id}|${v.allowed}|${f.direction}|${f.peer}|${f.proto}|${f.port ?? ''}|${v.reason}`;
    const e = entries.get(key);
    if (e !== undefined) {
      e.flows += f.flows;
      e.packets += f.packets;
    } else {
      const ne: SimEntry = {
        direction: f.direction,
        dst: f.peer,
        ...(f.port !== undefined ? { port: f.port } : {}),
        proto: f.proto,
        ...(f.app !== undefined ? { app: f.app } : {}),
        ...(f.names.length > 0 ? { names: f.names } : {}),
        flows: f.flows,
        packets: f.packets,
        reason: v.reason,
      };
      entries.set(key, ne);
      (v.allowed ? d.allowed : d.blocked).push(ne);
    }
    if (!v.allowed && f.direction === 'out' && isPatientCare(f, isSite)) {
      const wk = `${id}|${f.peer}|${f.port ?? ''}`;
      const w = warnings.get(wk);
      const what = f.app === 'hl7' ? 'HL7 to its central station' : 'DICOM to PACS';
      if (w !== undefined) (w as { flows: number }).flows += f.flows;
      else
        warnings.set(wk, {
          device: id,
          dst: f.peer,
          ...(f.port !== undefined ? { port: f.port } : {}),
          app: f.app ?? '',
          flows: f.flows,
          reason: v.reason,
          message: `this policy would BLOCK A CLINICAL FLOW: ${id} ${what} ${f.peer}${f.port !== undefined ? `:${f.port}` : ''} (${v.reason})`,
        });
    }
  }
  const sortE = (a: SimEntry, b: SimEntry) => b.packets - a.packets || a.dst.localeCompare(b.dst);
  const devices = [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const d of devices) {
    d.blocked.sort(sortE);
    d.allowed.sort(sortE);
  }
  return { devices, warnings: [...warnings.values()] };
}
