// Writes: a Batch from the live pipeline, and snapshots of devices and alerts (upserted by their
// stable keys). Each call is one transaction: a crash loses at most the call in flight.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { AlertRecord, DeviceRecord } from '../contract/records.js';
import { alertId, severityRank } from '../contract/records.js';
import { MAX_PROXIED } from '../contract/policy-api.js';
import { type Batch, mergeProxyRequest, proxyPairKey, proxyRequestKey } from './batch.js';
import { tlsColumn } from './device-tls.js';
import type { AlertsTable, DB, DevicesTable, ProxyRequestsTable } from './schema.js';

const CHUNK = 400;

/**
 * Rows sorted by a key: rows shared by every sensor (a destination's exposure, its minutes and
 * patients) are written in one global order, so two batches upserting the same keys wait on each
 * other in that order on PostgreSQL and cannot deadlock (`deadlock detected` would fail one, and
 * the sensor would have to send it again).
 */
function inKeyOrder<T>(rows: Iterable<T>, key: (r: T) => string): T[] {
  return [...rows]
    .map((r) => [key(r), r] as const)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .map(([, r]) => r);
}

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
}

/** The stable id of an alert (defined with the record; incidents list alerts by it). */
export { alertId };

export interface SnapshotOptions {
  /** Add counts to what is stored (each snapshot covers new traffic) instead of replacing them. */
  readonly accumulate?: boolean;
  /** The sensor the records came from (migration 4): stored in the row's `sensor` column and, unless
   * 'local', prefixed to alert ids (`<sensor>/<key>`) so two sensors' alerts are two rows. Device ids
   * arrive already scoped (src/store/sensor-ingest.ts). */
  readonly sensor?: string;
}

/** A remote sensor's key for a device or alert id; the console's own data ('local') keeps the bare id. */
export function scopedId(sensor: string | undefined, id: string): string {
  return sensor === undefined || sensor === 'local' ? id : `${sensor}/${id}`;
}

export class IngestWriter {
  /** `trx`: an open transaction to write in (a sensor batch: src/store/sensor-ingest.ts), instead of one per call. */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly trx?: Transaction<DB>,
  ) {}

  private run<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.trx !== undefined ? fn(this.trx) : this.db.transaction().execute(fn);
  }

  async batch(b: Batch): Promise<void> {
    if (b.rows === 0) return;
    await this.run(async (trx) => {
      for (const rows of chunks([...b.flows.values()]))
        await trx
          .insertInto('flows')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['device_id', 'peer_ip', 'proto', 'port', 'app', 'bucket']).doUpdateSet((eb) => ({
              flows: eb('flows.flows', '+', eb.ref('excluded.flows')),
              packets: eb('flows.packets', '+', eb.ref('excluded.packets')),
              bytes: eb('flows.bytes', '+', eb.ref('excluded.bytes')),
            })),
          )
          .execute();
      await upsertAddresses(trx, [...b.addresses.values()]);
      for (const rows of chunks([...b.dns.values()]))
        await trx
          .insertInto('dns')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['sensor', 'asker', 'name', 'address']).doUpdateSet((eb) => ({
              count: eb('dns.count', '+', eb.ref('excluded.count')),
              ttl: eb.ref('excluded.ttl'),
              last: eb.ref('excluded.last'),
            })),
          )
          .execute();
      await upsertProxyRequests(trx, [...b.proxyRequests.values()]);
      for (const rows of chunks(inKeyOrder(b.patients.values(), (p) => `${p.ip}|${p.port}|${p.patient_hash}`)))
        await trx
          .insertInto('exposure_patients')
          .values(rows)
          .onConflict((oc) => oc.doNothing())
          .execute();
      // How the records got there: rows only ever added, so concurrent batches need no lock of
      // ours. In key order, so two batches inserting the same new keys wait on each other in one
      // order on PostgreSQL and cannot deadlock.
      const via = [...b.exposure.values()].flatMap((d) => [
        ...(d.direct ? [{ ip: d.ip, port: d.port, via: '' }] : []),
        ...[...d.proxies].map((p) => ({ ip: d.ip, port: d.port, via: p })),
      ]);
      for (const rows of chunks(inKeyOrder(via, (r) => `${r.ip}|${r.port}|${r.via}`)))
        await trx
          .insertInto('exposure_via')
          .values(rows)
          .onConflict((oc) => oc.doNothing())
          .execute();
      for (const rows of chunks(inKeyOrder(b.minutes.values(), (m) => `${m.ip}|${m.port}|${m.minute}`)))
        await trx
          .insertInto('exposure_minutes')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['ip', 'port', 'minute']).doUpdateSet((eb) => ({
              messages: eb('exposure_minutes.messages', '+', eb.ref('excluded.messages')),
            })),
          )
          .execute();
      for (const d of inKeyOrder(b.exposure.values(), (e) => `${e.ip}|${e.port}`)) {
        // A destination's row is shared by every sensor (and the console's own ward), so two
        // batches may add to it at once. Take its row lock first — an upsert whose update changes
        // nothing, or the insert of an empty row — and only then read, merge and write: on
        // PostgreSQL (READ COMMITTED) a plain read-then-update lost the other's messages (the
        // sensor e2e test saw 96 of 109); SQLite runs one transaction at a time anyway.
        await trx
          .insertInto('exposure_destinations')
          .values({
            ip: d.ip,
            port: d.port,
            protocol: d.protocol,
            messages: 0,
            first: d.first,
            last: d.last,
            fields: '[]',
            devices: '[]',
          })
          .onConflict((oc) =>
            oc.columns(['ip', 'port']).doUpdateSet((eb) => ({ messages: eb.ref('exposure_destinations.messages') })),
          )
          .execute();
        const cur = await trx
          .selectFrom('exposure_destinations')
          .selectAll()
          .where('ip', '=', d.ip)
          .where('port', '=', d.port)
          .executeTakeFirst();
        const fields = new Set([...parseList(cur?.fields), ...d.fields]);
        const devices = new Set([...parseList(cur?.devices), ...d.devices]);
        const row = {
          ip: d.ip,
          port: d.port,
          protocol: d.protocol,
          messages: (cur?.messages ?? 0) + d.messages,
          first: cur !== undefined && cur.first < d.first ? cur.first : d.first,
          last: cur !== undefined && cur.last > d.last ? cur.last : d.last,
          fields: JSON.stringify([...fields].sort()),
          devices: JSON.stringify([...devices].sort()),
        };
        await trx
          .updateTable('exposure_destinations')
          .set(row)
          .where('ip', '=', d.ip)
          .where('port', '=', d.port)
          .execute();
      }
    });
  }

  /** Upsert device records by id; returns the ids that are new or changed. */
  async devices(records: readonly DeviceRecord[], opts: SnapshotOptions = {}): Promise<string[]> {
    if (records.length === 0) return [];
    return this.run(async (trx) => {
      const changed: string[] = [];
      const existing = new Map<string, DevicesTable>();
      for (const ids of chunks(records.map((r) => r.id)))
        for (const row of await trx.selectFrom('devices').selectAll().where('id', 'in', ids).execute())
          existing.set(row.id, row);
      const addresses = [];
      const rows: DevicesTable[] = [];
      for (const r of records) {
        const cur = existing.get(r.id);
        const row = deviceRow(r, cur, opts.accumulate === true);
        if (opts.sensor !== undefined) row.sensor = opts.sensor;
        for (const ip of r.ips)
          addresses.push({
            device_id: r.id,
            ip,
            first: r.first,
            last: r.last,
            ...(opts.sensor !== undefined ? { sensor: opts.sensor } : {}),
          });
        if (cur !== undefined && sameRow(cur, row)) continue;
        changed.push(r.id);
        existing.set(r.id, row); // the same id twice in one call: the second builds on the first
        rows.push(row);
      }
      await upsertById(
        trx,
        'devices',
        rows,
        opts.sensor !== undefined ? [...DEVICE_COLUMNS, 'sensor'] : DEVICE_COLUMNS,
      );
      await upsertAddresses(trx, addresses);
      return changed;
    });
  }

  /** Upsert alert records by their stable id, keeping acknowledgement and suppression; returns new or changed ids. */
  async alerts(records: readonly AlertRecord[], opts: SnapshotOptions = {}): Promise<string[]> {
    if (records.length === 0) return [];
    return this.run(async (trx) => {
      const changed: string[] = [];
      const existing = new Map<string, AlertsTable>();
      const idOf = (r: AlertRecord) => scopedId(opts.sensor, alertId(r));
      for (const ids of chunks(records.map(idOf)))
        for (const row of await trx.selectFrom('alerts').selectAll().where('id', 'in', ids).execute())
          existing.set(row.id, row);
      const rows: AlertsTable[] = [];
      for (const r of records) {
        const id = idOf(r);
        const cur = existing.get(id);
        const acc = opts.accumulate === true && cur !== undefined;
        const row = {
          rule: r.rule,
          severity: r.severity,
          sev_rank: severityRank(r.severity),
          first: cur !== undefined && cur.first < r.first ? cur.first : r.first,
          last: cur !== undefined && cur.last > r.last ? cur.last : r.last,
          count: acc ? cur.count + r.count : r.count,
          src_ip: r.src.ip,
          src_port: r.src.port ?? null,
          src_mac: r.src.mac ?? null,
          dst_ip: r.dst.ip,
          dst_port: r.dst.port ?? null,
          device_id: r.device.id,
          device_model: r.device.model ?? null,
          message: r.message,
          evidence: JSON.stringify(r.evidence),
        };
        if (cur !== undefined && cur.count === row.count && cur.last === row.last && cur.severity === row.severity)
          continue;
        // A new row starts unacknowledged; an existing one keeps its acknowledgement and suppression.
        const full: AlertsTable = {
          id,
          ...row,
          ack_by: cur?.ack_by ?? null,
          ack_at: cur?.ack_at ?? null,
          ack_comment: cur?.ack_comment ?? null,
          suppressed_until: cur?.suppressed_until ?? null,
          ...(opts.sensor !== undefined
            ? { sensor: opts.sensor }
            : cur?.sensor !== undefined
              ? { sensor: cur.sensor }
              : {}),
        };
        existing.set(id, full);
        rows.push(full);
        changed.push(id);
      }
      // The update leaves ack_*, suppressed_until and sensor as stored (not in ALERT_COLUMNS).
      await upsertById(trx, 'alerts', rows, ALERT_COLUMNS);
      return changed;
    });
  }
}

/**
 * Insert `rows` by id, or on conflict set `columns` from the new row: one multi-row statement per
 * chunk instead of one per row (round trips on PostgreSQL); the same id twice, the last one wins.
 */
async function upsertById<T extends 'devices' | 'alerts'>(
  trx: Transaction<DB>,
  table: T,
  rows: readonly DB[T][],
  columns: readonly (keyof DB[T] & string)[],
): Promise<void> {
  for (const part of chunks(dedupeLast(rows, (r) => r.id)))
    await trx
      .insertInto(table)
      .values(part as never)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => {
          const set: Record<string, unknown> = {};
          for (const k of columns) set[k] = eb.ref(`excluded.${k}` as never);
          return set as never;
        }),
      )
      .execute();
}

/**
 * What devices asked proxies for (migration 7), bounded at MAX_PROXIED targets per (device, proxy)
 * over everything stored: a target the pair does not have yet while it has MAX_PROXIED already is
 * added to the pair's `target_host` '' row instead. Each pair's '' row is upserted first, in key
 * order (an update that changes nothing when it exists): its row lock makes two batches adding
 * targets to one pair on PostgreSQL count and add one after the other, so the bound holds, and the
 * one global order means they cannot deadlock. Then the pairs' stored targets are read and every
 * row upserted, in key order, counts added; new targets take the free places in the order first
 * asked.
 */
async function upsertProxyRequests(trx: Transaction<DB>, rows: readonly ProxyRequestsTable[]): Promise<void> {
  if (rows.length === 0) return;
  const pairs = new Map<string, ProxyRequestsTable>();
  for (const r of rows) {
    const k = proxyPairKey(r);
    const p = pairs.get(k);
    if (p === undefined) pairs.set(k, { ...r, target_host: '', target_port: -1, requests: 0, refused: 0 });
    else {
      if (r.first < p.first) p.first = r.first;
      if (r.last > p.last) p.last = r.last;
    }
  }
  for (const part of chunks(inKeyOrder(pairs.values(), proxyRequestKey)))
    await trx
      .insertInto('proxy_requests')
      .values(part)
      .onConflict((oc) =>
        oc
          .columns(['device_id', 'proxy_ip', 'proxy_port', 'target_host', 'target_port'])
          .doUpdateSet((eb) => ({ requests: eb.ref('proxy_requests.requests') })),
      )
      .execute();
  const stored = new Set<string>();
  const counts = new Map<string, number>();
  const devices = [...new Set(rows.map((r) => r.device_id))];
  for (const ids of chunks(devices))
    for (const r of await trx
      .selectFrom('proxy_requests')
      .select(['device_id', 'proxy_ip', 'proxy_port', 'target_host', 'target_port'])
      .where('device_id', 'in', ids)
      .where('target_host', '<>', '')
      .execute()) {
      const row = { ...r, proxy_port: Number(r.proxy_port), target_port: Number(r.target_port) };
      const pair = proxyPairKey(row);
      if (!pairs.has(pair)) continue;
      stored.add(proxyRequestKey(row));
      counts.set(pair, (counts.get(pair) ?? 0) + 1);
    }
  const out = new Map<string, ProxyRequestsTable>();
  for (const r of inKeyOrder(rows, (x) => `${x.first}|${proxyRequestKey(x)}`)) {
    let k = proxyRequestKey(r);
    let row = r;
    if (r.target_host !== '' && !stored.has(k)) {
      const pair = proxyPairKey(r);
      const n = counts.get(pair) ?? 0;
      if (n < MAX_PROXIED) counts.set(pair, n + 1);
      else {
        row = { ...r, target_host: '', target_port: -1 };
        k = proxyRequestKey(row);
      }
    }
    const have = out.get(k);
    if (have === undefined) out.set(k, { ...row });
    else mergeProxyRequest(have, row);
  }
  for (const part of chunks(inKeyOrder(out.values(), proxyRequestKey)))
    await trx
      .insertInto('proxy_requests')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['device_id', 'proxy_ip', 'proxy_port', 'target_host', 'target_port']).doUpdateSet((eb) => ({
          requests: eb('proxy_requests.requests', '+', eb.ref('excluded.requests')),
          refused: eb('proxy_requests.refused', '+', eb.ref('excluded.refused')),
          first: sql<string>`CASE WHEN excluded.first < proxy_requests.first THEN excluded.first ELSE proxy_requests.first END`,
          last: sql<string>`CASE WHEN excluded.last > proxy_requests.last THEN excluded.last ELSE proxy_requests.last END`,
        })),
      )
      .execute();
}

async function upsertAddresses(
  trx: Transaction<DB>,
  rows: readonly { device_id: string; ip: string; first: string; last: string; sensor?: string }[],
): Promise<void> {
  const byKey = new Map<string, (typeof rows)[number]>();
  for (const r of rows) byKey.set(`${r.device_id}|${r.ip}`, r);
  for (const part of chunks([...byKey.values()]))
    await trx
      .insertInto('device_addresses')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['device_id', 'ip']).doUpdateSet({
          first: sql<string>`CASE WHEN excluded.first < device_addresses.first THEN excluded.first ELSE device_addresses.first END`,
          last: sql<string>`CASE WHEN excluded.last > device_addresses.last THEN excluded.last ELSE device_addresses.last END`,
        }),
      )
      .execute();
}

/** The device columns an upsert writes (everything but the key and the sensor). */
const DEVICE_COLUMNS = [
  'hostname',
  'vendor_class',
  'vendor',
  'model',
  'class',
  'confidence',
  'reasons',
  'identified_by',
  'advisories',
  'first',
  'last',
  'packets',
  'bytes',
  'tls',
] as const satisfies readonly (keyof DevicesTable)[];

/** The alert columns an upsert of an existing alert writes (not its acknowledgement, suppression or sensor). */
const ALERT_COLUMNS = [
  'rule',
  'severity',
  'sev_rank',
  'first',
  'last',
  'count',
  'src_ip',
  'src_port',
  'src_mac',
  'dst_ip',
  'dst_port',
  'device_id',
  'device_model',
  'message',
  'evidence',
] as const satisfies readonly (keyof AlertsTable)[];

/** One row per key, the last one (an upsert may not touch a row twice in one statement). */
function dedupeLast<T>(rows: readonly T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of rows) m.set(key(r), r);
  return [...m.values()];
}

function deviceRow(r: DeviceRecord, cur: DevicesTable | undefined, accumulate: boolean): DevicesTable {
  return {
    id: r.id,
    hostname: r.hostname ?? cur?.hostname ?? null,
    vendor_class: r.vendorClass ?? cur?.vendor_class ?? null,
    vendor: r.vendor ?? cur?.vendor ?? null,
    model: r.model ?? cur?.model ?? null,
    class: r.class ?? cur?.class ?? null,
    confidence: r.confidence ?? cur?.confidence ?? null,
    reasons: JSON.stringify(r.reasons ?? []),
    identified_by: JSON.stringify(r.identifiedBy ?? []),
    advisories: JSON.stringify(r.advisories),
    first: cur !== undefined && cur.first < r.first ? cur.first : r.first,
    last: cur !== undefined && cur.last > r.last ? cur.last : r.last,
    packets: (accumulate && cur ? cur.packets : 0) + (r.packets ?? 0),
    bytes: (accumulate && cur ? cur.bytes : 0) + (r.bytes ?? 0),
    tls: tlsColumn(r.tls, cur?.tls),
  };
}

function sameRow(a: DevicesTable, b: DevicesTable): boolean {
  for (const k of Object.keys(b) as (keyof DevicesTable)[]) if (a[k] !== b[k]) return false;
  return true;
}

function parseList(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}
