// policy.violation — a flow the device's active policy does not allow (DESIGN.md "Policy").
// Only flows the device starts are judged (what nftables would drop on the way out). Flows
// are recorded while input streams and judged at finish, when model and class are known; a
// stream hears a violating flow at the first tick after it started (`early`), judged with the
// device as identified so far.
// The verdict is policy/match.ts's, shared with `policy simulate`.
import type { PolicyFile } from '../../contract/policy.js';
import type { DeviceRecord } from '../../contract/records.js';
import type { Endpoint, Micros, WardEvent } from '../../events.js';
import { grantFor, policyFor, verdict } from '../../policy/match.js';
import type { Context, Rule } from '../context.js';

export { peerMatches, policyFor } from '../../policy/match.js';

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

export function createPolicyViolation(policy: PolicyFile): Rule {
  const flows = new Map<string, FlowKey>();
  const judge = (ctx: Context, devices: readonly DeviceRecord[]): void => {
    const byId = new Map(devices.map((d) => [d.id, d]));
    for (const f of flows.values()) {
      const deviceId = ctx.deviceId(f.src.ip, f.src.mac);
      const p = policyFor(policy, deviceId, f.src.ip, byId.get(deviceId));
      if (p === undefined) continue;
      const view = {
        direction: 'out',
        peer: f.dst.ip,
        proto: f.proto,
        port: f.dst.port,
        names: f.names,
        ts: f.first,
      } as const;
      const v = verdict(p, view, (ip) => !ctx.zones.isOutside(ip), grantFor(policy.grants, deviceId, f.src.ip, view));
      if (v.allowed) continue;
      const why = v.reason;
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
  };
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
    finish: judge,
    early: judge,
  };
}
