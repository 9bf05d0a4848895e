// No PHI in any table: after a simulated ward, neither the database file (with its WAL) nor any
// row on PostgreSQL holds a patient identifier or name the simulator put on the wire; the
// exposure table holds salted hashes only.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { generateScenario } from '../../src/sim/scenarios.js';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { ingestWard } from './ward.js';

/** The patient identifiers (PID-3) and names (PID-5) in 60 s of the cms8000 ward, from its bytes. */
function wirePatients(): { ids: Set<string>; names: Set<string> } {
  const ids = new Set<string>();
  const names = new Set<string>();
  const dec = new TextDecoder('latin1');
  generateScenario('cms8000', { durationSec: 60, seed: 1 }, (_t, frame) => {
    const text = dec.decode(frame);
    for (const m of text.matchAll(/PID\|[^|]*\|[^|]*\|([^|^]+)[^|]*\|[^|]*\|([^|]+)\|/g)) {
      ids.add(m[1] as string);
      names.add(m[2] as string);
    }
  });
  return { ids, names };
}

describe('no PHI in the store', () => {
  const wire = wirePatients();
  it('the simulator does put patients on the wire (so the checks below can fail)', () => {
    expect(wire.ids.size).toBeGreaterThanOrEqual(6);
    expect([...wire.names].every((n) => n.includes('^'))).toBe(true);
  });

  for (const engine of ENGINES) {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });
    it(`(${engine}) holds no patient identifier or name, only salted hashes`, async () => {
      db = await testDb(engine);
      await ingestWard(db.store);
      let text: string;
      if (engine === 'sqlite') {
        await db.store.close();
        const folder = dirname(db.target);
        text = readdirSync(folder)
          .map((f) => readFileSync(join(folder, f)).toString('latin1'))
          .join('\n');
        db.store = await db.reopen();
      } else {
        const tables = await sql<{
          t: string;
        }>`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ${db.schema}`.execute(
          db.store.db,
        );
        const parts: string[] = [];
        for (const { t } of tables.rows) {
          const rows = await sql<{ j: string }>`SELECT row_to_json(x)::text AS j FROM ${sql.table(t)} x`.execute(
            db.store.db,
          );
          parts.push(...rows.rows.map((r) => r.j));
        }
        text = parts.join('\n');
        expect(tables.rows.length).toBeGreaterThanOrEqual(16);
      }
      expect(text).toContain('202.114.4.120'); // the data is there …
      for (const id of wire.ids) expect(text).not.toContain(id); // … the patients are not
      for (const n of wire.names) {
        expect(text).not.toContain(n);
        expect(text).not.toContain(n.split('^').slice(0, 2).join('^')); // FAMILY^GIVEN
      }
      const hashes = await db.store.db.selectFrom('exposure_patients').select('patient_hash').execute();
      expect(hashes.length).toBeGreaterThan(0);
      for (const h of hashes) expect(h.patient_hash).toMatch(/^[0-9a-f]{32}$/);
    });
  }
});
