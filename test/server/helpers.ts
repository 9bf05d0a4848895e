// A console over a fresh SQLite store with the simulated ward in it, three users (one per role)
// and helpers to log in. Everything goes through app.inject: no network.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../src/contract/api.js';
import { buildApp } from '../../src/server/app.js';
import { addUser } from '../../src/server/auth/users.js';
import type { Ctx, ServerOptions } from '../../src/server/context.js';
import { openStore } from '../../src/store/open.js';
import { ingestWard } from '../store/ward.js';

export interface Console {
  app: FastifyInstance;
  ctx: Ctx;
  passwords: Record<Role, string>;
  close(): Promise<void>;
}

export async function consoleApp(opts: ServerOptions & { ward?: boolean } = {}): Promise<Console> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-server-'));
  const store = await openStore(join(dir, 'console.db'));
  if (opts.ward !== false) await ingestWard(store);
  const passwords = {
    viewer: await addUser(store, 'vera', 'viewer'),
    analyst: await addUser(store, 'anna', 'analyst'),
    admin: await addUser(store, 'adam', 'admin'),
  };
  const { app, ctx } = await buildApp({ store, webDist: join(dir, 'no-web'), ...opts });
  await app.ready();
  return {
    app,
    ctx,
    passwords,
    close: async () => {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const USERS: Record<Role, string> = { viewer: 'vera', analyst: 'anna', admin: 'adam' };

export interface Session {
  cookie: string;
  csrf: string;
  /** Headers for a state-changing request: the cookie and the CSRF token. */
  headers: Record<string, string>;
}

export async function login(c: Console, role: Role): Promise<Session> {
  const r = await c.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { username: USERS[role], password: c.passwords[role] },
  });
  if (r.statusCode !== 200) throw new Error(`login as ${role}: ${r.statusCode} ${r.body}`);
  const cookie = sessionCookie(r);
  const csrf = (r.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

export function sessionCookie(r: LightMyRequestResponse): string {
  const set = r.headers['set-cookie'];
  const line = (Array.isArray(set) ? set : [set ?? '']).find((l) => l.startsWith('ww_session='));
  if (line === undefined) throw new Error('no session cookie');
  return line.split(';')[0] as string;
}
