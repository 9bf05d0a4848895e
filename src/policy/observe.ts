// What learn and simulate need from a capture, collected from events: flows per device and
// peer (both ways), and the names each device's own DNS answers gave the peer when the flow
// began (CNAME chains included). Bounded; pure (events in, plain objects out).
import type { Micros, WardEvent } from '../events.js';

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

  flows(): ObservedFlow[] {
    return [...this.flowMap.values()];
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
