// A schema-driven fuzz of every console route (issue 17, "the same for the console's API"):
// bad JSON, wrong types, huge bodies, hostile unicode, odd path parameters and queries, and
// state changes without the CSRF token. Every answer is a 4xx (or a 2xx for a harmless read)
// with a JSON error message — never a 5xx — and nothing is written: every alert's state is the
// same afterwards and the audit log gained only the refused logins it records on purpose.
// Seeded, so a failure names its request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, ErrorResponse } from '../../src/contract/api.js';
import { rng } from '../helpers/rng.js';
import { type Console, consoleApp, login, type Session } from './helpers.js';

let c: Console;
let admin: Session;
beforeAll(async () => {
  c = await consoleApp();
  admin = await login(c, 'admin');
});
afterAll(async () => c.close());

const HOSTILE = [
  '',
  ' ',
  '\u0000',
  '\u202e\u0645\u0631\u062d\u0628\u0627', // right-to-left override, Arabic
  '😷💉🏥'.repeat(50),
  '<img src=x onerror=alert(1)>',
  '\u001b[2J\u001b]0;pwned\u0007',
  "'; DROP TABLE alerts; --",
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  'a'.repeat(5000),
  '\ud800', // a lone surrogate
];

function values(r: () => number): unknown[] {
  const pick = HOSTILE[Math.floor(r() * HOSTILE.length)];
  return [
    pick,
    -1,
    1e308,
    Number.NaN,
    null,
    true,
    [],
    [pick],
    { [String(pick)]: pick },
    { a: { b: { c: [1, 2, 3] } } },
  ];
}

function body(r: () => number): string {
  const v = values(r);
  const keys = ['comment', 'reason', 'expires', 'username', 'password', 'batchId', 'sensor', 'events', 'x'];
  const o: Record<string, unknown> = {};
  for (const k of keys) if (r() < 0.6) o[k] = v[Math.floor(r() * v.length)];
  return JSON.stringify(o);
}

/** encodeURIComponent, except that a lone surrogate goes out as the raw (invalid UTF-8) bytes it would be. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
}

const BAD_JSON = ['{"comment":', '{', 'null', '[]', '"str"', '{"a":1}}', '\u0000\u0001', '{"comment":"\ud800"}'];
const IDS = ['does-not-exist', '999999999', '-1', 'a'.repeat(2000), '%2e%2e%2f%2e%2e%2f', '%00', '😷', '<script>'];

describe('console API under hostile requests', () => {
  it('answers every route with a 4xx (or a harmless 2xx read), a JSON message, never a 5xx, and writes nothing', async () => {
    const auditBefore = (await c.app.inject({ method: 'GET', url: '/api/audit', headers: admin.headers })).json();
    const alertsBefore = (await c.app.inject({ method: 'GET', url: '/api/alerts?limit=1000', headers: admin.headers }))
      .body;
    const r = rng(17);
    let requests = 0;
    const seen = new Map<number, number>();
    for (const [name, route] of Object.entries(API_ROUTES)) {
      if (name === 'events') continue; // a stream that stays open: its refusals are in auth.test.ts
      for (let i = 0; i < 24; i++) {
        const id = enc(IDS[i % IDS.length]!).replaceAll('%25', '%');
        let url = route.path.replace(':id', id);
        if (i % 3 === 0) {
          const q = HOSTILE[Math.floor(r() * HOSTILE.length)]!;
          url += `?limit=${enc(q)}&severity=${enc(q)}&${enc(q)}=1`;
        }
        const state = route.method !== 'GET';
        // Half the state changes lack the CSRF token; logins and ingest take no session at all.
        const headers: Record<string, string> =
          name === 'login' || name === 'ingest'
            ? { authorization: `Bearer ${HOSTILE[i % HOSTILE.length]!.replace(/[^\x20-\x7e]/g, '?')}` }
            : state && i % 2 === 0
              ? { cookie: admin.cookie }
              : { ...admin.headers };
        let payload: string | undefined;
        if (state && route.method !== 'DELETE') {
          const pick = HOSTILE[Math.floor(r() * HOSTILE.length)]!;
          // Every sixth body has the route's own shape with hostile text, so it reaches the handler.
          const shaped: Record<string, unknown> =
            name === 'ack'
              ? { comment: pick }
              : name === 'suppress'
                ? { reason: pick, expires: '2027-01-31T00:00:00.000Z' }
                : { username: pick, password: pick };
          payload =
            i % 6 === 5
              ? JSON.stringify(shaped)
              : i % 4 === 1
                ? BAD_JSON[i % BAD_JSON.length]
                : i % 8 === 3
                  ? 'x'.repeat(1 << 20)
                  : body(r);
          headers['content-type'] = i % 5 === 4 && i % 6 !== 5 ? 'text/plain' : 'application/json';
        }
        if (name === 'logout' && i % 2 === 1) continue; // a valid logout would end the session under test
        const res = await c.app.inject({ method: route.method, url, headers, payload });
        requests++;
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        const what = `${route.method} ${url.slice(0, 80)} (${name} #${i})`;
        expect(res.statusCode, what).toBeLessThan(500);
        if (res.statusCode >= 400) {
          const err = ErrorResponse.safeParse(res.json());
          expect(err.success, `${what}: ${res.body.slice(0, 200)}`).toBe(true);
          expect(err.data!.message.length, what).toBeGreaterThan(0);
        } else {
          // Only reads may succeed: every hostile state change is refused.
          expect(route.method, what).toBe('GET');
        }
      }
    }
    expect(requests).toBeGreaterThan(300);
    // Each kind of refusal was exercised: bad request, auth, CSRF/role, not found, too large.
    for (const code of [400, 401, 403, 404, 413]) expect(seen.get(code) ?? 0, `status ${code}`).toBeGreaterThan(0);
    // A refused login is itself recorded (who tried, from where): the only entries allowed.
    type Audit = { entries: { id: number; action: string }[] };
    const auditAfter = (
      await c.app.inject({ method: 'GET', url: '/api/audit', headers: admin.headers })
    ).json() as Audit;
    const before = new Set((auditBefore as Audit).entries.map((e) => e.id));
    const added = auditAfter.entries.filter((e) => !before.has(e.id)).map((e) => e.action);
    expect(added.length).toBeGreaterThan(0);
    expect(new Set(added)).toEqual(new Set(['session.login-failed']));
    const alertsAfter = (await c.app.inject({ method: 'GET', url: '/api/alerts?limit=1000', headers: admin.headers }))
      .body;
    expect(alertsAfter).toBe(alertsBefore);
  });
});
