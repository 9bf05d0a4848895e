// A small CMS8000 ward as events: DHCP, DNS, the central feed, the backdoor mount and the
// cleartext HL7 copy to the ICSMA-25-030-01 addresses, and a telnet session.
import type { AlertRecord, DeviceRecord, IncidentRecord, SummaryRecord } from '../../src/contract/records.js';
import type { BreachReport } from '../../src/contract/breach.js';
import type { WardEvent } from '../../src/events.js';
import { CENTRAL, MON, at, device, dns, flow, hl7, rpc, run } from './helpers.js';

/** Salted-hash stand-ins; the privacy test checks none of them reaches any export. */
export const HASHES = ['5e1f0c2a9b7d4e11', '9c0d3b7e2f6a8c44', 'a4b9e0f1c2d3e5f7'];

export function wardEvents(): WardEvent[] {
  const [h1 = '', h2 = '', h3 = ''] = HASHES;
  return [
    { type: 'device-seen', ts: at(0), mac: MON.mac, ip: MON.ip, via: 'dhcp' },
    {
      type: 'dhcp-lease',
      ts: at(0),
      msgType: 'ACK',
      clientMac: MON.mac,
      xid: 7,
      src: { ip: '10.1.1.1', port: 67 },
      dst: { ip: MON.ip, port: 68 },
      yourIp: MON.ip,
      routers: ['10.1.1.1'],
      dnsServers: ['10.1.1.1'],
      hostname: 'CMS8000',
    },
    flow(1.5, MON, '202.114.4.119', 111),
    rpc(2, '202.114.4.119', 100000, 'portmap', 'GETPORT'),
    flow(2.5, MON, '202.114.4.119', 2049),
    rpc(3, '202.114.4.119', 100005, 'mount', 'MNT', '/pm/update'),
    flow(4, MON, '202.114.4.120', 515),
    hl7(5, MON, CENTRAL.ip, 2575, [h1]),
    hl7(6, MON, '202.114.4.120', 515, [h1]),
    hl7(66, MON, '202.114.4.120', 515, [h2]),
    hl7(126, MON, '202.114.4.120', 515, [h1, h3]),
    dns(130, MON.ip, 'time.example.org', '203.0.113.123'),
    flow(131, MON, '203.0.113.123', 123, 'udp'),
    flow(140, { ip: '10.1.1.77', mac: '00:0c:29:aa:bb:77' }, MON.ip, 23),
  ];
}

export function wardDevices(): DeviceRecord[] {
  return [
    device(MON.mac, MON.ip, {
      hostname: 'CMS8000',
      model: 'Contec CMS8000',
      class: 'patient-monitor',
      identifiedBy: ['hl7-msh3', 'dhcp-hostname'],
      advisories: [
        {
          id: 'ICSMA-25-030-01',
          cves: ['CVE-2025-0626', 'CVE-2025-0683'],
          title: 'Contec Health CMS8000 Patient Monitor',
          url: 'https://www.cisa.gov/news-events/ics-medical-advisories/icsma-25-030-01',
        },
      ],
    }),
    device(CENTRAL.mac, CENTRAL.ip, { class: 'central-station' }),
  ];
}

export function wardRun(): {
  alerts: AlertRecord[];
  incidents: IncidentRecord[];
  devices: DeviceRecord[];
  summary: SummaryRecord;
  breach: BreachReport;
} {
  const devices = wardDevices();
  const { alerts, detector } = run(wardEvents(), 'shippedIndicators: true\n', { devices });
  const summary: SummaryRecord = {
    type: 'summary',
    files: ['ward.pcap'],
    packets: 120,
    bytes: 24000,
    flows: 9,
    devices: devices.length,
    alerts: alerts.length,
    damaged: false,
    apps: { dhcp: 1, dns: 1, hl7: 4, rpc: 2 },
    anomalies: {},
    warnings: detector.warnings,
    first: new Date(at(0) / 1000).toISOString(),
    last: new Date(at(140) / 1000).toISOString(),
  };
  return { alerts, incidents: detector.incidents(devices), devices, summary, breach: detector.breach(devices) };
}
