// A device's recorded traffic as learn and simulate read it: the flows table summed per service
// over the last window of the device's own traffic, the names its DNS answers gave, its addresses,
// and what it asked proxies for (proxy_requests, migration 7).
import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/** A device's recorded traffic (flows table rows summed per service; times are bucket seconds). */
export interface DeviceTraffic {
  readonly ips: string[];
  readonly model?: string;
  readonly class?: string;
  readonly flows: {
    peer: string;
    proto: string;
    /** -1: none. */
    port: number;
    /** '': unknown. */
    app: string;
    flows: number;
    packets: number;
    bytes: number;
    first: number;
    last: number;
  }[];
  readonly names: { name: string; address: string }[];
  /** Per proxy service the device asked for destinations (at most MAX_PROXIED each, in the order first asked). */
  readonly proxied: StoredProxied[];
}

/** What a device asked one proxy service for, as stored (proxy_requests). */
export interface StoredProxied {
  readonly proxy: string;
  /** -1: none. */
  readonly port: number;
  readonly targets: {
    readonly host: string;
    readonly port?: number;
    readonly requests: number;
    /** The proxy refused every request for it. */
    readonly refused: boolean;
  }[];
  /** Requests for destinations past the first MAX_PROXIED (not listed). */
  readonly more: number;
}

/**
 * What a device was recorded doing, for learn and simulate: its flows per (peer, proto, port,
 * app) over the last `windowSeconds` of its recorded traffic (so a capture from last year
 * counts as recent as a live feed), the names its own DNS answers gave each peer, its addresses.
 */
export async function deviceTraffic(db: Kysely<DB>, device: string, windowSeconds = 7 * 86400): Promise<DeviceTraffic> {
  const span = await db
    .selectFrom('flows')
    .select(sql<number | null>`MAX(bucket)`.as('last'))
    .where('device_id', '=', device)
    .executeTakeFirst();
  const sinceSeconds = span?.last == null ? 0 : Number(span.last) - windowSeconds;
  const flows = await db
    .selectFrom('flows')
    .select([
      'peer_ip',
      'proto',
      'port',
      'app',
      sql<number>`SUM(flows)`.as('flows'),
      sql<number>`SUM(packets)`.as('packets'),
      sql<number>`SUM(bytes)`.as('bytes'),
      sql<number>`MIN(bucket)`.as('first'),
      sql<number>`MAX(bucket)`.as('last'),
    ])
    .where('device_id', '=', device)
    .where('bucket', '>=', sinceSeconds)
    .groupBy(['peer_ip', 'proto', 'port', 'app'])
    .limit(10_000)
    .execute();
  const addrs = await db
    .selectFrom('device_addresses')
    .select(['ip', 'last'])
    .where('device_id', '=', device)
    .orderBy('last', 'desc')
    .execute();
  const ips = addrs.map((a) => a.ip);
  const dev = await db
    .selectFrom('devices')
    .select(['model', 'class', 'sensor'])
    .where('id', '=', device)
    .executeTakeFirst();
  // DNS answers are per sensor (migration 5): only the answers the device's own sensor saw its addresses ask for.
  const dns =
    ips.length === 0
      ? []
      : await db
          .selectFrom('dns')
          .select(['name', 'address'])
          .where('sensor', '=', dev?.sensor ?? 'local')
          .where('asker', 'in', ips)
          .orderBy('first')
          .limit(10_000)
          .execute();
  // What it asked proxies for, last asked within the window; a target's place is its first request.
  const asked = await db
    .selectFrom('proxy_requests')
    .selectAll()
    .where('device_id', '=', device)
    .where('last', '>=', new Date(sinceSeconds * 1000).toISOString())
    .orderBy('first')
    .orderBy('target_host')
    .orderBy('target_port')
    .execute();
  const proxied = new Map<string, { proxy: string; port: number; targets: StoredProxied['targets']; more: number }>();
  for (const r of asked) {
    const port = Number(r.proxy_port);
    const k = `${r.proxy_ip}|${port}`;
    let p = proxied.get(k);
    if (p === undefined) proxied.set(k, (p = { proxy: r.proxy_ip, port, targets: [], more: 0 }));
    const requests = Number(r.requests);
    if (r.target_host === '') p.more += requests;
    else {
      const tp = Number(r.target_port);
      p.targets.push({
        host: r.target_host,
        ...(tp >= 0 ? { port: tp } : {}),
        requests,
        refused: requests > 0 && Number(r.refused) >= requests,
      });
    }
  }
  return {
    ips,
    ...(dev?.model ? { model: dev.model } : {}),
    ...(dev?.class ? { class: dev.class } : {}),
    flows: flows.map((f) => ({
      peer: f.peer_ip,
      proto: f.proto,
      port: Number(f.port),
      app: f.app,
      flows: Number(f.flows),
      packets: Number(f.packets),
      bytes: Number(f.bytes),
      first: Number(f.first),
      last: Number(f.last),
    })),
    names: dns.map((d) => ({ name: d.name, address: d.address })),
    proxied: [...proxied.values()].filter((p) => p.targets.length > 0 || p.more > 0),
  };
}

/** A device's addresses, most recent first. */
export async function deviceAddresses(db: Kysely<DB>, device: string): Promise<string[]> {
  const rows = await db
    .selectFrom('device_addresses')
    .select(['ip'])
    .where('device_id', '=', device)
    .orderBy('last', 'desc')
    .execute();
  return rows.map((r) => r.ip);
}
