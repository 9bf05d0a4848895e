// Issue 20, console side over HTTP: POST /api/ingest exactly once, its refusals (403 sensor
// mismatch, 401 revoked, 413, 400, 429 + Retry-After), enrol hands out the installation salt, and
// the sensors admin API is admin-only with CSRF on its cookie-authenticated POST and DELETE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BreachResponse,
  EnrolResponse,
  ErrorResponse,
  KnownSensorsResponse,
  OverviewResponse,
  SensorListResponse,
} from '../../src/contract/api.js';
import { saltId } from '../../src/engine/salt.js';
import { createToken } from '../../src/server/auth/users.js';
import { TEST_SALT } from '../store/ward.js';
import { PUMP_MAC, sensorBatch } from '../store/sensor-batch.js';
import { type Console, consoleApp, login } from './helpers.js';

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('sensor ingest over HTTP', () => {
  let c: Console;
  beforeAll(async () => {
    c = await consoleApp({ ward: false, salt: TEST_SALT, ingest: { maxBatchBytes: 64 * 1024 } });
  });
  afterAll(async () => c.close());

  it('stores a batch once: the same batch again is 200 duplicate and changes nothing', async () => {
    const a = await createToken(c.ctx.store, 'ward-a', 'ingest');
    const post = () =>
      c.app.inject({ method: 'POST', url: '/api/ingest', headers: bearer(a.token), payload: sensorBatch('ward-a', 0) });
    const first = await post();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ accepted: 7, duplicate: false, seq: 0 });
    const again = await post();
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ accepted: 0, duplicate: true, seq: 0 });
    const admin = await login(c, 'viewer');
    const ov = (s: string) => c.app.inject({ url: `/api/overview?sensor=${s}`, headers: { cookie: admin.cookie } });
    expect((await ov('ward-a')).json()).toMatchObject({ devices: 1, flaggedDevices: 1, alerts: { open: 1 } });
    expect((await ov('ward-none')).statusCode).toBe(400);
    const dev = await c.ctx.store.db.selectFrom('devices').selectAll().where('sensor', '=', 'ward-a').execute();
    expect(dev.map((d) => [d.id, d.packets])).toEqual([[`ward-a/${PUMP_MAC}`, 10]]);
  });

  it('refuses to let token A write as sensor B (403), and a revoked token (401)', async () => {
    const a = await createToken(c.ctx.store, 'ward-c', 'ingest');
    const asB = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: bearer(a.token),
      payload: sensorBatch('ward-d', 0),
    });
    expect(asB.statusCode).toBe(403);
    expect(ErrorResponse.parse(asB.json()).code).toBe('WW_SENSOR');
    expect(
      await c.ctx.store.db.selectFrom('ingest_batches').selectAll().where('sensor', '=', 'ward-d').execute(),
    ).toEqual([]);
    await c.ctx.store.auth.revokeToken(a.id);
    const revoked = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: bearer(a.token),
      payload: sensorBatch('ward-c', 0),
    });
    expect(revoked.statusCode).toBe(401);
  });

  it('answers 413 over the configured limit and 400 to a body off the schema', async () => {
    const a = await createToken(c.ctx.store, 'ward-e', 'ingest');
    const big = sensorBatch('ward-e', 0);
    big.rows.dns = Array.from({ length: 2000 }, (_, i) => ({
      asker: '10.1.2.3',
      name: `n${i}.example.org`,
      address: '203.0.113.5',
      ttl: 60,
      first: big.sentAt,
      last: big.sentAt,
      count: 1,
    }));
    const tooBig = await c.app.inject({ method: 'POST', url: '/api/ingest', headers: bearer(a.token), payload: big });
    expect(tooBig.statusCode).toBe(413);
    const bad = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: bearer(a.token),
      payload: { ...sensorBatch('ward-e', 0), v: 2 },
    });
    expect(bad.statusCode).toBe(400);
    const noSeq = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: bearer(a.token),
      payload: { ...sensorBatch('ward-e', 0), seq: -1 },
    });
    expect(noSeq.statusCode).toBe(400);
    expect(
      await c.ctx.store.db.selectFrom('ingest_batches').selectAll().where('sensor', '=', 'ward-e').execute(),
    ).toEqual([]);
  });

  it('enrol gives the sensor the installation salt', async () => {
    const a = await createToken(c.ctx.store, 'ward-f', 'ingest');
    const r = await c.app.inject({ method: 'POST', url: '/api/sensors/enrol', headers: bearer(a.token) });
    expect(r.statusCode).toBe(200);
    expect(EnrolResponse.parse(r.json())).toEqual({
      sensor: 'ward-f',
      salt: TEST_SALT,
      saltId: saltId(TEST_SALT),
      maxBatchBytes: 64 * 1024,
    });
    const read = await createToken(c.ctx.store, 'ward-f', 'read');
    expect(
      (await c.app.inject({ method: 'POST', url: '/api/sensors/enrol', headers: bearer(read.token) })).statusCode,
    ).toBe(403);
    expect((await c.app.inject({ method: 'POST', url: '/api/sensors/enrol' })).statusCode).toBe(401);
  });

  it('the sensors admin API: admin lists, creates (secret once) and revokes; viewer and analyst get 403; CSRF needed', async () => {
    for (const role of ['viewer', 'analyst'] as const) {
      const s = await login(c, role);
      expect((await c.app.inject({ url: '/api/sensors', headers: { cookie: s.cookie } })).statusCode).toBe(403);
      const post = await c.app.inject({
        method: 'POST',
        url: '/api/sensors/ward-x/tokens',
        headers: s.headers,
        payload: {},
      });
      expect(post.statusCode).toBe(403);
      expect(ErrorResponse.parse(post.json()).code).toBe('WW_ROLE');
    }
    const admin = await login(c, 'admin');
    const noCsrf = await c.app.inject({
      method: 'POST',
      url: '/api/sensors/ward-x/tokens',
      headers: { cookie: admin.cookie },
      payload: {},
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(ErrorResponse.parse(noCsrf.json()).code).toBe('WW_CSRF');
    const made = await c.app.inject({
      method: 'POST',
      url: '/api/sensors/ward-x/tokens',
      headers: admin.headers,
      payload: { site: 'North wing' },
    });
    expect(made.statusCode).toBe(200);
    const { id, token } = made.json() as { id: string; token: string };
    expect(token).toMatch(/^ww_/);
    const ing = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: bearer(token),
      payload: sensorBatch('ward-x', 3),
    });
    expect(ing.statusCode).toBe(200);
    const list = SensorListResponse.parse((await c.app.inject({ url: '/api/sensors', headers: admin.headers })).json());
    const x = list.sensors.find((s) => s.name === 'ward-x')!;
    expect(x).toMatchObject({
      site: 'North wing',
      batches: 1,
      records: 2,
      sources: [{ source: 'src-ward-x', lastSeq: 3 }],
    });
    expect(x.tokens.map((t) => t.id)).toEqual([id]);
    expect(JSON.stringify(list)).not.toContain(token.slice(-20)); // the secret is shown once only
    expect(x.lagSeconds).toBeGreaterThan(0);
    const delNoCsrf = await c.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${id}`,
      headers: { cookie: admin.cookie },
    });
    expect(delNoCsrf.statusCode).toBe(403);
    const viewer = await login(c, 'viewer');
    expect(
      (await c.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: viewer.headers })).statusCode,
    ).toBe(403);
    const del = await c.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: admin.headers });
    expect(del.statusCode).toBe(200);
    expect(
      (await c.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: admin.headers })).statusCode,
    ).toBe(404);
    const after = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: bearer(token),
      payload: sensorBatch('ward-x', 4),
    });
    expect(after.statusCode).toBe(401);
  });
});

describe('sensor ingest back-pressure', () => {
  it('answers 429 with Retry-After when more than K batches are in flight', async () => {
    const c = await consoleApp({ ward: false, salt: TEST_SALT, ingest: { maxInFlight: 1, retryAfterSeconds: 3 } });
    try {
      const a = await createToken(c.ctx.store, 'ward-p', 'ingest');
      // A store that takes 100 ms per batch, so the six requests overlap.
      const sensors = c.ctx.store.sensors;
      const apply = sensors.apply.bind(sensors);
      sensors.apply = async (b, now) => {
        await new Promise((r) => setTimeout(r, 100));
        return apply(b, now);
      };
      const all = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          c.app.inject({
            method: 'POST',
            url: '/api/ingest',
            headers: bearer(a.token),
            payload: sensorBatch('ward-p', i),
          }),
        ),
      );
      const codes = all.map((r) => r.statusCode);
      expect(codes).toContain(200);
      expect(codes).toContain(429);
      const busy = all.find((r) => r.statusCode === 429)!;
      expect(busy.headers['retry-after']).toBe('3');
      expect(ErrorResponse.parse(busy.json()).code).toBe('WW_BUSY');
      // what was refused is not stored, so the sensor's retry is applied
      const stored = await c.ctx.store.db.selectFrom('ingest_batches').selectAll().execute();
      expect(stored.length).toBe(codes.filter((x) => x === 200).length);
    } finally {
      await c.close();
    }
  });

  it('answers 429 with Retry-After after a slow batch', async () => {
    const c = await consoleApp({ ward: false, salt: TEST_SALT, ingest: { slowMs: 0, retryAfterSeconds: 5 } });
    try {
      const a = await createToken(c.ctx.store, 'ward-q', 'ingest');
      const post = (seq: number) =>
        c.app.inject({
          method: 'POST',
          url: '/api/ingest',
          headers: bearer(a.token),
          payload: sensorBatch('ward-q', seq),
        });
      expect((await post(0)).statusCode).toBe(200);
      const r = await post(1);
      expect(r.statusCode).toBe(429);
      expect(r.headers['retry-after']).toBe('5');
    } finally {
      await c.close();
    }
  });
});

describe('the overview and breach report of one sensor (GET ?sensor=)', () => {
  let c: Console;
  let cookie: string;
  const get = (url: string) => c.app.inject({ url, headers: { cookie } });
  beforeAll(async () => {
    c = await consoleApp({ salt: TEST_SALT }); // the local simulated ward, and ward-a's pump
    await c.ctx.store.sensors.apply(sensorBatch('ward-a', 0));
    await c.ctx.store.sensors.ensure('ward-z', 'North wing');
    cookie = (await login(c, 'viewer')).cookie;
  });
  afterAll(async () => c.close());

  it('counts that sensor only; without it the installation', async () => {
    const all = OverviewResponse.parse((await get('/api/overview')).json());
    const local = OverviewResponse.parse((await get('/api/overview?sensor=local')).json());
    const a = OverviewResponse.parse((await get('/api/overview?sensor=ward-a')).json());
    expect(a).toMatchObject({
      devices: 1,
      flaggedDevices: 1,
      alerts: { open: 1, bySeverity: { high: 1 } },
      breach: { patients: 1, destinations: 1 },
      flows: 1,
      firstSeen: '2026-01-01T00:00:00.000Z',
    });
    expect(local.devices + 1).toBe(all.devices);
    expect(local.alerts.open + 1).toBe(all.alerts.open);
    expect(local.breach.patients).toBeGreaterThan(0);
    expect(local.breach.patients + 1).toBe(all.breach.patients);
    expect(local.flows + 1).toBe(all.flows);
    // an enrolled sensor that sent nothing: an empty overview
    const z = OverviewResponse.parse((await get('/api/overview?sensor=ward-z')).json());
    const { bySeverity, ...zAlerts } = z.alerts;
    expect({ ...z, alerts: zAlerts }).toEqual({
      devices: 0,
      flaggedDevices: 0,
      alerts: { open: 0, acknowledged: 0, suppressed: 0 },
      breach: { patients: 0, destinations: 0 },
      flows: 0,
    });
    expect(Object.values(bySeverity).every((n) => n === 0)).toBe(true);
    const breach = BreachResponse.parse((await get('/api/report/breach?sensor=ward-a')).json());
    expect(breach.destinations.map((d) => [d.ip, d.patients, d.devices])).toEqual([
      ['203.0.113.9', 1, [`ward-a/${PUMP_MAC}`]],
    ]);
  });

  it('an unknown sensor is a 400 naming the known ones; a malformed one a 400', async () => {
    for (const url of ['/api/overview?sensor=ward-nope', '/api/report/breach?sensor=ward-nope']) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      const e = ErrorResponse.parse(r.json());
      expect(e).toMatchObject({ code: 'WW_BAD_REQUEST', field: 'querystring.sensor' });
      expect(e.message).toBe("querystring.sensor: no sensor 'ward-nope' (known: local, ward-a, ward-z)");
      // the check runs after the auth hook: without a session the known sensors are not named
      const anonymous = await c.app.inject({ url });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.body).not.toContain('ward-a');
    }
    for (const bad of ['a%2Fb', '%3Cscript%3E', '', '-x', 'x'.repeat(65)]) {
      for (const path of ['/api/overview', '/api/report/breach', '/api/devices', '/api/alerts']) {
        const r = await get(`${path}?sensor=${bad}`);
        expect(r.statusCode, `${path} ${bad}`).toBe(400);
        expect(ErrorResponse.parse(r.json()).field, `${path} ${bad}`).toBe('querystring.sensor');
      }
    }
    // the lists answer an unknown (well-formed) sensor with nothing
    expect((await get('/api/devices?sensor=ward-nope')).json()).toEqual({ devices: [], total: 0 });
  });

  it('GET /api/sensors/known lists local and every sensor, for any user', async () => {
    const r = KnownSensorsResponse.parse((await get('/api/sensors/known')).json());
    expect(r.sensors.map((s) => [s.name, s.site, s.devices])).toEqual([
      ['local', undefined, await c.ctx.store.devices.count('local')],
      ['ward-a', undefined, 1],
      ['ward-z', 'North wing', 0],
    ]);
    expect((await c.app.inject({ url: '/api/sensors/known' })).statusCode).toBe(401);
  });

  it('a remote device carries its sensor apart from its scoped id', async () => {
    const d = (await get(`/api/devices/${encodeURIComponent(`ward-a/${PUMP_MAC}`)}`)).json();
    expect([d.id, d.sensor]).toEqual([`ward-a/${PUMP_MAC}`, 'ward-a']);
    const list = (await get('/api/devices?sensor=local&limit=1')).json();
    expect(list.devices[0].sensor).toBe('local');
  });
});
