// What learn and simulate need from a capture, collected from events: flows per device and
// peer (both ways), and the names each device's own DNS answers gave the peer when the flow
// began (CNAME chains included), and for a peer that is a proxy what the device asked it for
// (`proxy-request`). Bounded; pure (events in, plain objects out).
import { MAX_PROXIED } from '../contract/policy-api.js';
import type { Micros, ProxyRequest, WardEvent } from '../events.js';

export { MAX_PROXIED };

/** Flows between one device address and one peer service, aggregated. */
export interface ObservedFlow {
  /** The device's address (the site end). */
  readonly ip: string;
  readonly direction: 'out' | 'in';
  readonly peer: string;
  readonly proto: string;
  readonly port?: number;
  readonly app?: string;
  flows: number;
  packets: number;
  bytes: number;
  first: Micros;
  last: Micros;
  /** The name the device looked up first, then the CNAME chain; empty when no answer of its own resolved the peer. */
  names: string[];
  /**
   * The peer is a proxy: the destinations the device asked it for (HTTP CONNECT or absolute-form,
   * SOCKS), in the order first asked, at most MAX_PROXIED. Absent when none was seen.
   */
  proxied?: ProxiedTarget[];
  /** Requests for destinations past the first MAX_PROXIED (not listed). */
  proxiedMore?: number;
}

/** A destination asked of a proxy, aggregated over the requests for it. */
export interface ProxiedTarget {
  /** What the device asked for: an address (canonical) or a host name (lower case). */
  readonly host: string;
  readonly port?: number;
  requests: number;
  /** The proxy refused every request for it (HTTP non-2xx, SOCKS failure): nothing went through. */
  refused: boolean;
}

interface Resolution {
  readonly names: readonly string[];
  readonly from: Micros;
  readonly until: Micros;
}

const MAX_KEYS = 100_000;
/** Seconds a DNS answer still explains a flow after its TTL (the same grace as egress.no-dns). */
const GRACE_S = 300;

export class FlowObserver {
  private readonly resolutions = new Map<string, Resolution[]>();
  private readonly flowMap = new Map<string, ObservedFlow>();
  /** Flow key (device → proxy service) → what the device asked the proxy for; joined in `flows()`. */
  private readonly proxiedMap = new Map<string, { targets: Map<string, ProxiedTarget>; more: number }>();
  /** Flows not recorded because the table was full. */
  dropped = 0;

  constructor(private readonly isSite: (ip: string) => boolean) {}

  readonly onEvent = (ev: WardEvent): void => {
    if (ev.type === 'dns-answer') {
      for (const r of ev.resolved) {
        const key = `${ev.asker}|${r.address}`;
        let list = this.resolutions.get(key);
        if (list === undefined) {
          if (this.resolutions.size >= MAX_KEYS) continue;
          list = [];
          this.resolutions.set(key, list);
        }
        if (list.length >= 16) list.shift();
        const names = [r.name, ...r.chain.filter((c) => c !== r.name)].map((n) => n.toLowerCase().replace(/\.$/, ''));
        list.push({ names, from: ev.ts, until: ev.ts + (r.ttl + GRACE_S) * 1_000_000 });
      }
    } else if (ev.type === 'proxy-request') {
      // Told at the proxy's answer, before the flow ends: kept aside under the flow's key.
      if (this.isSite(ev.src.ip)) this.proxied(`${ev.src.ip}|out|${ev.dst.ip}|tcp|${ev.dst.port ?? ''}`, ev);
    } else if (ev.type === 'flow-end') {
      const packets = ev.packets[0] + ev.packets[1];
      const bytes = ev.bytes[0] + ev.bytes[1];
      const port = ev.dst.port;
      if (this.isSite(ev.src.ip))
        this.add(ev.src.ip, 'out', ev.dst.ip, ev.proto, port, ev.app, ev.first, ev.last, packets, bytes);
      if (this.isSite(ev.dst.ip))
        this.add(ev.dst.ip, 'in', ev.src.ip, ev.proto, port, ev.app, ev.first, ev.last, packets, bytes);
    }
  };

  private namesAt(device: string, peer: string, ts: Micros): string[] {
    const list = this.resolutions.get(`${device}|${peer}`);
    if (list === undefined) return [];
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i]!;
      if (r.from <= ts && ts <= r.until) return [...r.names];
    }
    return [];
  }

  private add(
    ip: string,
    direction: 'out' | 'in',
    peer: string,
    proto: string,
    port: number | undefined,
    app: string | undefined,
    first: Micros,
    last: Micros,
    packets: number,
    bytes: number,
  ): void {
    const key = `${ip}|${direction}|${peer}|${proto}|${port ?? ''}`;
    const names = direction === 'out' ? this.namesAt(ip, peer, first) : [];
    const f = this.flowMap.get(key);
    if (f !== undefined) {
      f.flows++;
      f.packets += packets;
      f.bytes += bytes;
      f.first = Math.min(f.first, first);
      f.last = Math.max(f.last, last);
      if (f.names.length === 0 && names.length > 0) f.names = names;
      return;
    }
    if (this.flowMap.size >= MAX_KEYS) {
      this.dropped++;
      return;
    }
    this.flowMap.set(key, {
      ip,
      direction,
      peer,
      proto,
      ...(port !== undefined ? { port } : {}),
      ...(app !== undefined ? { app } : {}),
      flows: 1,
      packets,
      bytes,
      first,
      last,
      names,
    });
  }

  private proxied(key: string, ev: ProxyRequest): void {
    let p = this.proxiedMap.get(key);
    if (p === undefined) {
      if (this.proxiedMap.size >= MAX_KEYS) return;
      p = { targets: new Map(), more: 0 };
      this.proxiedMap.set(key, p);
    }
    const host = ev.targetIp ?? ev.targetHost;
    const k = `${host}|${ev.targetPort ?? ''}`;
    const refused = ev.granted === false;
    const t = p.targets.get(k);
    if (t !== undefined) {
      t.requests++;
      t.refused &&= refused;
    } else if (p.targets.size < MAX_PROXIED)
      p.targets.set(k, { host, ...(ev.targetPort !== undefined ? { port: ev.targetPort } : {}), requests: 1, refused });
    else p.more++;
  }

  flows(): ObservedFlow[] {
    return [...this.flowMap].map(([key, f]) => {
      const p = this.proxiedMap.get(key);
      if (p === undefined) return f;
      return { ...f, proxied: [...p.targets.values()], ...(p.more > 0 ? { proxiedMore: p.more } : {}) };
    });
  }
}

/** Clinical flows that must keep working: HL7 to a central station, DICOM to PACS, NTP, DNS, DHCP. */
export function clinicalKind(
  f: Pick<ObservedFlow, 'proto' | 'port' | 'app' | 'peer'>,
  isSite: (ip: string) => boolean,
): string | undefined {
  if (f.app === 'hl7' && isSite(f.peer)) return 'HL7 to its central station';
  if (f.app === 'dicom' && isSite(f.peer)) return 'DICOM to PACS';
  if (f.proto === 'udp' && f.port === 123) return 'NTP';
  if (f.port === 53) return 'DNS';
  if (f.proto === 'udp' && (f.port === 67 || f.port === 68)) return 'DHCP';
  return undefined;
}

/** The clinical flows a blocked-flow warning is about: monitoring and imaging (not NTP/DNS). */
export function isPatientCare(
  f: Pick<ObservedFlow, 'proto' | 'port' | 'app' | 'peer'>,
  isSite: (ip: string) => boolean,
): boolean {
  return isSite(f.peer) && (f.app === 'hl7' || f.app === 'dicom');
}
