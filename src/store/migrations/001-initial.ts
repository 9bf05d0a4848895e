// Migration 1: every table of issue 15. Written once for both engines; the only differences are
// the auto-increment id and 64-bit counters, chosen by `engine`.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../schema.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export function initial(engine: Engine): Migration {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  const serial = (db: AnyDb, table: string) =>
    engine === 'postgres'
      ? db.schema.createTable(table).addColumn('id', 'serial', (c) => c.primaryKey())
      : db.schema.createTable(table).addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: AnyDb): Promise<void> {
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('hostname', 'text')
        .addColumn('vendor_class', 'text')
        .addColumn('vendor', 'text')
        .addColumn('model', 'text')
        .addColumn('class', 'text')
        .addColumn('confidence', 'real')
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('identified_by', 'text', (c) => c.notNull())
        .addColumn('advisories', 'text', (c) => c.notNull())
        .addColumn('first', 'text', (c) => c.notNull())
        .addColumn('last', 'text', (c) => c.notNull())
        .addColumn('packets', big, (c) => c.notNull().defaultTo(0))
        .addColumn('bytes', big, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('device_addresses')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('first', 'text', (c) => c.notNull())
        .addColumn('last', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('device_addresses_pk', ['device_id', 'ip'])
        .execute();
      await db.schema
        .createTable('flows')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('peer_ip', 'text', (c) => c.notNull())
        .addColumn('proto', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('app', 'text', (c) => c.notNull())
        .addColumn('bucket', big, (c) => c.notNull())
        .addColumn('zone', 'text', (c) => c.notNull())
        .addColumn('flows', big, (c) => c.notNull())
        .addColumn('packets', big, (c) => c.notNull())
        .addColumn('bytes', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('flows_pk', ['device_id', 'peer_ip', 'proto', 'port', 'app', 'bucket'])
        .execute();
      await db.schema.createIndex('flows_bucket').on('flows').column('bucket').execute();
      await db.schema
        .createTable('dns')
        .addColumn('asker', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('ttl', big, (c) => c.notNull())
        .addColumn('first', 'text', (c) => c.notNull())
        .addColumn('last', 'text', (c) => c.notNull())
        .addColumn('count', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('dns_pk', ['asker', 'name', 'address'])
        .execute();
      await db.schema.createIndex('dns_address').on('dns').column('address').execute();
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('sev_rank', 'integer', (c) => c.notNull())
        .addColumn('first', 'text', (c) => c.notNull())
        .addColumn('last', 'text', (c) => c.notNull())
        .addColumn('count', big, (c) => c.notNull())
        .addColumn('src_ip', 'text', (c) => c.notNull())
        .addColumn('src_port', 'integer')
        .addColumn('src_mac', 'text')
        .addColumn('dst_ip', 'text', (c) => c.notNull())
        .addColumn('dst_port', 'integer')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('device_model', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('ack_by', 'text')
        .addColumn('ack_at', 'text')
        .addColumn('ack_comment', 'text')
        .addColumn('suppressed_until', 'text')
        .execute();
      await db.schema.createIndex('alerts_device').on('alerts').column('device_id').execute();
      await serial(db, 'suppressions')
        .addColumn('alert_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('expires', 'text', (c) => c.notNull())
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('exposure_destinations')
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('messages', big, (c) => c.notNull())
        .addColumn('first', 'text', (c) => c.notNull())
        .addColumn('last', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('devices', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('exposure_destinations_pk', ['ip', 'port'])
        .execute();
      await db.schema
        .createTable('exposure_patients')
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('patient_hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('exposure_patients_pk', ['ip', 'port', 'patient_hash'])
        .execute();
      await db.schema
        .createTable('exposure_minutes')
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('minute', 'text', (c) => c.notNull())
        .addColumn('messages', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('exposure_minutes_pk', ['ip', 'port', 'minute'])
        .execute();
      await db.schema
        .createTable('firmware_audits')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('image', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('files', 'integer', (c) => c.notNull())
        .addColumn('findings', 'text', (c) => c.notNull())
        .addColumn('components', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('policies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('policy_versions')
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('policy_versions_pk', ['policy_id', 'version'])
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('csrf', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await serial(db, 'audit_log')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('who', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: AnyDb): Promise<void> {
      for (const t of [
        'audit_log',
        'api_tokens',
        'sessions',
        'users',
        'policy_versions',
        'policies',
        'firmware_audits',
        'exposure_minutes',
        'exposure_patients',
        'exposure_destinations',
        'suppressions',
        'alerts',
        'dns',
        'flows',
        'device_addresses',
        'devices',
      ])
        await db.schema.dropTable(t).execute();
    },
  };
}
