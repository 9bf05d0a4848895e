// A sensor's batch (POST /api/ingest, src/contract/ingest.ts) applied exactly once: the batch id
// goes into ingest_batches (sensor, batch) in the same transaction as the batch's writes, so a
// re-sent batch (a retry, a restarted replay) finds its id and changes nothing. Records and rows are
// deltas and are added (accumulate). Device ids of a remote sensor are stored as `<sensor>/<id>`
// (and its alert ids likewise), so the same MAC or 10.x address on two sensors is two devices.
import { type Kysely, sql } from 'kysely';
import type { z } from 'zod';
import { MAX_BREACH_PROXIES } from '../contract/breach.js';
import { type IngestBatch, SensorItem } from '../contract/ingest.js';
import type { AlertRecord, DeviceRecord } from '../contract/records.js';
import { Batch, foldProxyRequest } from './batch.js';
import { IngestWriter, scopedId } from './ingest-writer.js';
import { parseJson } from './json.js';
import type { DB } from './schema.js';

export interface IngestOutcome {
  readonly duplicate: boolean;
  readonly accepted: number;
  readonly devices: string[];
  readonly alerts: string[];
}

export class SensorIngest {
  constructor(private readonly db: Kysely<DB>) {}

  /** The sensor's row, created when missing (a token was made for it, or it enrolled); `site` is set when given. */
  async ensure(name: string, site?: string, now = new Date().toISOString()): Promise<void> {
    await this.db
      .insertInto('sensors')
      .values({
        name,
        site: site ?? null,
        created_at: now,
        last_seen: null,
        newest_record: null,
        batches: 0,
        records: 0,
      })
      .onConflict((oc) =>
        site === undefined ? oc.column('name').doNothing() : oc.column('name').doUpdateSet({ site }),
      )
      .execute();
  }

  /** Every sensor with its tokens, last seq per source, counts, events/s over the last minute and lag. */
  async list(now = new Date()): Promise<SensorItem[]> {
    const sensors = await this.db.selectFrom('sensors').selectAll().orderBy('name').execute();
    const tokens = await this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').execute();
    const sources = await this.db
      .selectFrom('ingest_batches')
      .select(['sensor', 'source', (eb) => eb.fn.max('seq').as('seq'), (eb) => eb.fn.max('at').as('at')])
      .groupBy(['sensor', 'source'])
      .execute();
    const since = new Date(now.getTime() - 60_000).toISOString();
    const recent = await this.db
      .selectFrom('ingest_batches')
      .select(['sensor', (eb) => eb.fn.sum<number>('events').as('n')])
      .where('at', '>=', since)
      .groupBy('sensor')
      .execute();
    const rate = new Map(recent.map((r) => [r.sensor, Number(r.n) / 60]));
    return sensors.map((s) => {
      const capture = columnOf(SensorItem.shape.capture, s.capture);
      const tcpGaps = columnOf(SensorItem.shape.tcpGaps, s.tcp_gaps);
      return {
        name: s.name,
        ...(s.site !== null ? { site: s.site } : {}),
        tokens: tokens
          .filter((t) => t.name === s.name)
          .map((t) => ({
            id: t.id,
            name: t.name,
            scope: t.scope,
            createdAt: t.created_at,
            ...(t.revoked_at !== null ? { revokedAt: t.revoked_at } : {}),
            ...(t.last_used_at !== null ? { lastUsedAt: t.last_used_at } : {}),
          })),
        ...(s.last_seen !== null ? { lastSeen: s.last_seen } : {}),
        sources: sources
          .filter((x) => x.sensor === s.name)
          .map((x) => ({ source: x.source, lastSeq: Number(x.seq), at: String(x.at) })),
        batches: Number(s.batches),
        records: Number(s.records),
        eventsPerSecond: rate.get(s.name) ?? 0,
        ...(s.newest_record !== null
          ? { lagSeconds: Math.max(0, (now.getTime() - Date.parse(s.newest_record)) / 1000) }
          : {}),
        ...(capture !== undefined ? { capture } : {}),
        ...(tcpGaps !== undefined ? { tcpGaps } : {}),
      };
    });
  }

  async apply(b: IngestBatch, now = new Date().toISOString()): Promise<IngestOutcome> {
    const s = b.sensor;
    const id = (x: string) => scopedId(s, x);
    const devices: DeviceRecord[] = [];
    const alerts: AlertRecord[] = [];
    let newest: string | undefined;
    for (const r of b.records) {
      if (newest === undefined || r.last > newest) newest = r.last;
      if (r.type === 'device') devices.push({ ...r, id: id(r.id) });
      else alerts.push({ ...r, device: { ...r.device, id: id(r.device.id) } });
    }
    const batch = toBatch(b, id);
    const accepted = b.records.length + batch.rows;
    // Round trips matter on PostgreSQL: the ledger row first (a duplicate stops there), the writes
    // as multi-row upserts, and the sensor's row in one upsert at the end.
    return this.db.transaction().execute(async (trx) => {
      const ins = await trx
        .insertInto('ingest_batches')
        .values({
          sensor: s,
          batch: b.batch,
          source: b.source,
          seq: b.seq,
          records: b.records.length,
          events: accepted,
          at: now,
        })
        .onConflict((oc) => oc.columns(['sensor', 'batch']).doNothing())
        .executeTakeFirst();
      if (Number(ins.numInsertedOrUpdatedRows ?? 0n) === 0) {
        // applied before, so the sensor's row exists
        await trx.updateTable('sensors').set({ last_seen: now }).where('name', '=', s).execute();
        return { duplicate: true, accepted: 0, devices: [], alerts: [] };
      }
      const w = new IngestWriter(this.db, trx);
      const opts = { accumulate: true, sensor: s };
      const changedDevices = await w.devices(devices, opts);
      const changedAlerts = await w.alerts(alerts, opts);
      await w.batch(batch);
      const capture = b.capture === undefined ? null : JSON.stringify({ ...b.capture, source: b.source, at: now });
      const tcpGaps = b.tcpGaps === undefined ? null : JSON.stringify({ ...b.tcpGaps, source: b.source, at: now });
      await trx
        .insertInto('sensors')
        .values({
          name: s,
          site: null,
          created_at: now,
          last_seen: now,
          newest_record: newest ?? null,
          batches: 1,
          records: b.records.length,
          capture,
          tcp_gaps: tcpGaps,
        })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet((eb) => ({
            last_seen: now,
            batches: eb('sensors.batches', '+', 1),
            records: eb('sensors.records', '+', b.records.length),
            newest_record: sql<
              string | null
            >`CASE WHEN sensors.newest_record IS NULL OR excluded.newest_record > sensors.newest_record THEN excluded.newest_record ELSE sensors.newest_record END`,
            // The latest counts win; a batch without any keeps what the sensor said before.
            capture: sql<string | null>`COALESCE(excluded.capture, sensors.capture)`,
            tcp_gaps: sql<string | null>`COALESCE(excluded.tcp_gaps, sensors.tcp_gaps)`,
          })),
        )
        .execute();
      return { duplicate: false, accepted, devices: changedDevices, alerts: changedAlerts };
    });
  }
}

/** A sensor row's JSON column read with `schema` (the list's field); undefined for NULL or a damaged value. */
function columnOf<T>(schema: z.ZodType<T>, text: string | null): T | undefined {
  const r = schema.safeParse(parseJson<unknown>(text, undefined));
  return r.success ? r.data : undefined;
}

/** The batch's rows as a store Batch, device ids scoped, rows of the same key merged (one upsert each). */
function toBatch(b: IngestBatch, id: (x: string) => string): Batch {
  const out = new Batch();
  const s = b.sensor;
  for (const f of b.rows.flows) {
    const row = { ...f, device_id: id(f.device_id), sensor: s };
    const k = `${row.device_id}|${f.peer_ip}|${f.proto}|${f.port}|${f.app}|${f.bucket}`;
    const cur = out.flows.get(k);
    if (cur === undefined) out.flows.set(k, row);
    else {
      cur.flows += f.flows;
      cur.packets += f.packets;
      cur.bytes += f.bytes;
    }
  }
  for (const a of b.rows.addresses) {
    const row = { ...a, device_id: id(a.device_id), sensor: s };
    const k = `${row.device_id}|${a.ip}`;
    const cur = out.addresses.get(k);
    if (cur === undefined) out.addresses.set(k, row);
    else {
      if (a.first < cur.first) cur.first = a.first;
      if (a.last > cur.last) cur.last = a.last;
    }
  }
  for (const d of b.rows.dns) {
    const k = `${d.asker}|${d.name}|${d.address}`;
    const cur = out.dns.get(k);
    if (cur === undefined) out.dns.set(k, { ...d, sensor: s });
    else {
      cur.count += d.count;
      cur.ttl = d.ttl;
      if (d.last > cur.last) cur.last = d.last;
    }
  }
  for (const e of b.rows.exposure) {
    const k = `${e.ip}|${e.port}`;
    const cur = out.exposure.get(k);
    const devices = e.devices.map(id);
    if (cur === undefined)
      out.exposure.set(k, {
        ...e,
        fields: new Set(e.fields),
        devices: new Set(devices),
        proxies: new Set(e.proxies),
      });
    else {
      cur.messages += e.messages;
      for (const p of e.proxies) if (cur.proxies.size < MAX_BREACH_PROXIES) cur.proxies.add(p);
      if (e.direct) cur.direct = true;
      if (e.first < cur.first) cur.first = e.first;
      if (e.last > cur.last) cur.last = e.last;
      for (const f of e.fields) cur.fields.add(f);
      for (const d of devices) cur.devices.add(d);
    }
  }
  for (const p of b.rows.patients) out.patients.set(`${p.ip}|${p.port}|${p.patient_hash}`, { ...p, sensor: s });
  for (const m of b.rows.minutes) {
    const k = `${m.ip}|${m.port}|${m.minute}`;
    const cur = out.minutes.get(k);
    if (cur === undefined) out.minutes.set(k, { ...m });
    else cur.messages += m.messages;
  }
  // Bounded per (device, proxy) as the Ingestor bounds its own (and the writer again over what is stored).
  for (const r of b.rows.proxyRequests) foldProxyRequest(out, { ...r, device_id: id(r.device_id), sensor: s });
  out.events = b.records.length;
  return out;
}
