// Opening a store: a file path (or ':memory:') is embedded SQLite (better-sqlite3, WAL), a
// postgres:// URL is PostgreSQL (pg). Both run the same migrations and the same queries.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { WardwatchError } from '../errors.js';
import type { DB, Engine } from './schema.js';
import { Store } from './store.js';

export const DEFAULT_DB = './data/wardwatch.db';

export interface OpenOptions {
  /** PostgreSQL schema to use (created when missing); tests isolate themselves with one. */
  readonly schema?: string;
  /** Run migrations to the latest version (default true). */
  readonly migrate?: boolean;
}

// COUNT(*) and BIGINT columns arrive as strings from pg; every counter here fits a double.
pg.types.setTypeParser(20, (v: string) => Number(v));

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

export async function openStore(target: string = DEFAULT_DB, opts: OpenOptions = {}): Promise<Store> {
  let db: Kysely<DB>;
  let engine: Engine;
  if (isPostgresUrl(target)) {
    engine = 'postgres';
    const schema = opts.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new WardwatchError('WW_ARGS', `bad PostgreSQL schema name '${schema}'`);
    if (schema !== undefined) {
      const c = new pg.Client({ connectionString: target });
      try {
        await c.connect();
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } catch (err) {
        throw new WardwatchError('WW_ARGS', `cannot reach PostgreSQL at ${redact(target)}: ${(err as Error).message}`);
      } finally {
        await c.end().catch(() => undefined);
      }
    }
    const pool = new pg.Pool({
      connectionString: target,
      max: 8,
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    });
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  } else {
    engine = 'sqlite';
    if (target !== ':memory:') mkdirSync(dirname(target), { recursive: true });
    let sqlite: SqliteDatabase.Database;
    try {
      sqlite = new SqliteDatabase(target);
      // WAL: readers never block the writer; synchronous=NORMAL is crash-safe for the process
      // (kill -9 loses at most the transaction in flight), only a power cut may lose the last commits.
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('busy_timeout = 5000');
    } catch (err) {
      throw new WardwatchError('WW_ARGS', `cannot open the database ${target}: ${(err as Error).message}`);
    }
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  }
  const store = new Store(db, engine, opts.schema);
  if (opts.migrate !== false) await store.migrate();
  return store;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
