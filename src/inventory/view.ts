// Turns accumulated device state into the output contract (DeviceRecord) and the richer detail
// the `inventory` command and the device page show. Judging happens here, at output time, so a
// late DHCP lease or HL7 message still counts for everything seen before it.
import { type DeviceRecord, isoTime } from '../contract/records.js';
import type { Catalog } from '../contract/catalog.js';
import { type Classification, classify } from './classify.js';
import type { DeviceState } from './device.js';
import { type Identification, identify } from './identify.js';
import { formatPrefix, lookupOui, macHex } from './oui.js';

export interface DeviceDetail {
  readonly record: DeviceRecord;
  /** Registry prefix of the MAC ('00:0B:82'), or why there is no vendor ('locally administered'). */
  readonly oui?: string;
  readonly macNote?: string;
  /** Every address attributed to the device: 'strong' from DHCP/ARP, 'weak' from packets only. */
  readonly ipHistory: readonly { readonly ip: string; readonly binding: 'strong' | 'weak' }[];
  readonly dhcp?: {
    readonly hostname?: string;
    readonly vendorClass?: string;
    /** Option 55 as sent, comma-separated: a DHCP client fingerprint ('1,3,6,15,28,51,58,59'). */
    readonly fingerprint?: string;
    readonly clientId?: string;
  };
  readonly hl7: {
    readonly sendingApps: readonly string[];
    readonly facilities: readonly string[];
    readonly sent: Readonly<Record<string, number>>;
    readonly received: Readonly<Record<string, number>>;
    readonly sentTo: readonly string[];
    readonly receivedFrom: readonly string[];
    readonly vitals: readonly string[];
  };
  readonly dicom: {
    readonly callingAes: readonly string[];
    readonly calledAes: readonly string[];
    readonly callsTo: readonly string[];
    readonly calledBy: readonly string[];
    readonly sopClasses: readonly string[];
  };
  /** 'tcp/104' → flows it answered on that port. */
  readonly services: Readonly<Record<string, number>>;
  readonly peers: {
    readonly inside: readonly string[];
    readonly insideTotal: number;
    readonly outside: readonly string[];
    readonly outsideTotal: number;
  };
  readonly web: {
    readonly userAgents: readonly string[];
    readonly tlsNames: readonly string[];
    readonly httpHosts: readonly string[];
    readonly dnsNames: number;
  };
  readonly infrastructure: {
    readonly dhcpServed: number;
    readonly dnsAnswered: number;
    readonly namedRouter: boolean;
    readonly frontedOutside: number;
  };
  readonly flows: number;
}

interface Judged {
  readonly record: DeviceRecord;
  readonly oui: ReturnType<typeof lookupOui> | undefined;
}

function judge(d: DeviceState, catalog: Catalog): Judged {
  const oui = d.mac === undefined ? undefined : lookupOui(d.mac);
  let ident: Identification | undefined = identify(catalog, {
    hl7Apps: d.hl7Apps.values(),
    hostname: d.hostname,
    vendorClass: d.vendorClass,
    macHex: d.mac === undefined ? undefined : macHex(d.mac),
    vendor: oui?.vendor,
    dicomAes: d.aeCalling.values(),
    snmpSysDescr: d.protocols?.snmpSysDescr,
    snmpSysObjectId: d.protocols?.snmpSysObjectId,
  });
  let cls: Classification = classify(d, ident);
  const notes: string[] = [];
  // An OUI names the maker of the network interface, not the product: when behaviour says the
  // device is something else, the catalogued model (and its advisories) does not apply.
  if (ident?.identifiedBy.every((k) => k === 'oui') && cls.class !== ident.model.class) {
    notes.push(`MAC vendor suggested ${ident.model.name}, but its behaviour says ${cls.class}`);
    ident = undefined;
    cls = classify(d, undefined);
  }
  if (oui?.note === 'locally administered')
    notes.push('MAC is locally administered (randomised or virtual): no vendor');
  const ips = d.ownIps();
  const identities = d.protocols?.identities();
  const record: DeviceRecord = {
    type: 'device',
    id: d.id,
    ips,
    ...(d.hostname !== undefined ? { hostname: d.hostname } : lanHostname(d)),
    ...(d.vendorClass !== undefined ? { vendorClass: d.vendorClass } : {}),
    ...vendorOf(oui?.vendor, ident),
    ...(ident !== undefined ? { model: ident.model.name } : {}),
    class: cls.class,
    confidence: cls.confidence,
    reasons: [...cls.reasons, ...notes],
    ...(ident !== undefined ? { identifiedBy: [...ident.identifiedBy] } : {}),
    advisories: ident === undefined ? [] : ident.advisories.map((a) => ({ ...a, cves: [...a.cves] })),
    first: isoTime(Number.isFinite(d.first) ? d.first : d.last),
    last: isoTime(d.last),
    packets: d.packets,
    bytes: d.bytes,
    ...(d.ja4.total + d.serverCerts.total > 0 ? { tls: tlsOf(d) } : {}),
    ...(identities !== undefined ? { identities } : {}),
    ...lanFacts(d),
  };
  return { record, oui };
}

/**
 * The IEEE OUI organisation; without one (a locally administered MAC), the catalog model's vendor
 * when the device's own SNMP agent named the model (sysObjectID/sysDescr are the maker's words).
 */
function vendorOf(ouiVendor: string | undefined, ident: Identification | undefined): { vendor?: string } {
  if (ouiVendor !== undefined) return { vendor: ouiVendor };
  if (ident === undefined || !ident.identifiedBy.some((k) => k.startsWith('snmp-'))) return {};
  return { vendor: ident.model.vendor };
}

/** The TLS fingerprints a device used (sorted: the sets keep first-seen order, the record should not depend on it). */
function tlsOf(d: DeviceState): NonNullable<DeviceRecord['tls']> {
  const beyond = d.ja4.beyond + d.ja3.beyond + d.serverCerts.beyond;
  const serverCerts = d.serverCerts.values().sort();
  const servers = serverCerts.flatMap((sha) => d.serverCert(sha) ?? []);
  return {
    ja4: d.ja4.values().sort(),
    ja3: d.ja3.values().sort(),
    serverCerts,
    ...(servers.length > 0 ? { servers } : {}),
    ...(beyond > 0 ? { beyond } : {}),
  };
}

/** Without a DHCP host name, the first name the device gave itself on the LAN (NetBIOS, SMB, mDNS). */
function lanHostname(d: DeviceState): { hostname?: string } {
  const first = d.lanNames.values()[0];
  return first === undefined ? {} : { hostname: first };
}

/** The LAN names and remote-access services of a device, only when it showed any. */
function lanFacts(d: DeviceState): Pick<DeviceRecord, 'lan' | 'remoteAccess'> {
  const out: Pick<DeviceRecord, 'lan' | 'remoteAccess'> = {};
  const any =
    d.lanNames.total +
      d.workgroups.total +
      d.osStrings.total +
      d.software.total +
      d.announced.total +
      d.smbDialects.total >
      0 || d.smb1;
  if (any) {
    out.lan = {
      names: d.lanNames.values(),
      workgroups: d.workgroups.values(),
      os: d.osStrings.values(),
      software: d.software.values(),
      services: d.announced.values(),
      ...(d.smbDialects.total > 0 ? { smbDialects: d.smbDialects.values() } : {}),
      ...(d.smb1 ? { smb1: true } : {}),
    };
  }
  if (d.remote.size > 0) {
    out.remoteAccess = [...d.remote.values()].map((r) => ({
      service: r.service,
      role: r.role,
      ...(r.port !== undefined ? { port: r.port } : {}),
      security: r.security.values(),
      unauthenticated: r.unauthenticated,
      ...(r.version !== undefined ? { version: r.version } : {}),
      peers: r.peers.total,
    }));
  }
  return out;
}

export function deviceRecord(d: DeviceState, catalog: Catalog): DeviceRecord {
  return judge(d, catalog).record;
}

export function deviceDetail(d: DeviceState, catalog: Catalog): DeviceDetail {
  const { record, oui } = judge(d, catalog);
  const dhcp =
    d.hostname !== undefined || d.vendorClass !== undefined || d.paramList !== undefined || d.clientId !== undefined
      ? {
          ...(d.hostname !== undefined ? { hostname: d.hostname } : {}),
          ...(d.vendorClass !== undefined ? { vendorClass: d.vendorClass } : {}),
          ...(d.paramList !== undefined ? { fingerprint: d.paramList.join(',') } : {}),
          ...(d.clientId !== undefined ? { clientId: d.clientId } : {}),
        }
      : undefined;
  return {
    record,
    ...(oui?.prefix !== undefined ? { oui: formatPrefix(oui.prefix) } : {}),
    ...(oui?.note !== undefined ? { macNote: oui.note } : {}),
    ipHistory: [...d.ips].map(([ip, binding]) => ({ ip, binding })),
    ...(dhcp !== undefined ? { dhcp } : {}),
    hl7: {
      sendingApps: d.hl7Apps.values(),
      facilities: d.hl7Facilities.values(),
      sent: d.hl7Sent.toObject(),
      received: d.hl7Received.toObject(),
      sentTo: d.hl7SentTo.values(),
      receivedFrom: d.hl7ReceivedFrom.values(),
      vitals: d.vitals.values(),
    },
    dicom: {
      callingAes: d.aeCalling.values(),
      calledAes: d.aeCalled.values(),
      callsTo: d.dicomCallsTo.values(),
      calledBy: d.dicomCalledBy.values(),
      sopClasses: d.dicomRequested.values(),
    },
    services: d.services.toObject(),
    peers: {
      inside: d.peersInside.values(),
      insideTotal: d.peersInside.total,
      outside: d.peersOutside.values(),
      outsideTotal: d.peersOutside.total,
    },
    web: {
      userAgents: d.userAgents.values(),
      tlsNames: d.tlsNames.values(),
      httpHosts: d.httpHosts.values(),
      dnsNames: d.dnsNames.total,
    },
    infrastructure: {
      dhcpServed: d.dhcpServed,
      dnsAnswered: d.dnsAnswered,
      namedRouter: d.namedRouter,
      frontedOutside: d.fronted4.total + d.fronted6.total,
    },
    flows: d.flows,
  };
}
