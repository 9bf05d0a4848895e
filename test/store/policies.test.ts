// Policies and firmware audits in the store, on both engines (migration 3): versions with who
// proposed and applied them, applies that roll back to the one before, grants that expire, the
// policy part of the audit log, a device's recorded traffic for learn, firmware audits by digest.
import { afterEach, describe, expect, it } from 'vitest';
import { DevicePolicy } from '../../src/contract/policy.js';
import type { ApplyRecord } from '../../src/store/policies.js';
import { ENGINES, type TestDb, testDb } from './engines.js';
import { ingestWard } from './ward.js';

const DEV = '02:57:30:00:00:04';
const pol = (mode: 'alert' | 'enforce', deny: string[] = []) =>
  DevicePolicy.parse({ name: 'CMS8000 bed 4', match: { mac: DEV }, mode, deny: deny.map((peer) => ({ peer })) });

function applyRec(id: string, version: number, enforced: Record<string, number>, prevId?: string): ApplyRecord {
  return {
    id,
    device: DEV,
    version,
    by: 'adam',
    at: `2026-01-0${version}T00:00:00.000Z`,
    reason: `apply v${version}`,
    target: 'dry run',
    confirmedAt: `2026-01-0${version}T00:00:00.000Z`,
    enforced,
    nftables: `table inet wardwatch # v${version}\n`,
    dnsmasq: '',
    ...(prevId !== undefined ? { prevId } : {}),
  };
}

for (const engine of ENGINES) {
  describe(`policies in the store (${engine})`, () => {
    let db: TestDb | undefined;
    afterEach(async () => {
      await db?.drop();
      db = undefined;
    });

    it('migrates 002 → 003 keeping the rows of the tables it extends', async () => {
      db = await testDb(engine, { migrate: false });
      await db.store.migrate('002-token-use');
      await db.store.db
        .insertInto('firmware_audits')
        .values({
          id: 'fw1',
          image: 'cms.img',
          format: 'cramfs',
          files: 3,
          findings: '[]',
          components: '[]',
          at: 'x',
        } as never)
        .execute();
      await db.store.db
        .insertInto('policy_versions')
        .values({
          policy_id: DEV,
          version: 1,
          body: JSON.stringify(pol('alert')),
          created_by: 'anna',
          created_at: 'x',
        } as never)
        .execute();
      expect(await db.store.migrate('003-policies')).toEqual(['003-policies']);
      expect((await db.store.reports.firmware())[0]).toMatchObject({ id: 'fw1', image: 'cms.img' });
      expect((await db.store.reports.firmware())[0]?.sha256).toBeUndefined();
      // Versions from before migration 3 read as proposed, edited.
      expect(await db.store.policies.version(DEV, 1)).toMatchObject({
        state: 'proposed',
        source: 'edit',
        createdBy: 'anna',
      });
    });

    it('keeps every version with who proposed it; the list shows the latest and the applied one', async () => {
      db = await testDb(engine);
      const v1 = await db.store.policies.propose(
        DEV,
        pol('alert'),
        { by: 'anna', source: 'learn' },
        '2026-01-01T00:00:00.000Z',
      );
      const v2 = await db.store.policies.propose(DEV, pol('enforce', ['202.114.4.119']), {
        by: 'anna',
        source: 'edit',
        note: 'deny the NFS host',
      });
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect(v2).toMatchObject({ state: 'proposed', source: 'edit', createdBy: 'anna', note: 'deny the NFS host' });
      expect(v2.policy.deny[0]).toMatchObject({ peer: '202.114.4.119', proto: 'any' });
      expect((await db.store.policies.versions(DEV)).map((v) => v.version)).toEqual([2, 1]);
      expect((await db.store.policies.version(DEV))?.version).toBe(2);
      expect(await db.store.policies.version(DEV, 9)).toBeUndefined();
      const [s] = await db.store.policies.list();
      expect(s).toMatchObject({ device: DEV, name: 'CMS8000 bed 4', mode: 'enforce', latest: 2 });
      expect(s?.applied).toBeUndefined();
    });

    it('records applies; a rollback restores the apply before it and each version says what happened', async () => {
      db = await testDb(engine);
      const p = db.store.policies;
      await p.propose(DEV, pol('enforce'), { by: 'anna', source: 'learn' });
      await p.propose(DEV, pol('enforce', ['202.114.4.120']), { by: 'anna', source: 'edit' });
      await p.recordApply(applyRec('a1', 1, { [DEV]: 1 }));
      expect((await p.list())[0]?.applied).toBe(1);
      await p.recordApply({
        ...applyRec('a2', 2, { [DEV]: 2 }, 'a1'),
        confirmedAt: undefined,
        confirmBy: '2026-01-02T00:02:00.000Z',
      });
      expect((await p.current())?.id).toBe('a2');
      expect((await p.version(DEV, 1))?.state).toBe('superseded');
      expect(await p.version(DEV, 2)).toMatchObject({
        state: 'applied',
        appliedBy: 'adam',
        appliedAt: '2026-01-02T00:00:00.000Z',
      });
      const confirmed = await p.confirm('a2', '2026-01-02T00:01:00.000Z');
      expect(confirmed).toMatchObject({ confirmedAt: '2026-01-02T00:01:00.000Z' });
      expect(confirmed?.confirmBy).toBeUndefined();
      const restored = await p.rollback('a2', 'adam');
      expect(restored?.id).toBe('a1');
      expect((await p.current())?.id).toBe('a1');
      expect((await p.version(DEV, 2))?.state).toBe('rolled-back');
      expect((await p.version(DEV, 1))?.state).toBe('applied');
      expect((await p.list())[0]?.applied).toBe(1);
      expect((await p.apply('a2'))?.rolledBackAt).toBeDefined();
      // Rolling back the first apply leaves nothing applied.
      expect(await p.rollback('a1', 'adam')).toBeUndefined();
      expect(await p.current()).toBeUndefined();
      expect((await p.list())[0]?.applied).toBeUndefined();
      expect(await p.rollback('nope', 'adam')).toBeUndefined();
    });

    it('grants are open until they end; the audit trail holds only policy actions of the device', async () => {
      db = await testDb(engine);
      const g = {
        id: 'g1',
        device: DEV,
        to: 'service.vendor.example',
        proto: 'tcp' as const,
        port: 443,
        from: '2026-01-01T00:00:00.000Z',
        until: '2026-01-01T02:00:00.000Z',
        reason: 'ticket 4711',
        by: 'adam',
      };
      await db.store.policies.addGrant(g);
      expect(await db.store.policies.grants(DEV, '2026-01-01T01:00:00.000Z')).toEqual([g]);
      expect(await db.store.policies.grants(undefined, '2026-01-01T02:00:00.000Z')).toEqual([]);
      expect(await db.store.policies.grants('other', '2026-01-01T01:00:00.000Z')).toEqual([]);
      await db.store.auth.audit('adam', 'policy.grant', DEV, { id: 'g1' });
      await db.store.auth.audit('adam', 'policy.apply', 'other-device', { id: 'x' });
      await db.store.auth.audit('anna', 'alert.ack', DEV, {});
      const audit = await db.store.policies.audit(DEV);
      expect(audit.map((a) => [a.who, a.action, a.target])).toEqual([['adam', 'policy.grant', DEV]]);
      expect((await db.store.policies.audit()).map((a) => a.action)).toEqual(['policy.apply', 'policy.grant']);
    });

    it("reads a device's recorded traffic: flows per service, its DNS names, its addresses", async () => {
      db = await testDb(engine);
      const { result } = await ingestWard(db.store);
      const cms = result.devices.find((d) => d.model === 'Contec CMS8000')!;
      const t = await db.store.policies.traffic(cms.id);
      expect(t.ips).toEqual(cms.ips.filter((ip) => ip.startsWith('10.')));
      expect(t.model).toBe('Contec CMS8000');
      expect(t.flows.find((f) => f.peer === '202.114.4.120' && f.port === 515)).toMatchObject({
        app: 'hl7',
        proto: 'tcp',
      });
      expect(t.flows.some((f) => f.peer === '202.114.4.119' && f.port === 111)).toBe(true);
      expect(t.flows.every((f) => f.flows > 0 && f.first <= f.last)).toBe(true);
      // A window of 0 s keeps only the device's last bucket.
      const last = await db.store.policies.traffic(cms.id, 0);
      const lastBucket = Math.max(...t.flows.map((f) => f.last));
      expect(last.flows.length).toBeGreaterThan(0);
      expect(last.flows.every((f) => f.first === lastBucket && f.last === lastBucket)).toBe(true);
      const ws = result.devices.find((d) => d.class === 'workstation')!;
      expect((await db.store.policies.traffic(ws.id)).names.length).toBeGreaterThan(0);
      expect(await db.store.policies.addresses(cms.id)).toEqual(t.ips);
    });

    it('firmware audits keep their digest and model, and a re-written audit replaces its row', async () => {
      db = await testDb(engine);
      const a = {
        id: 'abc-1',
        image: 'cms8000.cramfs',
        format: 'cramfs',
        files: 12,
        findings: [
          {
            id: 'fw.remote-mount',
            severity: 'high' as const,
            file: 'etc/init.d/rcS',
            line: 7,
            evidence: 'mount 202.114.4.119:/pm /mnt',
            address: '202.114.4.119',
          },
        ],
        components: [{ name: 'busybox', version: '1.19.4', file: 'bin/busybox' }],
        at: '2026-01-01T00:00:00.000Z',
        sha256: 'ab'.repeat(32),
        model: 'Contec CMS8000',
      };
      await db.store.reports.addFirmware(a);
      expect(await db.store.reports.firmware()).toEqual([a]);
      await db.store.reports.addFirmware({ ...a, files: 13 });
      expect((await db.store.reports.firmware()).map((x) => x.files)).toEqual([13]);
    });
  });
}
