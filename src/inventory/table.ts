// Who is who on the link: devices by MAC (or 'ip:<addr>'), and which addresses belong to them.
//
// An address is attributed to a MAC only when it is a site address or DHCP/ARP bound it, because
// the gateway's MAC fronts every outside address on the link; once a MAC is seen forwarding
// outside addresses (or is named the router), site addresses behind it become their own
// 'ip:<addr>' devices. Raw-IP links (no MACs) key site devices by 'ip:<addr>' throughout.
import type { Endpoint } from '../events.js';
import { DeviceState, type IpBinding } from './device.js';
import { isMulticastNorm, macHex, normMac } from './oui.js';
import { zoneOf } from './zones.js';
import { parseIp } from '../net/zones.js';

const MAX_DEVICES = 20_000;
const MAX_IPS_PER_DEVICE = 64;
const MAX_REMEMBERED = 200_000;
/**
 * Entries of `resolve`'s memo. A ward resolves the same few hundred addresses; a flood of new ones
 * misses it anyway, and at 200 000 entries it held 14 MB of a flood's heap for nothing.
 */
const MEMO_MAX = 16_384;

export class DeviceTable {
  readonly devices = new Map<string, DeviceState>();
  /** ip → device id, from DHCP ACKs and ARP: the address's owner even when routed packets carry another MAC. */
  private readonly strongOwner = new Map<string, string>();
  /** ip → device id, from packets only. */
  private readonly weakOwner = new Map<string, string>();
  readonly routerIps = new Set<string>();
  readonly dnsServerIps = new Set<string>();
  /** 'deviceId|ip' of DHCP offers, so the offered address never counts as forwarded. */
  private readonly offered = new Set<string>();
  /** Devices not tracked because the table was full. */
  dropped = 0;
  /**
   * Answers of `resolve` by address, valid while nothing it reads has changed: `version` moves on
   * every change to devices, owners, bindings, role lists and this table's devices' gateway
   * verdicts, all through `changed`. Only answers that changed nothing are kept, so a repeat is
   * exactly a no-op. Every flow-start resolves both ends, mostly the same few hundred addresses.
   */
  private readonly memo = new Map<string, { mac: string | undefined; version: number; dev: DeviceState | undefined }>();
  private version = 0;
  /** The one way to say "what resolve reads has changed"; handed to every device of this table. */
  private readonly changed = (): void => {
    this.version++;
  };

  constructor(readonly site: (ip: string) => boolean) {}

  /** A DHCP server offered `ip` to `client`: the address travels to it before it is bound. */
  offer(client: DeviceState, ip: string): void {
    client.deleteFronted(ip);
    if (this.offered.size < MAX_REMEMBERED) this.offered.add(`${client.id}|${ip}`);
  }

  /** A device by id (MAC in any notation, or 'ip:<addr>') or by one of its addresses. */
  find(idOrIp: string): DeviceState | undefined {
    const mac = normMac(idOrIp);
    if (mac !== undefined) return this.devices.get(mac);
    const direct = this.devices.get(idOrIp);
    if (direct !== undefined) return direct;
    const ip = idOrIp.startsWith('ip:') ? idOrIp.slice(3) : idOrIp;
    const id = this.strongOwner.get(ip) ?? this.weakOwner.get(ip) ?? `ip:${ip}`;
    return this.devices.get(id);
  }

  private get(id: string, mac: string | undefined): DeviceState | undefined {
    let d = this.devices.get(id);
    if (d === undefined) {
      if (this.devices.size >= MAX_DEVICES) {
        this.dropped++;
        return undefined;
      }
      d = new DeviceState(id, mac, this.changed);
      this.devices.set(id, d);
      this.changed();
    }
    return d;
  }

  /** The device of a unicast MAC, created on first sight; undefined for multicast/broadcast/zero MACs. */
  byMac(raw: string): DeviceState | undefined {
    const mac = normMac(raw);
    if (mac === undefined || isMulticastNorm(mac) || mac === '00:00:00:00:00:00') return undefined;
    return this.get(mac, mac);
  }

  /** Attribute `ip` to `d`: 'strong' (DHCP/ARP) makes it the address's owner. */
  bind(d: DeviceState, ip: string, how: IpBinding): void {
    const had = d.ips.get(ip);
    if (had === undefined && d.ips.size >= MAX_IPS_PER_DEVICE) return;
    if (had !== 'strong' && d.setIp(ip, how)) this.changed();
    if (how === 'strong') {
      this.own(this.strongOwner, ip, d.id);
      d.deleteFronted(ip); // its own, not forwarded
    } else if (!this.strongOwner.has(ip)) this.own(this.weakOwner, ip, d.id);
    if (this.routerIps.has(ip)) {
      d.namedRouter = true;
      if (how === 'weak') this.own(this.strongOwner, ip, d.id);
      if (d.setIp(ip, 'strong')) this.changed();
    }
    if (this.dnsServerIps.has(ip)) d.namedDns = true;
  }

  private own(owners: Map<string, string>, ip: string, id: string): void {
    if (owners.get(ip) === id) return;
    owners.set(ip, id);
    this.changed();
  }

  /** `ip` was the source address of something `d`'s MAC sent. */
  sourceIp(d: DeviceState, ip: string, how: IpBinding): void {
    const zone = zoneOf(ip, this.site);
    if (zone === 'special') return;
    // An IPv6 address a router never forwards (link-local) or made from this MAC (EUI-64) is the
    // MAC's own, as an ARP-announced IPv4 address is: a gateway answering on both is one device.
    if (how === 'weak' && d.mac !== undefined && ownIpv6(ip, d.mac)) how = 'strong';
    if (how === 'strong') {
      this.bind(d, ip, 'strong');
      return;
    }
    if (zone === 'outside') {
      // Every new (gateway MAC, outside address) pair comes here: build the offer key only when there are offers.
      if (this.strongOwner.get(ip) !== d.id && (this.offered.size === 0 || !this.offered.has(`${d.id}|${ip}`))) {
        d.addFronted(ip);
      }
      return;
    }
    if (d.routerLike && this.strongOwner.get(ip) !== d.id) return; // a host behind the gateway
    this.bind(d, ip, 'weak');
  }

  /** The device behind one end of a flow, or undefined for outside, multicast and broadcast ends. */
  resolve(ep: Endpoint): DeviceState | undefined {
    const m = this.memo.get(ep.ip);
    if (m !== undefined && m.mac === ep.mac && m.version === this.version) return m.dev;
    const version = this.version;
    const dropped = this.dropped;
    const dev = this.resolveNow(ep);
    if (version === this.version && dropped === this.dropped) {
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(ep.ip, { mac: ep.mac, version, dev });
    }
    return dev;
  }

  private resolveNow(ep: Endpoint): DeviceState | undefined {
    const zone = zoneOf(ep.ip, this.site);
    // Loopback is special for zones, but a capture on `lo` is a host talking to itself: a device.
    const loopback = zone === 'special' && isLoopback(ep.ip);
    if (zone === 'special' && !loopback) return undefined;
    const strong = this.strongOwner.get(ep.ip);
    if (zone === 'outside') return strong === undefined ? undefined : this.devices.get(strong);
    // No MAC (raw IP, BSD loopback) or the all-zero one (Linux loopback, some tunnels): by address.
    if (ep.mac === undefined || ep.mac === ZERO_MAC || loopback) {
      const id = strong ?? this.weakOwner.get(ep.ip) ?? `ip:${ep.ip}`;
      const known = this.devices.get(id);
      if (known !== undefined) return known;
      const d = this.get(id, undefined);
      // Its one address is its own: the record lists it (a MAC-less device has nothing else to show).
      if (d !== undefined && id === `ip:${ep.ip}`) this.bind(d, ep.ip, 'weak');
      return d;
    }
    const mac = normMac(ep.mac);
    if (mac === undefined || isMulticastNorm(mac)) return undefined; // subnet broadcast and the like
    if (strong !== undefined && strong !== mac) return this.devices.get(strong);
    const d = this.get(mac, mac);
    if (d === undefined) return undefined;
    if (d.routerLike && strong !== mac) return this.get(`ip:${ep.ip}`, undefined);
    this.bind(d, ep.ip, 'weak');
    return d;
  }

  /** A DHCP lease names `ip` as router or DNS server: mark its device now, or when it binds later. */
  nameRole(ip: string, set: Set<string>, mark: (d: DeviceState) => void): void {
    if (set.size < 256) set.add(ip);
    this.changed(); // bind() reads the role lists
    const id = this.strongOwner.get(ip) ?? this.weakOwner.get(ip);
    const d = id === undefined ? undefined : this.devices.get(id);
    if (d !== undefined) mark(d);
  }
}

const ZERO_MAC = '00:00:00:00:00:00';

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

const LINK_LOCAL = 0xfe80n >> 6n; // fe80::/10

/**
 * Whether IPv6 `ip` belongs to the host with `mac` whatever else that MAC forwards: link-local
 * sources are never forwarded (RFC 4291 §2.5.6), and a modified EUI-64 interface id (RFC 4291
 * appendix A: the MAC with ff:fe in the middle and the universal/local bit flipped) is the
 * MAC's own address on any prefix.
 */
export function ownIpv6(ip: string, mac: string): boolean {
  if (!ip.includes(':')) return false;
  const a = parseIp(ip);
  if (a === undefined || a.v !== 6) return false;
  if (a.n >> 118n === LINK_LOCAL) return true;
  const hex = macHex(mac);
  if (hex === undefined) return false;
  const m = BigInt(`0x${hex}`);
  const eui = ((((m >> 24n) ^ 0x020000n) << 40n) | (0xfffen << 24n) | (m & 0xffffffn)) & 0xffffffffffffffffn;
  return (a.n & 0xffffffffffffffffn) === eui;
}
