// Migration 9: what each sensor's capture lost. `sensors.capture` holds the latest counts a sensor's
// live capture reported (`watch -i`: tcpdump's — packets its filter passed, those the kernel dropped
// before they were read, the interface's drops), as JSON with the source they belong to and when
// they came; NULL until a sensor sends some (files and streams have none). `sensors.tcp_gaps`
// likewise holds the latest TCP-gap counts (loss seen in the traffic itself, any source). Down
// drops both columns.
import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export const sensorCapture: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema.alterTable('sensors').addColumn('capture', 'text').execute();
    await db.schema.alterTable('sensors').addColumn('tcp_gaps', 'text').execute();
  },
  async down(db: AnyDb): Promise<void> {
    await db.schema.alterTable('sensors').dropColumn('tcp_gaps').execute();
    await db.schema.alterTable('sensors').dropColumn('capture').execute();
  },
};
