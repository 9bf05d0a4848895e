// Authentication, roles and CSRF, as one onRequest hook registered once: a route declares what it
// needs in `config.auth` ('none', a role, or 'token:<scope>'); /api routes that say nothing need
// a viewer. Handlers never check by hand. Runs before the body is parsed, so a caller without a
// session learns nothing else (401 before 400 or 413).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER, ROLES, type Role, SESSION_COOKIE, type TokenScope } from '../../contract/api.js';
import type { Store } from '../../store/store.js';
import { sameSecret, sha256 } from './passwords.js';

export type RouteAuth = 'none' | Role | `token:${TokenScope}`;

export type Principal =
  | { kind: 'user'; username: string; role: Role; csrf: string; sessionHash: string; expiresAt: string }
  | { kind: 'token'; id: string; name: string; scope: TokenScope };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function roleRank(r: Role): number {
  return ROLES.indexOf(r);
}

/** Who did it, for the audit log. */
export function who(req: FastifyRequest): string {
  const p = req.principal;
  if (p === undefined) return 'anonymous';
  return p.kind === 'user' ? p.username : `token:${p.id}`;
}

function refuse(reply: FastifyReply, statusCode: 401 | 403, code: string, message: string) {
  return reply
    .code(statusCode)
    .send({ statusCode, error: statusCode === 401 ? 'Unauthorized' : 'Forbidden', code, message });
}

export function registerGuard(app: FastifyInstance, store: Store): void {
  app.addHook('onRequest', async (req, reply) => {
    const url = req.url;
    const needed: RouteAuth | undefined =
      req.routeOptions.config.auth ?? (url.startsWith('/api/') || url === '/api' ? 'viewer' : undefined);
    if (needed === undefined || needed === 'none') return;
    if (needed.startsWith('token:')) {
      const h = req.headers.authorization;
      const m = h === undefined ? null : /^Bearer\s+(\S+)$/i.exec(h);
      if (m === null) return refuse(reply, 401, 'WW_AUTH', 'an API token is required (Authorization: Bearer …)');
      const t = await store.auth.tokenByHash(sha256(m[1] as string));
      if (t === undefined || t.revoked_at !== null)
        return refuse(reply, 401, 'WW_AUTH', 'unknown or revoked API token');
      const scope = needed.slice('token:'.length);
      if (t.scope !== scope)
        return refuse(reply, 403, 'WW_SCOPE', `this token's scope is '${t.scope}', not '${scope}'`);
      req.principal = { kind: 'token', id: t.id, name: t.name, scope: t.scope as TokenScope };
      await store.auth.touchToken(t.id);
      return;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    if (cookie === undefined || cookie === '') return refuse(reply, 401, 'WW_AUTH', 'log in first (POST /api/session)');
    const hash = sha256(cookie);
    const s = await store.auth.session(hash);
    if (s === undefined) return refuse(reply, 401, 'WW_AUTH', 'the session is unknown or was logged out');
    if (s.expires_at <= new Date().toISOString()) {
      await store.auth.deleteSession(hash);
      return refuse(reply, 401, 'WW_SESSION_EXPIRED', 'the session has expired: log in again');
    }
    const role = s.role as Role;
    req.principal = {
      kind: 'user',
      username: s.username,
      role,
      csrf: s.csrf,
      sessionHash: hash,
      expiresAt: s.expires_at,
    };
    if (roleRank(role) < roleRank(needed as Role))
      return refuse(reply, 403, 'WW_ROLE', `this needs the role '${needed}' (you are '${role}')`);
    if (STATE_CHANGING.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, s.csrf))
        return refuse(reply, 403, 'WW_CSRF', `missing or wrong CSRF token (send the ${CSRF_HEADER} header)`);
    }
  });
}
