// A small ward as the console API would answer it (src/contract/api.ts), for the browser test of
// web/ when it runs against the fixture server: two CMS8000 monitors with the backdoor, a benign
// monitor, a central station, and a device whose DHCP hostname is markup (hostile wire text).
// Every value is parsed with its contract schema when the server starts, so the fixture cannot drift.
import type {
  Alert,
  DeviceDetail,
  DeviceListItem,
  FirmwareAudit,
  Peer,
  TrafficBucket,
} from '../../src/contract/api.js';
import type { BreachReport } from '../../src/contract/breach.js';

export const HOSTILE_NAME = '<img src=x onerror="window.__xss=1">';
const ICSMA = 'ICSMA-25-030-01';
const T0 = Date.parse('2026-11-30T08:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

const base = (id: string, ip: string, extra: Partial<DeviceListItem>): DeviceListItem => ({
  id,
  ips: [ip],
  advisories: [],
  first: iso(0),
  last: iso(3540),
  openAlerts: 0,
  flagged: false,
  ...extra,
});

export const devices: DeviceListItem[] = [
  base('02:57:40:00:00:11', '10.40.12.31', {
    model: 'Contec CMS8000',
    class: 'patient-monitor',
    confidence: 0.95,
    vendor: 'Contec Medical Systems',
    hostname: 'CMS8000-BED11',
    advisories: [ICSMA],
    openAlerts: 4,
    worstSeverity: 'critical',
    flagged: true,
  }),
  base('02:57:40:00:00:12', '10.40.12.32', {
    model: 'Epsimed MN-120',
    class: 'patient-monitor',
    confidence: 0.9,
    hostname: 'MN120-BED12',
    advisories: [ICSMA],
    openAlerts: 3,
    worstSeverity: 'critical',
    flagged: true,
  }),
  base('02:11:22:00:00:13', '10.40.12.33', { class: 'patient-monitor', confidence: 0.7, hostname: 'bed13' }),
  base('02:11:22:00:00:20', '10.40.12.20', { class: 'central-station', confidence: 0.8, hostname: 'central-1' }),
  base('02:11:22:00:00:66', '10.40.12.66', {
    class: 'unknown',
    hostname: HOSTILE_NAME,
    openAlerts: 1,
    worstSeverity: 'medium',
  }),
];

const peer = (p: Partial<Peer> & Pick<Peer, 'ip' | 'zone'>): Peer => ({
  proto: 'tcp',
  resolvedByDns: false,
  names: [],
  bytes: 0,
  packets: 0,
  flows: 1,
  first: iso(5),
  last: iso(3500),
  ...p,
});

function monitorPeers(): Peer[] {
  return [
    peer({ ip: '10.40.12.20', port: 2575, app: 'hl7', zone: 'inside', bytes: 1_480_000, packets: 7200, flows: 60 }),
    peer({
      ip: '10.40.0.53',
      port: 53,
      proto: 'udp',
      app: 'dns',
      zone: 'inside',
      bytes: 4_200,
      packets: 40,
      flows: 20,
    }),
    peer({ ip: '202.114.4.120', port: 515, app: 'hl7', zone: 'outside', bytes: 740_000, packets: 3600, flows: 60 }),
    peer({ ip: '202.114.4.119', port: 111, app: 'rpc', zone: 'outside', bytes: 1_800, packets: 12, flows: 2 }),
    peer({ ip: '202.114.4.119', port: 2049, app: 'rpc', zone: 'outside', bytes: 96_000, packets: 210, flows: 2 }),
    peer({
      ip: '198.51.100.7',
      port: 123,
      proto: 'udp',
      app: 'ntp',
      zone: 'outside',
      resolvedByDns: true,
      names: ['pool.ntp.example'],
      bytes: 3_000,
      packets: 30,
      flows: 15,
    }),
  ];
}

function traffic(): TrafficBucket[] {
  const out: TrafficBucket[] = [];
  for (let i = 0; i < 60; i++) {
    out.push({
      t: iso(i * 60),
      bytesInside: 24_000 + ((i * 7919) % 5000),
      bytesOutside: i === 0 ? 98_000 : 12_000 + ((i * 104729) % 3000),
      packets: 180,
      flows: 2,
    });
  }
  return out;
}

export function deviceDetail(d: DeviceListItem): DeviceDetail {
  const backdoor = d.advisories.includes(ICSMA);
  return {
    ...d,
    reasons: backdoor
      ? ['HL7 MSH-3 sending application CMS8000', 'DHCP hostname pattern']
      : ['talks HL7 to a central station'],
    identifiedBy: backdoor ? ['hl7-msh3', 'dhcp-hostname'] : [],
    advisoryDetails: backdoor
      ? [
          {
            id: ICSMA,
            cves: ['CVE-2025-0626', 'CVE-2025-0683'],
            title: 'Contec CMS8000 patient monitor: hidden functionality and privacy leakage',
            url: 'https://www.cisa.gov/news-events/ics-medical-advisories/icsma-25-030-01',
            severity: 'critical',
          },
        ]
      : [],
    addresses: d.ips.map((ip) => ({ ip, first: d.first, last: d.last })),
    packets: 11_000,
    bytes: 2_300_000,
    peers: backdoor
      ? monitorPeers()
      : [peer({ ip: '10.40.12.20', port: 2575, app: 'hl7', zone: 'inside', bytes: 1_200_000 })],
    traffic: backdoor ? traffic() : traffic().map((b) => ({ ...b, bytesOutside: 0 })),
    bucketSeconds: 60,
    dns: [{ name: 'pool.ntp.example', address: '198.51.100.7', first: iso(3), last: iso(3000), ttl: 300, count: 12 }],
    ...(d.hostname === HOSTILE_NAME ? { tls: hostileTls() } : {}),
  };
}

/** TLS 1.2 to a vendor box whose self-signed, expired certificate names itself in markup (wire text). */
function hostileTls(): NonNullable<DeviceDetail['tls']> {
  const leaf = 'a9'.repeat(32);
  return {
    ja4: ['t12d2011s3_8dd61975155f_06a4338d0495'],
    ja3: ['a607f3a5c94c2ee592af1456f36c8367'],
    serverCerts: ['0f'.repeat(32), leaf],
    servers: [
      {
        sha256: leaf,
        subject: `CN=${HOSTILE_NAME}`,
        issuer: `CN=${HOSTILE_NAME}`,
        notBefore: '2019-01-01T00:00:00Z',
        notAfter: '2024-01-01T00:00:00Z',
        selfSigned: true,
        server: '203.0.113.9:8443',
        sni: 'update.vendor.example',
      },
    ],
  };
}

const alert = (a: Omit<Alert, 'state' | 'first' | 'last'> & Partial<Alert>): Alert => ({
  state: 'open',
  first: iso(5),
  last: iso(3500),
  ...a,
});

function monitorAlerts(d: DeviceListItem, patients: number): Alert[] {
  const ip = d.ips[0]!;
  const dev = { id: d.id, model: d.model };
  return [
    alert({
      id: `phi.cleartext|${ip}|202.114.4.120|515`,
      rule: 'phi.cleartext',
      severity: 'critical',
      count: 60,
      src: { ip, mac: d.id },
      dst: { ip: '202.114.4.120', port: 515 },
      device: dev,
      message: `sends patient data in cleartext HL7 (${patients} patient, 60 messages) to an outside address`,
      evidence: {
        patients,
        messages: 60,
        fields: ['PID-3', 'PID-5', 'PID-7'],
        messageTypes: ['ORU^R01'],
        outside: true,
      },
    }),
    alert({
      id: `egress.ioc|${ip}|202.114.4.120|515`,
      rule: 'egress.ioc',
      severity: 'critical',
      count: 60,
      src: { ip, mac: d.id },
      dst: { ip: '202.114.4.120', port: 515 },
      device: dev,
      message: `talks to indicator 202.114.4.120 (${ICSMA}): patient data sent in cleartext HL7 to a hard-coded address`,
      evidence: { indicator: '202.114.4.120', kind: 'address', source: ICSMA, direction: 'outbound', via: ['flow'] },
    }),
    alert({
      id: `rpc.outbound-nfs|${ip}|202.114.4.119|2049`,
      rule: 'rpc.outbound-nfs',
      severity: 'high',
      count: 3,
      src: { ip, mac: d.id },
      dst: { ip: '202.114.4.119', port: 2049 },
      device: dev,
      message: 'mounts an NFS share from an outside address',
      evidence: { program: 'MOUNT', procedure: 'MNT', path: '/export/cms8000' },
    }),
    alert({
      id: `egress.no-dns|${ip}|202.114.4.120|515`,
      rule: 'egress.no-dns',
      severity: 'high',
      count: 60,
      src: { ip, mac: d.id },
      dst: { ip: '202.114.4.120', port: 515 },
      device: dev,
      message: 'connects to an outside address no DNS answer named (hard-coded IP)',
      evidence: { laterDns: null },
    }),
  ];
}

export function initialAlerts(): Alert[] {
  const hostile = devices[4]!;
  return [
    ...monitorAlerts(devices[0]!, 1),
    ...monitorAlerts(devices[1]!, 1).slice(0, 3),
    alert({
      id: 'service.insecure|10.40.12.66|10.40.12.66|23',
      rule: 'service.insecure',
      severity: 'medium',
      count: 1,
      src: { ip: hostile.ips[0]!, port: 23, mac: hostile.id },
      dst: { ip: '10.40.12.5' },
      device: { id: hostile.id },
      message: `offers telnet; banner ${HOSTILE_NAME}`,
      evidence: { port: 23, banner: HOSTILE_NAME },
    }),
  ];
}

export const breach: BreachReport = {
  destinations: [
    {
      ip: '202.114.4.120',
      port: 515,
      protocol: 'hl7/mllp',
      patients: 2,
      messages: 120,
      first: iso(5),
      last: iso(3500),
      fields: ['PID-3', 'PID-5', 'PID-7'],
      devices: [devices[0]!.id, devices[1]!.id],
      notify: false,
      timeline: Array.from({ length: 59 }, (_, i) => [iso(i * 60).slice(0, 16), 2] as [string, number]),
      proxies: ['10.1.1.5:3128'],
      direct: true,
    },
    {
      // Its patients all came after the analysis' bound of distinct patients: some, uncounted.
      ip: '198.51.100.77',
      port: 2575,
      protocol: 'hl7/mllp',
      patients: 0,
      messages: 40,
      first: iso(600),
      last: iso(900),
      fields: ['PID-3', 'PID-5'],
      devices: [devices[0]!.id],
      notify: false,
      timeline: [[iso(600).slice(0, 16), 40]],
      proxies: [],
      direct: true,
      capped: true,
    },
  ],
  totals: { patients: 2, messages: 160, destinations: 2, notify: false, capped: true },
  threshold: 500,
};

export const firmware: FirmwareAudit[] = [
  {
    id: 'fw-1',
    image: 'cms8000-2.0.6.cramfs',
    format: 'cramfs',
    files: 412,
    at: iso(-86400),
    findings: [
      {
        id: 'boot.mount-remote',
        severity: 'critical',
        file: 'etc/init.d/rcS',
        line: 31,
        evidence: 'mount -t nfs 202.114.4.119:/export/cms8000 /mnt -o nolock',
        address: '202.114.4.119',
      },
      {
        id: 'address.hard-coded',
        severity: 'high',
        file: 'opt/monitor/bin/netsvc',
        offset: 88412,
        evidence: '202.114.4.120',
        address: '202.114.4.120',
      },
      { id: 'account.empty-password', severity: 'high', file: 'etc/shadow', line: 1, evidence: 'root::0:0:99999:7:::' },
    ],
    components: [
      { name: 'busybox', version: '1.13.2', file: 'bin/busybox' },
      { name: 'linux', version: '2.6.31', file: 'boot/zImage' },
    ],
  },
];
