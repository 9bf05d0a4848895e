// The store tests run on both engines. SQLite is a temp file; PostgreSQL is the cluster of
// scripts/pg-start.sh (WARDWATCH_TEST_PG, set by scripts/run-tests.sh), one schema per test,
// dropped afterwards. In CI a missing PostgreSQL fails loudly instead of skipping.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type OpenOptions, openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { IN_CI } from '../helpers/paths.js';

export const PG_URL = process.env.WARDWATCH_TEST_PG;
if (PG_URL === undefined && IN_CI)
  throw new Error('WARDWATCH_TEST_PG is not set: CI must run the store tests on PostgreSQL');
if (PG_URL === undefined)
  console.warn('store tests: WARDWATCH_TEST_PG not set, PostgreSQL half SKIPPED (bash scripts/pg-start.sh prints it)');

export const ENGINES = PG_URL === undefined ? (['sqlite'] as const) : (['sqlite', 'postgres'] as const);
export type TestEngine = (typeof ENGINES)[number];

export interface TestDb {
  store: Store;
  /** SQLite file path, or the PostgreSQL URL. */
  target: string;
  schema?: string;
  /** Open the same database again (another connection). */
  reopen(opts?: OpenOptions): Promise<Store>;
  drop(): Promise<void>;
}

export async function testDb(engine: TestEngine, opts: OpenOptions = {}): Promise<TestDb> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ww-store-'));
    const target = join(dir, 'test.db');
    const store = await openStore(target, opts);
    return {
      store,
      target,
      reopen: (o) => openStore(target, o),
      drop: async () => {
        await store.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = PG_URL as string;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await openStore(url, { ...opts, schema });
  return {
    store,
    target: url,
    schema,
    reopen: (o) => openStore(url, { ...o, schema }),
    drop: async () => {
      await store.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
