// THE INGEST CONTRACT between a sensor (`wardwatch … --to URL`) and the console (POST /api/ingest,
// POST /api/sensors/enrol). Both sides code against this file; change it only additively.
// A batch is applied exactly once: its id (`batch`) is recorded in ingest_batches (sensor, batch)
// in the same transaction as its writes, so a re-sent batch is a 200 with duplicate: true.
// Responses: 200 stored (or duplicate: stored before, nothing changed); 400 schema; 401 no/bad/revoked
// token; 403 sensor mismatch or scope; 409 never (duplicates are 200); 413 too large (limit 8 MiB,
// configurable); 429 + Retry-After seconds when the console is busy.
import { z } from 'zod';
import { MAX_BREACH_PROXIES } from './breach.js';
import { AlertRecord, CaptureStatsRecord, DeviceRecord, TcpGapsRecord } from './records.js';

/** A sensor's name: also part of every stored key (devices, alerts, flows, exposure) on the console. */
export const SensorName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
export type SensorName = z.infer<typeof SensorName>;

/** The sensor name of the console's own (local, demo, single-box) data. */
export const LOCAL_SENSOR = 'local';

/** Default body limit of POST /api/ingest (the console's `ingest.maxBatchBytes`). */
export const DEFAULT_MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** Total rows (all tables of IngestRows together) a batch may carry. */
export const MAX_BATCH_ROWS = 50_000;

const int = z.number().int();
const nonneg = z.number().int().nonnegative();

// The store Batch (src/store/batch.ts) serialized: each an array of the table row shape.
// Counters (flows/packets/bytes/messages/count) are DELTAS since the previous seq of the source;
// the console adds them (accumulate semantics), first = min, last = max.
export const FlowRow = z.object({
  device_id: z.string(),
  peer_ip: z.string(),
  proto: z.string(),
  port: int, // -1: none
  app: z.string(), // '': unknown
  bucket: int, // seconds since the epoch
  zone: z.string(), // 'inside' | 'outside'
  flows: nonneg,
  packets: nonneg,
  bytes: nonneg,
});
export type FlowRow = z.infer<typeof FlowRow>;

export const AddressRow = z.object({
  device_id: z.string(),
  ip: z.string(),
  first: z.string(),
  last: z.string(),
});
export type AddressRow = z.infer<typeof AddressRow>;

export const DnsRow = z.object({
  asker: z.string(),
  name: z.string(),
  address: z.string(),
  ttl: nonneg,
  first: z.string(),
  last: z.string(),
  count: nonneg,
});
export type DnsRow = z.infer<typeof DnsRow>;

export const ExposureRow = z.object({
  ip: z.string(),
  port: int,
  protocol: z.string(),
  messages: nonneg,
  first: z.string(),
  last: z.string(),
  fields: z.array(z.string()), // a Set in the store Batch
  devices: z.array(z.string()), // a Set in the store Batch
  /** Proxies (`ip:port`) whose tunnels carried records there; a sensor before these fields sent directly. */
  proxies: z.array(z.string().max(64)).max(MAX_BREACH_PROXIES).default([]), // a Set in the store Batch
  /** Some records went there directly. */
  direct: z.boolean().default(true),
});
export type ExposureRow = z.infer<typeof ExposureRow>;

/** Patients as salted hashes only (HMAC-SHA256 with the installation salt from enrol). */
export const PatientRow = z.object({
  ip: z.string(),
  port: int,
  patient_hash: z.string().regex(/^[0-9a-f]{16,128}$/),
});
export type PatientRow = z.infer<typeof PatientRow>;

export const MinuteRow = z.object({
  ip: z.string(),
  port: int,
  minute: z.string(), // ISO minute
  messages: nonneg,
});
export type MinuteRow = z.infer<typeof MinuteRow>;

/**
 * What a device asked a proxy for (migration 7's proxy_requests): one row per (device, proxy,
 * target), counts as deltas. `target_host` '' (port -1) counts the requests for targets past the
 * first MAX_PROXIED of the (device, proxy). A sensor before these rows sends none.
 */
export const ProxyRequestRow = z.object({
  device_id: z.string(),
  proxy_ip: z.string(),
  proxy_port: int,
  /** An address or a host name (lower case), host and port only (no userinfo); '': the others. */
  target_host: z.string().max(256),
  target_port: int, // -1: none
  requests: nonneg,
  refused: nonneg,
  first: z.string(),
  last: z.string(),
});
export type ProxyRequestRow = z.infer<typeof ProxyRequestRow>;

export const IngestRows = z
  .object({
    flows: z.array(FlowRow).default([]),
    addresses: z.array(AddressRow).default([]),
    dns: z.array(DnsRow).default([]),
    exposure: z.array(ExposureRow).default([]),
    patients: z.array(PatientRow).default([]),
    minutes: z.array(MinuteRow).default([]),
    proxyRequests: z.array(ProxyRequestRow).default([]),
  })
  .refine(
    (r) =>
      r.flows.length +
        r.addresses.length +
        r.dns.length +
        r.exposure.length +
        r.patients.length +
        r.minutes.length +
        r.proxyRequests.length <=
      MAX_BATCH_ROWS,
    { message: `at most ${MAX_BATCH_ROWS} rows in a batch` },
  );
export type IngestRows = z.infer<typeof IngestRows>;

/** POST /api/ingest with `Authorization: Bearer <token>` (scope 'ingest'). */
/**
 * A live capture's own counts so far (`watch -i`: tcpdump's, cumulative for the source, not
 * deltas): packets its filter passed, those the kernel dropped before they were read, the
 * interface's drops. Sent when they changed; a sensor that predates them sends none.
 */
export const IngestCapture = CaptureStatsRecord.omit({ source: true });
export type IngestCapture = z.infer<typeof IngestCapture>;

/**
 * Capture loss seen in the traffic itself (the summary's `tcpGaps`, cumulative for the source): TCP
 * acknowledgements of new data, those of bytes the capture never held, and how many bytes — loss
 * upstream of any capture tool (a mirror port, a tap). Sent when they changed and there was a gap.
 */
export const IngestTcpGaps = TcpGapsRecord;
export type IngestTcpGaps = z.infer<typeof IngestTcpGaps>;

export const IngestBatch = z.object({
  v: z.literal(1),
  sensor: SensorName, // must equal the token's sensor, else 403
  // One analysis run's identity: for a file replay sha256(sensor + capture sha256 of first MiB + size),
  // for live capture `${iface}@${startIso}`; deterministic for a file so a restarted replay re-sends the same ids.
  source: z.string().min(1).max(128),
  seq: z.number().int().nonnegative(), // per source, from 0, batches cut at deterministic points (capture-time ticks)
  batch: z.string().min(1).max(200), // `${source}:${seq}`, the idempotency key (unique per sensor)
  sentAt: z.string(), // ISO
  // DELTAS: alert.count, device.packets/bytes are what is new since the previous seq of the same source.
  records: z.array(z.union([AlertRecord, DeviceRecord])).max(10_000),
  rows: IngestRows,
  capture: IngestCapture.optional(),
  tcpGaps: IngestTcpGaps.optional(),
});
export type IngestBatch = z.infer<typeof IngestBatch>;
/** The input shape (rows' arrays may be omitted). */
export type IngestBatchInput = z.input<typeof IngestBatch>;

export const IngestAck = z.object({
  accepted: z.number().int().nonnegative(), // records + rows applied (0 for a duplicate)
  duplicate: z.boolean(),
  seq: z.number().int(),
});
export type IngestAck = z.infer<typeof IngestAck>;

/** POST /api/sensors/enrol (token, scope ingest): the installation salt so patient hashes match across sensors. */
export const EnrolResponse = z.object({
  sensor: SensorName,
  salt: z.string(), // hex installation salt
  saltId: z.string(),
  maxBatchBytes: z.number(),
});
export type EnrolResponse = z.infer<typeof EnrolResponse>;

// ── admin (role admin): GET /api/sensors, POST /api/sensors/:name/tokens, DELETE /api/tokens/:id ──
export const SensorToken = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
});
export type SensorToken = z.infer<typeof SensorToken>;

export const SensorSource = z.object({ source: z.string(), lastSeq: z.number().int(), at: z.string() });
export type SensorSource = z.infer<typeof SensorSource>;

export const SensorItem = z.object({
  name: SensorName,
  site: z.string().optional(),
  tokens: z.array(SensorToken),
  lastSeen: z.string().optional(),
  sources: z.array(SensorSource), // last seq per source
  batches: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  eventsPerSecond: z.number().nonnegative(), // over the last minute
  lagSeconds: z.number().optional(), // now − newest record time
  /** The latest capture counts it reported (migration 9): of which source, and when they came. */
  capture: IngestCapture.extend({ source: z.string(), at: z.string() }).optional(),
  /** The latest TCP-gap counts it reported (migration 9), of which source and when. */
  tcpGaps: IngestTcpGaps.extend({ source: z.string(), at: z.string() }).optional(),
});
export type SensorItem = z.infer<typeof SensorItem>;

export const SensorListResponse = z.object({ sensors: z.array(SensorItem) });
export type SensorListResponse = z.infer<typeof SensorListResponse>;

export const CreateSensorTokenRequest = z.object({
  scope: z.enum(['ingest', 'read']).default('ingest'),
  site: z.string().max(128).optional(),
});
export type CreateSensorTokenRequest = z.infer<typeof CreateSensorTokenRequest>;
/** The secret appears in this response only, never again. */
export const CreateSensorTokenResponse = z.object({ id: z.string(), sensor: SensorName, token: z.string() });
export type CreateSensorTokenResponse = z.infer<typeof CreateSensorTokenResponse>;

export const INGEST_ROUTES = {
  ingest: { method: 'POST', path: '/api/ingest', auth: 'token:ingest' },
  enrol: { method: 'POST', path: '/api/sensors/enrol', auth: 'token:ingest' },
  sensors: { method: 'GET', path: '/api/sensors', auth: 'admin' },
  createSensorToken: { method: 'POST', path: '/api/sensors/:name/tokens', auth: 'admin' },
  revokeToken: { method: 'DELETE', path: '/api/tokens/:id', auth: 'admin' },
} as const;
