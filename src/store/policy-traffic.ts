// A device's recorded traffic as learn and simulate read it: the flows table summed per service
// over the last window of the device's own traffic, the names its DNS answers gave, its addresses.
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
