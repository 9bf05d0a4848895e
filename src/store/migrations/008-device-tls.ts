// Migration 8 (issue 18): the TLS a device spoke as a client — its JA4/JA3 fingerprints and the
// SHA-256 of the leaf certificates its servers showed — as one JSON column of `devices`
// (`DeviceRecord.tls`, bounded sets; '{}' for none), so the console's device page can show them
// and a sensor's devices carry them. Rows stored before have none ('{}'); the next snapshot of the
// device fills it. Down drops the column.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export const deviceTls: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .alterTable('devices')
      .addColumn('tls', 'text', (c) => c.notNull().defaultTo(sql`'{}'`))
      .execute();
  },
  async down(db: AnyDb): Promise<void> {
    await db.schema.alterTable('devices').dropColumn('tls').execute();
  },
};
