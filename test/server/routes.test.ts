// Every console route doing its job over the simulated ward (app.inject), the SSE stream (on
// 127.0.0.1, random port), OpenAPI at /api/docs, and the web app's static serving.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertListResponse,
  AlertResponse,
  BreachResponse,
  DeviceDetail,
  DeviceListResponse,
  FirmwareListResponse,
  HealthResponse,
  OverviewResponse,
  SessionResponse,
  SseEvent,
} from '../../src/contract/api.js';
import { createToken } from '../../src/server/auth/users.js';
import { type Console, consoleApp, login, type Session } from './helpers.js';

let c: Console;
let viewer: Session;
let analyst: Session;
beforeAll(async () => {
  c = await consoleApp();
  viewer = await login(c, 'viewer');
  analyst = await login(c, 'analyst');
});
afterAll(async () => c.close());

const get = (url: string, s: Session = viewer) => c.app.inject({ url, headers: { cookie: s.cookie } });

describe('console routes', () => {
  it('GET /api/health', async () => {
    const h = HealthResponse.parse((await c.app.inject({ url: '/api/health' })).json());
    expect(h).toMatchObject({ status: 'ok', db: 'sqlite', demo: false });
  });

  it('GET /api/session and /api/me give the user, role and CSRF token', async () => {
    for (const u of ['/api/session', '/api/me']) {
      const s = SessionResponse.parse((await get(u, analyst)).json());
      expect(s.user).toEqual({ username: 'anna', role: 'analyst' });
      expect(s.csrfToken).toBe(analyst.csrf);
    }
  });

  it('GET /api/devices lists the ward, flagged first, with filters', async () => {
    const all = DeviceListResponse.parse((await get('/api/devices')).json());
    expect(all.total).toBeGreaterThanOrEqual(9);
    expect(all.devices.slice(0, 2).every((d) => d.flagged)).toBe(true);
    const flagged = DeviceListResponse.parse((await get('/api/devices?flagged=true')).json());
    expect(flagged.devices.map((d) => d.hostname).sort()).toEqual(['CMS8000', 'MN-120']);
    const q = DeviceListResponse.parse((await get('/api/devices?q=bedside')).json());
    expect(q.devices.length).toBe(4);
    const page = DeviceListResponse.parse((await get('/api/devices?limit=2&offset=1')).json());
    expect(page.devices.map((d) => d.id)).toEqual(all.devices.slice(1, 3).map((d) => d.id));
  });

  it('GET /api/devices/:id gives peers with zone and DNS, traffic, advisories; 404 for none', async () => {
    const list = DeviceListResponse.parse((await get('/api/devices?flagged=true')).json());
    const id = list.devices.find((d) => d.hostname === 'CMS8000')!.id;
    const d = DeviceDetail.parse((await get(`/api/devices/${encodeURIComponent(id)}`)).json());
    expect(d.advisoryDetails.map((a) => a.id)).toContain('ICSMA-25-030-01');
    expect(d.peers.filter((p) => p.zone === 'outside').map((p) => p.ip)).toEqual(
      expect.arrayContaining(['202.114.4.119', '202.114.4.120']),
    );
    expect(d.traffic.length).toBeGreaterThan(0);
    expect((await get('/api/devices/nope')).statusCode).toBe(404);
  });

  it('GET /api/alerts filters by severity, rule, state and device', async () => {
    const all = AlertListResponse.parse((await get('/api/alerts?limit=1000')).json());
    expect(all.total).toBe(all.alerts.length);
    const crit = AlertListResponse.parse((await get('/api/alerts?severity=critical')).json());
    expect(crit.alerts.every((a) => a.severity === 'critical')).toBe(true);
    const phi = AlertListResponse.parse((await get('/api/alerts?rule=phi.cleartext')).json());
    expect(phi.total).toBe(2);
    expect(phi.alerts[0]?.evidence).toHaveProperty('patients');
    const dev = phi.alerts[0]!.device.id;
    const byDev = AlertListResponse.parse((await get(`/api/alerts?device=${encodeURIComponent(dev)}`)).json());
    expect(byDev.alerts.every((a) => a.device.id === dev)).toBe(true);
  });

  it('POST /api/alerts/:id/ack and /suppress change state, are audited, and reach the SSE stream', async () => {
    await c.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = c.app.server.address() as { port: number };
    const events: string[] = [];
    const req = request({
      host: '127.0.0.1',
      port: addr.port,
      path: '/api/events',
      headers: { cookie: viewer.cookie },
    });
    const opened = new Promise<void>((resolve) =>
      req.on('response', (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        res.on('data', (b: Buffer) => {
          events.push(b.toString());
          resolve();
        });
      }),
    );
    req.end();
    await opened;
    const phi = AlertListResponse.parse((await get('/api/alerts?rule=phi.cleartext')).json()).alerts;
    const [a, b] = [phi[0]!, phi[1]!];
    const ack = await c.app.inject({
      method: 'POST',
      url: `/api/alerts/${encodeURIComponent(a.id)}/ack`,
      headers: analyst.headers,
      payload: { comment: 'unplugged, vendor called' },
    });
    expect(ack.statusCode).toBe(200);
    expect(AlertResponse.parse(ack.json()).alert).toMatchObject({
      state: 'acknowledged',
      ack: { by: 'anna', comment: 'unplugged, vendor called' },
    });
    const expires = new Date(Date.now() + 86400_000).toISOString();
    const sup = await c.app.inject({
      method: 'POST',
      url: `/api/alerts/${encodeURIComponent(b.id)}/suppress`,
      headers: analyst.headers,
      payload: { reason: 'isolated VLAN', expires },
    });
    expect(AlertResponse.parse(sup.json()).alert).toMatchObject({
      state: 'suppressed',
      suppression: { by: 'anna', reason: 'isolated VLAN', expires },
    });
    const none = await c.app.inject({
      method: 'POST',
      url: '/api/alerts/nope/ack',
      headers: analyst.headers,
      payload: { comment: 'x' },
    });
    expect(none.statusCode).toBe(404);
    const open = AlertListResponse.parse((await get('/api/alerts?rule=phi.cleartext&state=open')).json());
    expect(open.total).toBe(0);
    const admin = await login(c, 'admin');
    const log = (await get('/api/audit', admin)).json() as {
      entries: { who: string; action: string; target?: string }[];
    };
    expect(log.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ who: 'anna', action: 'alert.ack', target: a.id }),
        expect.objectContaining({ who: 'anna', action: 'alert.suppress', target: b.id }),
      ]),
    );
    // A sensor's new alert reaches the stream too.
    const tok = await createToken(c.ctx.store, 'sensor-1', 'ingest');
    const rec = { ...a, type: 'alert' as const, rule: 'egress.beacon', severity: 'medium' as const, evidence: {} };
    const ing = await c.app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: `Bearer ${tok.token}` },
      payload: {
        v: 1,
        sensor: 'sensor-1',
        source: 'routes-test',
        seq: 0,
        batch: 'routes-test:0',
        sentAt: rec.last,
        rows: {},
        records: [
          {
            type: rec.type,
            rule: rec.rule,
            severity: rec.severity,
            first: rec.first,
            last: rec.last,
            count: 3,
            src: rec.src,
            dst: rec.dst,
            device: rec.device,
            message: 'beacon',
            evidence: {},
          },
        ],
      },
    });
    expect(ing.json()).toEqual({ accepted: 1, duplicate: false, seq: 0 });
    const t0 = Date.now();
    while (Date.now() - t0 < 5000 && !events.join('').includes('egress.beacon'))
      await new Promise((r) => setTimeout(r, 20));
    req.destroy();
    const frames = events
      .join('')
      .split('\n\n')
      .filter((f) => f.includes('data: '))
      .map((f) => SseEvent.parse(JSON.parse(f.slice(f.indexOf('data: ') + 6))));
    expect(frames[0]?.type).toBe('stats');
    expect(
      frames.filter((f) => f.type === 'alert-state').map((f) => (f.type === 'alert-state' ? f.state : '')),
    ).toEqual(['acknowledged', 'suppressed']);
    expect(frames.some((f) => f.type === 'alert' && f.alert.rule === 'egress.beacon')).toBe(true);
  });

  it('GET /api/report/breach, /api/firmware, /api/overview', async () => {
    const b = BreachResponse.parse((await get('/api/report/breach')).json());
    expect(b.destinations[0]).toMatchObject({ ip: '202.114.4.120', port: 515, patients: 2 });
    await c.ctx.store.reports.addFirmware({
      id: 'fw1',
      image: 'cms8000.squashfs',
      format: 'squashfs',
      files: 12,
      findings: [
        {
          id: 'fw.remote-mount',
          severity: 'high',
          file: 'etc/init.d/rcS',
          line: 3,
          evidence: 'mount 202.114.4.119:/pm /mnt',
          address: '202.114.4.119',
        },
      ],
      components: [{ name: 'busybox', version: '1.20.2', file: 'bin/busybox' }],
      at: '2026-01-01T00:00:00.000Z',
    });
    const fw = FirmwareListResponse.parse((await get('/api/firmware')).json());
    expect(fw.audits[0]?.findings[0]?.id).toBe('fw.remote-mount');
    const o = OverviewResponse.parse((await get('/api/overview')).json());
    expect(o.flaggedDevices).toBe(2);
    expect(o.breach.patients).toBe(2);
    expect(o.flows).toBeGreaterThan(0);
  });

  it('serves OpenAPI at /api/docs naming every route', async () => {
    const r = await get('/api/docs/json');
    expect(r.statusCode).toBe(200);
    const paths = Object.keys((r.json() as { paths: Record<string, unknown> }).paths);
    for (const p of [
      '/api/health',
      '/api/session',
      '/api/devices',
      '/api/devices/{id}',
      '/api/alerts/{id}/ack',
      '/api/report/breach',
      '/api/events',
    ])
      expect(paths).toContain(p);
  });

  it('DELETE /api/session logs out: the cookie stops working', async () => {
    const s = await login(c, 'viewer');
    expect((await c.app.inject({ method: 'DELETE', url: '/api/session', headers: s.headers })).statusCode).toBe(200);
    expect((await get('/api/devices', s)).statusCode).toBe(401);
  });
});

describe('the web app', () => {
  it('serves web/dist with an SPA fallback, and a plain page when it is not built', async () => {
    const plain = await c.app.inject({ url: '/' });
    expect(plain.body).toContain('web app is not built');
    const dir = mkdtempSync(join(tmpdir(), 'ww-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root">wardwatch-spa</div>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const web = await consoleApp({ ward: false, webDist: dir });
    try {
      expect((await web.app.inject({ url: '/' })).body).toContain('wardwatch-spa');
      expect((await web.app.inject({ url: '/devices/02:57:30:00:00:01' })).body).toContain('wardwatch-spa');
      expect((await web.app.inject({ url: '/assets/app.js' })).body).toBe('console.log(1)');
      const api = await web.app.inject({ url: '/api/nope', headers: { cookie: (await login(web, 'viewer')).cookie } });
      expect(api.statusCode).toBe(404);
      expect(api.json()).toMatchObject({ statusCode: 404 });
    } finally {
      await web.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
