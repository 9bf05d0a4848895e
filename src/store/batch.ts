// One batch of ingest: rows aggregated in memory by their primary key, so a burst of events
// becomes few upserts. Built by the Ingestor, written in one transaction by IngestWriter.
import type { IngestRows } from '../contract/ingest.js';
import { MAX_PROXIED } from '../contract/policy-api.js';
import type {
  DeviceAddressesTable,
  DnsTable,
  ExposureDestinationsTable,
  ExposureMinutesTable,
  ExposurePatientsTable,
  FlowsTable,
  ProxyRequestsTable,
} from './schema.js';

/** A destination's exposure in a batch; `proxies` and `direct` become its `exposure_via` rows. */
export interface ExposureDest extends Omit<ExposureDestinationsTable, 'fields' | 'devices'> {
  fields: Set<string>;
  devices: Set<string>;
  /** Proxies (`ip:port`, at most MAX_BREACH_PROXIES) whose tunnels carried records there. */
  proxies: Set<string>;
  /** Some records went there directly. */
  direct: boolean;
}

export class Batch {
  readonly flows = new Map<string, FlowsTable>();
  readonly addresses = new Map<string, DeviceAddressesTable>();
  readonly dns = new Map<string, DnsTable>();
  readonly exposure = new Map<string, ExposureDest>();
  readonly patients = new Map<string, ExposurePatientsTable>();
  readonly minutes = new Map<string, ExposureMinutesTable>();
  /** What devices asked proxies for, by `proxyRequestKey`; at most MAX_PROXIED targets per (device, proxy) and its '' row. */
  readonly proxyRequests = new Map<string, ProxyRequestsTable>();
  /** (device, proxy) → targets in `proxyRequests` (its '' row not counted). */
  readonly proxyTargets = new Map<string, number>();
  /** Events folded into this batch (for rates and tests). */
  events = 0;

  get rows(): number {
    return (
      this.flows.size +
      this.addresses.size +
      this.dns.size +
      this.exposure.size +
      this.patients.size +
      this.minutes.size +
      this.proxyRequests.size
    );
  }

  get empty(): boolean {
    return this.events === 0 && this.rows === 0;
  }
}

/** The (device, proxy) a proxy_requests row belongs to. */
export function proxyPairKey(r: Pick<ProxyRequestsTable, 'device_id' | 'proxy_ip' | 'proxy_port'>): string {
  return `${r.device_id}|${r.proxy_ip}|${r.proxy_port}`;
}

/** A proxy_requests row's primary key as one string (also the writers' lock order). */
export function proxyRequestKey(r: Omit<ProxyRequestsTable, 'requests' | 'refused' | 'first' | 'last'>): string {
  return `${proxyPairKey(r)}|${r.target_host}|${r.target_port}`;
}

/** Add `r`'s counts to `into`: requests and refused summed, first the earliest, last the latest. */
export function mergeProxyRequest(into: ProxyRequestsTable, r: ProxyRequestsTable): void {
  into.requests += r.requests;
  into.refused += r.refused;
  if (r.first < into.first) into.first = r.first;
  if (r.last > into.last) into.last = r.last;
}

/**
 * Fold one (device, proxy, target) count into the batch: merged with its row, or a new row while
 * the (device, proxy) has fewer than MAX_PROXIED targets in the batch, else into the pair's
 * `target_host` '' row (the requests for the others). `r` is not kept (copied).
 */
export function foldProxyRequest(b: Batch, r: ProxyRequestsTable): void {
  const k = proxyRequestKey(r);
  const cur = b.proxyRequests.get(k);
  if (cur !== undefined) {
    mergeProxyRequest(cur, r);
    return;
  }
  const pair = proxyPairKey(r);
  if (r.target_host !== '') {
    const n = b.proxyTargets.get(pair) ?? 0;
    if (n < MAX_PROXIED) {
      b.proxyTargets.set(pair, n + 1);
      b.proxyRequests.set(k, { ...r });
      return;
    }
  }
  const other = { ...r, target_host: '', target_port: -1 };
  const ok = proxyRequestKey(other);
  const have = b.proxyRequests.get(ok);
  if (have === undefined) b.proxyRequests.set(ok, other);
  else mergeProxyRequest(have, other);
}

/** A batch as the ingest contract carries it (Sets become arrays), for a sensor to ship. */
export function batchRows(b: Batch): IngestRows {
  return {
    flows: [...b.flows.values()],
    addresses: [...b.addresses.values()],
    dns: [...b.dns.values()],
    exposure: [...b.exposure.values()].map((d) => ({
      ...d,
      fields: [...d.fields],
      devices: [...d.devices],
      proxies: [...d.proxies],
    })),
    patients: [...b.patients.values()],
    minutes: [...b.minutes.values()],
    proxyRequests: [...b.proxyRequests.values()],
  };
}
