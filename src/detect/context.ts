// What every rule shares: zones, the DNS resolution table, servers learned from DHCP,
// the ip → MAC map, indicator and allowlist matchers, and `raise` into the aggregator.
// The detector updates these tables before any rule sees an event, so a rule reading
// the table at a flow-start sees every answer up to and including that moment.
import type { RuleId, WardConfig } from '../contract/config.js';
import type { Indicator } from '../contract/indicators.js';
import { type DeviceRecord, hostPortText } from '../contract/records.js';
import { parseCidr, parseIp, Zones } from '../net/zones.js';
import type { Endpoint, Hl7Message, Micros, ProxyRequest, WardEvent } from '../events.js';
import { Aggregator, type Evidence, type RawAlert } from './aggregate.js';
import { ResolutionTable } from './dns-table.js';
import { PatientLedger } from './ledger.js';
import { CidrSet, domainMatches } from '../net/cidr-set.js';
import { isNetmask } from '../net/netmask.js';
import { OldestFirst } from '../net/oldest.js';

export type { Evidence, RawAlert } from './aggregate.js';
export { mergeEvidence } from './aggregate.js';

/** Ports of DNS itself (53, DNS over TLS 853): an outside resolver asked there is `dns.bypass`, not a hard-coded peer. */
export const DNS_PORTS: ReadonlySet<number> = new Set([53, 853]);

/** How a proxied destination was asked for, as evidence: the proxy, the protocol, the target and the proxy's answer. */
export function proxyHop(ev: ProxyRequest): Evidence {
  return {
    proxy: hostPortText(ev.dst.ip, ev.dst.port),
    protocol: ev.protocol,
    command: ev.command,
    target: hostPortText(ev.targetHost, ev.targetPort),
    answered: ev.answered,
    ...(ev.granted !== undefined ? { granted: ev.granted } : {}),
    ...(ev.status !== undefined ? { status: ev.status } : {}),
  };
}

/** The words of a message for a proxied destination: `via proxy 10.1.1.5:3128 (HTTP CONNECT, answered 200)`. */
export function proxyWords(ev: ProxyRequest): string {
  const how =
    ev.protocol === 'http'
      ? `HTTP ${ev.command === 'connect' ? 'CONNECT' : (ev.method ?? 'request')}`
      : `${ev.protocol.toUpperCase()} ${ev.command}`;
  const answer = !ev.answered
    ? 'no answer seen'
    : `${ev.granted === true ? 'granted' : 'refused'}${ev.status !== undefined ? ` (${ev.status})` : ''}`;
  return `via proxy ${hostPortText(ev.dst.ip, ev.dst.port)} (${how} ${hostPortText(ev.targetHost, ev.targetPort)}, ${answer})`;
}

/** Site devices whose activity clock is kept (the DNS warm-up); the oldest is evicted past it. */
const MAX_CLOCKS = 65_536;
/** Site hosts seen answering other site hosts' DNS queries (the site's own resolvers). */
const MAX_RESOLVERS = 1024;
/**
 * Site addresses whose MAC is remembered (`deviceId`), DHCP-leased clients, and DHCP-named servers.
 * The first ones are kept: a flood of spoofed source addresses must not evict the ward's devices
 * (nor grow the heap until the analysis dies: an unbounded table here did, on 1 M spoofed SYNs).
 */
export const MAX_MAC_BY_IP = 100_000;
const MAX_LEASED = 100_000;
const MAX_DHCP_SERVERS = 1024;

export interface Rule {
  readonly id: RuleId;
  /** The event types `onEvent` reads; the detector hands it only these (every type when absent). */
  readonly types?: readonly WardEvent['type'][];
  onEvent?(ev: WardEvent, ctx: Context): void;
  /** Rules that judge with the whole picture (device identity, all flows) raise here. */
  finish?(ctx: Context, devices: readonly DeviceRecord[]): void;
  /**
   * Streams only (each tick): what a finish-time rule can say already, raised as `finish` would
   * — each alert's whole state as it stands, with the devices as they stand. The detector collects
   * these raises apart from the run's aggregates (`Context.raiseInto`), so nothing counts twice.
   */
  early?(ctx: Context, devices: readonly DeviceRecord[]): void;
  /** Adjust the aggregated evidence once input has ended (e.g. "a later DNS answer matched"). */
  annotate?(alert: { src: Endpoint; dst: Endpoint; first: Micros; evidence: Evidence }, ctx: Context): void;
  /** How two raw alerts of one aggregate combine their evidence (default: union arrays, keep first scalars). */
  merge?(a: Evidence, b: Evidence): Evidence;
}

export type DhcpRole = 'router' | 'dns' | 'ntp' | 'dhcp';

export class Context {
  readonly zones: Zones;
  readonly dns: ResolutionTable;
  /** Servers handed out by DHCP (ACK/OFFER options 3, 6, 42 and the server id). */
  readonly dhcpServers = new Map<string, Set<DhcpRole>>();
  readonly macByIp = new Map<string, string>();
  readonly aggregator = new Aggregator();
  /** Which patients' identifying HL7 crossed where (the detector writes it; phi.cleartext and the breach report read it). */
  readonly ledger = new PatientLedger();
  readonly warnings: string[] = [];
  /** Time of the first event: what happened before it is unknown to us. */
  captureStart: Micros | undefined;
  /** Clients whose DHCP lease was seen (their boot, and so their lookups, are in the capture). */
  readonly leased = new Set<string>();
  /** Site hosts that answered another site host's DNS query: the site's resolvers, whatever DHCP said. */
  readonly siteResolvers = new Set<string>();
  /**
   * Per site address: its first packet in the capture (since the last gap in the input longer
   * than the DNS warm-up: a file made of two captures far apart starts every clock again).
   * Bounded; evictions counted.
   */
  private readonly clocks = new Map<string, Micros>();
  private readonly clocksOldest = new OldestFirst(this.clocks);
  clockEvictions = 0;
  /** A new address found `macByIp` full (said once). */
  private macByIpFull = false;
  /** Gaps in the input longer than the warm-up (each restarts every device's clock). */
  inputGaps = 0;
  private lastTs: Micros | undefined;
  private readonly indicatorNets = new CidrSet<Indicator>();
  private readonly indicatorDomains: Indicator[] = [];
  /** Addresses that a DNS answer gave for an indicator domain. */
  private readonly dynamicIndicators = new Map<string, Indicator & { resolvedName: string }>();
  private readonly allowNets = new CidrSet<string>();
  private readonly allowDomains: { domain: string; note: string }[] = [];
  private readonly mergers = new Map<RuleId, Rule['merge']>();
  private readonly warned = new Set<string>();
  /** Where `raise` goes while a rule speaks early (`raiseInto`); the run's aggregator otherwise. */
  private target: Aggregator | undefined;
  /** The last `isEgress` question (the flow's two Endpoint objects) and its answer. */
  private egressSrc: Endpoint | undefined;
  private egressDst: Endpoint | undefined;
  private egressAnswer = false;

  constructor(
    readonly config: WardConfig,
    indicators: readonly Indicator[],
  ) {
    this.zones = new Zones(config.zones);
    this.dns = new ResolutionTable(config.dns.graceSeconds * 1e6);
    for (const i of indicators) {
      if (i.kind === 'domain') this.indicatorDomains.push(i);
      else {
        const c = parseCidr(i.value);
        if (c) this.indicatorNets.add(c, i);
      }
    }
    for (const a of config.allowlist) {
      if (a.domain !== undefined) this.allowDomains.push({ domain: a.domain, note: a.note });
      const c = parseCidr(a.address ?? a.cidr ?? '');
      if (c) this.allowNets.add(c, a.note);
    }
  }

  registerMerge(rule: Rule): void {
    if (rule.merge) this.mergers.set(rule.id, rule.merge);
  }

  raise(a: RawAlert): void {
    (this.target ?? this.aggregator).add(a, this.mergers.get(a.rule));
  }

  /** Runs `fn` with every raise going into `into` instead of the run's aggregator (`Rule.early`). */
  raiseInto(into: Aggregator, fn: () => void): void {
    this.target = into;
    try {
      fn();
    } finally {
      this.target = undefined;
    }
  }

  /** Warn once per distinct text (caps and evictions would otherwise repeat). */
  warnOnce(text: string): void {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.warnings.push(text);
  }

  /** Update shared tables from an event (called before the rules see it). */
  learn(ev: WardEvent): void {
    // Read once: every event type comes here, and each read of a time from so many shapes of
    // object is a new heap number.
    const ts = ev.ts;
    if (this.captureStart === undefined) this.captureStart = ts;
    const window = this.config.dns.warmupSeconds * 1e6;
    if (window > 0 && this.lastTs !== undefined && ts - this.lastTs > window) {
      // Nothing at all on the wire for longer than the window: what follows is another capture.
      this.clocks.clear();
      this.inputGaps++;
    }
    if (this.lastTs === undefined || ts > this.lastTs) this.lastTs = ts;
    switch (ev.type) {
      case 'device-seen':
        if (ev.ip !== undefined) {
          this.bindMac(ev.ip, ev.mac);
          this.tick(ev.ip, ev.ts);
        }
        break;
      case 'dhcp-lease':
        if (ev.msgType === 'ACK' || ev.msgType === 'OFFER') {
          const add = (ip: string, role: DhcpRole) => {
            let s = this.dhcpServers.get(ip);
            if (s === undefined) {
              if (this.dhcpServers.size >= MAX_DHCP_SERVERS) return;
              this.dhcpServers.set(ip, (s = new Set()));
            }
            s.add(role);
          };
          for (const r of ev.routers ?? []) add(r, 'router');
          for (const r of ev.dnsServers ?? []) add(r, 'dns');
          for (const r of ev.ntpServers ?? []) add(r, 'ntp');
          if (ev.serverId !== undefined) add(ev.serverId, 'dhcp');
          if (ev.yourIp !== undefined && ev.yourIp !== '0.0.0.0') {
            this.bindMac(ev.yourIp, ev.clientMac);
            if (ev.msgType === 'ACK' && this.leased.size < MAX_LEASED) this.leased.add(ev.yourIp);
          }
        }
        break;
      case 'dns-query':
        this.tick(ev.asker, ev.ts);
        break;
      case 'dns-answer':
        this.dns.add(ev);
        if (
          this.siteResolvers.size < MAX_RESOLVERS &&
          ev.asker !== ev.server &&
          this.zones.isSite(ev.server) &&
          this.zones.isSite(ev.asker)
        )
          this.siteResolvers.add(ev.server);
        if (this.indicatorDomains.length > 0) {
          for (const p of ResolutionTable.pairs(ev)) {
            const hit = p.chain.map((n) => this.domainIndicator(n)).find((x) => x !== undefined);
            if (hit) this.dynamicIndicators.set(p.address, { ...hit, resolvedName: p.name });
          }
        }
        break;
      case 'flow-start': {
        if (ev.src.mac !== undefined && this.zones.isSite(ev.src.ip) && !this.macByIp.has(ev.src.ip))
          this.bindMac(ev.src.ip, ev.src.mac);
        this.tick(ev.src.ip, ev.ts);
        this.tick(ev.dst.ip, ev.ts);
        break;
      }
      default:
        break;
    }
  }

  /**
   * An HL7 message carried in a granted tunnel through a proxy (`proxied`), with its proxy end
   * replaced by the address the proxy was asked for (one Endpoint object per tunnel), and the
   * proxy; or the message as it is. Patient data sent through a proxy goes where the proxy was
   * told to send it.
   */
  throughProxy(ev: Hl7Message): { ev: Hl7Message; via?: Endpoint } {
    const t = ev.proxied;
    if (t === undefined) return { ev };
    const p = t.proxy;
    if (ev.dst.ip === p.ip && ev.dst.port === p.port) return { ev: { ...ev, dst: t.target }, via: p };
    if (ev.src.ip === p.ip && ev.src.port === p.port) return { ev: { ...ev, src: t.target }, via: p };
    return { ev };
  }

  /** `ip` belongs to `mac` (the latest word wins); a new address while the table is full is not remembered. */
  private bindMac(ip: string, mac: string): void {
    const m = this.macByIp;
    if (m.size >= MAX_MAC_BY_IP && !m.has(ip)) {
      if (this.macByIpFull) return;
      this.macByIpFull = true;
      this.warnOnce(
        `more than ${MAX_MAC_BY_IP} site addresses: the MAC of later ones is not remembered (their alerts name the packet's MAC, or the address)`,
      );
      return;
    }
    m.set(ip, mac.toLowerCase());
  }

  /** A site address was seen at `ts`: its clock starts at its first packet. */
  private tick(ip: string, ts: Micros): void {
    if (this.clocks.has(ip) || !this.zones.isSite(ip)) return;
    if (this.clocks.size >= MAX_CLOCKS) {
      this.clocksOldest.take();
      if (this.clockEvictions++ === 0)
        this.warnOnce(`more than ${MAX_CLOCKS} site addresses: the DNS warm-up clock of the oldest restarts`);
    }
    this.clocks.set(ip, ts);
  }

  /**
   * Seconds since a site address's first packet in the capture (or since the last gap in the
   * input longer than the warm-up): what it did before that is unknown to us.
   */
  activeSeconds(ip: string, ts: Micros): number {
    const start = this.clocks.get(ip);
    return start === undefined ? 0 : Math.max(0, (ts - start) / 1e6);
  }

  /** A flow from a site address to an outside one (both answers are memoised by `Zones`). */
  isEgress(src: Endpoint, dst: Endpoint): boolean {
    // Three rules ask it of each flow-start, one after another, with the flow's own Endpoint
    // objects: the last answer is kept for that pair (the zones never change within a run).
    if (src === this.egressSrc && dst === this.egressDst) return this.egressAnswer;
    // A netmask (255.255.255.0) as a destination is a misconfigured broadcast, not an outside peer.
    const answer = this.zones.isSite(src.ip) && this.zones.isOutside(dst.ip) && !isNetmask(dst.ip);
    this.egressSrc = src;
    this.egressDst = dst;
    this.egressAnswer = answer;
    return answer;
  }

  /** The device id for a site address: its MAC when known, else `ip:<addr>` (DeviceRecord's convention). */
  deviceId(ip: string, mac?: string): string {
    return this.macByIp.get(ip) ?? mac?.toLowerCase() ?? `ip:${ip}`;
  }

  /** The indicator an address matches (listed address/CIDR, or an address a listed domain resolved to). */
  indicatorFor(ip: string): (Indicator & { resolvedName?: string }) | undefined {
    return this.indicatorNets.match(ip) ?? this.dynamicIndicators.get(ip);
  }

  domainIndicator(name: string): Indicator | undefined {
    return this.indicatorDomains.find((i) => domainMatches(name, i.value));
  }

  /** Allowlist note for an address (by address/CIDR, or a domain it was ever resolved from). */
  allowed(ip: string): string | undefined {
    const n = this.allowNets.match(ip);
    if (n !== undefined) return n;
    if (this.allowDomains.length === 0) return undefined;
    for (const name of this.dns.everNames(ip)) {
      const d = this.allowDomains.find((a) => domainMatches(name, a.domain));
      if (d) return d.note;
    }
    return undefined;
  }

  isIp(s: string): boolean {
    return parseIp(s) !== undefined;
  }
}
