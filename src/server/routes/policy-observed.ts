// The store's recorded traffic of a device as the policy stage's observations (policy/observe.ts
// shapes), so learn and simulate judge the console's data exactly as they judge a capture.
import type { DeviceRecord } from '../../contract/records.js';
import { REMOTE_ACCESS_PORTS } from '../../policy/match.js';
import type { ObservedFlow } from '../../policy/observe.js';
import type { DeviceTraffic } from '../../store/policies.js';

/**
 * The store keeps flows per (device, peer, proto, service port) without who opened them: a flow
 * to a remote-access port is taken as inbound (someone reaching the device's telnet), every
 * other as the device's own. Learn then proposes remote access closed, as on a capture.
 */
function direction(port: number): 'out' | 'in' {
  return REMOTE_ACCESS_PORTS[port] !== undefined ? 'in' : 'out';
}

export function observedFlows(t: DeviceTraffic): ObservedFlow[] {
  const ip = t.ips[0];
  if (ip === undefined) return [];
  // What the device asked each proxy service for, joined to its (first) outbound TCP flow row to
  // it, as policy/observe.ts joins a capture's requests to the device → proxy flow.
  const proxied = new Map(t.proxied.map((p) => [`${p.proxy}|${p.port}`, p]));
  const names = new Map<string, string[]>();
  for (const n of t.names) {
    const l = names.get(n.address) ?? [];
    if (!l.includes(n.name)) l.push(n.name.toLowerCase().replace(/\.$/, ''));
    names.set(n.address, l);
  }
  return t.flows.map((f) => {
    const dir = direction(f.port);
    const k = `${f.peer}|${f.port}`;
    const p = dir === 'out' && f.proto === 'tcp' ? proxied.get(k) : undefined;
    if (p !== undefined) proxied.delete(k);
    return {
      ip,
      direction: dir,
      peer: f.peer,
      proto: f.proto,
      ...(f.port >= 0 ? { port: f.port } : {}),
      ...(f.app !== '' ? { app: f.app } : {}),
      flows: f.flows,
      packets: f.packets,
      bytes: f.bytes,
      first: f.first * 1_000_000,
      last: f.last * 1_000_000,
      names: names.get(f.peer) ?? [],
      ...(p !== undefined && p.targets.length > 0 ? { proxied: p.targets.map((x) => ({ ...x })) } : {}),
      ...(p !== undefined && p.more > 0 ? { proxiedMore: p.more } : {}),
    };
  });
}

export function deviceRecord(id: string, t: DeviceTraffic): DeviceRecord {
  return {
    type: 'device',
    id,
    ips: t.ips,
    ...(t.model !== undefined ? { model: t.model } : {}),
    advisories: [],
    first: '',
    last: '',
  };
}
