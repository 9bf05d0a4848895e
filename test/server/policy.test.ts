// The console's policy routes (issue 14 "In the console") over the simulated CMS8000 ward: an
// analyst learns a proposal from the recorded traffic and simulates it with the compiled diff;
// an admin applies it (dry-run: no firewall is configured, and nft is never run — the tools
// module throws here), confirms, grants, rolls back; an unconfirmed apply rolls back by itself.
// Each refusal is proved: no session, wrong role, missing CSRF, bad body.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorResponse } from '../../src/contract/api.js';
import {
  ApplyResponse,
  GrantResponse,
  POLICY_ROUTES,
  PolicyDetailResponse,
  PolicyListResponse,
  ProposeResponse,
  RollbackResponse,
  SimulateResponse,
} from '../../src/contract/policy-api.js';
import { type Console, consoleApp, login, type Session } from './helpers.js';

// The console in tests must never touch a firewall: any call into the nft/conntrack runner fails the test.
vi.mock('../../src/enforce/tools.js', () => {
  const refuse = () => {
    throw new Error('the console ran nft/conntrack in a test');
  };
  return {
    nft: refuse,
    nftCheck: refuse,
    nftApply: refuse,
    nftRuleset: refuse,
    conntrackFlush: refuse,
    describeTarget: () => 'x',
  };
});

let c: Console;
let cms: string;
let analyst: Session;
let admin: Session;
let viewer: Session;

beforeAll(async () => {
  c = await consoleApp({ loginPerMinute: 100 });
  const list = await c.ctx.store.devices.list({ q: 'CMS8000', limit: 10, offset: 0 });
  cms = list.devices.find((d) => d.model === 'Contec CMS8000')!.id;
  [analyst, admin, viewer] = await Promise.all([login(c, 'analyst'), login(c, 'admin'), login(c, 'viewer')]);
}, 60_000);
afterAll(async () => c.close());

const path = (p: string, device = cms) => p.replace(':device', encodeURIComponent(device));
const post = (s: Session | undefined, p: string, payload: unknown, headers?: Record<string, string>) =>
  c.app.inject({ method: 'POST', url: path(p), payload: payload as object, headers: headers ?? s?.headers ?? {} });

const GOOD: Record<keyof typeof POLICY_ROUTES, unknown> = {
  policies: undefined,
  policy: undefined,
  propose: {},
  simulate: {},
  apply: { version: 1, confirmWithinS: 0, reason: 'contain the CMS8000' },
  grant: { to: '203.0.113.7', forSeconds: 60, reason: 'ticket 4711' },
  confirm: { reason: 'checked' },
  rollback: { reason: 'undo' },
};

describe('policy route refusals', () => {
  it('401 without a session on every policy route', async () => {
    for (const [name, r] of Object.entries(POLICY_ROUTES)) {
      const res = await c.app.inject({
        method: r.method,
        url: path(r.path),
        payload: r.method === 'POST' ? {} : undefined,
      });
      expect(res.statusCode, name).toBe(401);
      expect(ErrorResponse.parse(res.json()).code).toBe('WW_AUTH');
    }
  });

  it('403 for a viewer proposing or simulating, and for an analyst applying, granting, confirming, rolling back', async () => {
    for (const name of ['propose', 'simulate'] as const) {
      const r = await post(viewer, POLICY_ROUTES[name].path, GOOD[name]);
      expect([name, r.statusCode, r.json().code]).toEqual([name, 403, 'WW_ROLE']);
    }
    for (const name of ['apply', 'grant', 'confirm', 'rollback'] as const) {
      const r = await post(analyst, POLICY_ROUTES[name].path, GOOD[name]);
      expect([name, r.statusCode, r.json().code]).toEqual([name, 403, 'WW_ROLE']);
    }
    expect(await c.ctx.store.policies.count()).toBe(0); // nothing was stored by a refused request
  });

  it('403 without the CSRF token (or with a wrong one) on every mutation, even for an admin', async () => {
    for (const [name, r] of Object.entries(POLICY_ROUTES)) {
      if (r.method !== 'POST') continue;
      for (const headers of [{ cookie: admin.cookie }, { cookie: admin.cookie, 'x-csrf-token': 'forged' }] as Record<
        string,
        string
      >[]) {
        const res = await post(undefined, r.path, GOOD[name as keyof typeof POLICY_ROUTES], headers);
        expect([name, res.statusCode, res.json().code]).toEqual([name, 403, 'WW_CSRF']);
      }
    }
    expect(await c.ctx.store.policies.count()).toBe(0);
  });

  it('400 naming the field for a bad body', async () => {
    const cases: [string, unknown, string][] = [
      [POLICY_ROUTES.apply.path, { version: 1 }, 'body.reason'],
      [POLICY_ROUTES.apply.path, { version: 0, reason: 'x' }, 'body.version'],
      [POLICY_ROUTES.apply.path, { version: 1, reason: 'x', confirmWithinS: 99999 }, 'body.confirmWithinS'],
      [POLICY_ROUTES.grant.path, { to: '203.0.113.7', forSeconds: 0, reason: 'x' }, 'body.forSeconds'],
      [POLICY_ROUTES.grant.path, { to: '203.0.113.7', forSeconds: 60 }, 'body.reason'],
      [POLICY_ROUTES.rollback.path, {}, 'body.reason'],
      [POLICY_ROUTES.propose.path, { policy: { match: { mac: 'x' }, mode: 'lockdown' } }, 'body.policy.mode'],
      [POLICY_ROUTES.propose.path, { surprise: true }, 'body'],
    ];
    for (const [p, body, field] of cases) {
      const r = await post(admin, p, body);
      expect([p, r.statusCode], JSON.stringify(body)).toEqual([p, 400]);
      expect(ErrorResponse.parse(r.json()).field ?? '').toContain(field);
    }
    expect(await c.ctx.store.policies.count()).toBe(0);
  });

  it('404 for a device with no recorded traffic, or a version that does not exist', async () => {
    const r = await c.app.inject({
      method: 'POST',
      url: path(POLICY_ROUTES.propose.path, 'no-such-device'),
      payload: {},
      headers: analyst.headers,
    });
    expect(r.statusCode).toBe(404);
    expect((await post(analyst, POLICY_ROUTES.simulate.path, { version: 7 })).statusCode).toBe(404);
  });
});

describe('propose, simulate, apply, confirm, grant, roll back', () => {
  it('an analyst learns a proposal from the recorded traffic: the backdoor denied, the central station allowed', async () => {
    const r = await post(analyst, POLICY_ROUTES.propose.path, { mode: 'enforce', note: 'first look' });
    expect(r.statusCode, r.body).toBe(200);
    const p = ProposeResponse.parse(r.json());
    expect(p.version).toMatchObject({
      version: 1,
      state: 'proposed',
      source: 'learn',
      createdBy: 'anna',
      note: 'first look',
    });
    const denied = p.entries.filter((e) => e.decision === 'deny').map((e) => e.rule.peer);
    expect(denied).toEqual(expect.arrayContaining(['202.114.4.119', '202.114.4.120']));
    expect(p.entries.find((e) => e.rule.peer === '202.114.4.120')?.reason).toMatch(/raised .*phi\.cleartext/);
    const allowed = p.entries.filter((e) => e.decision === 'allow');
    expect(allowed.some((e) => e.rule.port === 2575 && /HL7 to its central station/.test(e.reason))).toBe(true);
    expect(allowed.map((e) => e.rule.peer)).not.toContain('202.114.4.120');
    expect(p.entries.every((e) => e.flows > 0)).toBe(true);
  });

  it('simulates it against the recorded flows, with the compiled nftables and dnsmasq text and their diff', async () => {
    const r = await post(analyst, POLICY_ROUTES.simulate.path, {});
    expect(r.statusCode, r.body).toBe(200);
    const s = SimulateResponse.parse(r.json());
    expect(s.version).toBe(1);
    expect(s.against).toBeUndefined(); // nothing applied yet
    expect(s.blocked.map((b) => `${b.dst}:${b.port}`)).toEqual(
      expect.arrayContaining(['202.114.4.120:515', '202.114.4.119:111']),
    );
    expect(s.allowed.some((a) => a.port === 2575 && a.app === 'hl7')).toBe(true);
    expect(s.warnings).toEqual([]);
    expect(s.nftables.text).toMatch(/table inet wardwatch \{/);
    expect(s.nftables.text).toMatch(/ip daddr 202\.114\.4\.120 counter log prefix "wardwatch d1 deny: " reject/);
    expect(s.nftables.diff).toContain('+ table inet wardwatch {');
    expect(s.nftables.diff.every((l) => l.startsWith('+ '))).toBe(true);
    expect(s.dnsmasq.text).toMatch(/^max-cache-ttl=3600$/m);
  });

  it('refuses (409) to apply a version that would block the clinical feed, unless told to insist', async () => {
    const learnt = (await c.ctx.store.policies.version(cms, 1))!.policy;
    const central = learnt.allow.find((r) => r.port === 2575)!.peer;
    const bad = { ...learnt, deny: [...learnt.deny, { peer: central, proto: 'any', reason: 'oops' }] };
    const r = await post(analyst, POLICY_ROUTES.propose.path, { policy: bad, note: 'too strict' });
    expect(ProposeResponse.parse(r.json()).version).toMatchObject({ version: 2, source: 'edit' });
    const sim = SimulateResponse.parse((await post(analyst, POLICY_ROUTES.simulate.path, { version: 2 })).json());
    expect(sim.warnings[0]).toMatch(/BLOCK A CLINICAL FLOW/);
    const a = await post(admin, POLICY_ROUTES.apply.path, { version: 2, confirmWithinS: 0, reason: 'x' });
    expect(a.statusCode).toBe(409);
    expect(a.json().message).toMatch(/blocks a clinical flow/);
    expect(await c.ctx.store.policies.current()).toBeUndefined();
  });

  it('an admin applies version 1 in dry-run mode; it is recorded as applied, by whom, with the diff', async () => {
    const r = await post(admin, POLICY_ROUTES.apply.path, {
      version: 1,
      confirmWithinS: 0,
      reason: 'contain the CMS8000',
    });
    expect(r.statusCode, r.body).toBe(200);
    const a = ApplyResponse.parse(r.json());
    expect(a.enforcement.mode).toBe('dry-run');
    expect(a.applied).toMatchObject({ device: cms, version: 1, by: 'adam', reason: 'contain the CMS8000' });
    expect(a.applied.confirmedAt).toBeDefined();
    expect(a.diff).toContain('+ table inet wardwatch {');
    expect(a.conntrackDeleted).toBe(0);
    const list = PolicyListResponse.parse(
      (await c.app.inject({ url: '/api/policies', headers: viewer.headers })).json(),
    );
    expect(list.policies).toEqual([expect.objectContaining({ device: cms, latest: 2, applied: 1 })]);
    expect(list.applied?.id).toBe(a.applied.id);
  });

  it('a grant to a DNS name is recorded and compiled into the ruleset (dnsmasq nftset, meta time)', async () => {
    const r = await post(admin, POLICY_ROUTES.grant.path, {
      to: 'service.vendor.example',
      proto: 'tcp',
      port: 443,
      forSeconds: 7200,
      reason: 'ticket 4711',
    });
    expect(r.statusCode, r.body).toBe(200);
    const g = GrantResponse.parse(r.json());
    expect(g).toMatchObject({ live: false, grant: { device: cms, to: 'service.vendor.example', by: 'adam' } });
    const s = SimulateResponse.parse((await post(analyst, POLICY_ROUTES.simulate.path, { version: 1 })).json());
    expect(s.against).toBe(1);
    expect(s.nftables.text).toMatch(
      /ip daddr @d1_g0 tcp dport 443 meta time < "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d" counter accept/,
    );
    expect(s.dnsmasq.text).toMatch(
      /^nftset=\/service\.vendor\.example\/4#inet#wardwatch#d1_g0,.*6#inet#wardwatch#d1_g0_6/m,
    );
  });

  it('a second apply, then a rollback back to the first; the detail page shows versions, grants and the audit trail', async () => {
    const learnt = (await c.ctx.store.policies.version(cms, 1))!.policy;
    const v3 = ProposeResponse.parse(
      (await post(analyst, POLICY_ROUTES.propose.path, { policy: { ...learnt, mode: 'local-only' } })).json(),
    ).version;
    const a = ApplyResponse.parse(
      (
        await post(admin, POLICY_ROUTES.apply.path, { version: v3.version, confirmWithinS: 0, reason: 'local only' })
      ).json(),
    );
    expect(a.diff.length).toBeGreaterThan(0);
    expect(a.diff.some((l) => l.startsWith('- '))).toBe(true); // against the first apply's text, not empty
    const rb = await post(admin, POLICY_ROUTES.rollback.path, { reason: 'the central station lost a bed' });
    expect(rb.statusCode, rb.body).toBe(200);
    const b = RollbackResponse.parse(rb.json());
    expect(b.rolledBack.version).toBe(v3.version);
    expect(b.restored?.version).toBe(1);
    const d = PolicyDetailResponse.parse(
      (await c.app.inject({ url: path('/api/policies/:device'), headers: viewer.headers })).json(),
    );
    expect(d.versions.map((v) => [v.version, v.state])).toEqual([
      [3, 'rolled-back'],
      [2, 'proposed'],
      [1, 'applied'],
    ]);
    expect(d.versions.find((v) => v.version === 1)).toMatchObject({ createdBy: 'anna', appliedBy: 'adam' });
    expect(d.grants.map((g) => g.to)).toEqual(['service.vendor.example']);
    expect(d.audit.map((e) => [e.who, e.action])).toEqual([
      ['adam', 'policy.rollback'],
      ['adam', 'policy.apply'],
      ['anna', 'policy.propose'],
      ['adam', 'policy.grant'],
      ['adam', 'policy.apply'],
      ['anna', 'policy.propose'],
      ['anna', 'policy.propose'],
    ]);
    expect(d.audit[0]?.detail).toMatchObject({ reason: 'the central station lost a bed' });
  });

  it('an apply not confirmed in time rolls back by itself; a confirmed one stays', async () => {
    const a = ApplyResponse.parse(
      (await post(admin, POLICY_ROUTES.apply.path, { version: 3, confirmWithinS: 1, reason: 'try local-only' })).json(),
    );
    expect(a.applied.confirmBy).toBeDefined();
    const until = Date.now() + 10_000;
    while ((await c.ctx.store.policies.current())?.id === a.applied.id && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect((await c.ctx.store.policies.current())?.version).toBe(1);
    const audit = await c.ctx.store.policies.audit(cms);
    expect(audit[0]).toMatchObject({ who: 'wardwatch', action: 'policy.rollback', detail: { automatic: true } });
    const b = ApplyResponse.parse(
      (await post(admin, POLICY_ROUTES.apply.path, { version: 3, confirmWithinS: 1, reason: 'again' })).json(),
    );
    const conf = await post(admin, POLICY_ROUTES.confirm.path, { reason: 'central station fine' });
    expect(conf.statusCode, conf.body).toBe(200);
    expect(conf.json().applied.confirmedAt).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await c.ctx.store.policies.current())?.id).toBe(b.applied.id);
  });
});
