// Zones (DESIGN.md "Zones"): `site` addresses belong to the hospital; everything else except
// multicast, broadcast, unspecified and loopback is `outside`. Documentation ranges such as
// 203.0.113.0/24 are deliberately *outside*: the lab uses them to stand in for the internet.
//
// One implementation for inventory (device zones, peer sets) and detect (rules, allowlists,
// indicators). Addresses are parsed by hand rather than with node:net's BlockList, which
// allocates a SocketAddress per check. IPv4-mapped IPv6 (::ffff:a.b.c.d) is folded to IPv4 so a
// v4 range also covers it; an IPv6 zone id (fe80::1%eth0) does not change the address.
import { WardwatchError } from '../errors.js';

export type Zone = 'site' | 'outside' | 'special';

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

export const DEFAULT_SITE_CIDRS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

/** Never site-or-outside: "this network", loopback, multicast, limited broadcast, unspecified. */
export const SPECIAL_CIDRS: readonly string[] = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '224.0.0.0/4',
  '255.255.255.255/32',
  '::/128',
  '::1/128',
  'ff00::/8',
];

/** Dotted quad as an unsigned 32-bit number: four parts of 1–3 digits, each ≤ 255. */
function parseV4(s: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return undefined;
      part = part * 10 + (c - 0x30);
      if (part > 255) return undefined;
    } else return undefined;
  }
  return dots === 3 && digits > 0 ? n * 256 + part : undefined;
}

function parseV6(s: string): bigint | undefined {
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    // Embedded IPv4 tail (::ffff:1.2.3.4): rewrite it as two hex groups.
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
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
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 && total !== 8) return undefined;
  if (halves.length === 2 && total > 7) return undefined;
  let n = 0n;
  for (const g of [...head, ...new Array<bigint>(8 - total).fill(0n), ...tail]) n = (n << 16n) | g;
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
  return n === undefined ? undefined : { v: 4, n: BigInt(n) };
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

/** A plain set of ranges: IPv4 as 32-bit numbers (no BigInt on the common path), IPv6 as CIDRs. */
class Ranges {
  private readonly v4net: number[] = [];
  private readonly v4mask: number[] = [];
  private readonly v6: Cidr[] = [];
  constructor(cidrs: readonly string[], origin: string) {
    for (const text of cidrs) {
      const c = parseCidr(text);
      if (c === undefined) {
        throw new WardwatchError('WW_CONFIG', `${origin}: '${text}' is not an address or CIDR (e.g. 10.20.0.0/16)`);
      }
      if (c.v === 6) this.v6.push(c);
      else {
        const mask = c.bits === 0 ? 0 : (0xffffffff << (32 - c.bits)) | 0;
        this.v4mask.push(mask);
        this.v4net.push(Number(c.net) & mask);
      }
    }
  }
  has4(n: number): boolean {
    for (let i = 0; i < this.v4net.length; i++) if ((n & (this.v4mask[i] as number)) === this.v4net[i]) return true;
    return false;
  }
  has6(a: IpAddr): boolean {
    for (const c of this.v6) if (cidrContains(c, a)) return true;
    return false;
  }
}

const SPECIAL = new Ranges(SPECIAL_CIDRS, 'special ranges');

const SITE = 1;
const SPECIAL_BIT = 2;

export interface ZonesOptions {
  /** Names the list in the WW_CONFIG error for an invalid CIDR (they are the user's own input). */
  readonly origin?: string;
  /** Memoised answers kept before the memo is cleared. */
  readonly memoLimit?: number;
}

/**
 * Site, outside and special over one site list (the config's resolved zones, or the defaults).
 * `isSite` is membership of the site list alone; `zone` puts special ranges first, so a site
 * list that covers them (0.0.0.0/0) does not make multicast a site peer. Unparseable → special.
 */
export class Zones {
  private readonly site: Ranges;
  private readonly memoLimit: number;
  // Every event asks about the same few addresses, so answers are memoised per address text
  // (bit 0 site, bit 1 special), bounded: cleared when full.
  private readonly memo = new Map<string, number>();

  constructor(site: readonly string[] = DEFAULT_SITE_CIDRS, opts: ZonesOptions = {}) {
    this.site = new Ranges(site, opts.origin ?? 'site zones');
    this.memoLimit = opts.memoLimit ?? 16_384;
  }

  private classify(ip: string): number {
    let m = this.memo.get(ip);
    if (m !== undefined) return m;
    m = this.compute(ip);
    if (this.memo.size >= this.memoLimit) this.memo.clear();
    this.memo.set(ip, m);
    return m;
  }

  private compute(ip: string): number {
    let v4: number | undefined;
    if (ip.includes(':')) {
      const a = parseIp(ip);
      if (a === undefined) return SPECIAL_BIT;
      if (a.v === 6) return (this.site.has6(a) ? SITE : 0) | (SPECIAL.has6(a) ? SPECIAL_BIT : 0);
      v4 = Number(a.n);
    } else {
      v4 = parseV4(ip);
      if (v4 === undefined) return SPECIAL_BIT;
    }
    return (this.site.has4(v4) ? SITE : 0) | (SPECIAL.has4(v4) ? SPECIAL_BIT : 0);
  }

  isSite(ip: string): boolean {
    return (this.classify(ip) & SITE) !== 0;
  }

  /** Multicast, broadcast, unspecified, loopback, or not an address at all. */
  isSpecial(ip: string): boolean {
    return (this.classify(ip) & SPECIAL_BIT) !== 0;
  }

  /** Outside = not site, and not special. Unparseable → not outside. */
  isOutside(ip: string): boolean {
    return this.classify(ip) === 0;
  }

  zone(ip: string): Zone {
    const m = this.classify(ip);
    return (m & SPECIAL_BIT) !== 0 ? 'special' : (m & SITE) !== 0 ? 'site' : 'outside';
  }

  /** How many answers the memo holds (bounded by `memoLimit`). */
  get memoSize(): number {
    return this.memo.size;
  }
}
