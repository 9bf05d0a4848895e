// Migration 2: when each API token was last used (shown to admins), and the indexes the alert
// and device lists read.
import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export const tokenUse: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema.alterTable('api_tokens').addColumn('last_used_at', 'text').execute();
    // The alert list's order, and a covering index for the open alerts per device (device list).
    await db.schema.createIndex('alerts_rank_last').on('alerts').columns(['sev_rank', 'last', 'id']).execute();
    await db.schema
      .createIndex('alerts_device_open')
      .on('alerts')
      .columns(['device_id', 'ack_at', 'suppressed_until', 'sev_rank'])
      .execute();
  },
  async down(db: AnyDb): Promise<void> {
    await db.schema.dropIndex('alerts_device_open').execute();
    await db.schema.dropIndex('alerts_rank_last').execute();
    await db.schema.alterTable('api_tokens').dropColumn('last_used_at').execute();
  },
};
