// The breach report from the exposure tables (distinct salted hashes per destination, counted,
// never returned), firmware audits, and the totals of the overview.
import { type Kysely, sql } from 'kysely';
import type { FirmwareAudit } from '../contract/api.js';
import { type BreachReport, NOTIFY_THRESHOLD } from '../contract/breach.js';
import type { DB } from './schema.js';
import { parseJson } from './json.js';

export class ReportQueries {
  constructor(private readonly db: Kysely<DB>) {}

  async breach(): Promise<BreachReport> {
    const dests = await this.db.selectFrom('exposure_destinations').selectAll().execute();
    const counts = await this.db
      .selectFrom('exposure_patients')
      .select(['ip', 'port', sql<number>`COUNT(*)`.as('n')])
      .groupBy(['ip', 'port'])
      .execute();
    const patients = new Map(counts.map((c) => [`${c.ip}|${c.port}`, Number(c.n)]));
    const minutes = await this.db.selectFrom('exposure_minutes').selectAll().orderBy('minute').execute();
    const timeline = new Map<string, [string, number][]>();
    for (const m of minutes) {
      const k = `${m.ip}|${m.port}`;
      let l = timeline.get(k);
      if (l === undefined) timeline.set(k, (l = []));
      l.push([m.minute, Number(m.messages)]);
    }
    const total = await this.db
      .selectFrom('exposure_patients')
      .select(sql<number>`COUNT(DISTINCT patient_hash)`.as('n'))
      .executeTakeFirstOrThrow();
    const destinations = dests
      .map((d) => {
        const k = `${d.ip}|${d.port}`;
        const n = patients.get(k) ?? 0;
        return {
          ip: d.ip,
          port: d.port,
          protocol: d.protocol,
          patients: n,
          messages: Number(d.messages),
          first: d.first,
          last: d.last,
          fields: parseJson<string[]>(d.fields, []),
          devices: parseJson<string[]>(d.devices, []),
          notify: n >= NOTIFY_THRESHOLD,
          timeline: timeline.get(k) ?? [],
        };
      })
      .sort((a, b) => b.patients - a.patients || b.messages - a.messages || a.ip.localeCompare(b.ip));
    const patientsTotal = Number(total.n);
    return {
      destinations,
      totals: {
        patients: patientsTotal,
        messages: destinations.reduce((s, d) => s + d.messages, 0),
        destinations: destinations.length,
        notify: patientsTotal >= NOTIFY_THRESHOLD,
      },
      threshold: NOTIFY_THRESHOLD,
    };
  }

  async addFirmware(a: FirmwareAudit): Promise<void> {
    await this.db
      .insertInto('firmware_audits')
      .values({
        id: a.id,
        image: a.image,
        format: a.format,
        files: a.files,
        findings: JSON.stringify(a.findings),
        components: JSON.stringify(a.components),
        at: a.at,
        sha256: a.sha256 ?? null,
        model: a.model ?? null,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          files: a.files,
          findings: JSON.stringify(a.findings),
          components: JSON.stringify(a.components),
          at: a.at,
          model: a.model ?? null,
        }),
      )
      .execute();
  }

  async firmware(): Promise<FirmwareAudit[]> {
    const rows = await this.db.selectFrom('firmware_audits').selectAll().orderBy('at', 'desc').limit(500).execute();
    return rows.map((r) => ({
      id: r.id,
      image: r.image,
      format: r.format,
      files: Number(r.files),
      findings: parseJson<FirmwareAudit['findings']>(r.findings, []),
      components: parseJson<FirmwareAudit['components']>(r.components, []),
      at: r.at,
      ...(r.sha256 !== null ? { sha256: r.sha256 } : {}),
      ...(r.model !== null ? { model: r.model } : {}),
    }));
  }

  private totals: { at: number; value: Promise<{ flows: number; first?: string; last?: string }> } | undefined;

  /** Flows stored and the time span of the traffic; a full scan, so reused for a few seconds. */
  flowTotals(maxAgeMs = 5000): Promise<{ flows: number; first?: string; last?: string }> {
    const now = Date.now();
    if (this.totals === undefined || now - this.totals.at > maxAgeMs)
      this.totals = { at: now, value: this.scanTotals() };
    return this.totals.value;
  }

  private async scanTotals(): Promise<{ flows: number; first?: string; last?: string }> {
    const r = await this.db
      .selectFrom('flows')
      .select([sql<number>`COALESCE(SUM(flows), 0)`.as('n')])
      .executeTakeFirstOrThrow();
    const span = await this.db
      .selectFrom('devices')
      .select([sql<string | null>`MIN(first)`.as('first'), sql<string | null>`MAX(last)`.as('last')])
      .executeTakeFirstOrThrow();
    return {
      flows: Number(r.n),
      ...(span.first !== null ? { first: span.first } : {}),
      ...(span.last !== null ? { last: span.last } : {}),
    };
  }
}
