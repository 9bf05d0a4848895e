// Address arithmetic for zones, allowlists and indicators. IPv4 and IPv6 share one
// representation (a bigint and a family) so one CIDR set answers both; IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d) are folded to IPv4 so a v4 rule also covers them.

export interface IpAddr {
  readonly v: 4 | 6;
  readonly n: bigint;
}

export interface Cidr {
  readonly v: 4 | 6;
  readonly net: bigint;
  readonly bits: number;
  readonly text: string;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const b = Number(p);
    if (b > 255) return undefined;
    n = (n << 8n) | BigInt(b);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  const pct = s.indexOf('%'); // zone id (fe80::1%eth0) does not change the address
  if (pct >= 0) s = s.slice(0, pct);
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    // Embedded IPv4 tail (::ffff:1.2.3.4): rewrite it as two hex groups.
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) return undefined;
  const right = rest;
  const total = head.length + right.length;
  if (halves.length === 1 && total !== 8) return undefined;
  if (halves.length === 2 && total > 7) return undefined;
  const all = [...head, ...new Array<bigint>(8 - total).fill(0n), ...right];
  let n = 0n;
  for (const g of all) n = (n << 16n) | g;
  return n;
}

/** Parse an IPv4 or IPv6 address; undefined when it is not one. */
export function parseIp(s: string): IpAddr | undefined {
  if (s.includes(':')) {
    const n = parseV6(s);
    if (n === undefined) return undefined;
    if (n >> 32n === 0xffffn) return { v: 4, n: n & 0xffffffffn };
    return { v: 6, n };
  }
  const n = parseV4(s);
  return n === undefined ? undefined : { v: 4, n };
}

function width(v: 4 | 6): number {
  return v === 4 ? 32 : 128;
}

/** Parse `addr/bits` or a bare address (a host route). Undefined when malformed. */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const ip = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (ip === undefined) return undefined;
  let bits = width(ip.v);
  if (slash >= 0) {
    const b = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return undefined;
    bits = Number(b);
    // An IPv4-mapped prefix counts its bits in the v6 space.
    if (ip.v === 4 && s.includes(':')) bits -= 96;
    if (bits < 0 || bits > width(ip.v)) return undefined;
  }
  const shift = BigInt(width(ip.v) - bits);
  return { v: ip.v, net: (ip.n >> shift) << shift, bits, text: s };
}

export function cidrContains(c: Cidr, ip: IpAddr): boolean {
  if (c.v !== ip.v) return false;
  const shift = BigInt(width(c.v) - c.bits);
  return ip.n >> shift === c.net >> shift;
}

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
      if (this.memo.size >= 65_536) this.memo.clear();
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

export const DEFAULT_SITE = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
] as const;

// Never "outside": nobody owns these as a destination on the internet.
const NOWHERE = ['0.0.0.0/8', '127.0.0.0/8', '224.0.0.0/4', '255.255.255.255/32', '::/128', '::1/128', 'ff00::/8'].map(
  (c) => parseCidr(c)!,
);

export function isNowhere(ip: IpAddr): boolean {
  return NOWHERE.some((c) => cidrContains(c, ip));
}

/** Site and outside, per DESIGN.md "Zones". */
export class Zones {
  private readonly site = new CidrSet<true>();
  constructor(site: readonly string[]) {
    for (const s of site) {
      const c = parseCidr(s);
      if (c) this.site.add(c, true);
    }
  }
  // Every event asks about the same few addresses; BigInt CIDR matching is too slow to repeat per
  // HL7 message, so answers are memoised (bit 0 site, bit 1 outside), bounded.
  private readonly memo = new Map<string, number>();
  private classify(ip: string): number {
    let m = this.memo.get(ip);
    if (m !== undefined) return m;
    const a = parseIp(ip);
    const site = a !== undefined && this.site.match(a) === true;
    const outside = a !== undefined && !site && !isNowhere(a);
    m = (site ? 1 : 0) | (outside ? 2 : 0);
    if (this.memo.size >= 65_536) this.memo.clear();
    this.memo.set(ip, m);
    return m;
  }
  isSite(ip: string): boolean {
    return (this.classify(ip) & 1) !== 0;
  }
  /** Outside = not site, and not multicast/broadcast/unspecified/loopback. Unparseable → not outside. */
  isOutside(ip: string): boolean {
    return (this.classify(ip) & 2) !== 0;
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
