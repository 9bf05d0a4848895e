// Alert reads and the two state changes a person makes: acknowledge (with a comment) and
// suppress (with a reason and an expiry). State is derived: suppressed while a suppression is
// live, else acknowledged once acknowledged, else open.
import { type Kysely, sql } from 'kysely';
import type { Alert, AlertListQuery, AlertState, AlertSuppression } from '../contract/api.js';
import { SEVERITIES, type Severity } from '../contract/records.js';
import { openAlert } from './devices.js';
import type { AlertsTable, DB } from './schema.js';
import { parseJson } from './json.js';

export class AlertQueries {
  constructor(private readonly db: Kysely<DB>) {}

  async list(q: AlertListQuery, now = new Date().toISOString()): Promise<{ alerts: Alert[]; total: number }> {
    let query = this.db.selectFrom('alerts');
    if (q.state === 'open') query = query.where(openAlert(now));
    if (q.state === 'suppressed') query = query.where('suppressed_until', '>', now);
    if (q.state === 'acknowledged')
      query = query
        .where('ack_at', 'is not', null)
        .where((eb) => eb.or([eb('suppressed_until', 'is', null), eb('suppressed_until', '<=', now)]));
    if (q.severity !== undefined) query = query.where('sev_rank', '>=', SEVERITIES.indexOf(q.severity));
    if (q.rule !== undefined) query = query.where('rule', '=', q.rule);
    if (q.device !== undefined) query = query.where('device_id', '=', q.device);
    if (q.sensor !== undefined) query = query.where('sensor', '=', q.sensor);
    const total = await query.select(sql<number>`COUNT(*)`.as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .selectAll()
      .orderBy('sev_rank', 'desc')
      .orderBy('last', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute();
    return { alerts: await this.withSuppressions(rows, now), total: Number(total.n) };
  }

  async get(id: string, now = new Date().toISOString()): Promise<Alert | undefined> {
    const r = await this.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : (await this.withSuppressions([r], now))[0];
  }

  async getMany(ids: readonly string[], now = new Date().toISOString()): Promise<Alert[]> {
    const out: Alert[] = [];
    for (let i = 0; i < ids.length; i += 400) {
      const rows = await this.db
        .selectFrom('alerts')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + 400))
        .execute();
      out.push(...(await this.withSuppressions(rows, now)));
    }
    return out;
  }

  /** Alerts from rows, each with its latest suppression (reason, who, when, expiry) when it has one. */
  private async withSuppressions(rows: readonly AlertsTable[], now: string): Promise<Alert[]> {
    const ids = rows.filter((r) => r.suppressed_until !== null).map((r) => r.id);
    const latest = new Map<string, AlertSuppression>();
    if (ids.length > 0) {
      const sup = await this.db
        .selectFrom('suppressions')
        .selectAll()
        .where('alert_id', 'in', ids)
        .orderBy('id', 'desc')
        .execute();
      for (const s of sup)
        if (!latest.has(s.alert_id))
          latest.set(s.alert_id, { by: s.by, at: s.at, reason: s.reason, expires: s.expires });
    }
    return rows.map((r) => {
      const a = toAlert(r, now);
      const s = latest.get(r.id);
      return s === undefined ? a : { ...a, suppression: s };
    });
  }

  /** Acknowledge; undefined when there is no such alert. */
  async ack(id: string, by: string, comment: string, at = new Date().toISOString()): Promise<Alert | undefined> {
    const r = await this.db
      .updateTable('alerts')
      .set({ ack_by: by, ack_at: at, ack_comment: comment })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return undefined;
    return this.get(id, at);
  }

  async suppress(
    id: string,
    by: string,
    reason: string,
    expires: string,
    at = new Date().toISOString(),
  ): Promise<Alert | undefined> {
    const done = await this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('alerts')
        .set({ suppressed_until: expires })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await trx.insertInto('suppressions').values({ alert_id: id, reason, expires, by, at }).execute();
      return true;
    });
    return done ? this.get(id, at) : undefined;
  }

  async counts(now = new Date().toISOString()): Promise<{
    open: number;
    acknowledged: number;
    suppressed: number;
    bySeverity: Record<Severity, number>;
  }> {
    const rows = await this.db
      .selectFrom('alerts')
      .select([
        'severity',
        sql<number>`SUM(CASE WHEN ${openAlert(now)} THEN 1 ELSE 0 END)`.as('open'),
        sql<number>`SUM(CASE WHEN suppressed_until > ${now} THEN 1 ELSE 0 END)`.as('suppressed'),
        sql<number>`SUM(CASE WHEN ack_at IS NOT NULL AND NOT (suppressed_until IS NOT NULL AND suppressed_until > ${now}) THEN 1 ELSE 0 END)`.as(
          'acknowledged',
        ),
      ])
      .groupBy('severity')
      .execute();
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    let open = 0;
    let acknowledged = 0;
    let suppressed = 0;
    for (const r of rows) {
      open += Number(r.open);
      acknowledged += Number(r.acknowledged);
      suppressed += Number(r.suppressed);
      if (r.severity in bySeverity) bySeverity[r.severity as Severity] = Number(r.open);
    }
    return { open, acknowledged, suppressed, bySeverity };
  }
}

export function alertState(r: Pick<AlertsTable, 'ack_at' | 'suppressed_until'>, now: string): AlertState {
  if (r.suppressed_until !== null && r.suppressed_until > now) return 'suppressed';
  return r.ack_at !== null ? 'acknowledged' : 'open';
}

function toAlert(r: AlertsTable, now: string): Alert {
  const state = alertState(r, now);
  return {
    id: r.id,
    rule: r.rule,
    severity: r.severity as Severity,
    first: r.first,
    last: r.last,
    count: Number(r.count),
    src: {
      ip: r.src_ip,
      ...(r.src_port !== null ? { port: r.src_port } : {}),
      ...(r.src_mac !== null ? { mac: r.src_mac } : {}),
    },
    dst: { ip: r.dst_ip, ...(r.dst_port !== null ? { port: r.dst_port } : {}) },
    device: { id: r.device_id, ...(r.device_model !== null ? { model: r.device_model } : {}) },
    message: r.message,
    evidence: parseJson<Record<string, unknown>>(r.evidence, {}),
    state,
    ...(r.ack_at !== null ? { ack: { by: r.ack_by ?? '', at: r.ack_at, comment: r.ack_comment ?? '' } } : {}),
  };
}
