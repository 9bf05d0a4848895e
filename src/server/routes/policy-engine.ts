// What the console's policy routes do, apart from HTTP: learn and simulate over the device's
// recorded traffic (the store's flows and DNS answers), compile every enforced device policy
// into one ruleset, and apply it — to the configured lab namespace, or nowhere at all in
// dry-run mode (compiled, diffed and recorded, no nft run). An unconfirmed apply rolls back by
// itself when its timer ends; a rollback goes back to the apply before (recompiled now, so grant
// timeouts are current) or, for the first, to the ruleset that was there before wardwatch.
import { randomBytes } from 'node:crypto';
import type { Enforcement, PolicyGrant, ProposalEntry, SimulateResponse } from '../../contract/policy-api.js';
import type { DevicePolicy, Grant, PolicyFile } from '../../contract/policy.js';
import type { AlertRecord } from '../../contract/records.js';
import { lineDiff, StateDir } from '../../enforce/state.js';
import { conntrackFlush, nftApply, nftCheck, nftRuleset, type Target } from '../../enforce/tools.js';
import { DEFAULT_SITE_CIDRS, Zones } from '../../net/zones.js';
import { compileDnsmasq } from '../../policy/compile/dnsmasq.js';
import { compileNftables } from '../../policy/compile/nftables.js';
import { compiledDevices } from '../../policy/compile/plan.js';
import { learn } from '../../policy/learn.js';
import { simulate } from '../../policy/simulate.js';
import type { ApplyRecord, DeviceTraffic } from '../../store/policies.js';
import { deviceRecord, observedFlows } from './policy-observed.js';
import type { Store } from '../../store/store.js';

/** Where the console applies policies. Without `netns` it never runs nft: dry-run only. */
export interface PolicyConsoleOptions {
  /** A lab network namespace whose firewall the console may change. */
  readonly netns?: string;
  /** Where the ruleset from before the first apply is kept (required with netns). */
  readonly stateDir?: string;
  /** Site resolver for DNS-name rules (dnsmasq nftset=). */
  readonly resolver?: string;
  /** Site CIDRs (default DESIGN.md's). */
  readonly site?: readonly string[];
  /** How much of a device's recorded traffic (back from its last flow) learn and simulate read (default 7 days). */
  readonly trafficDays?: number;
}

export class PolicyError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const grantOf = (g: PolicyGrant): Grant => ({ ...g });

export class PolicyConsole {
  private readonly zones: Zones;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  readonly enforcement: Enforcement;

  constructor(
    private readonly store: Store,
    private readonly opts: PolicyConsoleOptions = {},
  ) {
    this.zones = new Zones(opts.site ?? DEFAULT_SITE_CIDRS);
    if (opts.netns !== undefined && !/^[\w.-]+$/.test(opts.netns))
      throw new Error(`not a namespace name: '${opts.netns}'`);
    if (opts.netns !== undefined && opts.stateDir === undefined)
      throw new Error('a policy namespace needs a state dir (the ruleset before the first apply is kept there)');
    this.enforcement =
      opts.netns !== undefined
        ? { mode: 'netns', target: `namespace ${opts.netns}` }
        : { mode: 'dry-run', target: 'dry run (no firewall configured)' };
  }

  private get target(): Target | undefined {
    return this.opts.netns !== undefined ? { netns: this.opts.netns } : undefined;
  }

  private isSite = (ip: string) => !this.zones.isOutside(ip);

  private async traffic(device: string): Promise<DeviceTraffic> {
    const t = await this.store.policies.traffic(device, (this.opts.trafficDays ?? 7) * 86400);
    if (t.flows.length === 0 && t.ips.length === 0)
      throw new PolicyError(404, `no recorded traffic of device '${device}'`);
    return t;
  }

  /** A proposal for one device from its recorded traffic and alerts. */
  async learn(device: string, mode: DevicePolicy['mode']): Promise<{ policy: DevicePolicy; entries: ProposalEntry[] }> {
    const t = await this.traffic(device);
    const alerts = (await this.store.alerts.list({ device, limit: 1000, offset: 0 })).alerts.map(
      (a): AlertRecord => ({ type: 'alert', ...a }),
    );
    const r = learn({
      flows: observedFlows(t),
      alerts,
      devices: [deviceRecord(device, t)],
      isSite: this.isSite,
      mode,
    });
    const p = r.policy.devices[0];
    if (p === undefined) throw new PolicyError(409, `device '${device}' has no site address to learn a policy for`);
    return { policy: p, entries: r.devices[0]?.entries ?? [] };
  }

  /** Every enforced device policy (the `enforced` map), with `change` swapped in, as one policy file. */
  private async compose(enforced: Record<string, number>, change?: { device: string; policy: DevicePolicy }) {
    const byDevice = await this.store.policies.enforcedPolicies(enforced);
    if (change !== undefined) byDevice.set(change.device, change.policy);
    const addresses: Record<string, string[]> = {};
    for (const device of byDevice.keys()) addresses[device.toLowerCase()] = await this.store.policies.addresses(device);
    const grants = (await this.store.policies.grants()).filter((g) => byDevice.has(g.device)).map(grantOf);
    const devices = [...byDevice].map(([device, p]) => ({
      ...p,
      // Match by the store's device id; the address comes from its recorded addresses.
      match: { ...p.match, mac: p.match.mac ?? (device.startsWith('ip:') ? undefined : device) },
    }));
    const policy: PolicyFile = {
      version: 2,
      ...(this.opts.resolver !== undefined ? { resolver: this.opts.resolver } : {}),
      devices,
      grants,
    };
    // Grants name the store's device id; the compiler knows devices by MAC, IP or name.
    const input = { policy, addresses, site: this.opts.site ?? DEFAULT_SITE_CIDRS, now: Date.now() };
    const nft = compileNftables(input);
    const dns = compileDnsmasq(input);
    const plan = compiledDevices(input);
    return {
      nftables: nft.text,
      timeZone: nft.timeZone,
      dnsmasq: dns.text,
      warnings: [...new Set([...nft.warnings, ...dns.warnings])],
      addresses: plan.devices.flatMap((d) => d.addresses),
      tags: Object.fromEntries(
        plan.devices.flatMap((d) => [...d.addresses.map((a) => [a, d.tag]), [d.policy.match.mac ?? '', d.tag]]),
      ) as Record<string, string>,
    };
  }

  async simulate(device: string, version?: number): Promise<SimulateResponse> {
    const pv = await this.store.policies.version(device, version);
    if (pv === undefined)
      throw new PolicyError(404, `no policy${version !== undefined ? ` version ${version}` : ''} for '${device}'`);
    const t = await this.traffic(device);
    const grants = (await this.store.policies.grants(device)).map(grantOf);
    const sim = simulate({
      policy: { version: 2, devices: [{ ...pv.policy, match: { mac: device } }], grants },
      flows: observedFlows(t),
      devices: [deviceRecord(device, t)],
      isSite: this.isSite,
    });
    const d = sim.devices[0];
    const cur = await this.store.policies.current();
    const enforced = cur?.enforced ?? {};
    const before = Object.keys(enforced).length > 0 ? await this.compose(enforced) : undefined;
    const after = await this.compose(enforced, { device, policy: pv.policy });
    const against = enforced[device];
    return {
      device,
      version: pv.version,
      ...(against !== undefined ? { against } : {}),
      blocked: d?.blocked ?? [],
      allowed: d?.allowed ?? [],
      warnings: sim.warnings.map((w) => w.message),
      nftables: { text: after.nftables, diff: lineDiff(before?.nftables ?? '', after.nftables) },
      dnsmasq: { text: after.dnsmasq, diff: lineDiff(before?.dnsmasq ?? '', after.dnsmasq) },
      compileWarnings: after.warnings,
    };
  }

  async apply(
    device: string,
    req: { version: number; confirmWithinS: number; reason: string; allowClinicalBlock?: boolean },
    by: string,
  ): Promise<{ applied: ApplyRecord; diff: string[]; conntrackDeleted: number }> {
    const pv = await this.store.policies.version(device, req.version);
    if (pv === undefined)
      throw new PolicyError(404, `no policy version ${req.version} for '${device}'`, 'body.version');
    // "Never break monitoring" is checked before anything is applied.
    const sim = await this.simulate(device, req.version);
    if (sim.warnings.length > 0 && req.allowClinicalBlock !== true)
      throw new PolicyError(
        409,
        `not applied: the dry run blocks a clinical flow (${sim.warnings.join('; ')}); send allowClinicalBlock to insist`,
      );
    const cur = await this.store.policies.current();
    const enforced = { ...(cur?.enforced ?? {}), [device]: req.version };
    const c = await this.compose(enforced);
    if (!c.addresses.length && pv.policy.mode !== 'learn' && pv.policy.mode !== 'alert')
      throw new PolicyError(409, `not applied: ${c.warnings.join('; ') || 'no device address known'}`);
    let diff: string[];
    let conntrackDeleted = 0;
    const t = this.target;
    if (t !== undefined) {
      const before = nftRuleset(t);
      nftCheck(t, c.nftables, c.timeZone);
      // The ruleset from before wardwatch is what the first apply's rollback restores.
      if (cur === undefined) new StateDir(this.opts.stateDir as string).setSnapshot(before);
      nftApply(t, c.nftables, c.timeZone);
      conntrackDeleted = conntrackFlush(t, c.addresses);
      diff = lineDiff(before, nftRuleset(t));
    } else diff = lineDiff(cur?.nftables ?? '', c.nftables);
    const now = Date.now();
    const applied: ApplyRecord = {
      id: randomBytes(6).toString('hex'),
      device,
      version: req.version,
      by,
      at: new Date(now).toISOString(),
      reason: req.reason,
      target: this.enforcement.target,
      ...(req.confirmWithinS > 0
        ? { confirmBy: new Date(now + req.confirmWithinS * 1000).toISOString() }
        : { confirmedAt: new Date(now).toISOString() }),
      enforced,
      nftables: c.nftables,
      dnsmasq: c.dnsmasq,
      ...(cur !== undefined ? { prevId: cur.id } : {}),
    };
    await this.store.policies.recordApply(applied);
    if (applied.confirmBy !== undefined) this.schedule(applied);
    return { applied, diff, conntrackDeleted };
  }

  async confirm(): Promise<ApplyRecord> {
    const cur = await this.store.policies.current();
    if (cur === undefined) throw new PolicyError(409, 'nothing applied to confirm');
    if (cur.confirmBy === undefined) return cur;
    this.clear(cur.id);
    return (await this.store.policies.confirm(cur.id)) as ApplyRecord;
  }

  /** Undo the current apply: back to the one before it, or to the ruleset from before wardwatch. */
  async rollback(by: string): Promise<{ rolledBack: ApplyRecord; restored?: ApplyRecord; diff: string[] }> {
    const cur = await this.store.policies.current();
    if (cur === undefined) throw new PolicyError(409, 'nothing applied to roll back');
    this.clear(cur.id);
    const prev = cur.prevId !== undefined ? await this.store.policies.apply(cur.prevId) : undefined;
    const back = prev !== undefined && prev.rolledBackAt === undefined ? prev : undefined;
    const c = back !== undefined ? await this.compose(back.enforced) : undefined;
    let diff: string[];
    const t = this.target;
    if (t !== undefined) {
      const before = nftRuleset(t);
      if (c !== undefined) nftApply(t, c.nftables, c.timeZone);
      else {
        const snap = new StateDir(this.opts.stateDir as string).snapshot();
        if (snap === undefined) throw new PolicyError(409, 'no snapshot to roll back to');
        nftApply(t, `flush ruleset\n${snap}`, 'UTC');
      }
      conntrackFlush(t, [...new Set([...(c?.addresses ?? []), ...(await this.compose(cur.enforced)).addresses])]);
      diff = lineDiff(before, nftRuleset(t));
    } else diff = lineDiff(cur.nftables, c?.nftables ?? '');
    const restored = await this.store.policies.rollback(cur.id, by);
    return { rolledBack: cur, ...(restored !== undefined ? { restored } : {}), diff };
  }

  /**
   * Record a grant. With a namespace and an applied policy that enforces the device, an address
   * grant opens at once (a set element with a timeout); a name grant needs the resolver's
   * nftset= line, so it is compiled into the next apply.
   */
  async grant(
    device: string,
    req: { to: string; proto: PolicyGrant['proto']; port?: number; forSeconds: number; reason: string },
    by: string,
  ): Promise<{ grant: PolicyGrant; live: boolean }> {
    const now = Date.now();
    const grant: PolicyGrant = {
      id: randomBytes(4).toString('hex'),
      device,
      to: req.to,
      proto: req.proto,
      ...(req.port !== undefined ? { port: req.port } : {}),
      from: new Date(now).toISOString(),
      until: new Date(now + req.forSeconds * 1000).toISOString(),
      reason: req.reason,
      by,
    };
    await this.store.policies.addGrant(grant);
    const cur = await this.store.policies.current();
    const t = this.target;
    if (t === undefined || cur === undefined || cur.enforced[device] === undefined) return { grant, live: false };
    const c = await this.compose(cur.enforced);
    const tag = c.tags[device.toLowerCase()];
    const v6 = req.to.includes(':');
    if (tag === undefined || !/^[\d.:/a-fA-F]+$/.test(req.to)) return { grant, live: false };
    const set = `${tag}_grant${v6 ? '6' : ''}`;
    const cmds = ['inet', 'bridge']
      .map((f) => `add element ${f} wardwatch ${set} { ${req.to} timeout ${req.forSeconds}s }`)
      .join('\n');
    nftApply(t, `${cmds}\n`, c.timeZone);
    return { grant, live: true };
  }

  private schedule(a: ApplyRecord): void {
    this.clear(a.id);
    const ms = Math.max(0, Date.parse(a.confirmBy as string) - Date.now());
    const timer = setTimeout(() => void this.expire(a).catch(() => undefined), ms);
    timer.unref();
    this.timers.set(a.id, timer);
  }

  private async expire(a: ApplyRecord): Promise<void> {
    this.timers.delete(a.id);
    const cur = await this.store.policies.current();
    if (cur?.id !== a.id || cur.confirmBy === undefined) return;
    const why = `not confirmed by ${cur.confirmBy}`;
    await this.rollback('wardwatch');
    await this.store.auth.audit('wardwatch', 'policy.rollback', a.device, { id: a.id, reason: why, automatic: true });
  }

  private clear(id: string): void {
    const t = this.timers.get(id);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(id);
  }

  /** After a restart: an apply still waiting for confirmation gets its timer back (or rolls back now). */
  async resume(): Promise<void> {
    const cur = await this.store.policies.current();
    if (cur?.confirmBy !== undefined) this.schedule(cur);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
