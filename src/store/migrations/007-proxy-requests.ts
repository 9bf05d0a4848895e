// Migration 7: what each device asked a proxy for (`proxy-request` events: HTTP CONNECT or
// absolute-form, SOCKS), so the console's proposals say what lies behind a proxy peer as
// `policy learn` does on a capture. One row per (device, proxy ip, proxy port, target host,
// target port): requests and refused counts, first/last request time, and the sensor (a plain
// column, as on flows: the device id is already per sensor since migration 4). `target_port` -1:
// none asked. Bounded: at most MAX_PROXIED (16) targets per (device, proxy); the requests for any
// other target are counted in that pair's row with `target_host` '' (and port -1), which every
// pair written has — the writer upserts it first, so it is also the row lock that serialises two
// batches adding targets to one pair (src/store/ingest-writer.ts). Targets arrive without
// userinfo (src/decode/proxy-target.ts: host and port only). Down drops the table.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Engine } from '../schema.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export function proxyRequests(engine: Engine): Migration {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: AnyDb): Promise<void> {
      await db.schema
        .createTable('proxy_requests')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('proxy_ip', 'text', (c) => c.notNull())
        .addColumn('proxy_port', 'integer', (c) => c.notNull())
        .addColumn('target_host', 'text', (c) => c.notNull())
        .addColumn('target_port', 'integer', (c) => c.notNull())
        .addColumn('requests', big, (c) => c.notNull())
        .addColumn('refused', big, (c) => c.notNull())
        .addColumn('first', 'text', (c) => c.notNull())
        .addColumn('last', 'text', (c) => c.notNull())
        .addColumn('sensor', 'text', (c) => c.notNull().defaultTo(sql`'local'`))
        .addPrimaryKeyConstraint('proxy_requests_pk', [
          'device_id',
          'proxy_ip',
          'proxy_port',
          'target_host',
          'target_port',
        ])
        .execute();
    },
    async down(db: AnyDb): Promise<void> {
      await db.schema.dropTable('proxy_requests').execute();
    },
  };
}
