// A destination's exposure row is shared by every sensor (and the console's own ward): batches that
// add to it at the same time must all count. On PostgreSQL (READ COMMITTED) a read-then-update lost
// the other transaction's messages — the sensor e2e test once stored 96 of 109; IngestWriter now
// takes the row's lock before it reads. 24 batches at once: on 6 connections on PostgreSQL (the
// test fails without the lock), queued on the one connection on SQLite.
import { afterEach, describe, expect, it } from 'vitest';
import { Batch } from '../../src/store/batch.js';
import { IngestWriter } from '../../src/store/ingest-writer.js';
import type { Store } from '../../src/store/store.js';
import { ENGINES, type TestDb, testDb } from './engines.js';

const DEST = { ip: '203.0.113.120', port: 515 };

function batch(i: number): Batch {
  const b = new Batch();
  b.exposure.set(`${DEST.ip}|${DEST.port}`, {
    ...DEST,
    protocol: 'hl7',
    messages: i + 1,
    first: `2026-12-02T10:${String(i).padStart(2, '0')}:00.000Z`,
    last: `2026-12-02T11:${String(i).padStart(2, '0')}:00.000Z`,
    fields: new Set([i % 2 === 0 ? 'PID-3' : 'PID-5']),
    devices: new Set([`dev-${i % 4}`]),
    // routes (migration 6): a third of the batches went directly, all through one of three proxies
    proxies: new Set([`10.1.1.${i % 3}:3128`]),
    direct: i % 3 === 0,
  });
  return b;
}

let db: TestDb | undefined;
const extra: Store[] = [];
afterEach(async () => {
  for (const s of extra.splice(0)) await s.close();
  await db?.drop();
  db = undefined;
});

describe.each(ENGINES)('exposure rows written at once on %s', (engine) => {
  it('24 concurrent batches to one destination: every message counted, fields, devices and routes united', async () => {
    db = await testDb(engine);
    const stores = [db.store];
    // PostgreSQL: six connections writing at once; SQLite: the console's one connection (a second
    // one to the same file would be a second writer, which SQLite refuses as "database is locked")
    for (let i = 0; i < (engine === 'postgres' ? 5 : 0); i++) extra.push(await db.reopen());
    stores.push(...extra);
    const n = 24;
    await Promise.all(
      Array.from({ length: n }, (_, i) => new IngestWriter(stores[i % stores.length]!.db).batch(batch(i))),
    );
    const row = await db.store.db.selectFrom('exposure_destinations').selectAll().executeTakeFirstOrThrow();
    expect(Number(row.messages)).toBe((n * (n + 1)) / 2);
    expect(JSON.parse(row.fields)).toEqual(['PID-3', 'PID-5']);
    expect(JSON.parse(row.devices)).toEqual(['dev-0', 'dev-1', 'dev-2', 'dev-3']);
    expect([row.first, row.last]).toEqual(['2026-12-02T10:00:00.000Z', '2026-12-02T11:23:00.000Z']);
    // every route once, whichever batch wrote it first
    const via = await db.store.db.selectFrom('exposure_via').select('via').execute();
    expect(via.map((v) => v.via).sort()).toEqual(['', '10.1.1.0:3128', '10.1.1.1:3128', '10.1.1.2:3128']);
    const [d] = (await db.store.reports.breach()).destinations;
    expect([d?.messages, d?.proxies, d?.direct]).toEqual([
      (n * (n + 1)) / 2,
      ['10.1.1.0:3128', '10.1.1.1:3128', '10.1.1.2:3128'],
      true,
    ]);
  });

  it('24 concurrent batches naming the same new routes in opposite orders: all stored, none waits on another forever', async () => {
    db = await testDb(engine);
    const stores = [db.store];
    for (let i = 0; i < (engine === 'postgres' ? 5 : 0); i++) extra.push(await db.reopen());
    stores.push(...extra);
    const proxies = ['10.2.0.1:3128', '10.2.0.2:1080', '10.2.0.3:8080'];
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const b = batch(i);
        const d = b.exposure.values().next().value!;
        // the Set's order is the order rows would be written in without sorting
        d.proxies = new Set(i % 2 === 0 ? proxies : [...proxies].reverse());
        d.direct = i % 2 === 1;
        return new IngestWriter(stores[i % stores.length]!.db).batch(b);
      }),
    );
    const via = await db.store.db.selectFrom('exposure_via').select('via').execute();
    expect(via.map((v) => v.via).sort()).toEqual(['', ...proxies]);
  });

  it('24 concurrent batches to the same 4 destinations in opposite orders: every message, minute and patient counted', async () => {
    db = await testDb(engine);
    const stores = [db.store];
    for (let i = 0; i < (engine === 'postgres' ? 5 : 0); i++) extra.push(await db.reopen());
    stores.push(...extra);
    const ports = [515, 2575, 6661, 7001];
    const n = 24;
    await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const b = new Batch();
        // the Maps' order is the order rows would be written in without sorting
        for (const port of i % 2 === 0 ? ports : [...ports].reverse()) {
          const k = `${DEST.ip}|${port}`;
          b.exposure.set(k, {
            ip: DEST.ip,
            port,
            protocol: 'hl7',
            messages: 1,
            first: '2026-12-02T10:00:00.000Z',
            last: '2026-12-02T10:05:00.000Z',
            fields: new Set(['PID-3']),
            devices: new Set(['dev-0']),
            proxies: new Set<string>(),
            direct: true,
          });
          b.minutes.set(`${k}|m`, { ip: DEST.ip, port, minute: '2026-12-02T10:05', messages: 1 });
          b.patients.set(`${k}|h${i % 3}`, { ip: DEST.ip, port, patient_hash: `h${i % 3}` });
        }
        return new IngestWriter(stores[i % stores.length]!.db).batch(b);
      }),
    );
    const rows = await db.store.db.selectFrom('exposure_destinations').select(['port', 'messages']).execute();
    expect(rows.map((r) => [Number(r.port), Number(r.messages)]).sort((a, b) => a[0]! - b[0]!)).toEqual(
      ports.map((p) => [p, n]),
    );
    const minutes = await db.store.db.selectFrom('exposure_minutes').select(['messages']).execute();
    expect(minutes.map((m) => Number(m.messages))).toEqual([n, n, n, n]);
    const patients = await db.store.db.selectFrom('exposure_patients').select(['port']).execute();
    expect(patients).toHaveLength(ports.length * 3);
  });
});
