// Migration 5 (issue 20): DNS answers per sensor. Migration 1 keyed `dns` by (asker, name,
// address), so the same 10.x asker on two sites — two devices since migration 4 — merged its
// names into one row set. The key becomes (sensor, asker, name, address); rows already stored are
// the console's own ('local'). A primary key cannot be changed in place on SQLite, so the table is
// rebuilt (on both engines, one code path). Down merges the sensors' rows of the same
// (asker, name, address) back into one: counts summed, first/last widened, the highest ttl kept.
//
// The other keyed tables need no change: `flows` and `device_addresses` are keyed by device id,
// which is already per sensor (`<sensor>/<mac>`, migration 4); `exposure_destinations`,
// `exposure_patients` and `exposure_minutes` are per destination on purpose — the breach report
// counts a patient sent to one destination by two sensors once — and exposure_patients carries
// the sensor as a plain column only.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Engine } from '../schema.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export function dnsSensor(engine: Engine): Migration {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  const table = (db: AnyDb, name: string, withSensor: boolean) => {
    const t = db.schema.createTable(name);
    return (withSensor ? t.addColumn('sensor', 'text', (c) => c.notNull().defaultTo(sql`'local'`)) : t)
      .addColumn('asker', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('ttl', big, (c) => c.notNull())
      .addColumn('first', 'text', (c) => c.notNull())
      .addColumn('last', 'text', (c) => c.notNull())
      .addColumn('count', big, (c) => c.notNull())
      .addPrimaryKeyConstraint(
        withSensor ? 'dns_sensor_pk' : 'dns_pk',
        (withSensor ? ['sensor', 'asker', 'name', 'address'] : ['asker', 'name', 'address']) as never,
      );
  };
  return {
    async up(db: AnyDb): Promise<void> {
      await table(db, 'dns_005', true).execute();
      await sql`INSERT INTO dns_005 (sensor, asker, name, address, ttl, first, last, count)
        SELECT 'local', asker, name, address, ttl, first, last, count FROM dns`.execute(db);
      await db.schema.dropTable('dns').execute();
      await db.schema.alterTable('dns_005').renameTo('dns').execute();
      await db.schema.createIndex('dns_address').on('dns').column('address').execute();
      await db.schema.createIndex('dns_sensor_asker').on('dns').columns(['sensor', 'asker']).execute();
    },
    async down(db: AnyDb): Promise<void> {
      await table(db, 'dns_004', false).execute();
      await sql`INSERT INTO dns_004 (asker, name, address, ttl, first, last, count)
        SELECT asker, name, address, MAX(ttl), MIN(first), MAX(last), SUM(count) FROM dns
        GROUP BY asker, name, address`.execute(db);
      await db.schema.dropTable('dns').execute();
      await db.schema.alterTable('dns_004').renameTo('dns').execute();
      await db.schema.createIndex('dns_address').on('dns').column('address').execute();
    },
  };
}
