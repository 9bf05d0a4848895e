// Migration 8 on both engines: a device's TLS (JA4/JA3 client fingerprints, its servers' leaf
// certificates) is stored with the device and read back by the console's device detail. Snapshots
// join what was stored with what the record says, within the record's bounds.
import { afterEach, describe, expect, it } from 'vitest';
import { type DeviceRecord, TLS_LIMITS } from '../../src/contract/records.js';
import { parseTls, tlsColumn } from '../../src/store/device-tls.js';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { ingestWard } from './ward.js';

const hex = (i: number, n: number) => i.toString(16).padStart(n, '0');

describe('the tls column', () => {
  it('joins the stored sets with the record, stored first, each within its limit, sorted', () => {
    const one = tlsColumn({ ja4: ['t13d_b'], ja3: ['j1'], serverCerts: [] }, undefined);
    expect(JSON.parse(one)).toEqual({ ja4: ['t13d_b'], ja3: ['j1'], serverCerts: [] });
    const two = tlsColumn({ ja4: ['t13d_a'], ja3: ['j1'], serverCerts: ['c1'] }, one);
    expect(JSON.parse(two)).toEqual({ ja4: ['t13d_a', 't13d_b'], ja3: ['j1'], serverCerts: ['c1'] });
    // A record without TLS keeps what was stored; nothing stored and nothing new is '{}'.
    expect(tlsColumn(undefined, two)).toBe(two);
    expect(tlsColumn(undefined, undefined)).toBe('{}');
    expect(tlsColumn(undefined, '{}')).toBe('{}');
  });

  it('past the limit keeps the stored values and says how many more it saw', () => {
    const stored = Array.from({ length: TLS_LIMITS.fingerprints }, (_, i) => `z${hex(i, 2)}`);
    const first = tlsColumn({ ja4: stored, ja3: [], serverCerts: [] }, undefined);
    const next = JSON.parse(tlsColumn({ ja4: ['a-new', 'b-new'], ja3: [], serverCerts: [] }, first));
    expect(next.ja4).toEqual(stored); // the first fingerprints stay, the later ones are counted
    expect(next.beyond).toBe(2);
    // The record's own count past its sets is kept when it is larger.
    const counted = JSON.parse(tlsColumn({ ja4: [], ja3: [], serverCerts: [], beyond: 7 }, JSON.stringify(next)));
    expect(counted.beyond).toBe(7);
    const certs = Array.from({ length: TLS_LIMITS.serverCerts + 3 }, (_, i) => hex(i, 64));
    const c = JSON.parse(tlsColumn({ ja4: [], ja3: [], serverCerts: certs }, undefined));
    expect([c.serverCerts.length, c.beyond]).toEqual([TLS_LIMITS.serverCerts, 3]);
  });

  it("keeps what each kept certificate said, the first description stored, in the sets' order", () => {
    const said = (sha: string, server: string) => ({
      sha256: sha,
      subject: 'CN=pacs.vendor.example',
      issuer: 'CN=pacs.vendor.example',
      notAfter: '2030-01-01T00:00:00Z',
      selfSigned: true,
      server,
    });
    const a = hex(10, 64);
    const b = hex(11, 64);
    const first = tlsColumn({ ja4: [], ja3: [], serverCerts: [b], servers: [said(b, '10.40.12.50:443')] }, undefined);
    const next = JSON.parse(
      tlsColumn(
        { ja4: [], ja3: [], serverCerts: [a, b], servers: [said(b, '10.40.12.51:443'), said(a, '10.40.12.52:443')] },
        first,
      ),
    );
    expect(next.serverCerts).toEqual([a, b]);
    expect(next.servers.map((c: { sha256: string; server: string }) => [c.sha256, c.server])).toEqual([
      [a, '10.40.12.52:443'],
      [b, '10.40.12.50:443'],
    ]);
    // A description of a certificate past the limit is not kept either.
    const full = Array.from({ length: TLS_LIMITS.serverCerts }, (_, i) => hex(100 + i, 64));
    const over = JSON.parse(
      tlsColumn(
        { ja4: [], ja3: [], serverCerts: [a], servers: [said(a, '10.40.12.52:443')] },
        tlsColumn({ ja4: [], ja3: [], serverCerts: full }, undefined),
      ),
    );
    expect([over.serverCerts.includes(a), over.servers, over.beyond]).toEqual([false, undefined, 1]);
  });

  it('a damaged or foreign column reads as none, or as the lists it holds', () => {
    expect(parseTls('not json')).toBeUndefined();
    expect(parseTls('[]')).toBeUndefined();
    expect(parseTls('{"ja4":[]}')).toBeUndefined();
    expect(parseTls('{"ja4":"x","ja3":[1],"beyond":-2}')).toEqual({ ja4: [], ja3: ['1'], serverCerts: [] });
    // A server entry that is not one is dropped, the others kept.
    const good = { sha256: 'c1', subject: 's', issuer: 'i', selfSigned: false, server: '10.0.0.1:443' };
    expect(
      parseTls(JSON.stringify({ ja4: [], ja3: [], serverCerts: ['c1'], servers: [good, { sha256: 1 }, 'x'] })),
    ).toEqual({ ja4: [], ja3: [], serverCerts: ['c1'], servers: [good] });
    expect(tlsColumn({ ja4: ['a'], ja3: [], serverCerts: [] }, 'not json')).toBe(
      JSON.stringify({ ja4: ['a'], ja3: [], serverCerts: [] }),
    );
  });
});

for (const engine of ENGINES) {
  describe(`device TLS in the store (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it("the simulated ward's TLS clients show their fingerprints in the device detail; the others none", async () => {
      db = await testDb(engine);
      const { result } = await ingestWard(db.store);
      const speakers = result.devices.filter((d) => d.tls !== undefined);
      expect(speakers.length).toBeGreaterThan(0);
      for (const d of speakers) {
        const detail = await db.store.devices.detail(d.id);
        expect(detail?.tls, d.id).toEqual(d.tls);
        expect(detail?.tls?.ja4[0]).toMatch(/^t13d/);
      }
      const silent = result.devices.find((d) => d.tls === undefined)!;
      expect(await db.store.devices.detail(silent.id)).not.toHaveProperty('tls');
    });

    it('a later snapshot adds to what was stored; one without TLS keeps it', async () => {
      db = await testDb(engine);
      const rec: DeviceRecord = {
        type: 'device',
        id: '02:00:00:00:00:31',
        ips: ['10.40.12.31'],
        advisories: [],
        first: '2026-12-03T08:00:00.000Z',
        last: '2026-12-03T08:10:00.000Z',
        tls: { ja4: ['t13d1516h2_8daaf6152771_02713d6af862'], ja3: [], serverCerts: [hex(1, 64)] },
      };
      await db.store.write.devices([rec]);
      await db.store.write.devices([
        { ...rec, tls: { ja4: ['t13d0506h2_c96ac5133cd7_5d4d534e3685'], ja3: [], serverCerts: [hex(1, 64)] } },
      ]);
      const { tls: _, ...without } = rec;
      await db.store.write.devices([without]);
      expect((await db.store.devices.detail(rec.id))?.tls).toEqual({
        ja4: ['t13d0506h2_c96ac5133cd7_5d4d534e3685', 't13d1516h2_8daaf6152771_02713d6af862'],
        ja3: [],
        serverCerts: [hex(1, 64)],
      });
    });

    it('migration 8 up and down', async () => {
      db = await testDb(engine, { migrate: false });
      const s = db.store;
      await s.migrate('007-proxy-requests');
      expect(await s.migrate('008-device-tls')).toEqual(['008-device-tls']);
      await s.db
        .insertInto('devices')
        .values({
          id: 'old',
          hostname: null,
          vendor_class: null,
          vendor: null,
          model: null,
          class: null,
          confidence: null,
          reasons: '[]',
          identified_by: '[]',
          advisories: '[]',
          first: 'a',
          last: 'b',
          packets: 0,
          bytes: 0,
        })
        .execute();
      const row = await s.db.selectFrom('devices').select(['id', 'tls']).where('id', '=', 'old').executeTakeFirst();
      expect(row).toEqual({ id: 'old', tls: '{}' });
      expect(await s.migrate('007-proxy-requests')).toEqual(['008-device-tls']);
      await expect(s.db.selectFrom('devices').select('tls').execute()).rejects.toThrow();
    });
  });
}
