// Classification from behaviour and catalog identity. Behaviour counts as much as names, so a
// brand nobody catalogued is still classed. Each observation is a witness with a weight in
// 0..1; a class's confidence is 1 − Π(1 − w) over its witnesses, and the strongest class wins.
import type { DeviceClass } from '../contract/records.js';
import { type DeviceState, FRONTED4_MIN, FRONTED6_MIN } from './device.js';
import type { Identification } from './identify.js';

export interface Classification {
  readonly class: DeviceClass;
  readonly confidence: number;
  readonly reasons: readonly string[];
}

interface Witness {
  readonly cls: DeviceClass;
  readonly weight: number;
  readonly reason: string;
  /** Further explanation shown with the reason (the catalog hints that matched). */
  readonly more?: readonly string[];
}

export const DICOM_PORTS: ReadonlySet<number> = new Set([104, 11112]);

// A browser says "Mozilla/5.0 (<desktop or phone platform>…" and usually an engine token after it;
// embedded HTTP clients rarely claim a desktop platform.
const BROWSER_UA =
  /^Mozilla\/5\.0 \((Windows NT|Macintosh|X11|iPhone|iPad|Linux; Android)|^Mozilla\/5\.0 \(.*\) .*(Gecko|AppleWebKit|Chrome|Firefox|Safari|Edg)\//;
// Option 60 of the Windows DHCP client; Windows also runs central stations and PACS, hence a weak witness.
const WINDOWS_DHCP = /^MSFT \d/;
// IHE PCD infusion content: pump device and infusion rate codes carry these words in their MDC names.
const INFUSION_OBX = /PUMP|INFUS/i;
/** Message types only clinical information systems send: admissions and orders (HL7 v2 ch. 3, 4). */
const CLINICAL_SYSTEM_MSG = /^(ADT|ORM|OML|OMG|RDE|SIU|MFN)\^/;

const list = (xs: readonly string[], n = 3): string => {
  const shown = xs.slice(0, n).join(', ');
  return xs.length > n ? `${shown} and ${xs.length - n} more` : shown;
};

function hl7Witnesses(d: DeviceState, out: Witness[]): void {
  const oruSent = d.hl7Sent.get('ORU^R01');
  const pumpObs = d.obsTexts.values().filter((t) => INFUSION_OBX.test(t));
  if (pumpObs.length > 0) {
    out.push({
      cls: 'infusion-pump',
      weight: 0.75,
      reason: `its HL7 observations describe an infusion (${list(pumpObs, 2)})`,
    });
  }
  if (oruSent > 0) {
    const vitals = d.vitals.values();
    const to = d.hl7SentTo.values();
    out.push({
      cls: 'patient-monitor',
      // A pump reports through ORU^R01 too (IHE PCD-01); its infusion codes make the difference.
      weight: pumpObs.length > 0 ? 0.4 : 0.8,
      reason: `sends HL7 ORU^R01 observation results (${oruSent} message${oruSent === 1 ? '' : 's'}) to ${list(to)}`,
    });
    if (vitals.length > 0 && pumpObs.length === 0) {
      out.push({
        cls: 'patient-monitor',
        weight: 0.3,
        reason: `its observations are vital signs (${list(vitals, 6)})`,
      });
    }
  }
  // What the messages say of their equipment (PRT-10, OBX-18): a pump that names itself is a pump.
  const pumps = d.hl7Equipment.values().filter((e) => PUMP_NAME.test(e) || INFUSION_OBX.test(e));
  if (pumps.length > 0) {
    out.push({
      cls: 'infusion-pump',
      weight: 0.8,
      reason: `its HL7 messages name their equipment an infusion pump (PRT-10/OBX-18 ${list(pumps, 2)})`,
    });
  }
  // ADT and order messages come from clinical information systems (HIS/EHR); a bedside device that
  // also reports observations (a monitor admitting its patient, as the simulator's do) stays a device.
  const adt = d.hl7Sent.sum((k) => CLINICAL_SYSTEM_MSG.test(k));
  if (adt > 0 && oruSent === 0 && d.hl7Sent.get('ORU^R40') === 0) {
    const apps = [...d.hl7Apps.values(), ...d.hl7Facilities.values().map((f) => `at ${f}`)];
    out.push({
      cls: 'clinical-system',
      weight: 0.85,
      reason: `sends HL7 ADT/order messages (${adt})${apps.length > 0 ? ` as ${list(apps, 3)} (MSH-3/4)` : ''}: a clinical information system`,
    });
  }
  if (d.hl7Sent.get('ORU^R40') > 0) {
    out.push({ cls: 'patient-monitor', weight: 0.5, reason: 'sends HL7 ORU^R40 alarm reports (IHE PCD ACM)' });
  }
  if (d.hl7Received.get('RGV^O15') > 0) {
    out.push({ cls: 'infusion-pump', weight: 0.8, reason: 'receives HL7 RGV^O15 infusion orders (IHE PCD PIV)' });
  }
  const oruIn = d.hl7Received.get('ORU^R01') + d.hl7Received.get('ORU^R40');
  if (oruIn > 0) {
    const from = d.hl7ReceivedFrom.values();
    out.push({
      cls: 'central-station',
      weight: 0.6,
      reason: `receives HL7 observation results (${oruIn} message${oruIn === 1 ? '' : 's'}) from ${list(from)}`,
    });
    if (d.hl7ReceivedFrom.total >= 2) {
      out.push({ cls: 'central-station', weight: 0.4, reason: `collects from ${d.hl7ReceivedFrom.totalText} devices` });
    }
    const acks = d.hl7Sent.sum((k) => k.startsWith('ACK'));
    if (acks > 0) out.push({ cls: 'central-station', weight: 0.4, reason: `answers with HL7 ACKs (${acks})` });
  }
}

function dicomWitnesses(d: DeviceState, out: Witness[]): void {
  if (d.aeCalling.total > 0) {
    const calls = d.dicomCallsTo.values();
    const toDicomPort = calls.some((c) => DICOM_PORTS.has(Number(c.slice(c.lastIndexOf(':') + 1))));
    const sops = d.dicomRequested.values();
    const storage = sops.some((s) => /Storage/i.test(s) && !/Commitment/i.test(s));
    const queryOnly = sops.length > 0 && !storage && sops.some((s) => /Find|Move|Get/i.test(s));
    const ae = list(d.aeCalling.values());
    if (queryOnly) {
      out.push({
        cls: 'workstation',
        weight: 0.5,
        reason: `queries/retrieves images over DICOM as ${ae} (a viewing workstation, not a modality)`,
      });
    } else {
      out.push({
        cls: 'imaging-modality',
        weight: toDicomPort ? 0.8 : 0.6,
        reason: `requests DICOM associations as calling AE ${ae} toward ${list(calls)}${storage ? ' to store images' : ''}`,
      });
    }
  }
  const listens = [...DICOM_PORTS].filter((p) => d.services.get(`tcp/${p}`) > 0);
  if (d.aeCalled.total > 0 || listens.length > 0) {
    const as = d.aeCalled.total > 0 ? ` as called AE ${list(d.aeCalled.values())}` : '';
    const on = listens.length > 0 ? ` on port ${listens.join('/')}` : '';
    out.push({ cls: 'pacs', weight: 0.8, reason: `accepts DICOM associations${as}${on}` });
    if (d.dicomCalledBy.total >= 2) {
      out.push({ cls: 'pacs', weight: 0.4, reason: `${d.dicomCalledBy.totalText} devices send it DICOM` });
    }
  }
}

function infraWitnesses(d: DeviceState, out: Witness[]): void {
  if (d.dhcpServed > 0) {
    out.push({
      cls: 'network-infrastructure',
      weight: 0.85,
      reason: `hands out DHCP leases (${d.dhcpServed} OFFER/ACK to ${d.dhcpClients.totalText} client${d.dhcpClients.total === 1 ? '' : 's'})`,
    });
  }
  const dnsPort = d.services.get('udp/53') + d.services.get('tcp/53');
  if (dnsPort > 0) {
    const who = d.dnsAskers.total > 0 ? ` from ${d.dnsAskers.totalText} host${d.dnsAskers.total === 1 ? '' : 's'}` : '';
    out.push({ cls: 'network-infrastructure', weight: 0.6, reason: `answers DNS queries on port 53${who}` });
  }
  const fronted = d.fronted4.total + d.fronted6.total;
  const about = d.fronted4.exact && d.fronted6.exact ? '' : 'about ';
  if (d.fronted4.total >= FRONTED4_MIN || d.fronted6.total >= FRONTED6_MIN) {
    out.push({
      cls: 'network-infrastructure',
      weight: 0.85,
      reason: `forwards traffic for ${about}${fronted} outside addresses (a router or gateway)`,
    });
  }
  if (d.namedRouter)
    out.push({ cls: 'network-infrastructure', weight: 0.7, reason: 'named as the router in DHCP leases' });
  if (d.namedDns)
    out.push({ cls: 'network-infrastructure', weight: 0.4, reason: 'named as a DNS server in DHCP leases' });
}

function workstationWitnesses(d: DeviceState, out: Witness[]): void {
  const browsers = d.userAgents.values().filter((ua) => BROWSER_UA.test(ua));
  if (browsers.length > 0) {
    out.push({
      cls: 'workstation',
      weight: 0.6,
      reason: `browses the web (User-Agent '${browsers[0]!.slice(0, 60)}${browsers[0]!.length > 60 ? '…' : ''}')`,
    });
  }
  if (d.vendorClass !== undefined && WINDOWS_DHCP.test(d.vendorClass)) {
    out.push({
      cls: 'workstation',
      weight: 0.3,
      reason: `DHCP vendor class '${d.vendorClass}' is the Windows DHCP client`,
    });
  }
  const names = d.tlsNames.total;
  if (names >= 5) {
    out.push({
      cls: 'workstation',
      weight: names >= 15 ? 0.7 : 0.5,
      reason: `opens TLS connections to ${d.tlsNames.totalText} different outside names (${list(d.tlsNames.values())})`,
    });
  }
  if (d.dnsNames.total >= 20) {
    out.push({ cls: 'workstation', weight: 0.3, reason: `looks up ${d.dnsNames.totalText} different DNS names` });
  }
}

// Words a device uses to name itself (DHCP host name, vendor class). Weak witnesses only: a name is
// what someone typed, behaviour outweighs it, but a pump with no HL7 says little else about itself.
const PUMP_NAME = /pump|infus|alaris|medfusion|perfusor|volumat|spectrum iq|sigma spectrum/i;
const MONITOR_NAME = /monitor|bedside|intellivue|carescape|vitals/i;

function nameWitnesses(d: DeviceState, out: Witness[]): void {
  for (const [what, value] of [
    ['DHCP host name', d.hostname],
    ['DHCP vendor class', d.vendorClass],
  ] as const) {
    if (value === undefined) continue;
    if (PUMP_NAME.test(value)) {
      out.push({ cls: 'infusion-pump', weight: 0.4, reason: `${what} '${value}' names an infusion pump` });
    } else if (MONITOR_NAME.test(value)) {
      out.push({ cls: 'patient-monitor', weight: 0.3, reason: `${what} '${value}' names a patient monitor` });
    }
  }
}

// Printers and UPSs (issue 19): what their SNMP agents, announcements and listening ports say.
/** sysDescr words of printers and print servers (HP JetDirect, the big office-printer families). */
const PRINTER_DESCR =
  /printer|laserjet|officejet|pagewide|jetdirect|imagerunner|bizhub|workcentre|versalink|ecosys|lexmark|zebra|xerox|ricoh|kyocera/i;
/** HP's net-peripheral arc (enterprises.11 = Hewlett-Packard, 11.2.3.9 = JetDirect peripherals). */
const HP_NET_PERIPHERAL = /^1\.3\.6\.1\.4\.1\.11\.2\.3\.9(\.|$)/;
/** Service types printers announce: UPnP device type (SSDP), DNS-SD (mDNS), the NetBIOS print-queue role. */
const PRINTER_SERVICE =
  /^(urn:schemas-upnp-org:device:printer:\d+|_ipps?\._tcp|_printer\._tcp|_pdl-datastream\._tcp)$/i;
/** Raw print (JetDirect 9100), IPP (631), LPD (515). */
const PRINT_PORTS: readonly (readonly [string, string])[] = [
  ['tcp/9100', 'JetDirect raw printing'],
  ['tcp/631', 'IPP'],
  ['tcp/515', 'LPD'],
];
const UPS_DESCR =
  /\bUPS\b|smart-ups|back-ups|symmetra|uninterruptible|MN:AP96\d\d|powerchute|network management card.*(eaton|ups)/i;
/** UPS-MIB (RFC 1628, mib-2.33): an agent whose sysObjectID or traps live there is a UPS. */
const UPS_MIB = /^1\.3\.6\.1\.2\.1\.33(\.|$)/;
/** APC PowerNet-MIB UPS traps as RFC 3584 OIDs (enterprises.318.0.<specific>): names for the reason. */
const APC_UPS_TRAPS: Readonly<Record<string, string>> = {
  '1.3.6.1.4.1.318.0.5': 'upsOnBattery',
  '1.3.6.1.4.1.318.0.7': 'lowBattery',
  '1.3.6.1.4.1.318.0.9': 'powerRestored',
};
// Imaging words in the names a device gives itself on the LAN (NetBIOS/SMB names, workgroup,
// server comment) and its sysName: a weak witness, as all names are.
const IMAGING_NAME = /\bIMG\b|imaging|radiolog|modality|x-?ray|ultrasound|\b(CT|MRI?)[ _-]?\d*\b/i;

function printerUpsWitnesses(d: DeviceState, out: Witness[]): void {
  const p = d.protocols;
  const descr = p?.snmpSysDescr;
  const oid = p?.snmpSysObjectId;
  if (oid !== undefined && HP_NET_PERIPHERAL.test(oid)) {
    out.push({ cls: 'printer', weight: 0.7, reason: `SNMP sysObjectID ${oid} is under HP's JetDirect peripheral arc` });
  }
  if (descr !== undefined && PRINTER_DESCR.test(descr)) {
    out.push({ cls: 'printer', weight: 0.7, reason: `SNMP sysDescr '${clip(descr)}' names a printer` });
  }
  const services = d.announced.values().filter((s) => PRINTER_SERVICE.test(s));
  if (services.length > 0) out.push({ cls: 'printer', weight: 0.6, reason: `announces ${list(services)}` });
  else if (d.announced.values().includes('print-server')) {
    out.push({ cls: 'printer', weight: 0.3, reason: 'its NetBIOS browser announcement has the print-queue role' });
  }
  const ports = PRINT_PORTS.filter(([k]) => d.services.get(k) > 0);
  if (ports.length > 0) {
    out.push({
      cls: 'printer',
      weight: 0.6,
      reason: `accepts print jobs on ${ports.map(([k, what]) => `${k} (${what})`).join(', ')}`,
    });
  }
  if (oid !== undefined && UPS_MIB.test(oid)) {
    out.push({ cls: 'ups', weight: 0.8, reason: `SNMP sysObjectID ${oid} is in the UPS MIB (RFC 1628)` });
  }
  if (descr !== undefined && UPS_DESCR.test(descr)) {
    out.push({ cls: 'ups', weight: 0.7, reason: `SNMP sysDescr '${clip(descr)}' names a UPS or its management card` });
  }
  const traps = (p?.snmpTrapOids.values() ?? []).filter((t) => UPS_MIB.test(t) || APC_UPS_TRAPS[t] !== undefined);
  if (traps.length > 0) {
    const named = traps.map((t) => (APC_UPS_TRAPS[t] ? `${APC_UPS_TRAPS[t]} (${t})` : t));
    out.push({ cls: 'ups', weight: 0.6, reason: `sends UPS traps: ${list(named)}` });
  }
  const names = [
    ...d.lanNames.values(),
    ...d.workgroups.values().map((w) => `workgroup ${w}`),
    ...d.software.values(),
    ...(p?.snmpSysName ? [`sysName ${p.snmpSysName}`] : []),
  ].filter((n) => IMAGING_NAME.test(n));
  if (names.length > 0) {
    out.push({
      cls: 'imaging-modality',
      weight: 0.5,
      reason: `the names it gives itself on the LAN (${list(names)}) are an imaging console's`,
    });
  }
}

const clip = (s: string, n = 60): string => (s.length > n ? `${s.slice(0, n)}…` : s);

// Ties go to the more specific clinical class.
const PRIORITY: readonly DeviceClass[] = [
  'patient-monitor',
  'infusion-pump',
  'imaging-modality',
  'central-station',
  'pacs',
  'clinical-system',
  'printer',
  'ups',
  'network-infrastructure',
  'workstation',
  'unknown',
];

export function classify(d: DeviceState, ident: Identification | undefined): Classification {
  const out: Witness[] = [];
  if (ident !== undefined) {
    out.push({
      cls: ident.model.class,
      weight: Math.min(0.95, ident.score),
      reason: ident.reasons[0] ?? `identified as ${ident.model.name}`,
      more: ident.reasons.slice(1),
    });
  }
  hl7Witnesses(d, out);
  dicomWitnesses(d, out);
  infraWitnesses(d, out);
  workstationWitnesses(d, out);
  nameWitnesses(d, out);
  printerUpsWitnesses(d, out);

  const miss = new Map<DeviceClass, number>();
  for (const w of out) miss.set(w.cls, (miss.get(w.cls) ?? 1) * (1 - w.weight));
  let best: DeviceClass = 'unknown';
  let bestConf = 0;
  for (const cls of PRIORITY) {
    const m = miss.get(cls);
    if (m === undefined) continue;
    const conf = 1 - m;
    if (conf > bestConf + 1e-9) {
      best = cls;
      bestConf = conf;
    }
  }
  if (best === 'unknown') {
    return { class: 'unknown', confidence: 0, reasons: ['no identifying behaviour or catalog hint seen'] };
  }
  const reasons = out.filter((w) => w.cls === best).flatMap((w) => [w.reason, ...(w.more ?? [])]);
  // Mention a strong competing reading so a person can judge (a central station PC that also browses).
  for (const cls of PRIORITY) {
    const m = miss.get(cls);
    if (cls === best || m === undefined || 1 - m < 0.5) continue;
    reasons.push(`also looks like ${cls}: ${out.find((w) => w.cls === cls)!.reason}`);
  }
  return { class: best, confidence: Math.round(Math.min(0.99, bestConf) * 100) / 100, reasons };
}
