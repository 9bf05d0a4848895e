// Migration 4 (issue 20): many sensors. `sensors` (one row per sensor name), `ingest_batches`
// (every batch applied, keyed (sensor, batch), written in the same transaction as the batch's
// rows: the exactly-once record), and a `sensor` column (default 'local', the console's own data)
// on devices, alerts, flows, device_addresses and exposure_patients. The primary keys stay as they
// were: a remote sensor's device ids and alert ids are stored namespaced as `<sensor>/<id>`
// (src/store/sensor-ingest.ts), so the same MAC on two sensors is two rows, and the column lets
// reads filter by sensor without parsing ids.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

const WITH_SENSOR = ['devices', 'alerts', 'flows', 'device_addresses', 'exposure_patients'] as const;

export const sensors: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('sensors')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('site', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen', 'text')
      .addColumn('newest_record', 'text')
      .addColumn('batches', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('records', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('ingest_batches')
      .addColumn('sensor', 'text', (c) => c.notNull())
      .addColumn('batch', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('records', 'integer', (c) => c.notNull())
      .addColumn('events', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('ingest_batches_pk', ['sensor', 'batch'])
      .execute();
    await db.schema.createIndex('ingest_batches_at').on('ingest_batches').columns(['sensor', 'at']).execute();
    for (const t of WITH_SENSOR)
      await db.schema
        .alterTable(t)
        .addColumn('sensor', 'text', (c) => c.notNull().defaultTo(sql`'local'`))
        .execute();
    await db.schema.createIndex('devices_sensor').on('devices').columns(['sensor', 'id']).execute();
    await db.schema.createIndex('alerts_sensor').on('alerts').columns(['sensor', 'sev_rank']).execute();
  },
  async down(db: AnyDb): Promise<void> {
    await db.schema.dropIndex('alerts_sensor').execute();
    await db.schema.dropIndex('devices_sensor').execute();
    for (const t of WITH_SENSOR) await db.schema.alterTable(t).dropColumn('sensor').execute();
    await db.schema.dropTable('ingest_batches').execute();
    await db.schema.dropTable('sensors').execute();
  },
};
