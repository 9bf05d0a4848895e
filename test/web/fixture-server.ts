// A stand-in for `wardwatch serve` speaking src/contract/api.ts over node:http, for the browser
// test of web/: static files from web/dist (SPA fallback), cookie session + CSRF header like the
// real server, and every answer checked against its contract schema before it is sent.
// Listens on 127.0.0.1, port 0. Used for the hostile-text case, which the demo data has no reason to hold.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import {
  type Alert,
  AlertAckRequest,
  AlertListResponse,
  AlertResponse,
  AlertSuppressRequest,
  BreachResponse,
  CSRF_HEADER,
  DeviceDetail,
  DeviceListResponse,
  FirmwareListResponse,
  KnownSensorsResponse,
  LoginRequest,
  OverviewResponse,
  SessionResponse,
  SESSION_COOKIE,
} from '../../src/contract/api.js';
import { SEVERITIES, severityRank } from '../../src/contract/records.js';
import { breach, deviceDetail, devices, firmware, initialAlerts } from './fixture-data.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export type FixtureServer = { url: string; password: string; close: () => Promise<void> };

export async function startFixtureServer(distDir: string): Promise<FixtureServer> {
  const password = randomBytes(9).toString('base64url');
  const sessions = new Map<string, string>(); // cookie → csrf
  const alerts: Alert[] = initialAlerts();
  const sse = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { statusCode: status, error: code, message, code });
  const cookieOf = (req: IncomingMessage) => /(?:^|;\s*)ww_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? null;
  const body = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const t = Buffer.concat(chunks).toString('utf8');
    return t ? JSON.parse(t) : undefined;
  };
  const sessionBody = (csrf: string) =>
    SessionResponse.parse({
      user: { username: 'admin', role: 'admin' },
      csrfToken: csrf,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
  const broadcast = (event: string, data: unknown) => {
    for (const r of sse) r.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/api/session' && method === 'POST') {
      const login = LoginRequest.safeParse(await body(req));
      if (!login.success || login.data.username !== 'admin' || login.data.password !== password) {
        return refuse(res, 401, 'WW_AUTH', 'wrong user name or password');
      }
      const cookie = randomBytes(16).toString('hex');
      const csrf = randomBytes(16).toString('hex');
      sessions.set(cookie, csrf);
      res.setHeader('set-cookie', `${SESSION_COOKIE}=${cookie}; HttpOnly; SameSite=Strict; Path=/`);
      return send(res, 200, sessionBody(csrf));
    }
    const cookie = cookieOf(req);
    const csrf = cookie ? sessions.get(cookie) : undefined;
    if (!csrf) return refuse(res, 401, 'WW_AUTH', 'log in first');
    if (method !== 'GET' && req.headers[CSRF_HEADER] !== csrf) return refuse(res, 403, 'WW_CSRF', 'missing CSRF token');
    if (path === '/api/session' && method === 'GET') return send(res, 200, sessionBody(csrf));
    if (path === '/api/session' && method === 'DELETE') {
      sessions.delete(cookie!);
      return send(res, 200, { ok: true });
    }
    if (path === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': hello\n\n');
      sse.add(res);
      res.write(
        `event: stats\ndata: ${JSON.stringify({ type: 'stats', devices: devices.length, openAlerts: alerts.filter((a) => a.state === 'open').length, flows: 412, at: new Date().toISOString() })}\n\n`,
      );
      req.on('close', () => sse.delete(res));
      return;
    }
    if (path === '/api/overview') {
      const open = alerts.filter((a) => a.state === 'open');
      const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, open.filter((a) => a.severity === s).length]));
      return send(
        res,
        200,
        OverviewResponse.parse({
          devices: devices.length,
          flaggedDevices: devices.filter((d) => d.flagged).length,
          alerts: {
            open: open.length,
            acknowledged: alerts.filter((a) => a.state === 'acknowledged').length,
            suppressed: alerts.filter((a) => a.state === 'suppressed').length,
            bySeverity,
          },
          breach: { patients: breach.totals.patients, destinations: breach.totals.destinations },
          flows: 412,
          firstSeen: devices[0]!.first,
          lastSeen: devices[0]!.last,
        }),
      );
    }
    if (path === '/api/sensors/known')
      return send(res, 200, KnownSensorsResponse.parse({ sensors: [{ name: 'local', devices: devices.length }] }));
    if (path === '/api/devices') return send(res, 200, DeviceListResponse.parse({ devices, total: devices.length }));
    const dm = /^\/api\/devices\/([^/]+)$/.exec(path);
    if (dm) {
      const d = devices.find((x) => x.id === decodeURIComponent(dm[1]!));
      return d
        ? send(res, 200, DeviceDetail.parse(deviceDetail(d)))
        : refuse(res, 404, 'WW_NOT_FOUND', 'no such device');
    }
    if (path === '/api/alerts') {
      const state = url.searchParams.get('state');
      const sev = url.searchParams.get('severity');
      const rule = url.searchParams.get('rule');
      const dev = url.searchParams.get('device');
      const list = alerts.filter(
        (a) =>
          (!state || a.state === state) &&
          (!sev || severityRank(a.severity) >= severityRank(sev as Alert['severity'])) &&
          (!rule || a.rule === rule) &&
          (!dev || a.device.id === dev),
      );
      return send(res, 200, AlertListResponse.parse({ alerts: list, total: list.length }));
    }
    const am = /^\/api\/alerts\/([^/]+)\/(ack|suppress)$/.exec(path);
    if (am && method === 'POST') {
      const a = alerts.find((x) => x.id === decodeURIComponent(am[1]!));
      if (!a) return refuse(res, 404, 'WW_NOT_FOUND', 'no such alert');
      const at = new Date().toISOString();
      if (am[2] === 'ack') {
        const r = AlertAckRequest.safeParse(await body(req));
        if (!r.success) return refuse(res, 400, 'WW_BAD_REQUEST', 'comment required');
        a.state = 'acknowledged';
        a.ack = { by: 'admin', at, comment: r.data.comment };
      } else {
        const r = AlertSuppressRequest.safeParse(await body(req));
        if (!r.success) return refuse(res, 400, 'WW_BAD_REQUEST', 'reason and expires required');
        a.state = 'suppressed';
        a.suppression = { by: 'admin', at, reason: r.data.reason, expires: r.data.expires };
      }
      broadcast('alert-state', {
        type: 'alert-state',
        id: a.id,
        state: a.state,
        ack: a.ack,
        suppression: a.suppression,
      });
      return send(res, 200, AlertResponse.parse({ alert: a }));
    }
    if (path === '/api/report/breach') return send(res, 200, BreachResponse.parse(breach));
    if (path === '/api/firmware') return send(res, 200, FirmwareListResponse.parse({ audits: firmware }));
    return refuse(res, 404, 'WW_NOT_FOUND', `no route ${method} ${path}`);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) {
      api(req, res, url).catch((e: Error) => refuse(res, 500, 'WW_INTERNAL', e.message));
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(distDir, rel);
    if (!file.startsWith(distDir) || !existsSync(file) || !extname(file)) file = join(distDir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    password,
    close: () =>
      new Promise<void>((ok) => {
        for (const r of sse) r.end();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
