// apply / confirm / rollback / status / grant (DESIGN.md "Policy"): snapshot the running
// ruleset, check and apply the compiled rules atomically, forget the affected devices'
// conntrack entries, and keep a way back: unless confirmed in time, or when the watchdog says
// the clinical feed stopped, the snapshot is restored. Every step goes to the audit log.
import { randomBytes } from 'node:crypto';
import type { Grant } from '../contract/policy.js';
import { WardwatchError } from '../errors.js';
import { type Applied, lineDiff, StateDir } from './state.js';
import { conntrackFlush, describeTarget, nftApply, nftCheck, nftRuleset, type Target } from './tools.js';

export interface Who {
  readonly by: string;
  readonly reason: string;
}

export interface ApplyInput extends Who {
  readonly target: Target;
  readonly state: StateDir;
  readonly policyFile: string;
  /** The compiled ruleset (policy/compile/nftables.ts) and the time zone to load it in. */
  readonly ruleset: string;
  readonly timeZone: string;
  readonly tags: Record<string, string>;
  readonly addresses: readonly string[];
  /** Seconds until an unconfirmed apply rolls back; 0 = confirmed at once. */
  readonly confirmWithinS: number;
}

export interface ApplyResult {
  readonly applied: Applied;
  readonly diff: string[];
  readonly conntrackDeleted: number;
}

export function applyPolicy(i: ApplyInput): ApplyResult {
  const before = nftRuleset(i.target);
  nftCheck(i.target, i.ruleset, i.timeZone);
  i.state.setSnapshot(before);
  nftApply(i.target, i.ruleset, i.timeZone);
  const conntrackDeleted = conntrackFlush(i.target, i.addresses);
  const now = Date.now();
  const applied: Applied = {
    id: randomBytes(6).toString('hex'),
    policyFile: i.policyFile,
    appliedAt: new Date(now).toISOString(),
    by: i.by,
    reason: i.reason,
    target: describeTarget(i.target),
    ...(i.confirmWithinS > 0
      ? { confirmBy: new Date(now + i.confirmWithinS * 1000).toISOString() }
      : { confirmedAt: new Date(now).toISOString() }),
    tags: i.tags,
    addresses: [...i.addresses],
    timeZone: i.timeZone,
  };
  i.state.setApplied(applied);
  const diff = lineDiff(before, nftRuleset(i.target));
  i.state.audit({
    action: 'apply',
    by: i.by,
    reason: i.reason,
    target: applied.target,
    id: applied.id,
    diff,
    detail: { policyFile: i.policyFile, confirmBy: applied.confirmBy, conntrackDeleted },
  });
  return { applied, diff, conntrackDeleted };
}

export function confirmPolicy(state: StateDir, who: Who): Applied {
  const a = state.applied();
  if (a === undefined || a === null) throw new WardwatchError('WW_ARGS', 'nothing applied to confirm');
  if (a.confirmBy === undefined) return a;
  const done: Applied = { ...a, confirmBy: undefined, confirmedAt: new Date().toISOString() };
  state.setApplied(done);
  state.audit({ action: 'confirm', by: who.by, reason: who.reason, target: a.target, id: a.id });
  return done;
}

/** Restore the ruleset the last apply replaced; returns the diff. */
export function rollbackPolicy(state: StateDir, target: Target, who: Who): string[] {
  const snap = state.snapshot();
  if (snap === undefined) throw new WardwatchError('WW_ARGS', 'no snapshot to roll back to (nothing was applied here)');
  const a = state.applied();
  const before = nftRuleset(target);
  nftApply(target, `flush ruleset\n${snap}`, a?.timeZone ?? 'UTC');
  const deleted = conntrackFlush(target, a?.addresses ?? []);
  const diff = lineDiff(before, nftRuleset(target));
  state.setApplied(undefined);
  state.audit({
    action: 'rollback',
    by: who.by,
    reason: who.reason,
    target: describeTarget(target),
    ...(a ? { id: a.id } : {}),
    diff,
    detail: { conntrackDeleted: deleted },
  });
  return diff;
}

export interface ConfirmWait {
  /** How it ended: confirmed, rolled back on timeout, rolled back by the watchdog, or interrupted (rolled back). */
  readonly outcome: 'confirmed' | 'timeout' | 'watchdog' | 'interrupted';
  readonly at: number;
  readonly detail?: string;
}

/**
 * Wait for `policy confirm` (another process writes the state) until the deadline; also ask
 * `watchdog()` every tick: a string from it is a reason to roll back. `keepWatchingUntil` keeps
 * the watchdog running after a confirm.
 */
export async function waitForConfirm(
  state: StateDir,
  target: Target,
  opts: { watchdog?: () => string | undefined; keepWatchingUntil?: number; signal?: AbortSignal; tickMs?: number },
): Promise<ConfirmWait> {
  const tick = opts.tickMs ?? 200;
  const system: Who = { by: 'wardwatch', reason: '' };
  for (;;) {
    const a = state.applied();
    if (a === undefined || a === null)
      return { outcome: 'interrupted', at: Date.now(), detail: 'rolled back elsewhere' };
    const now = Date.now();
    const why = opts.watchdog?.();
    if (why !== undefined) {
      rollbackPolicy(state, target, { ...system, reason: `watchdog: ${why}` });
      return { outcome: 'watchdog', at: Date.now(), detail: why };
    }
    if (opts.signal?.aborted) {
      if (a.confirmBy !== undefined) rollbackPolicy(state, target, { ...system, reason: 'interrupted before confirm' });
      return { outcome: 'interrupted', at: now };
    }
    if (a.confirmBy === undefined) {
      if (opts.keepWatchingUntil === undefined || now >= opts.keepWatchingUntil)
        return { outcome: 'confirmed', at: now };
    } else if (now >= Date.parse(a.confirmBy)) {
      rollbackPolicy(state, target, { ...system, reason: `not confirmed by ${a.confirmBy}` });
      return { outcome: 'timeout', at: Date.now() };
    }
    await new Promise((r) => setTimeout(r, tick));
  }
}

/** Record a grant and, when a policy is applied, open it now as set elements with a timeout. */
export function grantAccess(state: StateDir, target: Target | undefined, g: Grant): { live: boolean } {
  state.addGrant(g);
  const a = state.applied();
  let live = false;
  if (target !== undefined && a !== undefined && a !== null) {
    const tag = a.tags[g.device.toLowerCase()] ?? a.tags[g.device];
    if (tag === undefined)
      throw new WardwatchError(
        'WW_ARGS',
        `device ${g.device} is not in the applied policy (${Object.keys(a.tags).join(', ')})`,
      );
    const s = Math.max(1, Math.floor((Date.parse(g.until) - Date.now()) / 1000));
    const cmds = ['inet', 'bridge']
      .map((f) => `add element ${f} wardwatch ${tag}_grant${g.to.includes(':') ? '6' : ''} { ${g.to} timeout ${s}s }`)
      .join('\n');
    nftApply(target, `${cmds}\n`, a.timeZone);
    live = true;
  }
  state.audit({
    action: 'grant',
    by: g.by ?? 'unknown',
    reason: g.reason,
    target: target ? describeTarget(target) : 'not applied',
    id: g.id,
    detail: { device: g.device, to: g.to, until: g.until, live },
  });
  return { live };
}

export { StateDir };
