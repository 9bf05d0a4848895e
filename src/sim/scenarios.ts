// Scenarios: a whole ward as a stream of Ethernet frames. `ward` is benign; `cms8000` adds two
// monitors with the CMS8000 backdoor behaviour (one relabelled as Epsimed MN-120); `mixed` is
// a bigger ward with image traffic for benchmarks. Time starts at a fixed instant (the day
// of the advisory), never the clock, so the same seed gives the same bytes. `ward-infra` is the
// ward plus a printer, a UPS and an imaging console known only by their LAN (NetBIOS/SMB) names.
import { CaptureFileWriter } from '../capture/writer.js';
import { LINKTYPE_ETHERNET } from '../decode/layers.js';
import { CentralLogic } from './devices/central.js';
import { Modality } from './devices/modality.js';
import { Monitor } from './devices/monitor.js';
import { type Actor, Device, Ward } from './devices/net.js';
import { type LanProfile, LanServer, LanVisitor } from './devices/lan.js';
import { Pump } from './devices/pump.js';
import { type Site, Workstation } from './devices/workstation.js';
import { Rng } from './rng.js';
import { Sim, type Sink } from './sched.js';
import { WardwatchError } from '../errors.js';

export const SCENARIOS = ['ward', 'cms8000', 'mixed', 'ward-infra'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioOptions {
  readonly durationSec: number;
  readonly seed: number;
  /** Number of devices (mixed; the other scenarios have a fixed ward). */
  readonly devices?: number;
  /** The backdoor's hard-coded addresses (default: the real indicators — file output only). */
  readonly outside?: { readonly nfs: string; readonly hl7: string; readonly hl7Port: number };
  /** Stop after this many packets (benchmarks ask for a size, not a duration). */
  readonly maxPackets?: number;
}

export interface ScenarioResult {
  readonly packets: number;
  readonly bytes: number;
}

/** 2025-01-30T08:00:00Z, the morning CISA published ICSMA-25-030-01. */
export const SCENARIO_START_US = Date.UTC(2025, 0, 30, 8, 0, 0) * 1000;

export const DEFAULT_OUTSIDE = { nfs: '202.114.4.119', hl7: '202.114.4.120', hl7Port: 515 } as const;

export const CENTRAL_PORT = 2575;

const MONITOR_DHCP = [1, 3, 6, 12, 15, 28, 42];
const PUMP_DHCP = [1, 3, 6, 15, 26, 28, 51, 58, 59];
const PC_DHCP = [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252];
// What a busybox udhcpc sends by default, which is what the CMS8000's Linux would send.
const BUSYBOX_DHCP = [1, 3, 6, 12, 15, 28, 42];

const SITES: readonly Site[] = [
  { name: 'ehr.ward.example', tls: false, path: '/chart' },
  { name: 'ehr.ward.example', tls: true },
  { name: 'intranet.ward.example', tls: false, path: '/' },
  { name: 'www.example.org', tls: true },
  { name: 'news.example.com', tls: true },
  { name: 'docs.example.net', tls: false, path: '/index.html' },
];

/** The ward's printer, UPS and imaging console (ward-infra): static addresses, known by their LAN names. */
const LAN_DEVICES: readonly LanProfile[] = [
  {
    name: 'PRINTER-01',
    workgroup: 'WARD',
    comment: 'LaserWard 4100 ward printer',
    serverType: 0x00000203, // workstation, server, print queue
    os: { major: 6, minor: 1, build: 0 },
    smb: 'smb2',
    ssdp: { server: 'Linux/4.14 UPnP/1.0 LaserWard/4100', nt: 'urn:schemas-upnp-org:device:Printer:1' },
    // An HP JetDirect print server's system group (enterprise 11 = Hewlett-Packard; 11.2.3.9.1 is
    // the JetDirect net-peripheral arc). The EEPROM/CIDATE fields are made up.
    snmp: {
      sysDescr: 'HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI23900,CIDATE 12/17/2018',
      sysObjectId: '1.3.6.1.4.1.11.2.3.9.1',
    },
  },
  {
    name: 'UPS-ICU',
    workgroup: 'WARD',
    comment: 'PowerWard 3000 UPS network card',
    serverType: 0x00000803, // workstation, server, unix (an old Samba)
    os: { major: 4, minor: 9, build: 0 },
    smb: 'smb1',
    // An APC network management card (enterprise 318 = American Power Conversion, products.hardware
    // arc 318.1.3); serial and dates are made up. It goes on battery 30 s in: PowerNet-MIB
    // upsOnBattery is enterprise-specific trap 5, its text in mtrapargsString (318.2.3.3.0).
    snmp: {
      sysDescr:
        'APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.5.6 PN:apc_hw05_aos_656.bin AF1:v6.5.6 AN1:apc_hw05_sumx_656.bin MN:AP9630 HR:05 SN: ZA0000000001 MD:01/02/2019)',
      sysObjectId: '1.3.6.1.4.1.318.1.3.27',
      v3User: 'nms',
      trap: {
        enterprise: '1.3.6.1.4.1.318',
        specific: 5,
        afterUs: 30e6,
        binds: [['1.3.6.1.4.1.318.2.3.3.0', 'UPS: On battery power in response to an input power problem.']],
      },
    },
  },
  {
    name: 'IMG-CONSOLE-1',
    workgroup: 'RADIOLOGY',
    comment: 'Imaging review console',
    serverType: 0x00001003, // workstation, server, NT
    os: { major: 10, minor: 0, build: 19044 },
    smb: 'smb2',
    dnsName: 'img-console-1.ward.example',
    vnc: true,
    rdp: true,
    // Windows' own SNMP service (enterprise 311 = Microsoft; 311.1.1.3.1.1 windowsWorkstation).
    snmp: {
      sysDescr:
        'Hardware: Intel64 Family 6 Model 158 Stepping 10 AT/AT COMPATIBLE - Software: Windows Version 6.3 (Build 19044 Multiprocessor Free)',
      sysObjectId: '1.3.6.1.4.1.311.1.1.3.1.1',
    },
  },
];

function macFor(kind: number, i: number): string {
  // Locally administered addresses (02:…): fictional devices get no real vendor's OUI.
  return `02:57:${kind.toString(16).padStart(2, '0')}:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
}

interface Plan {
  monitors: number;
  pumps: number;
  workstations: number;
  modalities: number;
  backdoor: boolean;
  monitorIntervalUs: number;
  image: { perStudy: number; bytes: number; gapUs: number };
}

function plan(name: ScenarioName, devices: number | undefined): Plan {
  if (name !== 'mixed') {
    return {
      monitors: 4,
      pumps: 1,
      workstations: 1,
      modalities: 1,
      backdoor: name === 'cms8000',
      monitorIntervalUs: 5e6,
      image: { perStudy: 3, bytes: 64 * 1024, gapUs: 90e6 },
    };
  }
  const n = Math.max(8, Math.min(devices ?? 120, 230));
  const modalities = Math.max(1, Math.round(n * 0.08));
  const pumps = Math.max(1, Math.round(n * 0.15));
  const workstations = Math.max(1, Math.round(n * 0.12));
  return {
    monitors: Math.max(1, n - modalities - pumps - workstations - 2),
    pumps,
    workstations,
    modalities,
    backdoor: true,
    monitorIntervalUs: 2e6,
    image: { perStudy: 20, bytes: 512 * 1024, gapUs: 60e6 },
  };
}

export function generateScenario(name: ScenarioName, opts: ScenarioOptions, sink: Sink): ScenarioResult {
  if (!SCENARIOS.includes(name))
    throw new WardwatchError('WW_ARGS', `unknown scenario '${name}' (one of ${SCENARIOS.join(', ')})`, {
      field: 'scenario',
    });
  const start = SCENARIO_START_US;
  const end = start + opts.durationSec * 1e6;
  const sim = new Sim(start, end, sink, opts.maxPackets);
  const rng = new Rng(opts.seed ^ 0x57a8d);
  const ward = new Ward(sim, rng);
  const p = plan(name, opts.devices);
  const outside = opts.outside ?? DEFAULT_OUTSIDE;

  ward.zone.set('ehr.ward.example', { address: ward.addr(40), ttl: 3600 });
  ward.zone.set('intranet.ward.example', { address: '', cname: 'ehr.ward.example', ttl: 3600 });
  ward.zone.set('update.infusion-vendor.example', { address: '', cname: 'cdn.vendor-cdn.example', ttl: 600 });
  ward.zone.set('cdn.vendor-cdn.example', { address: '198.51.100.20', ttl: 60 });
  ward.zone.set('www.example.org', { address: '198.51.100.80', ttl: 300 });
  ward.zone.set('news.example.com', { address: '198.51.100.81', ttl: 300 });
  ward.zone.set('docs.example.net', { address: '198.51.100.82', ttl: 300 });

  const actors: Actor[] = [];
  const central = new Device('central', macFor(0x10, 1), ward.addr(20), rng.fork(20));
  const logic = new CentralLogic('CENTRAL', 'WARD', central.rng);
  const pacs = new Device('pacs', macFor(0x11, 1), ward.addr(30), rng.fork(30));
  const ehr = new Device('ehr', macFor(0x12, 1), ward.addr(40), rng.fork(40));
  // Static servers still ARP for their gateway once; they only answer otherwise.
  for (const d of [central, pacs, ehr]) actors.push({ start: (t) => ward.arpGateway(t, d) });
  ward.zone.set('pacs.ward.example', { address: ward.addr(30), ttl: 3600 });
  const ref = { host: central.host, port: CENTRAL_PORT, logic };

  let ip = 100;
  const dur = end - start;
  for (let i = 0; i < p.monitors; i++) {
    const d = new Device(`monitor-${i + 1}`, macFor(0x20, i + 1), ward.addr(ip++), rng.fork(1000 + i), {
      hostname: `BEDSIDE-${String(i + 1).padStart(2, '0')}`,
      vendorClass: 'wardsim-monitor 2.1',
      paramList: MONITOR_DHCP,
    });
    actors.push(
      new Monitor(ward, d, ref, {
        bed: `ICU^${String(i + 1).padStart(2, '0')}^A`,
        app: 'WWMON',
        equipment: 'WM-700^WARDSIM^0057000001^EUI-64',
        intervalUs: p.monitorIntervalUs,
        patientIndex: i,
        dropAt: i === 0 && opts.durationSec >= 60 ? start + dur * 0.4 : undefined,
        dischargeAt: i === 1 && opts.durationSec >= 120 ? start + dur * 0.7 : undefined,
      }),
    );
  }
  if (p.backdoor) {
    const models = name === 'mixed' ? (['CMS8000'] as const) : (['CMS8000', 'MN-120'] as const);
    models.forEach((model, k) => {
      const d = new Device(
        `${model.toLowerCase()}-${k + 1}`,
        macFor(0x30, k + 1),
        ward.addr(ip++),
        rng.fork(3000 + k),
        {
          hostname: model,
          vendorClass: model,
          paramList: BUSYBOX_DHCP,
        },
      );
      actors.push(
        new Monitor(ward, d, ref, {
          bed: `ICU^${String(20 + k).padStart(2, '0')}^A`,
          app: model,
          equipment: `${model}^${model === 'CMS8000' ? 'CONTEC' : 'EPSIMED'}^${(d.host.ip & 255).toString(16).padStart(8, '0')}^EUI-64`,
          intervalUs: p.monitorIntervalUs,
          patientIndex: 50 + k,
          backdoor: outside,
        }),
      );
    });
  }
  for (let i = 0; i < p.pumps; i++) {
    const d = new Device(`pump-${i + 1}`, macFor(0x40, i + 1), ward.addr(ip++), rng.fork(4000 + i), {
      hostname: `PUMP-${i + 1}`,
      vendorClass: 'wardsim-pump',
      paramList: PUMP_DHCP,
    });
    actors.push(new Pump(ward, d, 'update.infusion-vendor.example'));
  }
  for (let i = 0; i < p.modalities; i++) {
    const d = new Device(`ct-${i + 1}`, macFor(0x50, i + 1), ward.addr(ip++), rng.fork(5000 + i));
    actors.push(
      new Modality(ward, d, pacs.host, {
        aeTitle: `CT${i + 1}_WARD`,
        pacsAe: 'PACS_WARD',
        imagesPerStudy: p.image.perStudy,
        imageBytes: p.image.bytes,
        gapUs: p.image.gapUs,
      }),
    );
  }
  let firstWs: Device | undefined;
  for (let i = 0; i < p.workstations; i++) {
    const d = new Device(`ws-${i + 1}`, macFor(0x60, i + 1), ward.addr(ip++), rng.fork(6000 + i), {
      hostname: `NURSE-PC-${i + 1}`,
      vendorClass: 'MSFT 5.0',
      paramList: PC_DHCP,
    });
    actors.push(new Workstation(ward, d, SITES));
    if (i === 0) firstWs = d;
  }
  if (name === 'ward-infra' && firstWs !== undefined) {
    const servers = LAN_DEVICES.map(
      (prof, k) =>
        new LanServer(
          ward,
          new Device(prof.name.toLowerCase(), macFor(0x70, k + 1), ward.addr(60 + k), rng.fork(7000 + k)),
          prof,
          firstWs,
        ),
    );
    actors.push(...servers, new LanVisitor(ward, firstWs, servers));
  }
  // Devices power up over the first seconds, in a seeded order.
  for (const a of actors) {
    const at = start + rng.int(0, 3_000_000);
    sim.at(at, (t) => a.start(t));
  }
  sim.run();
  return { packets: sim.packets, bytes: sim.bytes };
}

/** Generate a scenario into `.pcap` or `.pcapng` (by extension), streamed to the file. */
export async function writeScenario(
  name: ScenarioName,
  opts: ScenarioOptions & { readonly out: string },
): Promise<ScenarioResult> {
  const w = new CaptureFileWriter(opts.out, { linktype: LINKTYPE_ETHERNET });
  try {
    return generateScenario(name, opts, (ts, frame) => w.write(ts, frame));
  } finally {
    w.close();
  }
}
