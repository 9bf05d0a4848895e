// The one policy matcher (DESIGN.md "Policy"): `policy.violation` (detect) and `policy simulate`
// both ask it whether a flow passes a device's policy, so an alert and a dry run never disagree.
// Pure: a flow is described by a plain object, zones by a callback.
import type { DevicePolicy, Grant, PolicyFile, PolicyRule, Schedule } from '../contract/policy.js';
import { domainMatches } from '../net/cidr-set.js';
import { cidrContains, parseCidr, parseIp } from '../net/zones.js';

export { domainMatches } from '../net/cidr-set.js';

/** Inbound remote-access services, closed unless an `in` rule names who may use them. */
export const REMOTE_ACCESS_PORTS: Readonly<Record<number, string>> = {
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  513: 'rlogin',
  514: 'rsh',
  3389: 'rdp',
  5900: 'vnc',
  5901: 'vnc',
};

/** A flow as the matcher sees it, from the device's side. */
export interface FlowView {
  /** out: the device opened it; in: the peer did. */
  readonly direction: 'out' | 'in';
  /** The other end. */
  readonly peer: string;
  readonly proto: string;
  /** The service port (destination port of the opener). */
  readonly port?: number;
  /** DNS names (with CNAME chains) that resolved `peer` for this device when the flow began. */
  readonly names: ReadonlySet<string>;
  /** Start, microseconds since the epoch. */
  readonly ts: number;
  readonly app?: string;
}

export interface Verdict {
  readonly allowed: boolean;
  /** Why, in words (the rule, the mode, the default). */
  readonly reason: string;
}

/** True when `peer` is an address or CIDR (not a DNS name). */
export function isAddressPeer(peer: string): boolean {
  return parseCidr(peer) !== undefined;
}

export function peerMatches(peer: string, ip: string, names: ReadonlySet<string>): boolean {
  const c = parseCidr(peer);
  if (c !== undefined) {
    const a = parseIp(ip);
    return a !== undefined && cidrContains(c, a);
  }
  for (const n of names) if (domainMatches(n, peer)) return true;
  return false;
}

const WEEKDAY: Record<string, string> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Day and "HH:MM" of `tsMicros` in `tz`. */
export function localTime(tsMicros: number, tz: string): { day: string; hm: string } {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  const parts = f.formatToParts(new Date(tsMicros / 1000));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: WEEKDAY[get('weekday')] ?? '', hm: `${get('hour')}:${get('minute')}` };
}

const DAY_ORDER = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** The day before `day` ('mon' → 'sun'). */
export function previousDay(day: string): string {
  const i = DAY_ORDER.indexOf(day as (typeof DAY_ORDER)[number]);
  return i < 0 ? '' : (DAY_ORDER[(i + 6) % 7] as string);
}

/** True when a schedule's hours wrap midnight (end before start, e.g. 22:00-06:00). */
export function wrapsMidnight(hours: string): boolean {
  return hours.slice(6) < hours.slice(0, 5);
}

/**
 * Whether `tsMicros` falls in the schedule. Hours that wrap midnight (22:00-06:00) are the night
 * that starts on each listed day: Monday 02:00 belongs to Sunday's window.
 */
export function inSchedule(s: Schedule | undefined, tsMicros: number): boolean {
  if (s === undefined) return true;
  const { day, hm } = localTime(tsMicros, s.tz);
  const onDay = (d: string) => s.days === undefined || s.days.includes(d as (typeof s.days)[number]);
  if (s.hours === undefined) return onDay(day);
  const start = s.hours.slice(0, 5);
  const end = s.hours.slice(6);
  if (!wrapsMidnight(s.hours)) return onDay(day) && hm >= start && hm < end;
  return (hm >= start && onDay(day)) || (hm < end && onDay(previousDay(day)));
}

export function ruleMatches(r: PolicyRule, f: FlowView): boolean {
  if ((r.direction ?? 'out') !== f.direction) return false;
  if (r.proto !== 'any' && r.proto !== f.proto) return false;
  if (r.port !== undefined && r.port !== f.port) return false;
  if (r.app !== undefined && f.app !== undefined && r.app !== f.app) return false;
  if (!inSchedule(r.schedule, f.ts)) return false;
  return peerMatches(r.peer, f.peer, f.names);
}

export function describeRule(r: PolicyRule): string {
  const dir = (r.direction ?? 'out') === 'in' ? 'in from ' : '';
  return `${dir}${r.proto} ${r.peer}${r.port !== undefined ? `:${r.port}` : ''}`;
}

/** What the matcher knows of a device besides its address. */
export interface DeviceFacts {
  readonly ips?: readonly string[];
  readonly model?: string;
  readonly class?: string;
}

/** The first device policy of `policy` that matches the device (by MAC, IP, model or class). */
export function policyFor(
  policy: PolicyFile,
  deviceId: string,
  ip: string,
  dev: DeviceFacts | undefined,
): DevicePolicy | undefined {
  const lc = (s: string | undefined) => s?.toLowerCase();
  return policy.devices.find((p) => {
    const m = p.match;
    if (m.mac !== undefined && lc(m.mac) !== lc(deviceId)) return false;
    if (m.ip !== undefined && m.ip !== ip && !(dev?.ips?.includes(m.ip) ?? false)) return false;
    if (m.model !== undefined && lc(m.model) !== lc(dev?.model)) return false;
    if (m.class !== undefined && m.class !== dev?.class) return false;
    return true;
  });
}

/** The grants of `grants` open for this device and flow at the flow's time. */
export function grantFor(
  grants: readonly Grant[] | undefined,
  deviceId: string,
  ip: string,
  f: FlowView,
): Grant | undefined {
  if (f.direction !== 'out') return undefined;
  const t = f.ts / 1000;
  return grants?.find(
    (g) =>
      (g.device.toLowerCase() === deviceId.toLowerCase() || g.device === ip) &&
      Date.parse(g.from) <= t &&
      t < Date.parse(g.until) &&
      (g.proto === 'any' || g.proto === f.proto) &&
      (g.port === undefined || g.port === f.port) &&
      peerMatches(g.to, f.peer, f.names),
  );
}

const isDhcp = (f: FlowView) => f.proto === 'udp' && (f.port === 67 || f.port === 68);

/**
 * The verdict of device policy `p` on flow `f`. Order: DHCP always passes; learn passes
 * everything; a grant open at the flow's time passes; outside the device's schedule nothing
 * passes; quarantine blocks; deny rules; allow rules; then the mode's default (local-only:
 * site peers pass, except remote access inbound; alert/enforce: default deny).
 */
export function verdict(
  p: DevicePolicy,
  f: FlowView,
  isSite: (ip: string) => boolean,
  grant?: Grant,
  remotePorts: readonly number[] = [],
): Verdict {
  if (isDhcp(f)) return { allowed: true, reason: 'DHCP always passes' };
  if (p.mode === 'learn') return { allowed: true, reason: 'learn mode' };
  if (grant !== undefined) return { allowed: true, reason: `grant ${grant.id} (${grant.reason}) until ${grant.until}` };
  if (!inSchedule(p.schedule, f.ts)) return { allowed: false, reason: 'outside the device schedule' };
  if (p.mode === 'quarantine') return { allowed: false, reason: 'quarantine: DHCP and ARP only' };
  const deny = p.deny.find((r) => ruleMatches(r, f));
  if (deny !== undefined)
    return {
      allowed: false,
      reason: `deny ${describeRule(deny)}${deny.reason !== undefined ? ` (${deny.reason})` : ''}`,
    };
  const allow = p.allow.find((r) => ruleMatches(r, f));
  if (allow !== undefined) return { allowed: true, reason: `allow ${describeRule(allow)}` };
  const remote =
    f.direction === 'in' && f.proto === 'tcp' && f.port !== undefined ? remoteName(f.port, p, remotePorts) : undefined;
  if (remote !== undefined)
    return { allowed: false, reason: `remote access (${remote}) is closed unless a rule names the hosts` };
  if (p.mode === 'local-only')
    return isSite(f.peer)
      ? { allowed: true, reason: 'local-only: site peer' }
      : { allowed: false, reason: 'local-only: site peers only' };
  return { allowed: false, reason: 'default deny (no allow rule matches)' };
}

function remoteName(port: number, p: DevicePolicy, extra: readonly number[]): string | undefined {
  const known = REMOTE_ACCESS_PORTS[port];
  if (known !== undefined) return known;
  if (p.remoteAccessPorts?.includes(port) || extra.includes(port)) return `vendor port ${port}`;
  return undefined;
}

/** Every remote-access port a device policy closes inbound. */
export function remoteAccessPorts(p: DevicePolicy): number[] {
  return [...new Set([...Object.keys(REMOTE_ACCESS_PORTS).map(Number), ...(p.remoteAccessPorts ?? [])])].sort(
    (a, b) => a - b,
  );
}
