// The Store: one query layer (kysely) over SQLite or PostgreSQL. Reads and writes are grouped by
// what they serve: ingest (the live pipeline), devices, alerts, reports, auth (users, sessions,
// tokens, audit log). Nothing here knows HTTP; the server maps these to routes.
import type { Kysely } from 'kysely';
import { WardwatchError } from '../errors.js';
import { AlertQueries } from './alerts.js';
import { AuthQueries } from './auth.js';
import { DeviceQueries } from './devices.js';
import { IngestWriter } from './ingest-writer.js';
import { type MIGRATION_NAMES, migratorFor } from './migrations/index.js';
import { PolicyQueries } from './policies.js';
import { ReportQueries } from './reports.js';
import type { DB, Engine } from './schema.js';
import { SensorIngest } from './sensor-ingest.js';

export class Store {
  readonly write: IngestWriter;
  readonly devices: DeviceQueries;
  readonly alerts: AlertQueries;
  readonly reports: ReportQueries;
  readonly auth: AuthQueries;
  readonly policies: PolicyQueries;
  readonly sensors: SensorIngest;

  constructor(
    readonly db: Kysely<DB>,
    readonly engine: Engine,
    readonly schema?: string,
  ) {
    this.write = new IngestWriter(db);
    this.devices = new DeviceQueries(db);
    this.alerts = new AlertQueries(db);
    this.reports = new ReportQueries(db);
    this.auth = new AuthQueries(db);
    this.policies = new PolicyQueries(db);
    this.sensors = new SensorIngest(db);
  }

  /** Migrate to `target` (a migration name) or to the latest. */
  async migrate(target?: (typeof MIGRATION_NAMES)[number]): Promise<string[]> {
    const m = migratorFor(this.db, this.engine, this.schema);
    const r = target === undefined ? await m.migrateToLatest() : await m.migrateTo(target);
    if (r.error !== undefined)
      throw new WardwatchError('WW_CONFIG', `database migration failed: ${(r.error as Error).message ?? r.error}`);
    return (r.results ?? []).map((x) => x.migrationName);
  }

  /** Names of the migrations applied, in order. */
  async applied(): Promise<string[]> {
    const list = await migratorFor(this.db, this.engine, this.schema).getMigrations();
    return list.filter((m) => m.executedAt !== undefined).map((m) => m.name);
  }

  /** Delete flow buckets older than `beforeSeconds` (epoch seconds); returns rows deleted. */
  async retainFlows(beforeSeconds: number): Promise<number> {
    const r = await this.db.deleteFrom('flows').where('bucket', '<', beforeSeconds).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
