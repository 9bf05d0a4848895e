// What both compilers share: which device policies become rules (enforce, local-only,
// quarantine; learn and alert only watch), the tag and addresses of each, the named set of each
// DNS-name rule, and the grants still open. Pure.
import type { DevicePolicy, Grant, PolicyFile } from '../../contract/policy.js';
import { WardwatchError } from '../../errors.js';
import { isAddressPeer } from '../match.js';

export interface CompileInput {
  readonly policy: PolicyFile;
  /** Extra addresses per device id (MAC), e.g. from a capture's inventory, for policies matched by MAC. */
  readonly addresses?: Readonly<Record<string, readonly string[]>>;
  /** Site CIDRs (local-only lets these through). */
  readonly site?: readonly string[];
  /** The resolver's max cache TTL in seconds: DNS-name sets keep elements at least this long. */
  readonly maxCacheTtl?: number;
  /** Clock for grant timeouts (ms since the epoch). */
  readonly now?: number;
}

export interface CompiledDevice {
  readonly tag: string;
  readonly label: string;
  readonly policy: DevicePolicy;
  readonly addresses: string[];
  /** `allow<i>`/`deny<i>` → set name, for rules whose peer is a DNS name. */
  readonly nameSets: Record<string, string>;
  readonly names: { set: string; name: string }[];
  /** Grants to an address or CIDR: set elements with a timeout. */
  readonly grants: Grant[];
  /** Grants to a DNS name: a set of their own that the resolver fills, open until the grant ends. */
  readonly nameGrants: { set: string; name: string; grant: Grant }[];
  readonly resolver?: string;
}

/** True for an IPv6 address or CIDR. */
export const isV6 = (a: string): boolean => a.includes(':');
/** The dnsmasq/nft name of the IPv6 twin of a name set. */
export const set6 = (set: string): string => `${set}_6`;

const ENFORCED = new Set(['enforce', 'local-only', 'quarantine']);

export function compiledDevices(input: CompileInput): { devices: CompiledDevice[]; warnings: string[] } {
  const warnings: string[] = [];
  const devices: CompiledDevice[] = [];
  input.policy.devices.forEach((p, i) => {
    const label = p.name ?? JSON.stringify(p.match);
    if (!ENFORCED.has(p.mode)) {
      warnings.push(`${label}: mode ${p.mode} only watches; no rules compiled`);
      return;
    }
    const addresses = [
      ...new Set([
        ...(p.match.ip !== undefined ? [p.match.ip] : []),
        ...(p.match.mac !== undefined ? (input.addresses?.[p.match.mac.toLowerCase()] ?? []) : []),
      ]),
    ];
    if (addresses.length === 0) {
      warnings.push(`${label}: no address known (add match.ip, or compile with --capture); not compiled`);
      return;
    }
    const tag = `d${i + 1}`;
    const nameSets: Record<string, string> = {};
    const names: { set: string; name: string }[] = [];
    let k = 0;
    for (const [kind, rules] of [
      ['allow', p.allow],
      ['deny', p.deny],
    ] as const) {
      rules.forEach((r, j) => {
        if (isAddressPeer(r.peer)) return;
        const set = `${tag}_n${k++}`;
        nameSets[`${kind}${j}`] = set;
        names.push({ set, name: r.peer.replace(/^\*?\./, '').toLowerCase() });
      });
    }
    const ids = new Set([p.match.mac?.toLowerCase(), p.match.ip, p.name, ...addresses].filter((x) => x !== undefined));
    const grants = (input.policy.grants ?? []).filter((g) => ids.has(g.device.toLowerCase()) || ids.has(g.device));
    const now = input.now ?? Date.now();
    const nameGrants = grants
      .filter((g) => !isAddressPeer(g.to) && Date.parse(g.until) > now)
      .map((g, j) => ({ set: `${tag}_g${j}`, name: g.to.replace(/^\*?\./, '').toLowerCase(), grant: g }));
    for (const g of nameGrants) names.push({ set: g.set, name: g.name });
    devices.push({
      tag,
      label,
      policy: p,
      addresses,
      nameSets,
      names,
      grants: grants.filter((g) => isAddressPeer(g.to)),
      nameGrants,
      ...(input.policy.resolver !== undefined ? { resolver: input.policy.resolver } : {}),
    });
  });
  return { devices, warnings };
}

/** The one time zone of every schedule in the policy (nft takes one per load); UTC when none. */
export function scheduleTz(policy: PolicyFile): string {
  const tzs = new Set<string>();
  for (const d of policy.devices) {
    if (d.schedule) tzs.add(d.schedule.tz);
    for (const r of [...d.allow, ...d.deny]) if (r.schedule) tzs.add(r.schedule.tz);
  }
  if (tzs.size > 1)
    throw new WardwatchError(
      'WW_POLICY_INVALID',
      `schedules use several time zones (${[...tzs].join(', ')}); nftables evaluates one per ruleset: use one tz`,
    );
  return [...tzs][0] ?? 'UTC';
}
