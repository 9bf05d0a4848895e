// Rows of the policy tables as the contract's records (policy-api.ts).
import type { ApplyState, PolicyVersion, PolicyVersionState } from '../contract/policy-api.js';
import { DevicePolicy } from '../contract/policy.js';
import { parseJson } from './json.js';
import type { PolicyAppliesTable, PolicyVersionsTable } from './schema.js';

export interface ApplyRecord extends ApplyState {
  /** device → version: every device policy the compiled ruleset enforces. */
  readonly enforced: Record<string, number>;
  readonly nftables: string;
  readonly dnsmasq: string;
  readonly prevId?: string;
  readonly rolledBackAt?: string;
}

export function versionOf(r: PolicyVersionsTable): PolicyVersion {
  return {
    device: r.policy_id,
    version: Number(r.version),
    state: r.state as PolicyVersionState,
    policy: DevicePolicy.parse(JSON.parse(r.body)),
    source: r.source === 'learn' ? 'learn' : 'edit',
    createdBy: r.created_by,
    createdAt: r.created_at,
    ...(r.note !== null ? { note: r.note } : {}),
    ...(r.applied_by !== null ? { appliedBy: r.applied_by } : {}),
    ...(r.applied_at !== null ? { appliedAt: r.applied_at } : {}),
  };
}

export function applyOf(r: PolicyAppliesTable): ApplyRecord {
  return {
    id: r.id,
    device: r.device,
    version: Number(r.version),
    by: r.by,
    at: r.at,
    reason: r.reason,
    target: r.target,
    ...(r.confirm_by !== null ? { confirmBy: r.confirm_by } : {}),
    ...(r.confirmed_at !== null ? { confirmedAt: r.confirmed_at } : {}),
    enforced: parseJson<Record<string, number>>(r.enforced, {}),
    nftables: r.nftables,
    dnsmasq: r.dnsmasq,
    ...(r.prev_id !== null ? { prevId: r.prev_id } : {}),
    ...(r.rolled_back_at !== null ? { rolledBackAt: r.rolled_back_at } : {}),
  };
}

/** The public part of an apply record. */
export function applyState(a: ApplyRecord): ApplyState {
  return {
    id: a.id,
    device: a.device,
    version: a.version,
    by: a.by,
    at: a.at,
    reason: a.reason,
    target: a.target,
    ...(a.confirmBy !== undefined ? { confirmBy: a.confirmBy } : {}),
    ...(a.confirmedAt !== undefined ? { confirmedAt: a.confirmedAt } : {}),
  };
}
