// What a device says about itself over the protocols of issue 19 (SNMP system group, NTP, syslog,
// TFTP/FTP file names): kept per device in bounded sets, printed as the device
// record's `identities`. The SNMP sysDescr and sysObjectID also feed catalog identification.
import type { DeviceRecord } from '../contract/records.js';
import type {
  Dhcpv6Message,
  FileTransfer,
  MediaStreamEvent,
  MqttMessage,
  NtpMessage,
  SnmpMessage,
  SyslogMessage,
  WardEvent,
} from '../events.js';
import { BoundedSet } from './device.js';

export type Identities = NonNullable<DeviceRecord['identities']>;

export class ProtocolFacts {
  snmpSysName?: string;
  snmpSysDescr?: string;
  snmpSysObjectId?: string;
  /** Community classes this device's agent answered or was asked with (never the strings). */
  readonly snmpCommunities = new BoundedSet<string>(4);
  snmpTraps = 0;
  readonly snmpTrapOids = new BoundedSet<string>(8);
  /** NTP servers this device asked for the time. */
  readonly timeSources = new BoundedSet<string>(8);
  /** As an NTP server: its stratum and reference (what it trusts). */
  ntpStratum?: number;
  ntpRefId?: string;
  readonly syslogApps = new BoundedSet<string>(16);
  readonly syslogTo = new BoundedSet<string>(8);
  syslogHost?: string;
  readonly files = new BoundedSet<string>(32);
  readonly mqttClientIds = new BoundedSet<string>(4);
  readonly mqttBrokers = new BoundedSet<string>(8);
  readonly mqttProtocols = new BoundedSet<string>(3);
  readonly mqttWill = new BoundedSet<string>(4);
  readonly mqttTopics = new BoundedSet<string>(32);
  mqttUsername?: boolean;
  readonly v6Duids = new BoundedSet<string>(4);
  readonly v6Vendor = new BoundedSet<string>(4);
  readonly v6UserClass = new BoundedSet<string>(4);
  readonly v6Addresses = new BoundedSet<string>(8);
  v6DuidMac?: string;
  v6Fqdn?: string;
  v6Oro?: string;
  rtpFlows = 0;
  rtpStreams = 0;
  rtpPackets = 0;
  rtcpPackets = 0;
  readonly mediaBy = new BoundedSet<string>(2);
  readonly mediaPeers = new BoundedSet<string>(16);
  mqttPassword?: boolean;

  identities(): Identities | undefined {
    const list = (s: BoundedSet<string>) => (s.total === 0 ? undefined : s.values().sort());
    const snmp =
      this.snmpSysName !== undefined ||
      this.snmpSysDescr !== undefined ||
      this.snmpSysObjectId !== undefined ||
      this.snmpCommunities.total > 0 ||
      this.snmpTraps > 0
        ? {
            sysName: this.snmpSysName,
            sysDescr: this.snmpSysDescr,
            sysObjectId: this.snmpSysObjectId,
            communities: list(this.snmpCommunities),
            traps: this.snmpTraps > 0 ? this.snmpTraps : undefined,
            trapOids: list(this.snmpTrapOids),
          }
        : undefined;
    const ntp =
      this.timeSources.total > 0 || this.ntpStratum !== undefined
        ? { timeSources: list(this.timeSources), stratum: this.ntpStratum, refId: this.ntpRefId }
        : undefined;
    const syslog =
      this.syslogTo.total > 0
        ? { apps: list(this.syslogApps), collectors: list(this.syslogTo), hostname: this.syslogHost }
        : undefined;
    const files = list(this.files);
    const mqtt =
      this.mqttBrokers.total > 0
        ? {
            clientIds: list(this.mqttClientIds),
            brokers: list(this.mqttBrokers),
            protocols: list(this.mqttProtocols),
            username: this.mqttUsername,
            password: this.mqttPassword,
            willTopics: list(this.mqttWill),
            topics: list(this.mqttTopics),
          }
        : undefined;
    const dhcpv6 =
      this.v6Duids.total > 0 || this.v6Fqdn !== undefined
        ? {
            duids: list(this.v6Duids),
            duidMac: this.v6DuidMac,
            fqdn: this.v6Fqdn,
            vendorClass: list(this.v6Vendor),
            userClass: list(this.v6UserClass),
            oro: this.v6Oro,
            addresses: list(this.v6Addresses),
          }
        : undefined;
    const media =
      this.mediaPeers.total > 0
        ? {
            rtpFlows: this.rtpFlows,
            streams: this.rtpStreams,
            rtpPackets: this.rtpPackets,
            rtcpPackets: this.rtcpPackets,
            by: this.mediaBy.values().sort(),
            peers: this.mediaPeers.values().sort(),
          }
        : undefined;
    if (!snmp && !ntp && !syslog && !files && !mqtt && !dhcpv6 && !media) return undefined;
    // JSON drops the undefined keys: one shape, only what was seen printed.
    return JSON.parse(JSON.stringify({ snmp, ntp, syslog, files, dhcpv6, media, mqtt })) as Identities;
  }
}

/** The facts of a device, made on first use. */
export interface HasFacts {
  protocols: ProtocolFacts | undefined;
}

function facts(d: HasFacts): ProtocolFacts {
  if (d.protocols === undefined) d.protocols = new ProtocolFacts();
  return d.protocols;
}

export type ProtocolEvent =
  | NtpMessage
  | SyslogMessage
  | SnmpMessage
  | FileTransfer
  | MqttMessage
  | Dhcpv6Message
  | MediaStreamEvent;

export function isProtocolEvent(ev: WardEvent): ev is ProtocolEvent {
  switch (ev.type) {
    case 'ntp-message':
    case 'syslog-message':
    case 'snmp-message':
    case 'file-transfer':
    case 'mqtt-message':
    case 'dhcpv6-message':
    case 'media-stream':
      return true;
    default:
      return false;
  }
}

/** Fold one event into the devices at its ends; `resolve` finds the device behind an endpoint. */
export function foldProtocolEvent(
  ev: ProtocolEvent,
  resolve: (ep: ProtocolEvent['src']) => HasFacts | undefined,
): void {
  switch (ev.type) {
    case 'snmp-message': {
      // The agent is the end on 161 (or the trap sender towards 162): its system group is its own.
      const agentEnd = ev.src.port === 161 || ev.dst.port === 162 ? ev.src : ev.dst;
      const agent = resolve(agentEnd);
      if (agent === undefined) return;
      const f = facts(agent);
      if (ev.sysName) f.snmpSysName = ev.sysName;
      if (ev.sysDescr) f.snmpSysDescr = ev.sysDescr;
      if (ev.sysObjectId) f.snmpSysObjectId = ev.sysObjectId;
      if (ev.community !== undefined) f.snmpCommunities.add(ev.community);
      if (ev.pdu === 'trap' || ev.pdu === 'inform') {
        f.snmpTraps++;
        if (ev.trapOid !== undefined) f.snmpTrapOids.add(ev.trapOid);
      }
      return;
    }
    case 'ntp-message': {
      const sender = resolve(ev.src);
      if (sender === undefined) return;
      if (ev.mode === 'client' || ev.mode === 'symmetric-active') facts(sender).timeSources.add(ev.dst.ip);
      else if (ev.mode === 'server' || ev.mode === 'broadcast') {
        const f = facts(sender);
        f.ntpStratum = ev.stratum;
        f.ntpRefId = ev.refId;
      }
      return;
    }
    case 'syslog-message': {
      const sender = resolve(ev.src);
      if (sender === undefined) return;
      const f = facts(sender);
      f.syslogTo.add(ev.dst.ip);
      if (ev.appName) f.syslogApps.add(ev.appName);
      if (ev.hostname) f.syslogHost = ev.hostname;
      return;
    }
    case 'file-transfer': {
      // The device is the client that pulls or pushes (a firmware or config file).
      const client = resolve(ev.src);
      if (client !== undefined) facts(client).files.add(`${ev.protocol}:${ev.op}:${ev.fileName}`);
      return;
    }
    case 'mqtt-message': {
      // The device is the MQTT client; topics a broker delivers to it are ones it subscribed to.
      const [clientEnd, broker] = ev.fromClient ? [ev.src, ev.dst] : [ev.dst, ev.src];
      const client = resolve(clientEnd);
      if (client === undefined) return;
      const f = facts(client);
      f.mqttBrokers.add(broker.port === undefined ? broker.ip : `${broker.ip}:${broker.port}`);
      if (ev.packet === 'connect') {
        if (ev.clientId !== undefined && ev.clientId !== '') f.mqttClientIds.add(ev.clientId);
        if (ev.protocol !== undefined) f.mqttProtocols.add(ev.protocol);
        if (ev.willTopic !== undefined) f.mqttWill.add(ev.willTopic);
        f.mqttUsername = (f.mqttUsername ?? false) || ev.username === true;
        f.mqttPassword = (f.mqttPassword ?? false) || ev.password === true;
      }
      for (const t of ev.topics) f.mqttTopics.add(t);
      return;
    }
    case 'dhcpv6-message': {
      // The client: the sender of a client message or the receiver of a server's. A relayed one
      // comes from (or goes to) the relay: its client is the relay's peer address, with the MAC
      // its DUID carries when it carries one (else the client cannot be told from the relay).
      const end = ev.fromClient ? ev.src : ev.dst;
      const clientEnd =
        ev.relayPeer === undefined ? end : ev.duidMac !== undefined ? { ip: ev.relayPeer, mac: ev.duidMac } : undefined;
      const client = clientEnd === undefined ? undefined : resolve(clientEnd);
      if (client === undefined) return;
      const f = facts(client);
      if (ev.clientDuid !== undefined) f.v6Duids.add(ev.clientDuid);
      if (ev.duidMac !== undefined) f.v6DuidMac = ev.duidMac;
      if (ev.fqdn !== undefined) f.v6Fqdn = ev.fqdn;
      if (ev.vendorClass !== undefined)
        for (const v of ev.vendorClass) f.v6Vendor.add(`${ev.vendorEnterprise ?? 0}:${v}`);
      for (const u of ev.userClass ?? []) f.v6UserClass.add(u);
      if (ev.oro !== undefined && ev.fromClient) f.v6Oro = ev.oro.join(',');
      // Addresses a server assigned in a REPLY (an ADVERTISE only offers them).
      if (ev.msgType === 'REPLY') for (const a of ev.addresses) f.v6Addresses.add(a);
      return;
    }
    case 'media-stream': {
      // Both ends take part in a call: each site device counts the flow, its streams and packets.
      const packets = ev.packets[0] + ev.packets[1];
      for (const [me, peer] of [
        [ev.src, ev.dst],
        [ev.dst, ev.src],
      ] as const) {
        const d = resolve(me);
        if (d === undefined) continue;
        const f = facts(d);
        f.mediaBy.add(ev.by);
        f.mediaPeers.add(peer.ip);
        if (ev.protocol === 'rtcp') f.rtcpPackets += packets;
        else {
          f.rtpFlows++;
          f.rtpStreams += ev.streams;
          f.rtpPackets += packets;
        }
      }
      return;
    }
  }
}
