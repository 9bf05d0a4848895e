// Every refusal the console makes, each proved: no session 401, expired session 401, wrong role
// 403, missing/wrong CSRF 403, bad API token 401 (and wrong scope 403), rate limit 429,
// too-large body 413, bad request 400 naming the field. And what a good login sets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, ErrorResponse } from '../../src/contract/api.js';
import { sha256 } from '../../src/server/auth/passwords.js';
import { createToken } from '../../src/server/auth/users.js';
import { alertId } from '../../src/store/ingest-writer.js';
import { sensorBatch } from '../store/sensor-batch.js';
import { type Console, consoleApp, login, USERS } from './helpers.js';

let c: Console;
let someAlert: string;
beforeAll(async () => {
  c = await consoleApp({ loginPerMinute: 100 });
  const a = await c.ctx.store.alerts.list({ limit: 1, offset: 0 });
  someAlert = a.alerts[0]!.id;
});
afterAll(async () => c.close());

const url = (p: string) => p.replace(':id', encodeURIComponent(someAlert));

describe('console refusals', () => {
  it('answers 401 without a session on every /api route but health and login', async () => {
    for (const [name, r] of Object.entries(API_ROUTES)) {
      if (r.auth === 'none') continue;
      const res = await c.app.inject({
        method: r.method,
        url: url(r.path),
        payload: r.method === 'POST' ? {} : undefined,
      });
      expect(res.statusCode, name).toBe(401);
      expect(ErrorResponse.parse(res.json()).code).toBe('WW_AUTH');
    }
    expect((await c.app.inject({ url: '/api/health' })).statusCode).toBe(200);
    expect((await c.app.inject({ url: '/api/no-such-route' })).statusCode).toBe(401);
  });

  it('answers 401 for a made-up session cookie', async () => {
    const r = await c.app.inject({ url: '/api/devices', headers: { cookie: 'ww_session=forged' } });
    expect(r.statusCode).toBe(401);
  });

  it('answers 401 for an expired session, and forgets it', async () => {
    const s = await login(c, 'viewer');
    await c.ctx.store.db
      .updateTable('sessions')
      .set({ expires_at: '2000-01-01T00:00:00.000Z' })
      .where('username', '=', USERS.viewer)
      .execute();
    const r = await c.app.inject({ url: '/api/devices', headers: { cookie: s.cookie } });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('WW_SESSION_EXPIRED');
    const left = await c.ctx.store.db.selectFrom('sessions').selectAll().where('username', '=', USERS.viewer).execute();
    expect(left).toEqual([]);
  });

  it('answers 403 to a viewer acknowledging, and to an analyst reading the audit log', async () => {
    const v = await login(c, 'viewer');
    const r = await c.app.inject({
      method: 'POST',
      url: url('/api/alerts/:id/ack'),
      headers: v.headers,
      payload: { comment: 'x' },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('WW_ROLE');
    expect((await c.ctx.store.alerts.get(someAlert))?.state).toBe('open');
    const a = await login(c, 'analyst');
    const audit = await c.app.inject({ url: '/api/audit', headers: { cookie: a.cookie } });
    expect(audit.statusCode).toBe(403);
    const admin = await login(c, 'admin');
    expect((await c.app.inject({ url: '/api/audit', headers: { cookie: admin.cookie } })).statusCode).toBe(200);
  });

  it('answers 403 to a state change without the CSRF token or with a wrong one', async () => {
    const a = await login(c, 'analyst');
    const none = await c.app.inject({
      method: 'POST',
      url: url('/api/alerts/:id/ack'),
      headers: { cookie: a.cookie },
      payload: { comment: 'x' },
    });
    expect(none.statusCode).toBe(403);
    expect(none.json().code).toBe('WW_CSRF');
    const wrong = await c.app.inject({
      method: 'POST',
      url: url('/api/alerts/:id/ack'),
      headers: { cookie: a.cookie, 'x-csrf-token': `${a.csrf.slice(0, -2)}xx` },
      payload: { comment: 'x' },
    });
    expect(wrong.statusCode).toBe(403);
    const other = await login(c, 'admin'); // another session's token is wrong too
    const cross = await c.app.inject({
      method: 'POST',
      url: url('/api/alerts/:id/ack'),
      headers: { cookie: a.cookie, 'x-csrf-token': other.csrf },
      payload: { comment: 'x' },
    });
    expect(cross.statusCode).toBe(403);
    const logout = await c.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: a.cookie } });
    expect(logout.statusCode).toBe(403);
    expect((await c.ctx.store.alerts.get(someAlert))?.state).toBe('open');
  });

  it('answers 401 to a bad or revoked API token, 403 to the wrong scope, 200 to a good one', async () => {
    const body = { records: [] };
    const noTok = await c.app.inject({ method: 'POST', url: '/api/ingest', payload: body });
    expect(noTok.statusCode).toBe(401);
    const bad = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: 'Bearer ww_nope_nope' },
      payload: body,
    });
    expect(bad.statusCode).toBe(401);
    const read = await createToken(c.ctx.store, 'dashboard', 'read');
    const scope = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: `Bearer ${read.token}` },
      payload: body,
    });
    expect(scope.statusCode).toBe(403);
    const good = await createToken(c.ctx.store, 'sensor-ward-3', 'ingest');
    const ok = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: `Bearer ${good.token}` },
      payload: sensorBatch('sensor-ward-3'),
    });
    expect(ok.statusCode).toBe(200);
    const stored = await c.ctx.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', good.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(sha256(good.token)); // only the digest is stored
    expect(JSON.stringify(stored)).not.toContain(good.token.slice(-20));
    expect(stored.last_used_at).not.toBeNull();
    await c.ctx.store.auth.revokeToken(good.id);
    const revoked = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: `Bearer ${good.token}` },
      payload: body,
    });
    expect(revoked.statusCode).toBe(401);
    // A session is no substitute for a token on sensor routes.
    const admin = await login(c, 'admin');
    expect(
      (await c.app.inject({ method: 'POST', url: '/api/ingest', headers: admin.headers, payload: body })).statusCode,
    ).toBe(401);
  });

  it('answers 413 to a body over the limit', async () => {
    const a = await login(c, 'analyst');
    const r = await c.app.inject({
      method: 'POST',
      url: url('/api/alerts/:id/ack'),
      headers: { ...a.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ comment: 'x'.repeat(100 * 1024) }),
    });
    expect(r.statusCode).toBe(413);
  });

  it('answers 400 naming the field', async () => {
    const a = await login(c, 'analyst');
    const missing = await c.app.inject({
      method: 'POST',
      url: url('/api/alerts/:id/ack'),
      headers: a.headers,
      payload: {},
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'WW_BAD_REQUEST', field: 'body.comment' });
    const sup = await c.app.inject({
      method: 'POST',
      url: url('/api/alerts/:id/suppress'),
      headers: a.headers,
      payload: { reason: 'vendor', expires: 'tomorrow' },
    });
    expect(sup.json()).toMatchObject({ field: 'body.expires' });
    const past = await c.app.inject({
      method: 'POST',
      url: url('/api/alerts/:id/suppress'),
      headers: a.headers,
      payload: { reason: 'vendor', expires: '2001-01-01T00:00:00Z' },
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().field).toBe('body.expires');
    const q = await c.app.inject({ url: '/api/devices?limit=0', headers: { cookie: a.cookie } });
    expect(q.statusCode).toBe(400);
    expect(q.json().field).toBe('querystring.limit');
    const login400 = await c.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'anna' } });
    expect(login400.json().field).toBe('body.password');
  });

  it('logs in with an httpOnly SameSite=Strict cookie, refuses a wrong password, and rate-limits logins (429)', async () => {
    const fresh = await consoleApp({ ward: false, loginPerMinute: 3 });
    try {
      const ok = await fresh.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { username: 'anna', password: fresh.passwords.analyst },
      });
      expect(ok.statusCode).toBe(200);
      const set = String(ok.headers['set-cookie']);
      expect(set).toMatch(/HttpOnly/);
      expect(set).toMatch(/SameSite=Strict/);
      expect(set).not.toMatch(/Secure/); // no TLS here
      expect(ok.json()).toMatchObject({ user: { username: 'anna', role: 'analyst' } });
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
      expect(String(ok.headers['content-security-policy'])).toContain("default-src 'self'");
      const wrong = await fresh.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { username: 'anna', password: 'guess' },
      });
      expect(wrong.statusCode).toBe(401);
      const nobody = await fresh.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { username: 'admin', password: 'admin' },
      });
      expect(nobody.statusCode).toBe(401); // no default credentials
      const limited = await fresh.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { username: 'anna', password: fresh.passwords.analyst },
      });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().code).toBe('WW_RATE_LIMIT');
      const log = await fresh.ctx.store.auth.auditLog();
      expect(log.map((e) => e.action)).toContain('session.login-failed');
    } finally {
      await fresh.close();
    }
  });

  it('secure cookies behind TLS', async () => {
    const tls = await consoleApp({ ward: false, secureCookies: true });
    try {
      const ok = await tls.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { username: 'vera', password: tls.passwords.viewer },
      });
      expect(String(ok.headers['set-cookie'])).toMatch(/Secure/);
    } finally {
      await tls.close();
    }
  });

  it('stores only scrypt hashes of passwords', async () => {
    const u = await c.ctx.store.auth.user('anna');
    expect(u?.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(u?.password_hash).not.toContain(c.passwords.analyst);
    expect(alertId({ rule: 'r', src: { ip: '1' }, dst: { ip: '2', port: 3 } })).toBe('r|1|2|3');
  });
});
