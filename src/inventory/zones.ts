// Zones (DESIGN.md "Judging › Zones"): `site` addresses belong to the hospital; everything else
// except multicast, broadcast, unspecified and loopback is `outside`. Documentation ranges such as
// 203.0.113.0/24 are deliberately *outside*: the lab uses them to stand in for the internet.
//
// Kept free of inventory state so the detection stage can reuse it (candidate to move to
// src/contract once a second stage needs it).
import { BlockList, isIP } from 'node:net';
import { WardwatchError } from '../errors.js';

export type Zone = 'site' | 'outside' | 'special';

export const DEFAULT_SITE_CIDRS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

// Not devices and not destinations anyone "talks to": multicast, limited broadcast, unspecified, loopback.
const SPECIAL_CIDRS: readonly string[] = ['224.0.0.0/4', '255.255.255.255/32', '0.0.0.0/8', '127.0.0.0/8', 'ff00::/8'];
const SPECIAL_EXACT = new Set(['::', '::1']);

function addCidrs(list: BlockList, cidrs: readonly string[], origin: string): void {
  for (const cidr of cidrs) {
    const slash = cidr.indexOf('/');
    const addr = slash < 0 ? cidr : cidr.slice(0, slash);
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    const prefix = slash < 0 ? max : Number(cidr.slice(slash + 1));
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new WardwatchError('WW_CONFIG', `${origin}: '${cidr}' is not an address or CIDR (e.g. 10.20.0.0/16)`);
    }
    list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Strip an IPv6 zone id ('fe80::1%eth0'); BlockList would not match it. */
function bare(ip: string): string {
  const pct = ip.indexOf('%');
  return pct < 0 ? ip : ip.slice(0, pct);
}

function checker(list: BlockList): (ip: string) => boolean {
  // BlockList.check allocates a SocketAddress per call; every HL7 message asks about the same
  // few addresses, so answers are memoised (bounded: cleared when full).
  const memo = new Map<string, boolean>();
  return (ip) => {
    const hit = memo.get(ip);
    if (hit !== undefined) return hit;
    const a = bare(ip);
    const family = isIP(a);
    const r = family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
    if (memo.size >= 65_536) memo.clear();
    memo.set(ip, r);
    return r;
  };
}

const defaultSite = (() => {
  const l = new BlockList();
  addCidrs(l, DEFAULT_SITE_CIDRS, 'default site zones');
  return checker(l);
})();

const special = (() => {
  const l = new BlockList();
  addCidrs(l, SPECIAL_CIDRS, 'special ranges');
  const inList = checker(l);
  return (ip: string) => SPECIAL_EXACT.has(bare(ip)) || inList(ip);
})();

/**
 * A site predicate over exactly `cidrs` (the config's resolved zones: its `site` list plus the
 * defaults unless it replaces them). Invalid CIDRs throw WW_CONFIG naming `origin`, since they
 * are the user's own input.
 */
export function siteMatcher(
  cidrs: readonly string[] = DEFAULT_SITE_CIDRS,
  origin = 'site zones',
): (ip: string) => boolean {
  if (cidrs === DEFAULT_SITE_CIDRS) return defaultSite;
  const l = new BlockList();
  addCidrs(l, cidrs, origin);
  return checker(l);
}

/** True when `ip` belongs to the hospital (default zones, plus `extraCidrs` when given). */
export function isSite(ip: string, extraCidrs?: readonly string[]): boolean {
  return extraCidrs && extraCidrs.length > 0
    ? siteMatcher([...DEFAULT_SITE_CIDRS, ...extraCidrs])(ip)
    : defaultSite(ip);
}

export function isSpecial(ip: string): boolean {
  return isIP(bare(ip)) === 0 || special(ip);
}

/** The zone of an address; `site` is the predicate in use (default zones when omitted). */
export function zoneOf(ip: string, site: (ip: string) => boolean = defaultSite): Zone {
  if (isSpecial(ip)) return 'special';
  return site(ip) ? 'site' : 'outside';
}
