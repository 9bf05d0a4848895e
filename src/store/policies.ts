// Policies in the store (issue 14 "In the console"): every version of each device's policy
// (learnt or edited, who proposed it, who applied it), every apply with the compiled text and
// the versions it enforced (a rollback goes back to the apply before), grants with their expiry,
// and the policy part of the audit log. Nothing here runs nft: the server decides where rules go.
import { type Kysely, sql } from 'kysely';
import { DevicePolicy, type DevicePolicy as DevicePolicyT } from '../contract/policy.js';
import type { PolicyAuditEntry, PolicyGrant, PolicySummary, PolicyVersion } from '../contract/policy-api.js';
import { parseJson } from './json.js';
import { type ApplyRecord, applyOf, versionOf } from './policy-rows.js';
import { type DeviceTraffic, deviceAddresses, deviceTraffic } from './policy-traffic.js';
import type { DB } from './schema.js';

export { type ApplyRecord, applyState } from './policy-rows.js';
export type { DeviceTraffic } from './policy-traffic.js';

export class PolicyQueries {
  constructor(private readonly db: Kysely<DB>) {}

  /** Store `policy` as the device's next version (state proposed). */
  async propose(
    device: string,
    policy: DevicePolicyT,
    who: { by: string; source: 'learn' | 'edit'; note?: string },
    at = new Date().toISOString(),
  ): Promise<PolicyVersion> {
    return this.db.transaction().execute(async (trx) => {
      const cur = await trx.selectFrom('policies').selectAll().where('id', '=', device).executeTakeFirst();
      const version = (cur === undefined ? 0 : Number(cur.version)) + 1;
      await trx
        .insertInto('policy_versions')
        .values({
          policy_id: device,
          version,
          body: JSON.stringify(policy),
          created_by: who.by,
          created_at: at,
          state: 'proposed',
          source: who.source,
          note: who.note ?? null,
          applied_by: null,
          applied_at: null,
        })
        .execute();
      if (cur === undefined)
        await trx
          .insertInto('policies')
          .values({
            id: device,
            device,
            mode: policy.mode,
            version,
            updated_at: at,
            name: policy.name ?? null,
            applied_version: null,
          })
          .execute();
      else
        await trx
          .updateTable('policies')
          .set({ mode: policy.mode, version, updated_at: at, name: policy.name ?? null })
          .where('id', '=', device)
          .execute();
      const row = await trx
        .selectFrom('policy_versions')
        .selectAll()
        .where('policy_id', '=', device)
        .where('version', '=', version)
        .executeTakeFirstOrThrow();
      return versionOf(row);
    });
  }

  async list(): Promise<PolicySummary[]> {
    const rows = await this.db.selectFrom('policies').selectAll().orderBy('updated_at', 'desc').limit(1000).execute();
    return rows.map((r) => ({
      device: r.device,
      ...(r.name !== null ? { name: r.name } : {}),
      mode: DevicePolicy.shape.mode.parse(r.mode),
      latest: Number(r.version),
      ...(r.applied_version !== null ? { applied: Number(r.applied_version) } : {}),
      updatedAt: r.updated_at,
    }));
  }

  /** Every version of a device's policy, newest first. */
  async versions(device: string): Promise<PolicyVersion[]> {
    const rows = await this.db
      .selectFrom('policy_versions')
      .selectAll()
      .where('policy_id', '=', device)
      .orderBy('version', 'desc')
      .limit(200)
      .execute();
    return rows.map(versionOf);
  }

  /** One version; the latest when `version` is undefined. */
  async version(device: string, version?: number): Promise<PolicyVersion | undefined> {
    let q = this.db.selectFrom('policy_versions').selectAll().where('policy_id', '=', device);
    q = version !== undefined ? q.where('version', '=', version) : q.orderBy('version', 'desc').limit(1);
    const r = await q.executeTakeFirst();
    return r === undefined ? undefined : versionOf(r);
  }

  /** The current apply (the newest not rolled back), if any. */
  async current(): Promise<ApplyRecord | undefined> {
    const r = await this.db
      .selectFrom('policy_applies')
      .selectAll()
      .where('rolled_back_at', 'is', null)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r === undefined ? undefined : applyOf(r);
  }

  async apply(id: string): Promise<ApplyRecord | undefined> {
    const r = await this.db.selectFrom('policy_applies').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : applyOf(r);
  }

  /** The device policies an apply enforces, by device. */
  async enforcedPolicies(enforced: Record<string, number>): Promise<Map<string, DevicePolicyT>> {
    const out = new Map<string, DevicePolicyT>();
    for (const [device, v] of Object.entries(enforced)) {
      const pv = await this.version(device, v);
      if (pv !== undefined) out.set(device, pv.policy);
    }
    return out;
  }

  /** Record an apply: its version becomes applied, the device's version it replaces superseded. */
  async recordApply(a: ApplyRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('policy_applies')
        .values({
          id: a.id,
          device: a.device,
          version: a.version,
          by: a.by,
          at: a.at,
          reason: a.reason,
          target: a.target,
          confirm_by: a.confirmBy ?? null,
          confirmed_at: a.confirmedAt ?? null,
          rolled_back_at: null,
          rolled_back_by: null,
          enforced: JSON.stringify(a.enforced),
          nftables: a.nftables,
          dnsmasq: a.dnsmasq,
          prev_id: a.prevId ?? null,
        })
        .execute();
      await trx
        .updateTable('policy_versions')
        .set({ state: 'superseded' })
        .where('policy_id', '=', a.device)
        .where('state', '=', 'applied')
        .execute();
      await trx
        .updateTable('policy_versions')
        .set({ state: 'applied', applied_by: a.by, applied_at: a.at })
        .where('policy_id', '=', a.device)
        .where('version', '=', a.version)
        .execute();
      await trx.updateTable('policies').set({ applied_version: a.version }).where('id', '=', a.device).execute();
    });
  }

  async confirm(id: string, at = new Date().toISOString()): Promise<ApplyRecord | undefined> {
    await this.db
      .updateTable('policy_applies')
      .set({ confirm_by: null, confirmed_at: at })
      .where('id', '=', id)
      .where('rolled_back_at', 'is', null)
      .execute();
    return this.apply(id);
  }

  /**
   * Mark apply `id` rolled back; the apply before it (if any, and not rolled back itself)
   * becomes current again, and every device's applied version follows its `enforced` map.
   */
  async rollback(id: string, by: string, at = new Date().toISOString()): Promise<ApplyRecord | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('policy_applies').selectAll().where('id', '=', id).executeTakeFirst();
      if (row === undefined) return undefined;
      await trx
        .updateTable('policy_applies')
        .set({ rolled_back_at: at, rolled_back_by: by })
        .where('id', '=', id)
        .execute();
      const prev =
        row.prev_id === null
          ? undefined
          : await trx
              .selectFrom('policy_applies')
              .selectAll()
              .where('id', '=', row.prev_id)
              .where('rolled_back_at', 'is', null)
              .executeTakeFirst();
      const before = prev === undefined ? {} : parseJson<Record<string, number>>(prev.enforced, {});
      const after = parseJson<Record<string, number>>(row.enforced, {});
      for (const device of new Set([...Object.keys(after), ...Object.keys(before)])) {
        const v = before[device];
        if (after[device] !== undefined && after[device] !== v)
          await trx
            .updateTable('policy_versions')
            .set({ state: after[device] === row.version && device === row.device ? 'rolled-back' : 'superseded' })
            .where('policy_id', '=', device)
            .where('version', '=', after[device])
            .execute();
        if (v !== undefined)
          await trx
            .updateTable('policy_versions')
            .set({ state: 'applied' })
            .where('policy_id', '=', device)
            .where('version', '=', v)
            .execute();
        await trx
          .updateTable('policies')
          .set({ applied_version: v ?? null })
          .where('id', '=', device)
          .execute();
      }
      return prev === undefined ? undefined : applyOf(prev);
    });
  }

  async addGrant(g: PolicyGrant): Promise<void> {
    await this.db
      .insertInto('policy_grants')
      .values({
        id: g.id,
        device: g.device,
        to_peer: g.to,
        proto: g.proto,
        port: g.port ?? null,
        from_at: g.from,
        until: g.until,
        reason: g.reason,
        by: g.by,
      })
      .execute();
  }

  /** Grants still open at `now`, for one device or all. */
  async grants(device?: string, now = new Date().toISOString()): Promise<PolicyGrant[]> {
    let q = this.db.selectFrom('policy_grants').selectAll().where('until', '>', now);
    if (device !== undefined) q = q.where('device', '=', device);
    const rows = await q.orderBy('until').limit(1000).execute();
    return rows.map((r) => ({
      id: r.id,
      device: r.device,
      to: r.to_peer,
      proto: r.proto as PolicyGrant['proto'],
      ...(r.port !== null ? { port: Number(r.port) } : {}),
      from: r.from_at,
      until: r.until,
      reason: r.reason,
      by: r.by,
    }));
  }

  /** The policy entries of the audit log (actions `policy.*`), for one device or all, newest first. */
  async audit(device?: string, limit = 200): Promise<PolicyAuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll().where('action', 'like', 'policy.%');
    if (device !== undefined) q = q.where((eb) => eb.or([eb('target', '=', device), eb('target', 'is', null)]));
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      who: r.who,
      action: r.action,
      ...(r.target !== null ? { target: r.target } : {}),
      detail: parseJson<Record<string, unknown>>(r.detail, {}),
    }));
  }

  /** What a device was recorded doing (policy-traffic.ts), for learn and simulate. */
  traffic(device: string, windowSeconds?: number): Promise<DeviceTraffic> {
    return deviceTraffic(this.db, device, windowSeconds);
  }

  /** A device's addresses, most recent first. */
  addresses(device: string): Promise<string[]> {
    return deviceAddresses(this.db, device);
  }

  /** Policy rows, for tests and the PHI grep. */
  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('policy_versions')
      .select(sql<number>`COUNT(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
