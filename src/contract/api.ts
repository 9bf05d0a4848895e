// THE CONTRACT SHARED WITH web/: the request and response of every console route (src/server),
// as zod schemas with their inferred types. The web app imports this file (and the records it
// reuses) and nothing else of ours. Stable: change it only by adding optional fields.
// Times are ISO strings; ids of devices are MACs (or 'ip:<addr>'), ids of alerts are opaque strings.
import { z } from 'zod';
import { BreachReport } from './breach.js';
import { INGEST_ROUTES, SensorName } from './ingest.js';
import { POLICY_ROUTES } from './policy-api.js';
import { Advisory, AlertRecord, DeviceClass, DeviceTls, Severity } from './records.js';

export { BreachReport };

// ── auth and session ─────────────────────────────────────────────────────────────────────────
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Header carrying the CSRF token on every state-changing request (POST, PUT, PATCH, DELETE). */
export const CSRF_HEADER = 'x-csrf-token';
/** The httpOnly session cookie. */
export const SESSION_COOKIE = 'ww_session';

export const LoginRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** POST /api/session and GET /api/session: who is logged in, and the CSRF token to send back. */
export const SessionResponse = z.object({
  user: z.object({ username: z.string(), role: Role }),
  csrfToken: z.string(),
  expiresAt: z.string(),
});
export type SessionResponse = z.infer<typeof SessionResponse>;
/** GET /api/me is the same thing under its other name. */
export const MeResponse = SessionResponse;
export type MeResponse = SessionResponse;

/** Every refusal: 400 (field names the offending field), 401, 403, 404, 409, 413, 429, 500. */
export const ErrorResponse = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  code: z.string().optional(), // 'WW_AUTH', 'WW_CSRF', 'WW_ROLE', 'WW_BAD_REQUEST', …
  field: z.string().optional(), // for 400: the first offending field, e.g. 'body.comment'
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const OkResponse = z.object({ ok: z.literal(true) });
export type OkResponse = z.infer<typeof OkResponse>;

// ── health and overview ──────────────────────────────────────────────────────────────────────
export const HealthResponse = z.object({
  status: z.literal('ok'),
  version: z.string(),
  db: z.enum(['sqlite', 'postgres']),
  demo: z.boolean(),
  uptimeSeconds: z.number(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

export const OverviewResponse = z.object({
  devices: z.number().int().nonnegative(),
  flaggedDevices: z.number().int().nonnegative(), // devices with an open alert at high or above
  alerts: z.object({
    open: z.number().int().nonnegative(),
    acknowledged: z.number().int().nonnegative(),
    suppressed: z.number().int().nonnegative(),
    bySeverity: z.record(Severity, z.number().int().nonnegative()),
  }),
  breach: z.object({ patients: z.number().int().nonnegative(), destinations: z.number().int().nonnegative() }),
  flows: z.number().int().nonnegative(),
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional(),
});
export type OverviewResponse = z.infer<typeof OverviewResponse>;
/** A `sensor` query value (issue 20): a sensor name, or 'local' (the console's own data). A value no
 * sensor could have is a 400; on the overview and the breach report an unknown sensor is a 400 too
 * (its message lists the known ones), the devices and alerts lists answer it with an empty list. */
export const SensorQueryValue = SensorName;

/** GET /api/overview?sensor=NAME (issue 20): without it the installation's totals; with it every
 * number counts that sensor only (devices, flagged, alerts, patients and destinations of the breach
 * report for that sensor, its flows and time span). */
export const OverviewQuery = z.object({ sensor: SensorQueryValue.optional() });
export type OverviewQuery = z.infer<typeof OverviewQuery>;

/** GET /api/report/breach?sensor=NAME: destinations that sensor's devices sent to or its patients
 * were seen at, patients counted from that sensor's hashes (a patient hash is kept once per
 * destination, under the sensor that reported it first), devices only that sensor's. Messages and the
 * timeline stay the destination's totals: the store keeps them per destination, not per sensor. */
export const BreachQuery = z.object({ sensor: SensorQueryValue.optional() });
export type BreachQuery = z.infer<typeof BreachQuery>;

/** GET /api/sensors/known (any user): the sensors a filter can choose, 'local' first when the
 * console has data of its own; `site` as the admin gave it. */
export const KnownSensor = z.object({ name: z.string(), site: z.string().optional(), devices: z.number().int() });
export type KnownSensor = z.infer<typeof KnownSensor>;
export const KnownSensorsResponse = z.object({ sensors: z.array(KnownSensor) });
export type KnownSensorsResponse = z.infer<typeof KnownSensorsResponse>;

// ── devices ──────────────────────────────────────────────────────────────────────────────────
export const Zone = z.enum(['inside', 'outside']);
export type Zone = z.infer<typeof Zone>;

export const DeviceListItem = z.object({
  id: z.string(),
  ips: z.array(z.string()),
  hostname: z.string().optional(),
  vendor: z.string().optional(),
  model: z.string().optional(),
  class: DeviceClass.optional(),
  confidence: z.number().optional(),
  advisories: z.array(z.string()), // advisory ids, e.g. 'ICSMA-25-030-01'
  first: z.string(),
  last: z.string(),
  openAlerts: z.number().int().nonnegative(),
  /** Highest severity among the device's open alerts. */
  worstSeverity: Severity.optional(),
  flagged: z.boolean(), // an open alert at high or above
  /** Issue 20: the sensor that saw it ('local': the console's own). A remote sensor's device id is
   * `<sensor>/<MAC or ip:addr>` (the key in URLs); the console shows the MAC and the sensor apart. */
  sensor: z.string().optional(),
});
export type DeviceListItem = z.infer<typeof DeviceListItem>;

export const DeviceListQuery = z.object({
  q: z.string().max(200).optional(), // substring of id, ip, hostname, model
  flagged: z.enum(['true', 'false']).optional(),
  sensor: SensorQueryValue.optional(), // issue 20: only this sensor's devices ('local': the console's own)
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});
export type DeviceListQuery = z.infer<typeof DeviceListQuery>;

export const DeviceListResponse = z.object({
  devices: z.array(DeviceListItem),
  total: z.number().int().nonnegative(),
});
export type DeviceListResponse = z.infer<typeof DeviceListResponse>;

export const Peer = z.object({
  ip: z.string(),
  port: z.number().int().optional(),
  proto: z.string(), // 'tcp' | 'udp' | 'icmp' | …
  app: z.string().optional(), // 'hl7', 'rpc', 'dns', 'tls', …
  zone: Zone,
  resolvedByDns: z.boolean(), // a DNS answer seen on the wire named this address
  names: z.array(z.string()), // the names DNS gave for it
  bytes: z.number().int().nonnegative(),
  packets: z.number().int().nonnegative(),
  flows: z.number().int().nonnegative(),
  first: z.string(),
  last: z.string(),
});
export type Peer = z.infer<typeof Peer>;

/** Traffic of one device per time bucket (bucket start, ISO), split inside/outside. */
export const TrafficBucket = z.object({
  t: z.string(),
  bytesInside: z.number().int().nonnegative(),
  bytesOutside: z.number().int().nonnegative(),
  packets: z.number().int().nonnegative(),
  flows: z.number().int().nonnegative(),
});
export type TrafficBucket = z.infer<typeof TrafficBucket>;

export const DnsName = z.object({
  name: z.string(),
  address: z.string(),
  first: z.string(),
  last: z.string(),
  ttl: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
});
export type DnsName = z.infer<typeof DnsName>;

export const DeviceAddress = z.object({ ip: z.string(), first: z.string(), last: z.string() });
export type DeviceAddress = z.infer<typeof DeviceAddress>;

export const DeviceDetail = DeviceListItem.extend({
  vendorClass: z.string().optional(),
  reasons: z.array(z.string()),
  identifiedBy: z.array(z.string()),
  advisoryDetails: z.array(Advisory),
  addresses: z.array(DeviceAddress), // every IP the device used, over time
  packets: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  peers: z.array(Peer),
  traffic: z.array(TrafficBucket),
  bucketSeconds: z.number().int().positive(),
  dns: z.array(DnsName), // names this device asked for and got answers
  tls: DeviceTls.optional(), // its TLS client fingerprints and its servers' certificates (migration 8)
});
export type DeviceDetail = z.infer<typeof DeviceDetail>;

export const DeviceParams = z.object({ id: z.string().min(1).max(200) });

// ── alerts ───────────────────────────────────────────────────────────────────────────────────
export const ALERT_STATES = ['open', 'acknowledged', 'suppressed'] as const;
export const AlertState = z.enum(ALERT_STATES);
export type AlertState = z.infer<typeof AlertState>;

export const AlertAck = z.object({ by: z.string(), at: z.string(), comment: z.string() });
export type AlertAck = z.infer<typeof AlertAck>;

export const AlertSuppression = z.object({
  by: z.string(),
  at: z.string(),
  reason: z.string(),
  expires: z.string(),
});
export type AlertSuppression = z.infer<typeof AlertSuppression>;

/** An alert record as the console holds it: the export's fields, with its id and review state. */
export const Alert = z.object({
  id: z.string(), // stable: the aggregation key (rule, src, dst, dst port)
  ...AlertRecord.omit({ type: true, id: true }).shape,
  state: AlertState,
  ack: AlertAck.optional(),
  suppression: AlertSuppression.optional(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertListQuery = z.object({
  state: AlertState.optional(),
  severity: Severity.optional(), // at or above
  rule: z.string().max(64).optional(),
  device: z.string().max(200).optional(),
  sensor: SensorQueryValue.optional(), // issue 20: only this sensor's alerts ('local': the console's own)
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});
export type AlertListQuery = z.infer<typeof AlertListQuery>;

export const AlertListResponse = z.object({ alerts: z.array(Alert), total: z.number().int().nonnegative() });
export type AlertListResponse = z.infer<typeof AlertListResponse>;

export const AlertParams = z.object({ id: z.string().min(1).max(500) });

/** POST /api/alerts/:id/ack (analyst or admin). */
export const AlertAckRequest = z.object({ comment: z.string().min(1).max(2000) });
export type AlertAckRequest = z.infer<typeof AlertAckRequest>;

/** POST /api/alerts/:id/suppress (analyst or admin): expires is an ISO time in the future. */
export const AlertSuppressRequest = z.object({
  reason: z.string().min(1).max(2000),
  expires: z.iso.datetime({ offset: true }),
});
export type AlertSuppressRequest = z.infer<typeof AlertSuppressRequest>;

export const AlertResponse = z.object({ alert: Alert });
export type AlertResponse = z.infer<typeof AlertResponse>;

// ── breach report, firmware ──────────────────────────────────────────────────────────────────
/** GET /api/report/breach answers the BreachReport of src/contract/breach.ts. */
export const BreachResponse = BreachReport;
export type BreachResponse = BreachReport;

export const FirmwareAudit = z.object({
  id: z.string(),
  image: z.string(),
  format: z.string(),
  files: z.number().int().nonnegative(),
  findings: z.array(
    z.object({
      id: z.string(),
      severity: Severity,
      file: z.string(),
      line: z.number().int().optional(),
      offset: z.number().int().optional(),
      evidence: z.string(),
      address: z.string().optional(),
    }),
  ),
  components: z.array(z.object({ name: z.string(), version: z.string(), file: z.string() })),
  at: z.string(),
  sha256: z.string().optional(), // the image digest (audits written by `firmware audit --db`)
  model: z.string().optional(),
});
export type FirmwareAudit = z.infer<typeof FirmwareAudit>;

export const FirmwareListResponse = z.object({ audits: z.array(FirmwareAudit) });
export type FirmwareListResponse = z.infer<typeof FirmwareListResponse>;

// ── server-sent events (GET /api/events) ─────────────────────────────────────────────────────
/** Each SSE message has `event: <type>` and `data: <JSON of the payload below>`. */
export const SseAlertEvent = z.object({ type: z.literal('alert'), alert: Alert });
export const SseDeviceEvent = z.object({ type: z.literal('device'), device: DeviceListItem });
export const SseAlertStateEvent = z.object({
  type: z.literal('alert-state'),
  id: z.string(),
  state: AlertState,
  ack: AlertAck.optional(),
  suppression: AlertSuppression.optional(),
});
export const SseStatsEvent = z.object({
  type: z.literal('stats'),
  devices: z.number().int().nonnegative(),
  openAlerts: z.number().int().nonnegative(),
  flows: z.number().int().nonnegative(),
  at: z.string(),
});
export const SseEvent = z.discriminatedUnion('type', [
  SseAlertEvent,
  SseDeviceEvent,
  SseAlertStateEvent,
  SseStatsEvent,
]);
export type SseEvent = z.infer<typeof SseEvent>;
export type SseEventType = SseEvent['type'];

// ── sensors (API tokens) and audit log ───────────────────────────────────────────────────────
export const TOKEN_SCOPES = ['ingest', 'read'] as const;
export const TokenScope = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof TokenScope>;

// POST /api/ingest, POST /api/sensors/enrol and the sensors admin API (issue 20): ./ingest.ts
export * from './ingest.js';
/** @deprecated names of the first ingest contract: now IngestBatch and IngestAck. */
export { IngestAck as IngestResponse, IngestBatch as IngestRequest } from './ingest.js';

export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  who: z.string(), // username, 'token:<id>' or 'system'
  action: z.string(), // 'alert.ack', 'alert.suppress', 'session.login', 'user.add', …
  target: z.string().optional(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
/** GET /api/audit (admin). */
export const AuditListResponse = z.object({ entries: z.array(AuditEntry) });
export type AuditListResponse = z.infer<typeof AuditListResponse>;

// ── routes, for the typed client ─────────────────────────────────────────────────────────────
export const API_ROUTES = {
  health: { method: 'GET', path: '/api/health', auth: 'none' },
  login: { method: 'POST', path: '/api/session', auth: 'none' },
  session: { method: 'GET', path: '/api/session', auth: 'viewer' },
  logout: { method: 'DELETE', path: '/api/session', auth: 'viewer' },
  me: { method: 'GET', path: '/api/me', auth: 'viewer' },
  overview: { method: 'GET', path: '/api/overview', auth: 'viewer' },
  knownSensors: { method: 'GET', path: '/api/sensors/known', auth: 'viewer' },
  devices: { method: 'GET', path: '/api/devices', auth: 'viewer' },
  device: { method: 'GET', path: '/api/devices/:id', auth: 'viewer' },
  alerts: { method: 'GET', path: '/api/alerts', auth: 'viewer' },
  ack: { method: 'POST', path: '/api/alerts/:id/ack', auth: 'analyst' },
  suppress: { method: 'POST', path: '/api/alerts/:id/suppress', auth: 'analyst' },
  breach: { method: 'GET', path: '/api/report/breach', auth: 'viewer' },
  firmware: { method: 'GET', path: '/api/firmware', auth: 'viewer' },
  events: { method: 'GET', path: '/api/events', auth: 'viewer' },
  audit: { method: 'GET', path: '/api/audit', auth: 'admin' },
  // /api/ingest, /api/sensors… (issue 20): schemas in ./ingest.ts
  ...INGEST_ROUTES,
  // /api/policies (issue 14): schemas in ./policy-api.ts
  ...POLICY_ROUTES,
} as const;
