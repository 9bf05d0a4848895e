// Migration 3: the containment half writes policies (issue 14): each version says how it came
// (learnt or edited), who proposed it and who applied it; every apply keeps the compiled text
// and the versions it enforced, so a rollback restores the one before; grants with their
// expiry. Firmware audits gain the image digest and the model they were audited for.
import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not DB
type AnyDb = Kysely<any>;

export const policies: Migration = {
  async up(db: AnyDb): Promise<void> {
    for (const [col, type, def] of [
      ['state', 'text', 'proposed'],
      ['source', 'text', 'edit'],
      ['note', 'text', undefined],
      ['applied_by', 'text', undefined],
      ['applied_at', 'text', undefined],
    ] as const)
      await db.schema
        .alterTable('policy_versions')
        .addColumn(col, type, (c) => (def !== undefined ? c.notNull().defaultTo(def) : c))
        .execute();
    await db.schema.alterTable('policies').addColumn('name', 'text').execute();
    await db.schema.alterTable('policies').addColumn('applied_version', 'integer').execute();
    await db.schema
      .createTable('policy_applies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('by', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('confirm_by', 'text')
      .addColumn('confirmed_at', 'text')
      .addColumn('rolled_back_at', 'text')
      .addColumn('rolled_back_by', 'text')
      .addColumn('enforced', 'text', (c) => c.notNull()) // JSON { device: version } of the whole ruleset
      .addColumn('nftables', 'text', (c) => c.notNull())
      .addColumn('dnsmasq', 'text', (c) => c.notNull())
      .addColumn('prev_id', 'text')
      .execute();
    await db.schema.createIndex('policy_applies_at').on('policy_applies').column('at').execute();
    await db.schema
      .createTable('policy_grants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('to_peer', 'text', (c) => c.notNull())
      .addColumn('proto', 'text', (c) => c.notNull())
      .addColumn('port', 'integer')
      .addColumn('from_at', 'text', (c) => c.notNull())
      .addColumn('until', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('policy_grants_device').on('policy_grants').columns(['device', 'until']).execute();
    await db.schema.alterTable('firmware_audits').addColumn('sha256', 'text').execute();
    await db.schema.alterTable('firmware_audits').addColumn('model', 'text').execute();
  },
  async down(db: AnyDb): Promise<void> {
    await db.schema.alterTable('firmware_audits').dropColumn('model').execute();
    await db.schema.alterTable('firmware_audits').dropColumn('sha256').execute();
    await db.schema.dropTable('policy_grants').execute();
    await db.schema.dropTable('policy_applies').execute();
    await db.schema.alterTable('policies').dropColumn('applied_version').execute();
    await db.schema.alterTable('policies').dropColumn('name').execute();
    for (const col of ['applied_at', 'applied_by', 'note', 'source', 'state'])
      await db.schema.alterTable('policy_versions').dropColumn(col).execute();
  },
};
