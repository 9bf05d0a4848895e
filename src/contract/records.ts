// The output contract (DESIGN.md "CLI and output contract"): records printed by
// `analyze --format jsonl`, one JSON object a line, each with a `type`. Extend, don't break.
import { z } from 'zod';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export const DEVICE_CLASSES = [
  'patient-monitor',
  'central-station',
  'infusion-pump',
  'imaging-modality',
  'pacs',
  'workstation',
  'network-infrastructure',
  /** A clinical information system (HIS/EHR, ADT or order sender: MSH-3/4 of ADT/ORM messages). */
  'clinical-system',
  /** Network printers (printer MIB, IPP/JetDirect, print-server announcements), issue 19. */
  'printer',
  /** Uninterruptible power supplies' management cards (UPS MIB, their vendors' traps), issue 19. */
  'ups',
  'unknown',
] as const;
export const DeviceClass = z.enum(DEVICE_CLASSES);
export type DeviceClass = z.infer<typeof DeviceClass>;

export const Advisory = z.object({
  id: z.string(), // 'ICSMA-25-030-01'
  cves: z.array(z.string()),
  title: z.string(),
  url: z.string().optional(),
  severity: Severity.optional(),
});
export type Advisory = z.infer<typeof Advisory>;

/**
 * How many of each TLS value a device keeps (`DeviceRecord.tls`): a device runs a few TLS stacks, not
 * dozens, and reaches a bounded number of servers. The store merges snapshots within the same bounds.
 */
export const TLS_LIMITS = { fingerprints: 16, serverCerts: 64 } as const;

/** A server's leaf certificate as a device first saw it (TLS ≤ 1.2 sends it in clear). */
export const DeviceTlsServer = z.object({
  sha256: z.string(),
  subject: z.string(),
  issuer: z.string(),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
  /** Issuer and subject are the same name (the signature is not checked). */
  selfSigned: z.boolean(),
  /** The server that showed it first (`ip:port`), and the name the device asked it for (SNI). */
  server: z.string(),
  sni: z.string().optional(),
});
export type DeviceTlsServer = z.infer<typeof DeviceTlsServer>;

/** The TLS a device spoke as a client (`DeviceRecord.tls`, the console's device page). */
export const DeviceTls = z.object({
  ja4: z.array(z.string()),
  ja3: z.array(z.string()),
  serverCerts: z.array(z.string()),
  /** What each of `serverCerts` said, in its order, for those whose certificate was read. */
  servers: z.array(DeviceTlsServer).optional(),
  /** Distinct values past the sets' limits, counted but not listed. */
  beyond: z.number().int().positive().optional(),
});
export type DeviceTls = z.infer<typeof DeviceTls>;

export const DeviceRecord = z.object({
  type: z.literal('device'),
  id: z.string(), // MAC, lower-case colon form; 'ip:<addr>' when no MAC is known (raw-IP links)
  ips: z.array(z.string()),
  hostname: z.string().optional(),
  vendorClass: z.string().optional(),
  vendor: z.string().optional(), // IEEE OUI organisation
  model: z.string().optional(),
  class: DeviceClass.optional(),
  confidence: z.number().min(0).max(1).optional(),
  reasons: z.array(z.string()).optional(),
  identifiedBy: z.array(z.string()).optional(), // 'hl7-msh3' | 'dhcp-hostname' | 'dhcp-vendor-class' | 'oui'
  advisories: z.array(Advisory),
  first: z.string(), // ISO time from the capture
  last: z.string(),
  packets: z.number().int().nonnegative().optional(),
  bytes: z.number().int().nonnegative().optional(),
  /** TLS the device spoke as a client: its JA4/JA3 fingerprints and its servers' leaf certificates (SHA-256), bounded sets. */
  tls: DeviceTls.optional(),
  /** What the device said about itself over SNMP, NTP, syslog, TFTP/FTP (issue 19). */
  identities: z
    .object({
      snmp: z
        .object({
          sysName: z.string().optional(),
          sysDescr: z.string().optional(),
          sysObjectId: z.string().optional(),
          /** Community classes seen in clear ('public', 'private', 'empty', 'other'), never the strings. */
          communities: z.array(z.string()).optional(),
          /** Traps (and informs) this device sent, and their OIDs (RFC 3584 form for v1), bounded. */
          traps: z.number().int().positive().optional(),
          trapOids: z.array(z.string()).optional(),
        })
        .optional(),
      ntp: z
        .object({
          /** Servers this device asks for the time. */
          timeSources: z.array(z.string()).optional(),
          /** As a server: its stratum and reference id. */
          stratum: z.number().int().optional(),
          refId: z.string().optional(),
        })
        .optional(),
      syslog: z
        .object({
          apps: z.array(z.string()).optional(),
          collectors: z.array(z.string()).optional(),
          hostname: z.string().optional(),
        })
        .optional(),
      /** Files pulled or pushed over TFTP/FTP, as 'protocol:op:name' (names only). */
      files: z.array(z.string()).optional(),
      /** DHCPv6 (as a client): DUIDs, the MAC a DUID-LLT/LL carries, FQDN, vendor and user class, addresses assigned. */
      dhcpv6: z
        .object({
          duids: z.array(z.string()).optional(),
          duidMac: z.string().optional(),
          fqdn: z.string().optional(),
          /** 'enterprise:class' strings. */
          vendorClass: z.array(z.string()).optional(),
          userClass: z.array(z.string()).optional(),
          /** Option request list, comma-separated codes (a fingerprint). */
          oro: z.string().optional(),
          addresses: z.array(z.string()).optional(),
        })
        .optional(),
      /** RTP/RTCP media (SIP calls, nurse call): flows, distinct SSRCs, packets, the peers; never the media. */
      media: z
        .object({
          rtpFlows: z.number().int(),
          streams: z.number().int(),
          rtpPackets: z.number().int(),
          rtcpPackets: z.number().int(),
          /** 'sdp' and/or 'heuristic': how the flows were named. */
          by: z.array(z.string()),
          peers: z.array(z.string()),
        })
        .optional(),
      /** As an MQTT client (cleartext 1883): what it said in CONNECT and the topic names it used (never payloads). */
      mqtt: z
        .object({
          clientIds: z.array(z.string()).optional(),
          brokers: z.array(z.string()).optional(),
          protocols: z.array(z.string()).optional(),
          /** A user name / password was sent in CONNECT (in clear on 1883); never the values. */
          username: z.boolean().optional(),
          password: z.boolean().optional(),
          willTopics: z.array(z.string()).optional(),
          topics: z.array(z.string()).optional(),
        })
        .optional(),
    })
    .optional(),
  /** What the device says about itself on the LAN (NetBIOS, SMB, mDNS/LLMNR, SSDP); bounded lists. */
  lan: z
    .object({
      names: z.array(z.string()),
      workgroups: z.array(z.string()),
      os: z.array(z.string()),
      software: z.array(z.string()),
      services: z.array(z.string()),
      smbDialects: z.array(z.string()).optional(),
      /** It offered (as a client) or spoke (as a server) SMBv1. */
      smb1: z.boolean().optional(),
    })
    .optional(),
  /** Remote-access services it offers (role server) or uses (client): RDP, VNC, SSH, TeamViewer, AnyDesk. */
  remoteAccess: z
    .array(
      z.object({
        service: z.string(),
        role: z.enum(['server', 'client']),
        port: z.number().int().optional(),
        security: z.array(z.string()),
        unauthenticated: z.boolean(),
        version: z.string().optional(),
        peers: z.number().int().nonnegative(),
      }),
    )
    .optional(),
});
export type DeviceRecord = z.infer<typeof DeviceRecord>;

export const AlertEndpoint = z.object({
  ip: z.string(),
  port: z.number().int().optional(),
  mac: z.string().optional(),
});

export const AlertRecord = z.object({
  type: z.literal('alert'),
  rule: z.string(),
  severity: Severity,
  first: z.string(),
  last: z.string(),
  count: z.number().int().positive(),
  src: AlertEndpoint,
  dst: AlertEndpoint,
  device: z.object({ id: z.string(), model: z.string().optional() }),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  /** Stable id: SHA-256 (16 hex) of rule, device, peer and first time (detect/detector.ts `alertRecordId`). */
  id: z.string().optional(),
  /** Flows covered, `src[:port]>dst[:port]` (IPv6 in brackets; no port: any), at most 32. */
  flows: z.array(z.string()).optional(),
  /** Distinct flows (an upper bound once the list is full). */
  flowCount: z.number().int().nonnegative().optional(),
});
export type AlertRecord = z.infer<typeof AlertRecord>;

/**
 * What the capture tool (libpcap, through tcpdump) counted for a live interface: `received` is
 * every packet the filter passed, `dropped` those the kernel threw away before tcpdump read them
 * (the reader fell behind: flows and alerts may be missing), `interfaceDropped` what the
 * interface itself dropped. Only `watch -i` has them.
 */
export const CaptureStatsRecord = z.object({
  source: z.string(),
  received: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  interfaceDropped: z.number().int().nonnegative(),
});
export type CaptureStatsRecord = z.infer<typeof CaptureStatsRecord>;

/** TCP acknowledgements of new data, those of bytes a capture never held, and how many bytes (the summary's `tcpGaps`). */
export const TcpGapsRecord = z.object({
  acks: z.number().int().nonnegative(),
  gaps: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type TcpGapsRecord = z.infer<typeof TcpGapsRecord>;

/** `part` of `whole` as people read a loss: '< 0.01 %', '0.25 %', '9.6 %'; undefined when `whole` is 0. */
export function percentText(part: number, whole: number): string | undefined {
  if (!(whole > 0)) return undefined;
  const p = (part / whole) * 100;
  return `${p < 0.01 ? '< 0.01' : p < 1 ? p.toFixed(2) : p.toFixed(1)} %`;
}

export const SummaryRecord = z.object({
  type: z.literal('summary'),
  files: z.array(z.string()),
  packets: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  flows: z.number().int().nonnegative(),
  devices: z.number().int().nonnegative(),
  alerts: z.number().int().nonnegative(),
  damaged: z.boolean(),
  apps: z.record(z.string(), z.number().int().nonnegative()),
  anomalies: z.record(z.string(), z.number().int().nonnegative()),
  warnings: z.array(z.string()),
  first: z.string().optional(),
  last: z.string().optional(),
  /** Set when SIGINT/SIGTERM stopped the run: the records cover what was read before it. */
  interrupted: z.boolean().optional(),
  /** Set on the summaries a stream sends during the run (`--summary-every`); the last one has none. */
  interim: z.boolean().optional(),
  /** A live capture's own counts (`watch -i`): the latest tcpdump reported; a warning says when it lost packets. */
  capture: CaptureStatsRecord.optional(),
  /**
   * Capture loss seen in the traffic itself (as Zeek's capture_loss), when there was any: TCP
   * acknowledgements of new data (`acks`), those acknowledging bytes this capture never held
   * (`gaps`) and how many bytes (`bytes`) — what a tap, mirror port or capture dropped, whatever
   * the capture tool counted. A warning says so from 1 % of the acknowledgements (5 gaps at least).
   */
  tcpGaps: TcpGapsRecord.optional(),
});
export type SummaryRecord = z.infer<typeof SummaryRecord>;

/**
 * A streamed alert's later state (`watch`, `analyze -`): the alert with the same `key` (its
 * aggregation key, `alertKey`) now has this count, first, last and severity. Evidence, message
 * and device are repeated only when they changed; `suppressed` when it is not in the final list after all: a
 * suppression covers it (a later DNS answer), or what a finish-time rule said early no longer holds
 * at the end (a beacon that turned irregular, a policy verdict before the device was identified).
 * Folding a stream (alert, then its updates, by key) gives the alerts `analyze FILE` prints.
 */
export const AlertUpdateRecord = z.object({
  type: z.literal('alert-update'),
  key: z.string(),
  rule: z.string(),
  severity: Severity,
  first: z.string(),
  last: z.string(),
  count: z.number().int().positive(),
  evidence: z.record(z.string(), z.unknown()).optional(),
  /** Repeated only when it changed (a finish-time rule's message quotes counts that grow). */
  message: z.string().optional(),
  /** Repeated only when it changed (the device's model became known). */
  device: z.object({ id: z.string(), model: z.string().optional() }).optional(),
  /** The alert record's `id` when it changed (an earlier first time) and its flows when they grew. */
  id: z.string().optional(),
  flows: z.array(z.string()).optional(),
  flowCount: z.number().int().nonnegative().optional(),
  suppressed: z.boolean().optional(),
});
export type AlertUpdateRecord = z.infer<typeof AlertUpdateRecord>;

/** The stable key of an alert: its aggregation key (rule, src ip, dst ip, dst port) — the store's alert id. */
export function alertKey(a: Pick<AlertRecord, 'rule' | 'src' | 'dst'>): string {
  return `${a.rule}|${a.src.ip}|${a.dst.ip}|${a.dst.port ?? ''}`;
}

/** The store's and incidents' name for an alert's key (the same string as `alertKey`). */
export const alertId = alertKey;

/**
 * One device in trouble: its alerts grouped (`alerts` are the alert ids, every alert is under exactly
 * one incident), what happened in one line, since when, and what to do next (src/detect/incidents.ts,
 * the text from src/contract/rule-info.ts). Printed after the alerts, before the devices.
 */
export const IncidentRecord = z.object({
  type: z.literal('incident'),
  id: z.string(), // 'incident|<device id>': stable across runs of the same device
  severity: Severity, // the most severe alert's
  device: z.object({
    id: z.string(),
    model: z.string().optional(),
    class: DeviceClass.optional(),
    ips: z.array(z.string()),
  }),
  /** What happened, one line ("talks to a published indicator address 202.114.4.119; …"). */
  what: z.string(),
  first: z.string(), // since when: the earliest alert's first
  last: z.string(),
  rules: z.array(z.string()), // most severe first
  alerts: z.array(z.string()),
  /** Outside addresses among the alerts' peers. */
  outside: z.array(z.string()),
  /** Distinct patients and HL7 messages of its phi.cleartext alerts (absent without one). */
  patients: z.number().int().nonnegative().optional(),
  messages: z.number().int().nonnegative().optional(),
  advisories: z.array(z.object({ id: z.string(), url: z.string().optional() })),
  /** What to do next, one step a line, most urgent first. */
  next: z.array(z.string()),
  /**
   * Streams only: an incident sent earlier none of whose alerts is in the final list (each was
   * suppressed after all). A stream's incident records replace each other by `id`.
   */
  withdrawn: z.literal(true).optional(),
});
export type IncidentRecord = z.infer<typeof IncidentRecord>;

export const OutputRecord = z.discriminatedUnion('type', [
  AlertRecord,
  IncidentRecord,
  DeviceRecord,
  SummaryRecord,
  AlertUpdateRecord,
]);
export type OutputRecord = z.infer<typeof OutputRecord>;

/** Latest time printed: 9999-12-31T23:59:59.999Z (in ms); later years need a sign ISO readers reject. */
const MAX_ISO_MS = 253402300799999;

/**
 * A host and port as records write them: `10.1.1.5:3128`, `[2001:db8::5]:3128` (IPv6 bracketed),
 * the host alone without a port. Proxies and proxied targets in evidence, the breach report's
 * `proxies`, alert flow keys and proposal notes all use it, so they compare as text.
 */
export function hostPortText(host: string, port: number | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/**
 * Capture time (µs since epoch) → ISO string. The readers already replace out-of-range capture
 * times (a `*.bad-timestamp` anomaly); this clamps anything else into the epoch … year 9999, so
 * printing a time can never throw.
 */
export function isoTime(micros: number): string {
  const ms = micros >= 0 ? Math.min(Math.floor(micros / 1000), MAX_ISO_MS) : 0; // NaN, negatives → the epoch
  return new Date(ms).toISOString();
}
