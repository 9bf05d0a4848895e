// Address helpers for rules, allowlists and indicators. Address parsing and the zones
// themselves (DESIGN.md "Zones") live in contract/zones.ts, shared with the inventory; they are
// re-exported here for the config, indicator and rule modules that import them from this one.
import { type Cidr, cidrContains, type IpAddr, parseIp } from './zones.js';

export {
  type Cidr,
  cidrContains,
  DEFAULT_SITE_CIDRS as DEFAULT_SITE,
  type IpAddr,
  parseCidr,
  parseIp,
} from './zones.js';

/** A list of CIDRs, each carrying a value; `match` returns the most specific entry. */
export class CidrSet<T> {
  private readonly entries: { cidr: Cidr; value: T }[] = [];
  /** Answers by address text (rules ask per event about the same few addresses), bounded. */
  private readonly memo = new Map<string, { v: T | undefined }>();
  add(cidr: Cidr, value: T): void {
    this.entries.push({ cidr, value });
    this.entries.sort((a, b) => b.cidr.bits - a.cidr.bits);
    this.memo.clear();
  }
  match(ip: string | IpAddr | undefined): T | undefined {
    if (this.entries.length === 0) return undefined;
    if (typeof ip === 'string') {
      const hit = this.memo.get(ip);
      if (hit !== undefined) return hit.v;
      const v = this.matchAddr(parseIp(ip));
      if (this.memo.size >= 16_384) this.memo.clear();
      this.memo.set(ip, { v });
      return v;
    }
    return this.matchAddr(ip);
  }
  private matchAddr(a: IpAddr | undefined): T | undefined {
    if (a === undefined) return undefined;
    for (const e of this.entries) if (cidrContains(e.cidr, a)) return e.value;
    return undefined;
  }
  get size(): number {
    return this.entries.length;
  }
}

/** Domain match: exact, or a subdomain of `domain` (a leading `*.` or `.` is accepted). */
export function domainMatches(name: string, domain: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const d = domain
    .toLowerCase()
    .replace(/^\*?\./, '')
    .replace(/\.$/, '');
  return n === d || n.endsWith(`.${d}`);
}
