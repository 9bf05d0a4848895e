// kill -9 during ingest loses at most the batch in flight and never corrupts the database: a
// child ingests batch after batch into SQLite, is SIGKILLed mid-stream, and the file reopens
// clean with every committed batch whole and no partial one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { REPO_ROOT } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kill -9 during ingest', () => {
  it('reopens intact with every committed batch and no partial one', async () => {
    const db = join(dir, 'crash.db');
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/vite-node'), ['test/store/ingest-child.ts', db], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const lastCommitted = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child too slow: ${out} ${err}`)), 60_000);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const all = [...out.matchAll(/committed (\d+)/g)];
        if (all.length >= 5) {
          // Kill while the next batch is being built or written.
          child.kill('SIGKILL');
          clearTimeout(t);
          resolve(Number(all[all.length - 1]?.[1]));
        }
      });
    });
    await new Promise((r) => child.on('exit', r));
    expect(child.signalCode).toBe('SIGKILL');
    const store = await openStore(db);
    try {
      const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(store.db);
      expect(check.rows).toEqual([{ integrity_check: 'ok' }]);
      const rows = await store.db
        .selectFrom('flows')
        .select(['bucket', sql<number>`SUM(flows)`.as('flows'), sql<number>`COUNT(*)`.as('rows')])
        .groupBy('bucket')
        .orderBy('bucket')
        .execute();
      // Every batch reported committed is there, at most one more (committed before the kill
      // but not yet reported), and each is whole: 2,000 flows in 600 rows.
      expect(rows.length).toBeGreaterThanOrEqual(lastCommitted + 1);
      expect(rows.length).toBeLessThanOrEqual(lastCommitted + 2 + 1);
      rows.forEach((r, i) => {
        expect(Number(r.bucket)).toBe(i * 60);
        expect(Number(r.flows)).toBe(2000);
        expect(Number(r.rows)).toBe(600);
      });
    } finally {
      await store.close();
    }
  });
});
