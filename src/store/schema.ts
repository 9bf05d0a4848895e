// The tables of the store, as kysely sees them. Times are ISO strings (they sort as text) except
// flow buckets, which are integer seconds since the epoch. No column holds a patient name,
// birth date or identifier: patients appear only as salted hashes (exposure_patients).
import type { Generated } from 'kysely';

export interface DevicesTable {
  id: string;
  hostname: string | null;
  vendor_class: string | null;
  vendor: string | null;
  model: string | null;
  class: string | null;
  confidence: number | null;
  reasons: string; // JSON string[]
  identified_by: string; // JSON string[]
  advisories: string; // JSON Advisory[]
  first: string;
  last: string;
  packets: number;
  bytes: number;
  sensor?: string; // migration 4: default 'local'
  tls?: string; // migration 8: JSON DeviceRecord['tls'], '{}' for none
}

export interface DeviceAddressesTable {
  device_id: string;
  ip: string;
  first: string;
  last: string;
  sensor?: string; // migration 4: default 'local'
}

/** Flows aggregated per (device, peer, proto, port, app) per time bucket. port -1: none; app '': unknown. */
export interface FlowsTable {
  device_id: string;
  peer_ip: string;
  proto: string;
  port: number;
  app: string;
  bucket: number;
  zone: string; // 'inside' | 'outside'
  flows: number;
  packets: number;
  bytes: number;
  sensor?: string; // migration 4: default 'local'
}

export interface DnsTable {
  asker: string;
  name: string;
  address: string;
  ttl: number;
  first: string;
  last: string;
  count: number;
  sensor?: string; // migration 5: part of the key, default 'local'
}

export interface AlertsTable {
  id: string;
  rule: string;
  severity: string;
  sev_rank: number;
  first: string;
  last: string;
  count: number;
  src_ip: string;
  src_port: number | null;
  src_mac: string | null;
  dst_ip: string;
  dst_port: number | null;
  device_id: string;
  device_model: string | null;
  message: string;
  evidence: string; // JSON
  ack_by: string | null;
  ack_at: string | null;
  ack_comment: string | null;
  suppressed_until: string | null;
  sensor?: string; // migration 4: default 'local'
}

export interface SuppressionsTable {
  id: Generated<number>;
  alert_id: string;
  reason: string;
  expires: string;
  by: string;
  at: string;
}

/**
 * Exposure (the breach report) is keyed per outside destination, not per sensor, on purpose: the
 * report counts a patient whose data two sensors saw go to one destination once. Only
 * exposure_patients carries a `sensor` column (migration 4), as information, outside its key.
 */
export interface ExposureDestinationsTable {
  ip: string;
  port: number;
  protocol: string;
  messages: number;
  first: string;
  last: string;
  fields: string; // JSON string[]
  devices: string; // JSON string[]
}

export interface ExposurePatientsTable {
  ip: string;
  port: number;
  patient_hash: string; // HMAC-SHA256 with the installation's salt, never the identifier
  sensor?: string; // migration 4: default 'local'
}

/**
 * How records reached a destination (migration 6): one row per proxy whose tunnel carried them
 * there (`via` its `ip:port`), and one with `via` '' when some went directly.
 */
export interface ExposureViaTable {
  ip: string;
  port: number;
  via: string;
}

/**
 * Migration 7: what a device asked a proxy for, per (device, proxy, target). At most MAX_PROXIED
 * targets per (device, proxy); `target_host` '' (port -1) counts the requests for all others.
 */
export interface ProxyRequestsTable {
  device_id: string;
  proxy_ip: string;
  proxy_port: number;
  /** An address (canonical) or a host name (lower case), as asked; '': the targets past the first MAX_PROXIED. */
  target_host: string;
  target_port: number; // -1: none
  requests: number;
  /** Requests the proxy refused (HTTP non-2xx, SOCKS failure). */
  refused: number;
  first: string;
  last: string;
  sensor?: string; // default 'local'
}

export interface ExposureMinutesTable {
  ip: string;
  port: number;
  minute: string; // ISO minute
  messages: number;
}

export interface FirmwareAuditsTable {
  id: string;
  image: string;
  format: string;
  files: number;
  findings: string; // JSON
  components: string; // JSON
  at: string;
  sha256: string | null; // migration 3: the image digest
  model: string | null; // migration 3
}

export interface PoliciesTable {
  id: string;
  device: string;
  mode: string;
  version: number;
  updated_at: string;
  name: string | null; // migration 3
  applied_version: number | null; // migration 3: the version enforced now
}

export interface PolicyVersionsTable {
  policy_id: string;
  version: number;
  body: string; // JSON policy
  created_by: string;
  created_at: string;
  state: string; // migration 3: 'proposed' | 'applied' | 'superseded' | 'rolled-back'
  source: string; // migration 3: 'learn' | 'edit'
  note: string | null;
  applied_by: string | null;
  applied_at: string | null;
}

/** Migration 3: every apply, with the compiled text and the versions it enforced. */
export interface PolicyAppliesTable {
  id: string;
  device: string;
  version: number;
  by: string;
  at: string;
  reason: string;
  target: string;
  confirm_by: string | null;
  confirmed_at: string | null;
  rolled_back_at: string | null;
  rolled_back_by: string | null;
  enforced: string; // JSON Record<device, version>
  nftables: string;
  dnsmasq: string;
  prev_id: string | null;
}

/** Migration 3: temporary exceptions. */
export interface PolicyGrantsTable {
  id: string;
  device: string;
  to_peer: string;
  proto: string;
  port: number | null;
  from_at: string;
  until: string;
  reason: string;
  by: string;
}

export interface UsersTable {
  username: string;
  role: string;
  password_hash: string; // scrypt$N$r$p$salt$hash
  created_at: string;
}

export interface SessionsTable {
  id_hash: string; // sha256 of the cookie value
  username: string;
  csrf: string;
  created_at: string;
  expires_at: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  scope: string;
  token_hash: string; // sha256 of the secret
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null; // migration 2
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  who: string;
  action: string;
  target: string | null;
  detail: string; // JSON
}

/** Migration 4: one row per sensor that enrolled, was given a token, or sent a batch. */
export interface SensorsTable {
  name: string;
  site: string | null;
  created_at: string;
  last_seen: string | null;
  newest_record: string | null; // the newest record time seen from it (lag)
  batches: number;
  records: number;
  /** Migration 9: the latest capture counts the sensor reported, JSON (`SensorCapture`), or NULL. */
  capture: string | null;
  /** Migration 9: the latest TCP-gap counts the sensor reported, JSON, or NULL. */
  tcp_gaps: string | null;
}

/** Migration 4: each applied batch, written in the batch's own transaction (exactly once). */
export interface IngestBatchesTable {
  sensor: string;
  batch: string;
  source: string;
  seq: number;
  records: number;
  events: number; // records + rows
  at: string;
}

export interface DB {
  sensors: SensorsTable;
  ingest_batches: IngestBatchesTable;
  devices: DevicesTable;
  device_addresses: DeviceAddressesTable;
  flows: FlowsTable;
  dns: DnsTable;
  alerts: AlertsTable;
  suppressions: SuppressionsTable;
  exposure_destinations: ExposureDestinationsTable;
  exposure_patients: ExposurePatientsTable;
  exposure_minutes: ExposureMinutesTable;
  exposure_via: ExposureViaTable;
  proxy_requests: ProxyRequestsTable;
  firmware_audits: FirmwareAuditsTable;
  policies: PoliciesTable;
  policy_versions: PolicyVersionsTable;
  policy_applies: PolicyAppliesTable;
  policy_grants: PolicyGrantsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
}

export type Engine = 'sqlite' | 'postgres';
