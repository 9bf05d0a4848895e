// policy.violation — a flow the device's active policy does not allow (DESIGN.md "Policy").
// Only flows the device starts are judged (what nftables would drop on the way out). Flows
// are recorded while input streams and judged at finish, when model and class are known.
// Modes: learn → silent; alert/enforce → deny rules, then allow rules, then default deny;
// local-only → site peers only; quarantine → DHCP only (ARP is not a flow).
import type { DevicePolicy, PolicyFile, PolicyRule } from '../../contract/policy.js';
import type { DeviceRecord } from '../../contract/records.js';
import type { Endpoint, Micros, WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';
import { cidrContains, domainMatches, parseCidr, parseIp } from '../../net/cidr-set.js';

interface FlowKey {
  src: Endpoint;
  dst: Endpoint;
  proto: string;
  first: Micros;
  last: Micros;
  count: number;
  /** Names that resolved the destination when the flow started. */
  names: Set<string>;
}

const MAX_FLOWS = 100_000;

export function peerMatches(peer: string, ip: string, names: ReadonlySet<string>): boolean {
  const c = parseCidr(peer);
  if (c !== undefined) {
    const a = parseIp(ip);
    return a !== undefined && cidrContains(c, a);
  }
  for (const n of names) if (domainMatches(n, peer)) return true;
  return false;
}

function ruleMatches(r: PolicyRule, f: FlowKey): boolean {
  if (r.proto !== 'any' && r.proto !== f.proto) return false;
  if (r.port !== undefined && r.port !== f.dst.port) return false;
  return peerMatches(r.peer, f.dst.ip, f.names);
}

function describe(r: PolicyRule): string {
  return `${r.proto} ${r.peer}${r.port !== undefined ? `:${r.port}` : ''}`;
}

export function policyFor(
  policy: PolicyFile,
  deviceId: string,
  ip: string,
  dev: DeviceRecord | undefined,
): DevicePolicy | undefined {
  const lc = (s: string | undefined) => s?.toLowerCase();
  return policy.devices.find((p) => {
    const m = p.match;
    if (m.mac !== undefined && lc(m.mac) !== deviceId) return false;
    if (m.ip !== undefined && m.ip !== ip && !(dev?.ips.includes(m.ip) ?? false)) return false;
    if (m.model !== undefined && lc(m.model) !== lc(dev?.model)) return false;
    if (m.class !== undefined && m.class !== dev?.class) return false;
    return true;
  });
}

/** Why `p` blocks flow `f`, or undefined when it allows it. */
function verdict(ctx: Context, p: DevicePolicy, f: FlowKey): string | undefined {
  const dhcp = f.proto === 'udp' && (f.dst.port === 67 || f.dst.port === 68);
  if (dhcp) return undefined;
  switch (p.mode) {
    case 'learn':
      return undefined;
    case 'quarantine':
      return 'quarantine: DHCP and ARP only';
    case 'local-only':
      return ctx.zones.isOutside(f.dst.ip) ? 'local-only: site peers only' : undefined;
    default: {
      const deny = p.deny.find((r) => ruleMatches(r, f));
      if (deny !== undefined) return `deny ${describe(deny)}${deny.reason !== undefined ? ` (${deny.reason})` : ''}`;
      if (p.allow.some((r) => ruleMatches(r, f))) return undefined;
      return 'default deny (no allow rule matches)';
    }
  }
}

export function createPolicyViolation(policy: PolicyFile): Rule {
  const flows = new Map<string, FlowKey>();
  return {
    id: 'policy.violation',
    types: ['flow-start'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type !== 'flow-start' || !ctx.zones.isSite(ev.src.ip)) return;
      const key = `${ev.src.ip}|${ev.dst.ip}|${ev.proto}|${ev.dst.port ?? ''}`;
      const f = flows.get(key);
      if (f !== undefined) {
        f.count++;
        f.last = Math.max(f.last, ev.ts);
        for (const n of ctx.dns.valid(ev.dst.ip, ev.ts)) for (const c of n.chain) f.names.add(c);
        return;
      }
      if (flows.size >= MAX_FLOWS) {
        ctx.warnOnce('policy.violation: too many distinct flows; later ones are not judged');
        return;
      }
      const names = new Set<string>();
      for (const n of ctx.dns.valid(ev.dst.ip, ev.ts)) for (const c of n.chain) names.add(c);
      flows.set(key, { src: ev.src, dst: ev.dst, proto: ev.proto, first: ev.ts, last: ev.ts, count: 1, names });
    },
    finish(ctx: Context, devices: readonly DeviceRecord[]): void {
      const byId = new Map(devices.map((d) => [d.id, d]));
      for (const f of flows.values()) {
        const deviceId = ctx.deviceId(f.src.ip, f.src.mac);
        const p = policyFor(policy, deviceId, f.src.ip, byId.get(deviceId));
        if (p === undefined) continue;
        const why = verdict(ctx, p, f);
        if (why === undefined) continue;
        const name = p.name ?? `policy for ${JSON.stringify(p.match)}`;
        ctx.raise({
          rule: 'policy.violation',
          ts: f.first,
          last: f.last,
          count: f.count,
          src: f.src,
          dst: f.dst,
          deviceId,
          message: `${f.proto} to ${f.dst.ip}${f.dst.port !== undefined ? ` port ${f.dst.port}` : ''} is not allowed by policy '${name}' (${why})`,
          evidence: { policy: name, mode: p.mode, blockedBy: why, proto: f.proto, names: [...f.names].sort() },
        });
      }
    },
  };
}
