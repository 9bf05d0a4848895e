// The inventory's view of the zones (DESIGN.md "Zones", implemented once in contract/zones.ts):
// a site predicate the device table and inventory carry, and `zoneOf` over it.
import { DEFAULT_SITE_CIDRS, type Zone, Zones } from '../net/zones.js';

const defaults = new Zones();
const defaultSite = (ip: string): boolean => defaults.isSite(ip);

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
  const zones = new Zones(cidrs, { origin });
  return (ip) => zones.isSite(ip);
}

/** True when `ip` belongs to the hospital (default zones, plus `extraCidrs` when given). */
export function isSite(ip: string, extraCidrs?: readonly string[]): boolean {
  return extraCidrs && extraCidrs.length > 0
    ? siteMatcher([...DEFAULT_SITE_CIDRS, ...extraCidrs])(ip)
    : defaultSite(ip);
}

/** Multicast, broadcast, unspecified, loopback, or not an address (independent of the site list). */
export function isSpecial(ip: string): boolean {
  return defaults.isSpecial(ip);
}

/** The zone of an address; `site` is the predicate in use (default zones when omitted). */
export function zoneOf(ip: string, site: (ip: string) => boolean = defaultSite): Zone {
  // The default site list answers both questions from one memo lookup (every event asks).
  if (site === defaultSite) return defaults.zone(ip);
  if (defaults.isSpecial(ip)) return 'special';
  return site(ip) ? 'site' : 'outside';
}
