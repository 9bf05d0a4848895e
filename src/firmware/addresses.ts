// Hard-coded peers in text: IPv4/IPv6 literals, URLs and host names, each put in a zone
// (DESIGN.md "Zones": site = hospital ranges; special = loopback, unspecified, multicast,
// broadcast, masks; everything else, documentation ranges included, is outside).
import { isIPv4, isIPv6 } from 'node:net';
import { isNetmask } from '../net/netmask.js';
import { Zones } from '../net/zones.js';
import type { Zone } from './types.js';

export interface AddressHit {
  /** What is reported as `address`: the IP literal or host name. */
  address: string;
  kind: 'ipv4' | 'ipv6' | 'url' | 'host';
  zone: Zone;
  /** Index of the match in the text. */
  index: number;
}

// The zones are DESIGN.md's, shared with inventory and detect (src/contract/zones.ts).
const zones = new Zones();

export function zoneOfIPv4(ip: string): Zone {
  // 240/4 is reserved and, in firmware, a 255.x literal is a netmask: neither is a peer.
  if (Number(ip.slice(0, ip.indexOf('.'))) >= 240) return 'special';
  return zones.zone(ip);
}

export function zoneOfIPv6(ip: string): Zone {
  return zones.zone(ip);
}

const SITE_SUFFIXES = ['.local', '.lan', '.localdomain', '.home.arpa', '.internal', '.intranet'];

export function zoneOfHost(host: string): Zone {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIPv4(h)) return zoneOfIPv4(h);
  if (isIPv6(h)) return zoneOfIPv6(h);
  if (h === 'localhost' || h.endsWith('.localhost')) return 'special';
  if (!h.includes('.') || SITE_SUFFIXES.some((s) => h.endsWith(s))) return 'site';
  return 'outside';
}

const IPV4 = /(?<![\d])(?<!\d\.)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/g;
// Right before a literal that is a netmask by position: "netmask 255.255.0.0", "mask=255.0.0.0".
const MASK_BEFORE = /(?:net)?mask[\s:=]*$/i;
// Right before a version number: "v1.2.3.4", "version 1.2.3.4", or glued to a name: "libfoo-1.2.3.4".
const VERSION_BEFORE = /(?:\bv|\bver\.?|version|release|\brev)[\s:=]*$|[A-Za-z_-]$/i;
const IPV6 = /(?<![\w:.])((?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4})(?![\w:.])/gi;
const SCHEMES = 'https?|ftps?|tftp|nfs|smb|cifs|rtsp|mqtts?|wss?|telnet|ssh|sftp|ldaps?|coaps?|rsync';
const URL = new RegExp(
  `\\b(?:${SCHEMES}):\\/\\/(?:[^\\s/@"'<>]*@)?(\\[[0-9a-f:.]+\\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\\d+)?[^\\s"'<>]*`,
  'gi',
);
const TLDS =
  'com|net|org|edu|gov|mil|int|io|cn|de|uk|fr|jp|ru|info|biz|us|eu|ch|nl|it|es|se|kr|tw|hk|br|au|ca|xyz|cloud|local|lan|localdomain';
const HOST = new RegExp(`(?<![\\w.@/-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:${TLDS}))(?![\\w.-])`, 'gi');

function octetsOk(m: RegExpExecArray): boolean {
  for (let i = 1; i <= 4; i++) {
    const o = m[i]!;
    // Leading zeros ("01.02.2019.1") read as dates and versions, not addresses.
    if (Number(o) > 255 || (o.length > 1 && o.startsWith('0'))) return false;
  }
  return true;
}

export interface FindOptions {
  /** Bare host names (without a URL around them). */
  hostNames: boolean;
}

/** Every address-like literal in one line or string, URLs first so their hosts are not counted twice. */
export function findAddresses(text: string, opts: FindOptions): AddressHit[] {
  const hits: AddressHit[] = [];
  const covered: [number, number][] = [];
  const inside = (i: number): boolean => covered.some(([s, e]) => i >= s && i < e);
  if (text.includes('://')) {
    for (const m of text.matchAll(URL)) {
      const host = m[1]!.replace(/^\[|\]$/g, '');
      hits.push({ address: host, kind: 'url', zone: zoneOfHost(host), index: m.index });
      covered.push([m.index, m.index + m[0].length]);
    }
  }
  if (/\d\.\d/.test(text)) {
    for (const m of text.matchAll(IPV4)) {
      if (inside(m.index) || !octetsOk(m)) continue;
      if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 12), m.index))) continue;
      const ip = m[0];
      // A netmask is not an address: no peer to report, allow or block.
      if (isNetmask(ip) || MASK_BEFORE.test(text.slice(Math.max(0, m.index - 10), m.index))) continue;
      hits.push({ address: ip, kind: 'ipv4', zone: zoneOfIPv4(ip), index: m.index });
    }
  }
  if (text.includes(':')) {
    for (const m of text.matchAll(IPV6)) {
      const ip = m[1]!;
      if (inside(m.index) || !isIPv6(ip) || ip === '::') continue;
      // Two hex groups at least (or ::1): "a::b" in C++ symbols is not an address worth a finding.
      if (ip !== '::1' && ip.split(':').filter((g) => g !== '').length < 2) continue;
      hits.push({ address: ip.toLowerCase(), kind: 'ipv6', zone: zoneOfIPv6(ip), index: m.index });
    }
  }
  if (opts.hostNames && text.includes('.')) {
    for (const m of text.matchAll(HOST)) {
      if (inside(m.index)) continue;
      const host = m[1]!.toLowerCase();
      hits.push({ address: host, kind: 'host', zone: zoneOfHost(host), index: m.index });
    }
  }
  return hits;
}
