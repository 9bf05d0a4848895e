// Migration 9: what each sensor's capture lost. `sensors.capture` holds the latest counts a sensor's
// live capture reported (`watch -i`: tcpdump's — packets its filter passed, those the kernel dropped
// before they were read, the interface's drops), as JSON with the source they belong to and when
// they came; NULL until a sensor sends some (files and streams have none). Down drops the column.
import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export const sensorCapture: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema.alterTable('sensors').addColumn('capture', 'text').execute();
  },
  async down(db: AnyDb): Promise<void> {
    await db.schema.alterTable('sensors').dropColumn('capture').execute();
  },
};
