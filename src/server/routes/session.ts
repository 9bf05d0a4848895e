// POST /api/session (log in: httpOnly SameSite=Strict cookie + CSRF token in the body),
// GET /api/session and /api/me (who am I), DELETE /api/session (log out).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ErrorResponse,
  LoginRequest,
  MeResponse,
  OkResponse,
  SESSION_COOKIE,
  SessionResponse,
} from '../../contract/api.js';
import type { Role } from '../../contract/api.js';
import { hashPassword, secret, sha256, verifyPassword } from '../auth/passwords.js';
import type { Ctx } from '../context.js';

// Compared against when the user does not exist, so both failures take the same time.
const DUMMY = hashPassword('not-a-password');

export function sessionRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  const ttl = ctx.opts.sessionTtlMs ?? 12 * 3600 * 1000;
  return async (app) => {
    app.post(
      '/api/session',
      {
        config: { auth: 'none', rateLimit: { max: ctx.opts.loginPerMinute ?? 10, timeWindow: 60_000 } },
        schema: {
          tags: ['session'],
          summary: 'Log in: sets the session cookie, returns the CSRF token',
          body: LoginRequest,
          response: { 200: SessionResponse, 401: ErrorResponse, 429: ErrorResponse },
        },
      },
      async (req, reply) => {
        const { username, password } = req.body;
        const user = await ctx.store.auth.user(username);
        const ok = await verifyPassword(password, user?.password_hash ?? (await DUMMY));
        if (user === undefined || !ok) {
          await ctx.store.auth.audit(username, 'session.login-failed', username, { ip: req.ip });
          return reply
            .code(401)
            .send({ statusCode: 401, error: 'Unauthorized', code: 'WW_AUTH', message: 'wrong user name or password' });
        }
        const id = secret();
        const csrf = secret();
        const now = Date.now();
        const expiresAt = new Date(now + ttl).toISOString();
        await ctx.store.auth.createSession({
          id_hash: sha256(id),
          username,
          csrf,
          created_at: new Date(now).toISOString(),
          expires_at: expiresAt,
        });
        await ctx.store.auth.audit(username, 'session.login', username, { ip: req.ip });
        reply.setCookie(SESSION_COOKIE, id, {
          httpOnly: true,
          sameSite: 'strict',
          secure: ctx.opts.secureCookies === true,
          path: '/',
          maxAge: Math.floor(ttl / 1000),
        });
        return { user: { username, role: user.role as Role }, csrfToken: csrf, expiresAt };
      },
    );

    const me = async (req: { principal?: import('../auth/guard.js').Principal }) => {
      const p = req.principal;
      if (p?.kind !== 'user') throw new Error('unreachable: the guard lets only sessions through');
      return { user: { username: p.username, role: p.role }, csrfToken: p.csrf, expiresAt: p.expiresAt };
    };
    const meSchema = {
      tags: ['session'],
      summary: 'The logged-in user, role and CSRF token',
      response: { 200: MeResponse, 401: ErrorResponse },
    };
    app.get('/api/session', { config: { auth: 'viewer' }, schema: meSchema }, me);
    app.get('/api/me', { config: { auth: 'viewer' }, schema: meSchema }, me);

    app.delete(
      '/api/session',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['session'],
          summary: 'Log out',
          response: { 200: OkResponse, 401: ErrorResponse, 403: ErrorResponse },
        },
      },
      async (req, reply) => {
        const p = req.principal;
        if (p?.kind === 'user') {
          await ctx.store.auth.deleteSession(p.sessionHash);
          await ctx.store.auth.audit(p.username, 'session.logout', p.username);
        }
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { ok: true as const };
      },
    );
  };
}
