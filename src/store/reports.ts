// The breach report from the exposure tables (distinct salted hashes per destination, counted,
// never returned), firmware audits, and the totals of the overview.
import { type Kysely, sql } from 'kysely';
import type { FirmwareAudit } from '../contract/api.js';
import { LOCAL_SENSOR } from '../contract/ingest.js';
import { type BreachReport, MAX_BREACH_PROXIES, NOTIFY_THRESHOLD } from '../contract/breach.js';
import type { DB } from './schema.js';
import { parseJson } from './json.js';

export class ReportQueries {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * `sensor` (issue 20): that sensor's part: destinations its devices sent to or its patient hashes
   * were seen at, patients from its hashes (a hash is kept once per destination, under the sensor
   * that reported it first), its devices only; messages and timeline stay per destination.
   */
  async breach(sensor?: string): Promise<BreachReport> {
    let dests = await this.db.selectFrom('exposure_destinations').selectAll().execute();
    const counts = await this.db
      .selectFrom('exposure_patients')
      .select(['ip', 'port', sql<number>`COUNT(*)`.as('n')])
      .$if(sensor !== undefined, (q) => q.where('sensor', '=', sensor as string))
      .groupBy(['ip', 'port'])
      .execute();
    const patients = new Map(counts.map((c) => [`${c.ip}|${c.port}`, Number(c.n)]));
    if (sensor !== undefined) {
      const theirs = await this.devicesOf(
        sensor,
        dests.flatMap((d) => parseJson<string[]>(d.devices, [])),
      );
      dests = dests.flatMap((d) => {
        const devices = parseJson<string[]>(d.devices, []).filter((id) => theirs.has(id));
        return devices.length > 0 || patients.has(`${d.ip}|${d.port}`)
          ? [{ ...d, devices: JSON.stringify(devices) }]
          : [];
      });
    }
    const minutes = await this.db.selectFrom('exposure_minutes').selectAll().orderBy('minute').execute();
    const timeline = new Map<string, [string, number][]>();
    for (const m of minutes) {
      const k = `${m.ip}|${m.port}`;
      let l = timeline.get(k);
      if (l === undefined) timeline.set(k, (l = []));
      l.push([m.minute, Number(m.messages)]);
    }
    const routes = new Map<string, { proxies: string[]; direct: boolean }>();
    for (const v of await this.db.selectFrom('exposure_via').selectAll().execute()) {
      const k = `${v.ip}|${v.port}`;
      let r = routes.get(k);
      if (r === undefined) routes.set(k, (r = { proxies: [], direct: false }));
      if (v.via === '') r.direct = true;
      else r.proxies.push(v.via);
    }
    // Sorted here, not by the database: PostgreSQL's collation may order `10.10.…` and `10.9.…` otherwise than the ledger.
    for (const r of routes.values()) r.proxies = r.proxies.sort().slice(0, MAX_BREACH_PROXIES);
    const total = await this.db
      .selectFrom('exposure_patients')
      .select(sql<number>`COUNT(DISTINCT patient_hash)`.as('n'))
      .$if(sensor !== undefined, (q) => q.where('sensor', '=', sensor as string))
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
          // A destination without route rows (none is written without them) reads as direct.
          proxies: routes.get(k)?.proxies ?? [],
          direct: routes.get(k)?.direct ?? true,
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

  /** Which of `ids` are devices of `sensor`. */
  private async devicesOf(sensor: string, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db
        .selectFrom('devices')
        .select('id')
        .where('sensor', '=', sensor)
        .where('id', 'in', unique.slice(i, i + 500))
        .execute();
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /**
   * The sensors a console filter can offer: every sensor that enrolled, was given a token or sent a
   * batch, and 'local' when the console has devices of its own; with their device counts.
   */
  async knownSensors(): Promise<{ name: string; site?: string; devices: number }[]> {
    const counts = await this.db
      .selectFrom('devices')
      .select(['sensor', sql<number>`COUNT(*)`.as('n')])
      .groupBy('sensor')
      .execute();
    const devices = new Map(counts.map((c) => [c.sensor ?? LOCAL_SENSOR, Number(c.n)]));
    const rows = await this.db.selectFrom('sensors').select(['name', 'site']).orderBy('name').execute();
    const out: { name: string; site?: string; devices: number }[] = [];
    if (devices.has(LOCAL_SENSOR)) out.push({ name: LOCAL_SENSOR, devices: devices.get(LOCAL_SENSOR) ?? 0 });
    for (const r of rows)
      if (r.name !== LOCAL_SENSOR)
        out.push({ name: r.name, ...(r.site !== null ? { site: r.site } : {}), devices: devices.get(r.name) ?? 0 });
    // a device's sensor with no sensors row (not expected: ingest writes the row first) still shows
    for (const [name, n] of devices) if (!out.some((o) => o.name === name)) out.push({ name, devices: n });
    return out;
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

  private readonly totals = new Map<string, { at: number; value: Promise<FlowTotals> }>();

  /** Flows stored and the time span of the traffic (of one sensor, or all); a full scan, so reused for a few seconds. */
  flowTotals(maxAgeMs = 5000, sensor?: string): Promise<FlowTotals> {
    const now = Date.now();
    const key = sensor ?? '';
    let t = this.totals.get(key);
    if (t === undefined || now - t.at > maxAgeMs) {
      t = { at: now, value: this.scanTotals(sensor) };
      this.totals.set(key, t);
    }
    return t.value;
  }

  private async scanTotals(sensor?: string): Promise<FlowTotals> {
    const r = await this.db
      .selectFrom('flows')
      .select([sql<number>`COALESCE(SUM(flows), 0)`.as('n')])
      .$if(sensor !== undefined, (q) => q.where('sensor', '=', sensor as string))
      .executeTakeFirstOrThrow();
    const span = await this.db
      .selectFrom('devices')
      .select([sql<string | null>`MIN(first)`.as('first'), sql<string | null>`MAX(last)`.as('last')])
      .$if(sensor !== undefined, (q) => q.where('sensor', '=', sensor as string))
      .executeTakeFirstOrThrow();
    return {
      flows: Number(r.n),
      ...(span.first !== null ? { first: span.first } : {}),
      ...(span.last !== null ? { last: span.last } : {}),
    };
  }
}

type FlowTotals = { flows: number; first?: string; last?: string };
