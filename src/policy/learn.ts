// `policy learn`: a proposal per device from what it was seen doing (DESIGN.md "Policy": learn →
// a proposal a person reviews, never silently enforced). Clinical flows are kept, DNS names are
// used where the device's own lookup resolved the peer, site peers are grouped, and every flow
// that raised a backdoor-shaped alert is proposed as deny with the reason — never as allow.
import type { DenyRule, DevicePolicy, PolicyFile, PolicyRule } from '../contract/policy.js';
import type { AlertRecord, DeviceRecord } from '../contract/records.js';
import { REMOTE_ACCESS_PORTS } from './match.js';
import { type ProxiedDestination, ProxiedSet } from './learn-proxied.js';
import { clinicalKind, type ObservedFlow } from './observe.js';

/** Alerts whose flows are proposed as deny. */
export const DENY_RULES = ['egress.ioc', 'egress.no-dns', 'phi.cleartext', 'rpc.outbound-nfs'] as const;

export interface LearnInput {
  readonly flows: readonly ObservedFlow[];
  readonly alerts: readonly AlertRecord[];
  readonly devices: readonly DeviceRecord[];
  readonly isSite: (ip: string) => boolean;
  /** Mode written into the proposal (default alert: a proposal is never enforced by itself). */
  readonly mode?: DevicePolicy['mode'];
}

export type { ProxiedDestination } from './learn-proxied.js';

/** One line of a proposal, for a person (or a console page) to review. */
export interface LearnEntry {
  readonly decision: 'allow' | 'deny';
  readonly rule: PolicyRule | DenyRule;
  readonly flows: number;
  readonly packets: number;
  readonly reason: string;
  /**
   * The peer is a proxy: the destinations the device asked it for (at most MAX_PROXIED, the ones
   * an alert fired for first). The proxy stays the rule's peer — it is what a firewall sees.
   */
  readonly proxied?: ProxiedDestination[];
}

export interface LearnDevice {
  readonly id: string;
  readonly ip: string;
  readonly model?: string;
  readonly entries: LearnEntry[];
}

export interface LearnResult {
  readonly policy: PolicyFile;
  readonly devices: LearnDevice[];
}

const proto = (p: string): PolicyRule['proto'] => (p === 'tcp' || p === 'udp' || p === 'icmp' ? p : 'any');

function ruleKey(r: PolicyRule): string {
  return `${r.direction ?? 'out'}|${r.proto}|${r.peer}|${r.port ?? ''}`;
}

/** /24 (IPv4) a site address belongs to, for grouping. */
function group24(ip: string): string | undefined {
  const m = /^(\d+\.\d+\.\d+)\.\d+$/.exec(ip);
  return m ? `${m[1]}.0/24` : undefined;
}

/** The host of `ip:port` / `[v6]:port` (the form of an alert's proxy evidence). */
function hostOf(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end > 0 ? hostPort.slice(1, end) : hostPort;
  }
  const colon = hostPort.lastIndexOf(':');
  return colon > 0 ? hostPort.slice(0, colon) : hostPort;
}

/**
 * The proxies an alert's records went through: phi.cleartext's `evidence.proxy`, egress.ioc's and
 * egress.no-dns's `evidence.proxied[].proxy` (src/detect/context.ts `proxyHop`).
 */
function alertProxies(a: AlertRecord): string[] {
  const out = new Set<string>();
  const one = a.evidence.proxy;
  if (typeof one === 'string') out.add(hostOf(one));
  const hops = a.evidence.proxied;
  if (Array.isArray(hops))
    for (const h of hops) {
      const p = typeof h === 'object' && h !== null ? (h as { proxy?: unknown }).proxy : undefined;
      if (typeof p === 'string') out.add(hostOf(p));
    }
  out.delete(a.dst.ip);
  return [...out];
}

export function learn(input: LearnInput): LearnResult {
  const { isSite } = input;
  const byIp = new Map<string, DeviceRecord>();
  for (const d of input.devices) for (const ip of d.ips) if (isSite(ip) && !byIp.has(ip)) byIp.set(ip, d);
  // Peers (per device address) whose flows raised a deny-worthy alert, with the reasons.
  const bad = new Map<string, Map<string, Set<string>>>();
  for (const a of input.alerts) {
    if (!(DENY_RULES as readonly string[]).includes(a.rule)) continue;
    // Through a proxy the alert names the destination, but the device's flows went to the proxy:
    // those flows raised it too, so the proxy is denied for this device like a direct peer would be.
    const pairs: (readonly [string, string])[] = [
      [a.src.ip, a.dst.ip],
      [a.dst.ip, a.src.ip],
      ...alertProxies(a).map((p) => [a.src.ip, p] as const),
    ];
    for (const [dev, peer] of pairs) {
      if (!byIp.has(dev)) continue;
      let m = bad.get(dev);
      if (m === undefined) bad.set(dev, (m = new Map()));
      let s = m.get(peer);
      if (s === undefined) m.set(peer, (s = new Set()));
      s.add(a.rule);
    }
  }
  const out = new Map<string, LearnDevice>();
  /** An entry under construction: its peers, and what was seen behind those that are proxies. */
  interface Building {
    e: LearnEntry;
    peers: Set<string>;
    proxied: ProxiedSet;
  }
  const entryMaps = new Map<string, Map<string, Building>>();
  const put = (
    dev: DeviceRecord,
    ip: string,
    decision: 'allow' | 'deny',
    rule: PolicyRule | DenyRule,
    f: ObservedFlow,
    reason: string,
  ) => {
    let d = out.get(dev.id);
    if (d === undefined) {
      d = { id: dev.id, ip, ...(dev.model !== undefined ? { model: dev.model } : {}), entries: [] };
      out.set(dev.id, d);
      entryMaps.set(dev.id, new Map());
    }
    const m = entryMaps.get(dev.id)!;
    const k = `${decision}|${ruleKey(rule)}`;
    const have = m.get(k);
    if (have !== undefined) {
      (have.e as { flows: number }).flows += f.flows;
      (have.e as { packets: number }).packets += f.packets;
      have.peers.add(f.peer);
      have.proxied.add(f);
      return;
    }
    const e: LearnEntry = { decision, rule, flows: f.flows, packets: f.packets, reason };
    const b: Building = { e, peers: new Set([f.peer]), proxied: new ProxiedSet(input.alerts) };
    b.proxied.add(f);
    m.set(k, b);
    d.entries.push(e);
  };
  // Site peers seen on one (direction, proto, port) by a device: grouped into their /24 when several.
  const siteCount = new Map<string, Set<string>>();
  for (const f of input.flows) {
    if (!isSite(f.peer)) continue;
    const k = `${f.ip}|${f.direction}|${f.proto}|${f.port ?? ''}|${group24(f.peer) ?? f.peer}`;
    let s = siteCount.get(k);
    if (s === undefined) siteCount.set(k, (s = new Set()));
    s.add(f.peer);
  }
  const sorted = [...input.flows].sort((a, b) => a.first - b.first);
  for (const f of sorted) {
    const dev = byIp.get(f.ip);
    if (dev === undefined) continue;
    const base = {
      direction: f.direction,
      proto: proto(f.proto),
      ...(f.port !== undefined ? { port: f.port } : {}),
    } as const;
    const rules = bad.get(f.ip)?.get(f.peer);
    if (rules !== undefined) {
      const why = [...rules].sort().join(', ');
      put(
        dev,
        f.ip,
        'deny',
        { direction: f.direction, peer: f.peer, proto: 'any', reason: `raised ${why}` },
        f,
        `raised ${why}`,
      );
      continue;
    }
    // DHCP always passes (match.ts); broadcast peers are not rules.
    if (f.proto === 'udp' && (f.port === 67 || f.port === 68)) continue;
    const kind = clinicalKind(f, isSite);
    if (f.direction === 'in') {
      const remote = f.proto === 'tcp' && f.port !== undefined ? REMOTE_ACCESS_PORTS[f.port] : undefined;
      if (remote !== undefined) {
        put(
          dev,
          f.ip,
          'deny',
          { ...base, peer: f.peer, reason: `remote access (${remote}) stays closed; name the hosts that may use it` },
          f,
          `remote access (${remote})`,
        );
        continue;
      }
      if (!isSite(f.peer)) {
        put(
          dev,
          f.ip,
          'deny',
          { ...base, peer: f.peer, reason: 'opened from outside the site' },
          f,
          'inbound from outside',
        );
        continue;
      }
    }
    if (f.direction === 'out' && f.names.length > 0) {
      put(
        dev,
        f.ip,
        'allow',
        {
          ...base,
          peer: f.names[0]!,
          note: `followed its own DNS answer${f.names.length > 1 ? ` (via ${f.names.slice(1).join(' → ')})` : ''}`,
        },
        f,
        kind ?? 'resolved by DNS',
      );
      continue;
    }
    let peer = f.peer;
    // Site peers are grouped (per /24, when several share a service); a device's own clinical
    // destinations stay exact, the many monitors feeding one central station become one rule.
    if (isSite(f.peer) && (kind === undefined || f.direction === 'in')) {
      const g = group24(f.peer);
      const n = siteCount.get(`${f.ip}|${f.direction}|${f.proto}|${f.port ?? ''}|${g ?? f.peer}`)?.size ?? 1;
      if (g !== undefined && n > 1) peer = g;
    }
    const note =
      kind !== undefined
        ? `clinical: ${kind}`
        : isSite(f.peer)
          ? 'site peer'
          : 'outside peer by address (no DNS answer seen)';
    put(dev, f.ip, 'allow', { ...base, peer, note }, f, note);
  }
  // An entry whose peer is a proxy says what lies behind it: in the entry, and in its rule's note.
  for (const [id, m] of entryMaps) {
    const d = out.get(id)!;
    for (const b of m.values()) {
      if (b.proxied.empty) continue;
      const note = b.proxied.note();
      const rule = { ...b.e.rule, note: b.e.rule.note !== undefined ? `${b.e.rule.note}; ${note}` : note };
      const i = d.entries.indexOf(b.e);
      d.entries[i] = { ...b.e, rule, proxied: b.proxied.list() };
    }
  }
  const devices = [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
  const policy: PolicyFile = {
    version: 2,
    devices: devices.map((d) => ({
      name: d.model !== undefined ? `${d.model} ${d.id}` : d.id,
      match: { mac: d.id, ip: d.ip },
      mode: input.mode ?? 'alert',
      allow: d.entries.filter((e) => e.decision === 'allow').map((e) => e.rule as PolicyRule),
      deny: d.entries.filter((e) => e.decision === 'deny').map((e) => e.rule as DenyRule),
    })),
  };
  return { policy, devices };
}
