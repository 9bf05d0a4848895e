// The simulated ward network: hosts, the gateway's services (DHCP, DNS, NTP at .1), and the
// exchanges every device uses — DHCP boot, ARP for the gateway, DNS lookups, UDP
// request/response, TCP connections. The capture point is a mirror of the ward switch, so
// frames to and from outside addresses carry the gateway's MAC.
import type { Rng } from '../rng.js';
import type { Sim } from '../sched.js';
import { TcpConn, type TcpOptions } from '../tcp.js';
import { BROADCAST_MAC, type Host, ip4, ip4Text } from '../wire.js';
import { dnsQuery, dnsResponse, type DnsRr } from '../../decode/dns/encode.js';
import {
  ACK,
  DISCOVER,
  dhcpClient,
  dhcpServer,
  type DhcpServerInfo,
  OFFER,
  REQUEST,
} from '../../decode/dhcp-encode.js';
import { ntpClient, ntpServer } from '../proto/misc.js';

/** A device on the ward: its interface, its random stream, and how it presents itself in DHCP. */
export class Device {
  readonly host: Host;
  readonly rng: Rng;
  private port: number;
  constructor(
    readonly name: string,
    macText: string,
    ipText: string,
    rng: Rng,
    readonly dhcp?: { hostname?: string; vendorClass?: string; paramList: readonly number[] },
  ) {
    this.host = { name, mac: macFrom(macText), ip: ip4(ipText) };
    this.rng = rng;
    this.port = 32768 + rng.int(0, 20000);
  }

  /** Next ephemeral port, as a Linux stack hands them out (sequentially from a random start). */
  ephemeral(): number {
    this.port = this.port >= 60999 ? 32768 : this.port + 1;
    return this.port;
  }
}

function macFrom(text: string): Uint8Array {
  return new Uint8Array(text.split(':').map((h) => Number.parseInt(h, 16)));
}

export interface ZoneEntry {
  readonly address: string;
  readonly cname?: string;
  readonly ttl?: number;
}

export const LAN_RTT = 300;
export const WAN_RTT = 60_000;

export class Ward {
  readonly gw: Host;
  readonly prefix: string;
  readonly zone = new Map<string, ZoneEntry>();
  private readonly outsideHosts = new Map<number, Host>();
  private readonly dhcpInfo: DhcpServerInfo;
  private readonly arpDone = new Set<number>();

  constructor(
    readonly sim: Sim,
    readonly rng: Rng,
    prefix = '10.40.12',
    readonly domain = 'ward.example',
  ) {
    this.prefix = prefix;
    this.gw = { name: 'gateway', mac: macFrom('02:57:57:00:00:01'), ip: ip4(`${prefix}.1`) };
    this.dhcpInfo = {
      serverIp: this.gw.ip,
      mask: ip4('255.255.255.0'),
      router: this.gw.ip,
      dns: this.gw.ip,
      ntp: this.gw.ip,
      domain,
      leaseSec: 86400,
    };
  }

  /** An outside address as seen on the ward segment: behind the gateway's MAC. */
  outside(ipText: string): Host {
    const ip = ip4(ipText);
    let h = this.outsideHosts.get(ip);
    if (!h) {
      h = { name: ipText, mac: this.gw.mac, ip };
      this.outsideHosts.set(ip, h);
    }
    return h;
  }

  isLocal(ip: number): boolean {
    return ip >>> 8 === this.gw.ip >>> 8;
  }

  /** The peer as a Host object: local peers by their own MAC, others behind the gateway. */
  peer(ipText: string, local?: Host): Host {
    return local ?? this.outside(ipText);
  }

  /** Once per device: who-has the gateway, and the gateway's reply. */
  arpGateway(t: number, dev: Device): number {
    if (this.arpDone.has(dev.host.ip)) return t;
    this.arpDone.add(dev.host.ip);
    const fb = this.sim.fb;
    this.sim.emit(t, fb.arp(1, dev.host, this.gw.ip));
    this.sim.emit(t + 120, fb.arp(2, this.gw, dev.host.ip, dev.host));
    return t + 200;
  }

  /** DISCOVER, OFFER, REQUEST, ACK (broadcast, 0.0.0.0 → 255.255.255.255, as at boot). */
  dhcpBoot(t: number, dev: Device): number {
    const c = dev.dhcp ?? { paramList: [1, 3, 6, 15, 42] };
    const info = { mac: dev.host.mac, ...c };
    const xid = dev.rng.u32();
    const fb = this.sim.fb;
    const bcast: Host = { name: 'broadcast', mac: BROADCAST_MAC, ip: 0xffffffff };
    const opts = { srcIp: 0, dstIp: 0xffffffff, dstMac: BROADCAST_MAC };
    this.sim.emit(t, fb.udp(dev.host, bcast, 68, 67, dhcpClient(DISCOVER, xid, info), opts));
    t += 2_000;
    this.sim.emit(
      t,
      fb.udp(this.gw, bcast, 67, 68, dhcpServer(OFFER, xid, dev.host.mac, dev.host.ip, this.dhcpInfo), {
        dstMac: BROADCAST_MAC,
      }),
    );
    t += 1_000;
    this.sim.emit(t, fb.udp(dev.host, bcast, 68, 67, dhcpClient(REQUEST, xid, info, dev.host.ip, this.gw.ip), opts));
    t += 2_000;
    this.sim.emit(
      t,
      fb.udp(this.gw, bcast, 67, 68, dhcpServer(ACK, xid, dev.host.mac, dev.host.ip, this.dhcpInfo), {
        dstMac: BROADCAST_MAC,
      }),
    );
    return this.arpGateway(t + 5_000, dev);
  }

  /** One UDP request and its answer `rttUs` later. */
  udpExchange(
    t: number,
    client: Host,
    server: Host,
    cport: number,
    sport: number,
    req: Uint8Array,
    resp: Uint8Array | null,
    rttUs = LAN_RTT,
  ): number {
    const fb = this.sim.fb;
    this.sim.emit(t, fb.udp(client, server, cport, sport, req));
    if (resp) this.sim.emit(t + rttUs, fb.udp(server, client, sport, cport, resp));
    return t + rttUs + 1;
  }

  /**
   * Ask the gateway's DNS for `name`. Follows the zone's CNAME chain into the answer. Returns
   * the address, or null (NXDOMAIN) — callers never connect to a name they could not resolve.
   */
  resolve(t: number, dev: Device, name: string): { t: number; address: string | null } {
    const answers: DnsRr[] = [];
    let cur = name;
    let entry = this.zone.get(cur);
    for (let hops = 0; entry?.cname && hops < 4; hops++) {
      answers.push({ name: cur, type: 'CNAME', ttl: entry.ttl ?? 300, data: entry.cname });
      cur = entry.cname;
      entry = this.zone.get(cur);
    }
    if (entry) answers.push({ name: cur, type: 'A', ttl: entry.ttl ?? 300, data: entry.address });
    const id = dev.rng.int(1, 65535);
    const upstream = this.isLocal(ip4(entry?.address ?? '0.0.0.0')) ? 400 : 18_000;
    const end = this.udpExchange(
      t,
      dev.host,
      this.gw,
      dev.ephemeral(),
      53,
      dnsQuery(id, name),
      dnsResponse(id, name, answers, entry ? 0 : 3),
      upstream,
    );
    return { t: end, address: entry ? entry.address : null };
  }

  ntp(t: number, dev: Device): number {
    return this.udpExchange(
      t,
      dev.host,
      this.gw,
      123,
      123,
      ntpClient(t),
      ntpServer(t, t + 500, ip4('192.0.2.123')),
      600,
    );
  }

  tcp(dev: Device, server: Host, sport: number, opts?: TcpOptions): TcpConn {
    const rtt = opts?.rttUs ?? (this.isLocal(server.ip) ? LAN_RTT : WAN_RTT);
    return new TcpConn(this.sim, dev.host, server, dev.ephemeral(), sport, dev.rng.u32(), { ...opts, rttUs: rtt });
  }

  addr(n: number): string {
    return `${this.prefix}.${n}`;
  }
}

export { ip4Text };

/** Anything in the ward that acts on its own schedule. */
export interface Actor {
  start(t: number): void;
}
