// MUD (RFC 8520) to and from a device policy. A rule the device opens (out) is a from-device ACE
// to the peer plus its to-device mirror for the replies; an inbound rule the other way round,
// both marked with `ietf-mud:direction-initiated` for TCP. Import keeps the initiating ACEs and
// drops the mirrors (compile writes the replies itself); `local-networks` ↔ mode local-only.
// Schedules and grants have no MUD form and are not exported.
import type { DenyRule, DevicePolicy, PolicyRule } from '../../contract/policy.js';
import { WardwatchError } from '../../errors.js';
import { isAddressPeer } from '../match.js';
import { type Ace, MudFile } from './schema.js';

const PROTO: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };
const PROTO_NAME: Record<number, 'tcp' | 'udp' | 'icmp'> = { 6: 'tcp', 17: 'udp', 1: 'icmp' };

export interface MudMeta {
  readonly url: string;
  readonly systeminfo?: string;
  readonly lastUpdate?: string;
  readonly cacheValidity?: number;
}

const cidr = (peer: string) => (peer.includes('/') ? peer : `${peer}/32`);

function ace(
  name: string,
  r: PolicyRule,
  side: 'from' | 'to',
  initiated: 'from-device' | 'to-device',
  action: string,
): Ace {
  const peerKey = side === 'from' ? 'dst' : 'src';
  const ipv4: Record<string, unknown> = {};
  if (r.proto !== 'any') ipv4.protocol = PROTO[r.proto];
  if (isAddressPeer(r.peer))
    ipv4[peerKey === 'dst' ? 'destination-ipv4-network' : 'source-ipv4-network'] = cidr(r.peer);
  else ipv4[`ietf-acldns:${peerKey}-dnsname`] = r.peer;
  const matches: Record<string, unknown> = { ipv4 };
  if ((r.proto === 'tcp' || r.proto === 'udp') && r.port !== undefined) {
    // The service port is the destination of the initiator's packets.
    const portKey = (side === 'from') === (initiated === 'from-device') ? 'destination-port' : 'source-port';
    matches[r.proto] = {
      [portKey]: { operator: 'eq', port: r.port },
      ...(r.proto === 'tcp' ? { 'ietf-mud:direction-initiated': initiated } : {}),
    };
  }
  return { name, matches, actions: { forwarding: action as 'accept' } } as Ace;
}

export function exportMud(p: DevicePolicy, meta: MudMeta): MudFile {
  const from: Ace[] = [];
  const to: Ace[] = [];
  const rules: [PolicyRule, string][] = [
    ...p.deny.map((r) => [r, 'drop'] as [PolicyRule, string]),
    ...p.allow.map((r) => [r, 'accept'] as [PolicyRule, string]),
  ];
  rules.forEach(([r, action], i) => {
    const initiated = (r.direction ?? 'out') === 'out' ? 'from-device' : 'to-device';
    from.push(ace(`from${i}`, r, 'from', initiated, action));
    to.push(ace(`to${i}`, r, 'to', initiated, action));
  });
  if (p.mode === 'local-only') {
    const local = {
      name: 'local',
      matches: { 'ietf-mud:mud': { 'local-networks': [null] } },
      actions: { forwarding: 'accept' as const },
    };
    from.push({ ...local, name: 'from-local' });
    to.push({ ...local, name: 'to-local' });
  }
  const base = meta.url
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(-40);
  return {
    'ietf-mud:mud': {
      'mud-version': 1,
      'mud-url': meta.url,
      'last-update': meta.lastUpdate ?? new Date().toISOString(),
      'cache-validity': meta.cacheValidity ?? 48,
      'is-supported': true,
      ...(meta.systeminfo !== undefined ? { systeminfo: meta.systeminfo } : {}),
      'from-device-policy': { 'access-lists': { 'access-list': [{ name: `from-${base}` }] } },
      'to-device-policy': { 'access-lists': { 'access-list': [{ name: `to-${base}` }] } },
    },
    'ietf-access-control-list:acls': {
      acl: [
        { name: `from-${base}`, type: 'ipv4-acl-type', aces: { ace: from } },
        { name: `to-${base}`, type: 'ipv4-acl-type', aces: { ace: to } },
      ],
    },
  };
}

function ruleOf(a: Ace, side: 'from' | 'to'): { rule: DenyRule; initiating: boolean } | string | undefined {
  const m = a.matches;
  const mud = m['ietf-mud:mud'];
  if (mud?.controller !== undefined || mud?.['my-controller'] !== undefined)
    return `ACE ${a.name}: controller classes have no address here; add the controller's address as a rule`;
  if (mud?.manufacturer !== undefined || mud?.['same-manufacturer'] !== undefined)
    return `ACE ${a.name}: manufacturer classes are not supported`;
  const v4 = m.ipv4 ?? {};
  const peer =
    side === 'from'
      ? (v4['ietf-acldns:dst-dnsname'] ?? v4['destination-ipv4-network'])
      : (v4['ietf-acldns:src-dnsname'] ?? v4['source-ipv4-network']);
  if (peer === undefined) return `ACE ${a.name}: no peer (address or DNS name)`;
  const proto = v4.protocol !== undefined ? (PROTO_NAME[v4.protocol] ?? 'any') : 'any';
  const l4 = proto === 'tcp' ? m.tcp : proto === 'udp' ? m.udp : undefined;
  const dport = l4?.['destination-port']?.port;
  const sport = l4?.['source-port']?.port;
  const initiated =
    l4?.['ietf-mud:direction-initiated'] ??
    (side === 'from'
      ? sport !== undefined && dport === undefined
        ? 'to-device'
        : 'from-device'
      : dport !== undefined && sport === undefined
        ? 'to-device'
        : 'from-device');
  const initiating = (side === 'from') === (initiated === 'from-device');
  const port = initiating ? dport : sport;
  const rule: DenyRule = {
    ...(initiated === 'to-device' ? { direction: 'in' as const } : { direction: 'out' as const }),
    peer: peer.endsWith('/32') ? peer.slice(0, -3) : peer,
    proto,
    ...(port !== undefined ? { port } : {}),
  };
  return { rule, initiating };
}

/** A device policy from a MUD file (`match` is the caller's: MUD names no MAC). */
export function importMud(json: unknown, match: DevicePolicy['match']): { policy: DevicePolicy; warnings: string[] } {
  const parsed = MudFile.safeParse(json);
  if (!parsed.success)
    throw new WardwatchError(
      'WW_POLICY_INVALID',
      `not a MUD file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const mud = parsed.data;
  const acls = (mud['ietf-access-control-list:acls'] ?? mud['ietf-access-control-list:access-lists'])?.acl ?? [];
  const byName = new Map(acls.map((a) => [a.name, a]));
  const warnings: string[] = [];
  const allow: PolicyRule[] = [];
  const deny: DenyRule[] = [];
  const seen = new Set<string>();
  let local = false;
  for (const [side, key] of [
    ['from', 'from-device-policy'],
    ['to', 'to-device-policy'],
  ] as const) {
    for (const ref of mud['ietf-mud:mud'][key]?.['access-lists']['access-list'] ?? []) {
      const acl = byName.get(ref.name);
      if (acl === undefined) {
        warnings.push(`${key} names ACL ${ref.name}, which the file does not define`);
        continue;
      }
      for (const a of acl.aces.ace) {
        if (a.matches['ietf-mud:mud']?.['local-networks'] !== undefined) {
          local = true;
          continue;
        }
        const r = ruleOf(a, side);
        if (typeof r === 'string') warnings.push(r);
        if (r === undefined || typeof r === 'string' || !r.initiating) continue;
        const k = JSON.stringify([a.actions.forwarding === 'accept', r.rule]);
        if (seen.has(k)) continue;
        seen.add(k);
        if (a.actions.forwarding === 'accept') allow.push(r.rule);
        else deny.push({ ...r.rule, reason: `MUD ${a.actions.forwarding}` });
      }
    }
  }
  const m = mud['ietf-mud:mud'];
  const name = m.systeminfo ?? ([m['mfg-name'], m['model-name']].filter(Boolean).join(' ') || m['mud-url']);
  return { policy: { name, match, mode: local ? 'local-only' : 'enforce', allow, deny }, warnings };
}
