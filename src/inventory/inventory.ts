// The inventory: which devices are on the ward and what they do, fed with events and judged at
// output time (src/inventory/view.ts). Who is who — MACs, addresses, gateways — is the device
// table's job (src/inventory/table.ts); this file records behaviour: DHCP, DNS, flows, services,
// HL7 and DICOM roles, web use.
import { type DeviceRecord, hostPortText } from '../contract/records.js';
import type {
  DhcpLease,
  DicomAssociation,
  DnsAnswer,
  Endpoint,
  FlowEnd,
  Hl7Message,
  HostIdentity,
  RemoteAccess,
  WardEvent,
} from '../events.js';
import type { Catalog } from '../contract/catalog.js';
import { DS, type DeviceState } from './device.js';
import { DeviceTable } from './table.js';
import { type DeviceDetail, deviceDetail, deviceRecord } from './view.js';
import { siteMatcher, zoneOf } from './zones.js';
import { foldProtocolEvent, isProtocolEvent } from './protocols.js';

export interface InventoryOptions {
  /** The device catalog (config/catalog.ts `loadCatalog`): the inventory reads no files itself. */
  catalog: Catalog;
  /** Site predicate (config zones); default zones when omitted. */
  site?: (ip: string) => boolean;
}

const MAX_OPEN_FLOWS = 200_000;
const SERVER_MSGS = new Set(['OFFER', 'ACK', 'NAK']);

interface OpenFlow {
  readonly a: Endpoint;
  readonly da: DeviceState | undefined;
  readonly b: Endpoint;
  readonly db: DeviceState | undefined;
  readonly syn: boolean;
  /**
   * HL7 `hl7ReceivedFrom` outcome per sending end (a, b): 0 not yet added, 1 kept, 2 beyond the
   * limit. Both are fixed for the flow's life, so later messages skip the set lookup.
   */
  fromA: 0 | 1 | 2;
  fromB: 0 | 1 | 2;
}

/** Service keys ('tcp/104') by protocol and port, built once each: every flow-end names one. */
const serviceKeys = { tcp: new Map<number, string>(), udp: new Map<number, string>() };
function serviceKey(proto: 'tcp' | 'udp', port: number): string {
  const m = serviceKeys[proto];
  let k = m.get(port);
  if (k === undefined) m.set(port, (k = `${proto}/${port}`)); // at most 65 536 per protocol
  return k;
}

export class Inventory {
  private readonly table: DeviceTable;
  /**
   * Open flows: the devices of each end, resolved once at flow-start, and whether the originator
   * was a SYN sender (services need the true responder). Events reuse the flow's Endpoint
   * objects, so an end is recognised by identity and per-message events (HL7 every few seconds
   * per monitor) skip resolving addresses again.
   */
  private readonly open = new Map<number, OpenFlow>();
  /** Open HL7 flows: the endpoint that sent the first non-ACK message (compared by ip and port). */
  private readonly hl7Flows = new Map<number, Endpoint>();
  private readonly dicomFlows = new Set<number>();
  private readonly catalog: Catalog;
  private readonly site: (ip: string) => boolean;

  constructor(opts: InventoryOptions) {
    this.catalog = opts.catalog;
    this.site = opts.site ?? siteMatcher();
    this.table = new DeviceTable(this.site);
  }

  onEvent(ev: WardEvent): void {
    switch (ev.type) {
      case 'device-seen': {
        const d = this.table.byMac(ev.mac);
        if (d === undefined) return;
        d.touch(ev.ts);
        if (ev.ip !== undefined) this.table.sourceIp(d, ev.ip, ev.via === 'ip' ? 'weak' : 'strong');
        return;
      }
      case 'arp': {
        const d = this.table.byMac(ev.senderMac);
        if (d === undefined) return;
        d.touch(ev.ts);
        this.table.sourceIp(d, ev.senderIp, 'strong');
        return;
      }
      case 'dhcp-lease':
        this.dhcp(ev);
        return;
      case 'dns-answer': {
        const server = this.table.resolve({ ip: ev.server });
        if (server !== undefined && zoneOf(ev.asker, this.site) !== 'special') {
          server.touch(ev.ts);
          server.dnsAnswered++;
          server.edit(DS.dnsAskers).add(ev.asker);
        }
        if (ev.query !== '') this.table.resolve({ ip: ev.asker })?.edit(DS.dnsNames).add(ev.query.toLowerCase());
        this.multicastNames(ev);
        return;
      }
      case 'dns-query':
        if (ev.query !== '') this.table.resolve({ ip: ev.asker })?.edit(DS.dnsNames).add(ev.query.toLowerCase());
        return;
      case 'flow-start': {
        const s = this.table.resolve(ev.src);
        const d = this.table.resolve(ev.dst);
        if (this.open.size < MAX_OPEN_FLOWS)
          this.open.set(ev.flowId, { a: ev.src, da: s, b: ev.dst, db: d, syn: ev.syn, fromA: 0, fromB: 0 });
        if (s !== undefined) this.flowPeer(s, ev.dst.ip, ev.ts);
        if (d !== undefined) this.flowPeer(d, ev.src.ip, ev.ts);
        return;
      }
      case 'flow-end':
        this.flowEnd(ev);
        return;
      case 'tls-hello': {
        const s = this.resolveIn(this.open.get(ev.flowId), ev.src);
        if (s !== undefined && ev.sni && zoneOf(ev.dst.ip, this.site) === 'outside')
          s.edit(DS.tlsNames).add(ev.sni.toLowerCase());
        if (s !== undefined) {
          if (ev.ja4 !== undefined) s.edit(DS.ja4).add(ev.ja4);
          if (ev.ja3 !== undefined) s.edit(DS.ja3).add(ev.ja3);
          const leaf = ev.certs?.[0];
          if (leaf !== undefined && s.edit(DS.serverCerts).addKept(leaf.sha256))
            s.noteServerCert(leaf, hostPortText(ev.dst.ip, ev.dst.port), ev.sni);
        }
        // AnyDesk speaks TLS with its own self-signed "AnyDesk Client" certificate (port 7070 by default).
        if (/anydesk/i.test(ev.certSubject ?? '') || (ev.dst.port === 7070 && ev.sni === undefined))
          this.remoteAccess({
            ...ev,
            type: 'remote-access',
            service: 'anydesk',
            version: undefined,
            security: ['tls'],
            unauthenticated: false,
            userHint: undefined,
          });
        return;
      }
      case 'http-request': {
        const s = this.resolveIn(this.open.get(ev.flowId), ev.src);
        if (s === undefined) return;
        if (ev.userAgent) s.edit(DS.userAgents).add(ev.userAgent);
        if (ev.host) s.edit(DS.httpHosts).add(ev.host.toLowerCase());
        return;
      }
      case 'hl7-message':
        this.hl7(ev);
        return;
      case 'dicom-association':
        this.dicom(ev);
        return;
      case 'host-identity':
        this.hostIdentity(ev);
        return;
      case 'smb-negotiate': {
        const c = this.open.get(ev.flowId);
        if (ev.smb1Offered) {
          const client = this.resolveIn(c, ev.src);
          if (client !== undefined) client.smb1 = true;
        }
        const server = this.resolveIn(c, ev.dst);
        if (server === undefined) return;
        if (ev.dialect !== undefined) server.edit(DS.smbDialects).add(ev.dialect);
        if (ev.smb1Used) server.smb1 = true;
        return;
      }
      case 'remote-access':
        this.remoteAccess(ev);
        return;
      case 'service-banner':
        if (ev.service === 'ssh')
          this.remoteAccess(
            {
              ...ev,
              type: 'remote-access',
              service: 'ssh',
              version: undefined,
              security: [],
              unauthenticated: false,
              userHint: undefined,
            },
            ev.banner,
          );
        return;
      default:
        if (isProtocolEvent(ev)) {
          const c = this.open.get(ev.flowId);
          foldProtocolEvent(ev, (ep) => this.resolveIn(c, ep));
        }
        return; // http-response, rpc-call, service-banner, anomaly: judged by detect, not needed here
    }
  }

  /** Device records (the output contract), sorted by id. */
  records(): DeviceRecord[] {
    return [...this.table.devices.values()]
      .filter((d) => d.last >= 0) // seen at least once (last is -Infinity until then)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((d) => deviceRecord(d, this.catalog));
  }

  /** Device `id`'s record exactly as in `records()` (judged alone), or undefined when `records()` has none. */
  recordOf(id: string): DeviceRecord | undefined {
    const d = this.table.devices.get(id);
    return d === undefined || d.id !== id || !(d.last >= 0) ? undefined : deviceRecord(d, this.catalog);
  }

  /**
   * The record of the first device in `records()`' order (by id) whose `ips` include `ip`, judging
   * only that one: what an incident's feed words look up, without building every record.
   */
  recordWithIp(ip: string): DeviceRecord | undefined {
    let best: DeviceState | undefined;
    for (const d of this.table.devices.values()) {
      if (!(d.last >= 0) || (best !== undefined && !(d.id < best.id))) continue;
      if (d.hasOwnIp(ip)) best = d;
    }
    return best === undefined ? undefined : deviceRecord(best, this.catalog);
  }

  /** Devices not tracked because the table was full. */
  get dropped(): number {
    return this.table.dropped;
  }

  /** One device's record, by id (MAC in any notation, or 'ip:<addr>') or by one of its addresses. */
  device(idOrIp: string): DeviceRecord | undefined {
    const d = this.table.find(idOrIp);
    return d === undefined ? undefined : deviceRecord(d, this.catalog);
  }

  /** Everything known about one device: the record plus services, peers, HL7 apps, AE titles, DHCP fingerprint. */
  details(idOrIp: string): DeviceDetail | undefined {
    const d = this.table.find(idOrIp);
    return d === undefined ? undefined : deviceDetail(d, this.catalog);
  }

  private dhcp(ev: DhcpLease): void {
    const client = this.table.byMac(ev.clientMac);
    client?.touch(ev.ts);
    if (SERVER_MSGS.has(ev.msgType)) {
      // The sender's address is its own (the server, or the relay agent on a router), so it binds.
      const sender = ev.src.mac === undefined ? undefined : this.table.byMac(ev.src.mac);
      if (sender !== undefined) this.table.sourceIp(sender, ev.src.ip, 'strong');
      const server = this.table.resolve(ev.src);
      if (server !== undefined) {
        server.touch(ev.ts);
        server.dhcpServed++;
        server.edit(DS.dhcpClients).add(ev.clientMac.toLowerCase());
      }
      // The router named in a lease owns that address: bind it, so the gateway's own flows stay its own.
      for (const ip of ev.routers ?? []) {
        this.table.nameRole(ip, this.table.routerIps, (d) => {
          d.namedRouter = true;
          this.table.bind(d, ip, 'strong');
        });
      }
      for (const ip of ev.dnsServers ?? [])
        this.table.nameRole(ip, this.table.dnsServerIps, (d) => (d.namedDns = true));
      if (client === undefined) return;
      if (ev.yourIp !== undefined && ev.yourIp !== '0.0.0.0') {
        // The offer travels to the offered address before it is bound: not a forwarded address.
        this.table.offer(client, ev.yourIp);
        if (ev.msgType === 'ACK') this.table.bind(client, ev.yourIp, 'strong');
      }
      // The server may echo the host name; the client's own word wins.
      if (ev.hostname && client.hostname === undefined) client.hostname = ev.hostname;
      return;
    }
    if (client === undefined) return;
    if (ev.hostname) client.hostname = ev.hostname;
    if (ev.vendorClass) client.vendorClass = ev.vendorClass;
    if (ev.paramList && ev.paramList.length > 0) client.paramList = ev.paramList;
    if (ev.clientId) client.clientId = ev.clientId;
    if (ev.msgType === 'INFORM' && ev.clientIp !== undefined) this.table.sourceIp(client, ev.clientIp, 'strong');
  }

  private flowPeer(dev: DeviceState, peer: string, ts: number): void {
    dev.touch(ts);
    dev.flows++;
    const zone = zoneOf(peer, this.site);
    if (zone === 'site') dev.edit(DS.peersInside).add(peer);
    else if (zone === 'outside') dev.edit(DS.peersOutside).add(peer);
  }

  /** The device behind an end of an open flow (cached at flow-start), else resolved now. */
  private resolveIn(c: OpenFlow | undefined, ep: Endpoint): DeviceState | undefined {
    if (c !== undefined) {
      if (ep === c.a) return c.da;
      if (ep === c.b) return c.db;
    }
    return this.table.resolve(ep);
  }

  private flowEnd(ev: FlowEnd): void {
    const c = this.open.get(ev.flowId);
    this.open.delete(ev.flowId);
    this.hl7Flows.delete(ev.flowId);
    this.dicomFlows.delete(ev.flowId);
    const s = this.resolveIn(c, ev.src);
    const d = this.resolveIn(c, ev.dst);
    const packets = ev.packets[0] + ev.packets[1];
    const bytes = ev.bytes[0] + ev.bytes[1];
    if (s !== undefined) s.flowTotals(ev.first, ev.last, packets, bytes);
    if (d !== undefined) d.flowTotals(ev.first, ev.last, packets, bytes);
    // A service is a port that answered. Without a SYN the originator is a guess, so a TCP flow
    // only counts when the responder's port is the lower one (ephemeral ports are high).
    const port = ev.dst.port;
    if (d === undefined || port === undefined || ev.packets[1] === 0) return;
    if (ev.proto !== 'tcp' && ev.proto !== 'udp') return;
    if (ev.proto === 'tcp' && c?.syn !== true && !(ev.src.port !== undefined && port < ev.src.port)) return;
    d.services.add(serviceKey(ev.proto, port));
  }

  private hl7(ev: Hl7Message): void {
    const isAck = ev.messageType.startsWith('ACK') || ev.ackCode !== undefined;
    const first = this.hl7Flows.get(ev.flowId);
    // src/dst are the flow's originator/responder (FlowBase). In MLLP original mode the originator
    // sends and the responder ACKs, so an ACK is the responder's — unless the decoder reported
    // per-message direction, which shows as an ACK whose src differs from the message's sender.
    let fromSrc = true;
    if (isAck) fromSrc = first !== undefined && (first.ip !== ev.src.ip || first.port !== ev.src.port);
    else if (first === undefined && this.hl7Flows.size < MAX_OPEN_FLOWS) this.hl7Flows.set(ev.flowId, ev.src);
    const from = fromSrc ? ev.src : ev.dst;
    const to = fromSrc ? ev.dst : ev.src;
    const c = this.open.get(ev.flowId);
    const sender = this.resolveIn(c, from);
    const receiver = this.resolveIn(c, to);
    const senderIp = from.ip;
    const receiverIp = to.ip;
    const type = ev.messageType || '(none)';
    if (sender !== undefined) {
      sender.touch(ev.ts);
      sender.hl7Sent.add(type);
      // A monitor repeats the same apps, receiver and observation codes every few seconds: after
      // its first 64 messages, every 16th is enough to catch new ones (the sets were the cost).
      const n = ++sender.hl7Messages;
      if (n <= 64 || (n & 15) === 0) {
        if (ev.sendingApp) sender.edit(DS.hl7Apps).add(ev.sendingApp);
        if (ev.sendingFacility) sender.edit(DS.hl7Facilities).add(ev.sendingFacility);
        if (ev.equipment !== undefined) for (const e of ev.equipment) sender.edit(DS.hl7Equipment).add(e);
        sender.edit(DS.hl7SentTo).add(receiverIp);
        sender.observe(ev.observations);
      }
    }
    if (receiver !== undefined) {
      receiver.touch(ev.ts);
      receiver.hl7Received.add(type);
      const fromA = c !== undefined && from === c.a && to === c.b;
      const fromB = c !== undefined && from === c.b && to === c.a;
      const known = fromA ? c.fromA : fromB ? c.fromB : 0;
      // 2: this flow's sender is already counted beyond the set's limit (distinct: nothing to add).
      if (known === 0) {
        const outcome = receiver.edit(DS.hl7ReceivedFrom).addKept(senderIp) ? 1 : 2;
        if (fromA) c.fromA = outcome;
        else if (fromB) c.fromB = outcome;
      }
    }
  }

  private hostIdentity(ev: HostIdentity): void {
    const d = this.resolveIn(this.open.get(ev.flowId), ev.host);
    if (d === undefined) return;
    d.touch(ev.ts);
    for (const n of ev.names) d.edit(DS.lanNames).add(n);
    if (ev.workgroup) d.edit(DS.workgroups).add(ev.workgroup);
    if (ev.os) d.edit(DS.osStrings).add(ev.os);
    if (ev.software) d.edit(DS.software).add(ev.software);
    for (const s of ev.services) d.edit(DS.announced).add(s);
  }

  /** A remote-access handshake: the server offers the service, the client uses it. */
  private remoteAccess(ev: RemoteAccess, software?: string): void {
    const c = this.open.get(ev.flowId);
    const server = this.resolveIn(c, ev.dst);
    const client = this.resolveIn(c, ev.src);
    for (const [d, role, peer] of [
      [server, 'server', ev.src.ip],
      [client, 'client', ev.dst.ip],
    ] as const) {
      if (d === undefined) continue;
      const r = d.remoteService(ev.service, role, ev.dst.port);
      if (r === undefined) continue;
      for (const s of ev.security) r.security.add(s);
      if (ev.unauthenticated) r.unauthenticated = true;
      if (ev.version !== undefined) r.version = ev.version;
      if (role === 'server' && software) r.version ??= software;
      r.peers.add(peer);
    }
  }

  /**
   * mDNS (5353) and LLMNR (5355) answers name their sender: an address record for the responder's
   * own address is its host name, a PTR to a service type (`_ipp._tcp.local`) a service it offers.
   */
  private multicastNames(ev: DnsAnswer): void {
    const c = this.open.get(ev.flowId);
    if (c === undefined) return;
    const pa = c.a.port;
    const pb = c.b.port;
    if (pa !== 5353 && pb !== 5353 && pa !== 5355 && pb !== 5355) return;
    const d = this.resolveIn(c, ev.server === c.a.ip ? c.a : ev.server === c.b.ip ? c.b : { ip: ev.server });
    if (d === undefined) return;
    for (const a of ev.answers) {
      if ((a.type === 'A' || a.type === 'AAAA') && a.data === ev.server) {
        const name = a.name.toLowerCase().endsWith('.local') ? a.name.slice(0, -6) : a.name;
        if (name !== '') d.edit(DS.lanNames).add(name);
      } else if (a.type === 'PTR' && a.name.startsWith('_') && !a.name.startsWith('_services.')) {
        d.edit(DS.announced).add(a.name.toLowerCase().replace(/\.local\.?$/, ''));
      }
    }
  }

  private dicom(ev: DicomAssociation): void {
    if ((ev.pdu !== 'rq' && ev.pdu !== 'ac') || this.dicomFlows.has(ev.flowId)) return;
    if (this.dicomFlows.size < MAX_OPEN_FLOWS) this.dicomFlows.add(ev.flowId);
    // The requester opened the connection; a decoder reporting per-PDU direction would put the
    // acceptor (on the DICOM port) first for an A-ASSOCIATE-AC.
    const swap = ev.pdu === 'ac' && ev.src.port !== undefined && [104, 11112].includes(ev.src.port);
    const rqEp = swap ? ev.dst : ev.src;
    const acEp = swap ? ev.src : ev.dst;
    const requester = this.table.resolve(rqEp);
    const acceptor = this.table.resolve(acEp);
    if (requester !== undefined) {
      requester.touch(ev.ts);
      if (ev.callingAe) requester.edit(DS.aeCalling).add(ev.callingAe);
      requester.edit(DS.dicomCallsTo).add(`${acEp.ip}:${acEp.port ?? ''}`);
      for (const c of ev.contexts ?? []) {
        const name = c.name ?? c.abstractSyntax;
        if (name) requester.edit(DS.dicomRequested).add(name);
      }
    }
    if (acceptor !== undefined) {
      acceptor.touch(ev.ts);
      if (ev.calledAe) acceptor.edit(DS.aeCalled).add(ev.calledAe);
      acceptor.edit(DS.dicomCalledBy).add(rqEp.ip);
    }
  }
}
