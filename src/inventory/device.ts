// Per-device state accumulated from events. Everything that grows with traffic is bounded: a
// busy workstation talks to thousands of peers, and the inventory must not grow with them.
import { type DeviceTlsServer, TLS_LIMITS } from '../contract/records.js';
import type { Hl7Observation, TlsCertificate } from '../events.js';
import { DistinctCount } from './distinct.js';
import type { ProtocolFacts } from './protocols.js';

/**
 * Keeps the first `limit` distinct values and counts every distinct value seen: exactly up to
 * `limit` + EXACT_CAP, estimated beyond (see distinct.ts; `exact` says which).
 */
export class BoundedSet<T extends string> {
  /**
   * Created on the first value: most sets stay small or empty, and an empty Set still costs its
   * hash table (~120 bytes) — 20 000 devices of a spoofed-address flood held ~75 MB of empty
   * tables before (the analysis ran out of heap; test/cli/flood.test.ts).
   */
  private kept: Set<T> | undefined;
  /** Distinct values seen beyond the limit (created on the first one: most sets never fill). */
  private extra: DistinctCount | undefined;
  /**
   * The last value known to be kept: the same peer or name usually comes again next (a monitor's
   * every message, a device's every flow to one server), and an identity check is cheaper than
   * hashing into the set. Only kept values are cached.
   */
  private last: T | undefined;
  constructor(private readonly limit: number) {}

  /** True when `v` was not kept before (new, or beyond the limit). */
  add(v: T): boolean {
    if (v === this.last) return false;
    if (this.kept?.has(v) === true) {
      this.last = v;
      return false;
    }
    if ((this.kept?.size ?? 0) < this.limit) {
      (this.kept ??= new Set<T>()).add(v);
      this.last = v;
    } else {
      if (this.extra === undefined) this.extra = new DistinctCount();
      this.extra.add(v);
    }
    return true;
  }
  /** `add`, then whether `v` is kept (false: it was counted beyond the limit). */
  addKept(v: T): boolean {
    this.add(v);
    return v === this.last || this.has(v);
  }
  /** Distinct values counted beyond the limit so far. */
  get beyond(): number {
    return this.extra?.count ?? 0;
  }
  delete(v: T): void {
    this.kept?.delete(v);
    if (v === this.last) this.last = undefined;
  }
  has(v: T): boolean {
    return this.kept?.has(v) ?? false;
  }
  /** Distinct values seen (an estimate once `exact` is false). */
  get total(): number {
    return (this.kept?.size ?? 0) + this.beyond;
  }
  /** Whether `total` is an exact count. */
  get exact(): boolean {
    return this.extra?.isExact ?? true;
  }
  /** `total` for a reason people read: "about N" when it is an estimate. */
  get totalText(): string {
    return this.exact ? `${this.total}` : `about ${this.total}`;
  }
  values(): T[] {
    return this.kept === undefined ? [] : [...this.kept];
  }
}

export class Counter {
  /** Created on the first count (a device has several counters and most stay empty). */
  private map: Map<string, number> | undefined;
  constructor(private readonly limit = 64) {}
  add(key: string, n = 1): void {
    let m = this.map;
    if (m === undefined) {
      if (this.limit <= 0) return;
      this.map = m = new Map();
    }
    const v = m.get(key);
    if (v !== undefined) m.set(key, v + n);
    else if (m.size < this.limit) m.set(key, n);
  }
  get(key: string): number {
    return this.map?.get(key) ?? 0;
  }
  /** The counts, by key (empty when nothing was counted). */
  get counts(): ReadonlyMap<string, number> {
    return this.map ?? EMPTY_COUNTS;
  }
  sum(filter?: (key: string) => boolean): number {
    let s = 0;
    if (this.map !== undefined) for (const [k, v] of this.map) if (!filter || filter(k)) s += v;
    return s;
  }
  toObject(): Record<string, number> {
    return this.map === undefined ? {} : Object.fromEntries([...this.map].sort((a, b) => b[1] - a[1]));
  }
}

const EMPTY_COUNTS: ReadonlyMap<string, number> = new Map();

/** How an address came to belong to a device: DHCP/ARP bind it; seeing it on a packet only suggests it. */
export type IpBinding = 'strong' | 'weak';

export const PEER_LIMIT = 64;
/** Distinct TLS client fingerprints kept per device: a device runs a few TLS stacks, not dozens. */
export const TLS_FP_LIMIT = TLS_LIMITS.fingerprints;

/**
 * The value sets of a device, by number: `device.edit(DS.hl7Apps).add(app)` writes (making the set),
 * `device.hl7Apps` reads (an empty set when none was made). A device has 31 of them and most
 * stay empty: made on the first write, 20 000 devices of a spoofed-source flood hold ~35 MB less
 * (a set object each was 56 bytes before its table; test/inventory/device-sets.test.ts).
 */
export const DS = {
  fronted4: 0,
  fronted6: 1,
  hl7Apps: 2,
  hl7Facilities: 3,
  hl7Equipment: 4,
  hl7SentTo: 5,
  hl7ReceivedFrom: 6,
  vitals: 7,
  obsTexts: 8,
  aeCalling: 9,
  aeCalled: 10,
  dicomCallsTo: 11,
  dicomCalledBy: 12,
  dicomRequested: 13,
  peersInside: 14,
  peersOutside: 15,
  dhcpClients: 16,
  dnsAskers: 17,
  userAgents: 18,
  tlsNames: 19,
  ja4: 20,
  ja3: 21,
  serverCerts: 22,
  httpHosts: 23,
  dnsNames: 24,
  lanNames: 25,
  workgroups: 26,
  osStrings: 27,
  software: 28,
  announced: 29,
  smbDialects: 30,
} as const;
export type DeviceSetName = keyof typeof DS;
const DS_NAMES = Object.keys(DS) as DeviceSetName[];
/** Each set's limit, by name. */
const DS_LIMIT = {
  fronted4: PEER_LIMIT,
  fronted6: PEER_LIMIT,
  hl7Apps: 16,
  hl7Facilities: 16,
  hl7Equipment: 16,
  hl7SentTo: PEER_LIMIT,
  hl7ReceivedFrom: PEER_LIMIT,
  vitals: 32,
  obsTexts: 64,
  aeCalling: 16,
  aeCalled: 16,
  dicomCallsTo: PEER_LIMIT,
  dicomCalledBy: PEER_LIMIT,
  dicomRequested: 32,
  peersInside: PEER_LIMIT,
  peersOutside: PEER_LIMIT,
  dhcpClients: PEER_LIMIT,
  dnsAskers: PEER_LIMIT,
  userAgents: 8,
  tlsNames: PEER_LIMIT,
  ja4: TLS_FP_LIMIT,
  ja3: TLS_FP_LIMIT,
  serverCerts: TLS_LIMITS.serverCerts,
  httpHosts: PEER_LIMIT,
  dnsNames: PEER_LIMIT,
  lanNames: 16,
  workgroups: 8,
  osStrings: 8,
  software: 8,
  announced: 32,
  smbDialects: 8,
} as const satisfies Record<DeviceSetName, number>;
const DS_LIMITS: readonly number[] = DS_NAMES.map((n) => DS_LIMIT[n]);

/** What reading a device's set may do: no writes, so a read never makes one. */
export interface ReadonlyBoundedSet<T extends string> {
  has(v: T): boolean;
  readonly total: number;
  readonly exact: boolean;
  readonly totalText: string;
  readonly beyond: number;
  values(): T[];
}

const UNWATCHED = (): void => {};
/**
 * Distinct outside source addresses (not bound to it by DHCP/ARP) that make a MAC a gateway. A
 * host with a public address of its own shows one (a DHCP client may briefly show two offers).
 */
export const FRONTED4_MIN = 3;
export const FRONTED6_MIN = 8;

/** One remote-access service a device offers (role 'server') or uses ('client'), by service and port. */
export interface RemoteService {
  readonly service: string;
  readonly role: 'server' | 'client';
  readonly port: number | undefined;
  readonly security: BoundedSet<string>;
  unauthenticated: boolean;
  version: string | undefined;
  readonly peers: BoundedSet<string>;
}

/** Distinct (service, role, port) entries kept per device; more are counted in `remoteBeyond`. */
export const REMOTE_LIMIT = 16;

export class DeviceState {
  /** Written only through `setIp`, which keeps `weakCount` (read by `routerLike` on every flow). */
  readonly ips = new Map<string, IpBinding>();
  private weakCount = 0;
  /**
   * Outside addresses this MAC sent packets from: a gateway forwarding the internet. Counted per
   * family because an ordinary dual-stack host has a few global IPv6 addresses of its own.
   * Written through `addFronted`/`deleteFronted`, which keep `routerLike`.
   */
  declare readonly fronted4: ReadonlyBoundedSet<string>;
  declare readonly fronted6: ReadonlyBoundedSet<string>;
  // Unset until the device is seen in a packet: 0 is a real capture time (1970), not "never".
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  packets = 0;
  bytes = 0;
  flows = 0;

  hostname?: string;
  vendorClass?: string;
  /** SNMP, NTP, syslog and file-transfer facts (inventory/protocols.ts), made on first use. */
  protocols: ProtocolFacts | undefined = undefined;
  paramList?: readonly number[];
  clientId?: string;

  declare readonly hl7Apps: ReadonlyBoundedSet<string>; // MSH-3 of messages this device sent
  declare readonly hl7Facilities: ReadonlyBoundedSet<string>; // MSH-4
  declare readonly hl7Equipment: ReadonlyBoundedSet<string>; // PRT-10 / OBX-18 of messages it sent
  readonly hl7Sent = new Counter(); // message type → count
  hl7Messages = 0; // HL7 messages sent, all types
  readonly hl7Received = new Counter();
  declare readonly hl7SentTo: ReadonlyBoundedSet<string>;
  declare readonly hl7ReceivedFrom: ReadonlyBoundedSet<string>;
  declare readonly vitals: ReadonlyBoundedSet<string>;
  declare readonly obsTexts: ReadonlyBoundedSet<string>; // OBX-3 texts, e.g. MDC_PUMP_… names
  /**
   * Vital and text of each observation of the last sampled message, when all of them were kept:
   * a monitor reports the same list every time, and the next identical list needs no set lookups.
   */
  private lastObs: readonly (string | undefined)[] = [];

  declare readonly aeCalling: ReadonlyBoundedSet<string>; // AE titles it used to request associations
  declare readonly aeCalled: ReadonlyBoundedSet<string>; // AE titles others called it by
  declare readonly dicomCallsTo: ReadonlyBoundedSet<string>; // 'ip:port'
  declare readonly dicomCalledBy: ReadonlyBoundedSet<string>; // requester ip
  declare readonly dicomRequested: ReadonlyBoundedSet<string>; // SOP class names it proposed

  readonly services = new Counter(); // 'tcp/104' → flows answered
  declare readonly peersInside: ReadonlyBoundedSet<string>;
  declare readonly peersOutside: ReadonlyBoundedSet<string>;

  dhcpServed = 0; // OFFER/ACK/NAK sent
  dnsAnswered = 0; // DNS responses sent to unicast askers
  private named = false;
  /** `routerLike`, recomputed when an input changes: every flow end asks, and the inputs live in other objects. */
  private router = false;
  namedDns = false; // listed in a DHCP DNS-server option
  declare readonly dhcpClients: ReadonlyBoundedSet<string>;
  declare readonly dnsAskers: ReadonlyBoundedSet<string>;

  declare readonly userAgents: ReadonlyBoundedSet<string>;
  declare readonly tlsNames: ReadonlyBoundedSet<string>; // SNI of its TLS connections to outside
  declare readonly ja4: ReadonlyBoundedSet<string>; // JA4 of the ClientHellos it sent
  declare readonly ja3: ReadonlyBoundedSet<string>;
  declare readonly serverCerts: ReadonlyBoundedSet<string>; // SHA-256 of the leaf certificate of servers it reached
  declare readonly httpHosts: ReadonlyBoundedSet<string>;
  declare readonly dnsNames: ReadonlyBoundedSet<string>; // names it looked up

  // What it says about itself on the LAN (NetBIOS, SMB, mDNS/LLMNR, SSDP).
  declare readonly lanNames: ReadonlyBoundedSet<string>;
  declare readonly workgroups: ReadonlyBoundedSet<string>;
  declare readonly osStrings: ReadonlyBoundedSet<string>;
  declare readonly software: ReadonlyBoundedSet<string>;
  declare readonly announced: ReadonlyBoundedSet<string>; // SSDP/mDNS service types, NetBIOS roles
  declare readonly smbDialects: ReadonlyBoundedSet<string>; // dialects it chose as an SMB server
  smb1 = false; // offered or used SMBv1
  /** What each kept server certificate said, by SHA-256 (made with the first). */
  private certs: Map<string, DeviceTlsServer> | undefined = undefined;

  /** The first sight of a kept server certificate: where, and what it says. */
  noteServerCert(c: TlsCertificate, server: string, sni: string | undefined): void {
    const certs = (this.certs ??= new Map());
    if (certs.has(c.sha256)) return;
    certs.set(c.sha256, {
      sha256: c.sha256,
      subject: c.subject,
      issuer: c.issuer,
      ...(c.notBefore !== undefined ? { notBefore: c.notBefore } : {}),
      ...(c.notAfter !== undefined ? { notAfter: c.notAfter } : {}),
      selfSigned: c.selfSigned,
      server,
      ...(sni !== undefined ? { sni } : {}),
    });
  }

  /** The server certificate with this SHA-256, when one was kept. */
  serverCert(sha256: string): DeviceTlsServer | undefined {
    return this.certs?.get(sha256);
  }

  /** Remote-access services by (service, role, port): made with the first (most devices have none). */
  private remoteMap: Map<string, RemoteService> | undefined = undefined;
  remoteBeyond = 0;

  /** The remote-access services, in the order first seen. */
  get remote(): ReadonlyMap<string, RemoteService> {
    return this.remoteMap ?? NO_REMOTE;
  }

  /** The remote-access entry for (service, role, port), created while fewer than REMOTE_LIMIT exist. */
  remoteService(service: string, role: 'server' | 'client', port: number | undefined): RemoteService | undefined {
    const key = `${service}/${role}/${port ?? ''}`;
    const remote = (this.remoteMap ??= new Map());
    let r = remote.get(key);
    if (r === undefined) {
      if (remote.size >= REMOTE_LIMIT) {
        this.remoteBeyond++;
        return undefined;
      }
      r = {
        service,
        role,
        port,
        security: new BoundedSet(8),
        unauthenticated: false,
        version: undefined,
        peers: new BoundedSet(PEER_LIMIT),
      };
      remote.set(key, r);
    }
    return r;
  }

  /**
   * `changed` is told when `routerLike` flips: the owning table's resolve memo reads it (one
   * function per table, not per call).
   */
  constructor(
    readonly id: string,
    readonly mac: string | undefined,
    private readonly changed: () => void = UNWATCHED,
  ) {}

  /** The sets made so far, by `DS` number (none until the first write). */
  private sets: (BoundedSet<string> | undefined)[] | undefined = undefined;

  /** Device set `i` (a `DS` number) for writing, made on first use. */
  edit(i: number): BoundedSet<string> {
    const sets = (this.sets ??= new Array<BoundedSet<string> | undefined>(DS_LIMITS.length).fill(undefined));
    return (sets[i] ??= new BoundedSet<string>(DS_LIMITS[i]!));
  }

  /** Device set `i` for reading: the empty set when it was never written. */
  read(i: number): ReadonlyBoundedSet<string> {
    return this.sets?.[i] ?? EMPTY_SET;
  }

  touch(ts: number): void {
    if (ts < this.first) this.first = ts;
    if (ts > this.last) this.last = ts;
  }

  /** The vitals and observation texts of one message this device sent. */
  observe(obs: readonly Hl7Observation[]): void {
    const last = this.lastObs;
    if (last.length === obs.length * 2) {
      let same = true;
      for (let i = 0; i < obs.length && same; i++) {
        const o = obs[i] as Hl7Observation;
        same = last[2 * i] === o.vital && last[2 * i + 1] === o.text;
      }
      if (same) return;
    }
    const flat: (string | undefined)[] = [];
    for (const o of obs) {
      if (o.vital) this.edit(DS.vitals).add(o.vital);
      if (o.text) this.edit(DS.obsTexts).add(o.text);
      flat.push(o.vital, o.text);
    }
    // The sets count distinct values, so the same list again would change nothing.
    this.lastObs = flat;
  }

  /** One ended flow of this device: its time span and both directions' totals. */
  flowTotals(first: number, last: number, packets: number, bytes: number): void {
    this.touch(first);
    this.touch(last);
    this.packets += packets;
    this.bytes += bytes;
  }

  /** A MAC that sources outside addresses, or is named as the router, is a gateway, not a host. */
  get routerLike(): boolean {
    return this.router;
  }

  /** Listed in a DHCP router option. */
  get namedRouter(): boolean {
    return this.named;
  }
  set namedRouter(v: boolean) {
    this.named = v;
    this.refreshRouter();
  }

  /** This MAC sent a packet from outside address `ip` (not its own). */
  addFronted(ip: string): void {
    this.edit(ip.includes(':') ? DS.fronted6 : DS.fronted4).add(ip);
    this.refreshRouter();
  }

  /** `ip` is the device's own after all (bound, or offered to it). */
  deleteFronted(ip: string): void {
    this.sets?.[ip.includes(':') ? DS.fronted6 : DS.fronted4]?.delete(ip);
    this.refreshRouter();
  }

  private refreshRouter(): void {
    const router =
      this.named || this.fronted4.total >= FRONTED4_MIN || this.fronted6.total >= FRONTED6_MIN || this.weakCount > 16;
    if (router === this.router) return;
    this.router = router;
    this.changed();
  }

  weakIps(): number {
    return this.weakCount;
  }

  /** Bind `ip` (`ips` is written only here); false when it already was bound so. */
  setIp(ip: string, how: IpBinding): boolean {
    const had = this.ips.get(ip);
    if (had === how) return false;
    if (had === 'weak') this.weakCount--;
    if (how === 'weak') this.weakCount++;
    this.ips.set(ip, how);
    this.refreshRouter();
    return true;
  }

  /** Addresses to report: a gateway's weakly bound addresses are hosts behind it, not its own. */
  ownIps(): string[] {
    const router = this.routerLike;
    return [...this.ips].filter(([, b]) => b === 'strong' || !router).map(([ip]) => ip);
  }
  /** `ownIps().includes(ip)`, without building the list. */
  hasOwnIp(ip: string): boolean {
    const b = this.ips.get(ip);
    return b !== undefined && (b === 'strong' || !this.routerLike);
  }
}

const NO_REMOTE: ReadonlyMap<string, RemoteService> = new Map();
const EMPTY_SET: ReadonlyBoundedSet<string> = Object.freeze(new BoundedSet<string>(0));

// `device.hl7Apps` and the other named reads (declared in the class) are getters over `read`.
for (const name of DS_NAMES) {
  const i = DS[name];
  Object.defineProperty(DeviceState.prototype, name, {
    get(this: DeviceState) {
      return this.read(i);
    },
  });
}
