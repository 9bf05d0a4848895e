// Device reads for the console: the list (with open-alert counts and worst severity) and the
// detail (addresses over time, peers with zone and DNS names, traffic per bucket, DNS names).
import { type Kysely, sql } from 'kysely';
import type { DeviceDetail, DeviceListItem, DeviceListQuery, DnsName, Peer, TrafficBucket } from '../contract/api.js';
import type { Advisory, DeviceClass } from '../contract/records.js';
import { SEVERITIES, type Severity } from '../contract/records.js';
import type { DB, DevicesTable } from './schema.js';
import { parseTls } from './device-tls.js';
import { parseJson } from './json.js';

/** sev_rank of 'high': a device is flagged when an open alert is at or above it. */
export const FLAG_RANK = SEVERITIES.indexOf('high');

/** The condition "open" (not acknowledged, not under a live suppression) on alerts rows. */
export function openAlert(now: string) {
  return sql<boolean>`(ack_at IS NULL AND (suppressed_until IS NULL OR suppressed_until <= ${now}))`;
}

export class DeviceQueries {
  constructor(private readonly db: Kysely<DB>) {}

  private base(now: string) {
    const open = this.db
      .selectFrom('alerts')
      .select(['device_id', sql<number>`COUNT(*)`.as('open'), sql<number>`MAX(sev_rank)`.as('worst')])
      .where(openAlert(now))
      .groupBy('device_id')
      .as('a');
    return this.db.selectFrom('devices as d').leftJoin(open, 'a.device_id', 'd.id');
  }

  async list(
    q: DeviceListQuery,
    now = new Date().toISOString(),
  ): Promise<{ devices: DeviceListItem[]; total: number }> {
    let query = this.base(now);
    const text = q.q !== undefined && q.q !== '' ? matching(q.q) : undefined;
    if (text !== undefined) query = query.where(text);
    if (q.sensor !== undefined) query = query.where('d.sensor', '=', q.sensor);
    if (q.flagged === 'true') query = query.where('a.worst', '>=', FLAG_RANK);
    if (q.flagged === 'false')
      query = query.where((eb) => eb.or([eb('a.worst', 'is', null), eb('a.worst', '<', FLAG_RANK)]));
    // Without the flagged filter the count needs no alert aggregate.
    let counted = this.db.selectFrom('devices as d');
    if (text !== undefined) counted = counted.where(text);
    if (q.sensor !== undefined) counted = counted.where('d.sensor', '=', q.sensor);
    const total = await (q.flagged === undefined ? counted : query)
      .select(sql<number>`COUNT(*)`.as('n'))
      .executeTakeFirstOrThrow();
    const rows = await query
      .selectAll('d')
      .select(['a.open', 'a.worst'])
      .orderBy(sql`COALESCE(a.worst, -1)`, 'desc')
      .orderBy('d.id')
      .limit(q.limit)
      .offset(q.offset)
      .execute();
    const ips = await this.ipsOf(rows.map((r) => r.id));
    return { devices: rows.map((r) => listItem(r, ips.get(r.id) ?? [], r.open, r.worst)), total: Number(total.n) };
  }

  async item(id: string, now = new Date().toISOString()): Promise<DeviceListItem | undefined> {
    const r = await this.base(now)
      .selectAll('d')
      .select(['a.open', 'a.worst'])
      .where('d.id', '=', id)
      .executeTakeFirst();
    if (r === undefined) return undefined;
    return listItem(r, (await this.ipsOf([id])).get(id) ?? [], r.open, r.worst);
  }

  private async ipsOf(ids: readonly string[]): Promise<Map<string, { ip: string; first: string; last: string }[]>> {
    const out = new Map<string, { ip: string; first: string; last: string }[]>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('device_addresses')
      .select(['device_id', 'ip', 'first', 'last'])
      .where('device_id', 'in', ids)
      .orderBy('device_id')
      .orderBy('first')
      .execute();
    for (const r of rows) {
      let l = out.get(r.device_id);
      if (l === undefined) out.set(r.device_id, (l = []));
      l.push({ ip: r.ip, first: r.first, last: r.last });
    }
    return out;
  }

  async detail(id: string, now = new Date().toISOString()): Promise<DeviceDetail | undefined> {
    const r = await this.base(now)
      .selectAll('d')
      .select(['a.open', 'a.worst'])
      .where('d.id', '=', id)
      .executeTakeFirst();
    if (r === undefined) return undefined;
    const addresses = (await this.ipsOf([id])).get(id) ?? [];
    const item = listItem(r, addresses, r.open, r.worst);
    // DNS answers are per sensor (migration 5): the same 10.x asker on another site is another device.
    const sensor = r.sensor ?? 'local';
    const peers = await this.peers(id, sensor);
    const { traffic, bucketSeconds } = await this.traffic(id);
    const dns = await this.dnsOf(
      addresses.map((a) => a.ip),
      sensor,
    );
    return {
      ...item,
      ...(r.vendor_class !== null ? { vendorClass: r.vendor_class } : {}),
      reasons: parseJson<string[]>(r.reasons, []),
      identifiedBy: parseJson<string[]>(r.identified_by, []),
      advisoryDetails: parseJson<Advisory[]>(r.advisories, []),
      addresses,
      packets: Number(r.packets),
      bytes: Number(r.bytes),
      peers,
      traffic,
      bucketSeconds,
      dns,
      ...tlsOf(r.tls),
    };
  }

  /** The device's peers; a peer is resolved by DNS when an answer on the device's own sensor named it. */
  private async peers(id: string, sensor: string): Promise<Peer[]> {
    const rows = await this.db
      .selectFrom('flows')
      .select([
        'peer_ip',
        'proto',
        'port',
        'app',
        'zone',
        sql<number>`SUM(bytes)`.as('bytes'),
        sql<number>`SUM(packets)`.as('packets'),
        sql<number>`SUM(flows)`.as('flows'),
        sql<number>`MIN(bucket)`.as('first'),
        sql<number>`MAX(bucket)`.as('last'),
      ])
      .where('device_id', '=', id)
      .groupBy(['peer_ip', 'proto', 'port', 'app', 'zone'])
      .orderBy(sql`SUM(bytes)`, 'desc')
      .limit(500)
      .execute();
    const names = new Map<string, string[]>();
    const ips = [...new Set(rows.map((p) => p.peer_ip))];
    for (let i = 0; i < ips.length; i += 400) {
      const part = ips.slice(i, i + 400);
      for (const d of await this.db
        .selectFrom('dns')
        .select(['address', 'name'])
        .distinct()
        .where('sensor', '=', sensor)
        .where('address', 'in', part)
        .execute()) {
        let l = names.get(d.address);
        if (l === undefined) names.set(d.address, (l = []));
        if (!l.includes(d.name)) l.push(d.name);
      }
    }
    return rows.map((p) => {
      const n = (names.get(p.peer_ip) ?? []).sort();
      return {
        ip: p.peer_ip,
        ...(p.port >= 0 ? { port: p.port } : {}),
        proto: p.proto,
        ...(p.app !== '' ? { app: p.app } : {}),
        zone: p.zone === 'outside' ? 'outside' : 'inside',
        resolvedByDns: n.length > 0,
        names: n,
        bytes: Number(p.bytes),
        packets: Number(p.packets),
        flows: Number(p.flows),
        first: new Date(Number(p.first) * 1000).toISOString(),
        last: new Date(Number(p.last) * 1000).toISOString(),
      };
    });
  }

  private async traffic(id: string): Promise<{ traffic: TrafficBucket[]; bucketSeconds: number }> {
    const span = await this.db
      .selectFrom('flows')
      .select([sql<number>`MIN(bucket)`.as('lo'), sql<number>`MAX(bucket)`.as('hi')])
      .where('device_id', '=', id)
      .executeTakeFirst();
    if (span?.lo === null || span?.lo === undefined) return { traffic: [], bucketSeconds: 60 };
    const lo = Number(span.lo);
    const width = Math.max(60, Math.ceil((Number(span.hi) - lo + 60) / 120 / 60) * 60);
    const b = sql<number>`(bucket - ${sql.lit(lo)}) / ${sql.lit(width)}`;
    const rows = await this.db
      .selectFrom('flows')
      .select([
        b.as('b'),
        sql<number>`SUM(CASE WHEN zone = 'outside' THEN 0 ELSE bytes END)`.as('inside'),
        sql<number>`SUM(CASE WHEN zone = 'outside' THEN bytes ELSE 0 END)`.as('outside'),
        sql<number>`SUM(packets)`.as('packets'),
        sql<number>`SUM(flows)`.as('flows'),
      ])
      .where('device_id', '=', id)
      .groupBy(b)
      .orderBy(b)
      .execute();
    return {
      bucketSeconds: width,
      traffic: rows.map((r) => ({
        t: new Date((lo + Math.floor(Number(r.b)) * width) * 1000).toISOString(),
        bytesInside: Number(r.inside),
        bytesOutside: Number(r.outside),
        packets: Number(r.packets),
        flows: Number(r.flows),
      })),
    };
  }

  private async dnsOf(ips: readonly string[], sensor: string): Promise<DnsName[]> {
    if (ips.length === 0) return [];
    const rows = await this.db
      .selectFrom('dns')
      .select(['name', 'address', 'ttl', 'first', 'last', 'count'])
      .where('sensor', '=', sensor)
      .where('asker', 'in', ips)
      .orderBy('name')
      .limit(1000)
      .execute();
    return rows.map((r) => ({ ...r, ttl: Number(r.ttl), count: Number(r.count) }));
  }

  async count(sensor?: string): Promise<number> {
    const r = await this.db
      .selectFrom('devices')
      .select(sql<number>`COUNT(*)`.as('n'))
      .$if(sensor !== undefined, (q) => q.where('sensor', '=', sensor as string))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

/** Substring (case-insensitive) of a device's id, hostname, model or any of its addresses. */
function matching(text: string) {
  const like = `%${text.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`(lower(d.id) LIKE ${like} ESCAPE '\\' OR lower(d.hostname) LIKE ${like} ESCAPE '\\'
    OR lower(d.model) LIKE ${like} ESCAPE '\\'
    OR EXISTS (SELECT 1 FROM device_addresses da WHERE da.device_id = d.id AND da.ip LIKE ${like} ESCAPE '\\'))`;
}

function listItem(
  r: DevicesTable,
  addresses: readonly { ip: string }[],
  open: number | null,
  worst: number | null,
): DeviceListItem {
  const advisories = parseJson<Advisory[]>(r.advisories, []);
  const w = worst === null ? undefined : (SEVERITIES[Number(worst)] as Severity | undefined);
  return {
    id: r.id,
    ips: addresses.map((a) => a.ip),
    ...(r.hostname !== null ? { hostname: r.hostname } : {}),
    ...(r.vendor !== null ? { vendor: r.vendor } : {}),
    ...(r.model !== null ? { model: r.model } : {}),
    ...(r.class !== null ? { class: r.class as DeviceClass } : {}),
    ...(r.confidence !== null ? { confidence: r.confidence } : {}),
    advisories: advisories.map((a) => a.id),
    first: r.first,
    last: r.last,
    openAlerts: Number(open ?? 0),
    ...(w !== undefined ? { worstSeverity: w } : {}),
    flagged: worst !== null && Number(worst) >= FLAG_RANK,
    ...(r.sensor !== undefined ? { sensor: r.sensor } : {}),
  };
}

/** The detail's `tls`, only when the device spoke any. */
function tlsOf(column: string | undefined): Pick<DeviceDetail, 'tls'> {
  const tls = parseTls(column);
  return tls === undefined ? {} : { tls };
}
