// Migration 6: how patient data reached each outside destination. `exposure_via` holds one row
// per (destination, route): `via` is the proxy (`ip:port`, `[v6]:port`) whose tunnel carried
// records there, or '' for records sent directly. A table of its own rather than a column of
// `exposure_destinations`: the destination's key stays (ip, port), and a route is written with
// an insert that does nothing when the row exists — idempotent, so batches of several sensors
// adding routes at once need no lock and no read-merge-write (as exposure_patients). Rows stored
// before this migration did not say how they got there: each existing destination gets a direct
// row, as the breach report has always read it (the report never hides a route that may have been
// direct). Down drops the table.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export const exposureVia: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('exposure_via')
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull())
      .addColumn('via', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('exposure_via_pk', ['ip', 'port', 'via'])
      .execute();
    await sql`INSERT INTO exposure_via (ip, port, via) SELECT ip, port, '' FROM exposure_destinations`.execute(db);
  },
  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('exposure_via').execute();
  },
};
