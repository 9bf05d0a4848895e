// The console's Fastify app: schemas from src/contract (zod type provider), OpenAPI at /api/docs,
// security headers, cookie sessions with CSRF, roles, login rate limit, body limits, the built
// web app from web/dist. Building the app binds nothing: tests use app.inject.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyHttpsOptions, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Store } from '../store/store.js';
import { registerGuard } from './auth/guard.js';
import type { Ctx, ServerOptions } from './context.js';
import { errorHandler } from './errors.js';
import { LiveHub } from './live/hub.js';
import { alertRoutes } from './routes/alerts.js';
import { deviceRoutes } from './routes/devices.js';
import { eventRoutes } from './routes/events.js';
import { ingestRoutes } from './routes/ingest.js';
import { policyRoutes } from './routes/policy.js';
import { reportRoutes } from './routes/reports.js';
import { sessionRoutes } from './routes/session.js';

export interface BuildOptions extends ServerOptions {
  readonly store: Store;
  readonly hub?: LiveHub;
  /** TLS key and certificate (PEM); cookies become Secure. */
  readonly https?: { key: Buffer; cert: Buffer };
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>wardwatch</title>
<h1>wardwatch console</h1><p>The web app is not built (no web/dist). The API is up: see <a href="/api/docs">/api/docs</a>
(log in first with POST /api/session).</p>`;

export async function buildApp(opts: BuildOptions): Promise<{ app: FastifyInstance; ctx: Ctx }> {
  const ctx: Ctx = {
    store: opts.store,
    hub: opts.hub ?? new LiveHub(),
    opts: { ...opts, secureCookies: opts.secureCookies ?? opts.https !== undefined },
    started: Date.now(),
  };
  const base = { logger: opts.logger === true, bodyLimit: opts.bodyLimit ?? 64 * 1024, trustProxy: false };
  const app: FastifyInstance = (opts.https !== undefined
    ? Fastify({ ...base, https: opts.https } as FastifyHttpsOptions<never>)
    : Fastify(base)) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, c) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'WW_RATE_LIMIT',
      message: `too many attempts: wait ${Math.ceil(c.ttl / 1000)} s`,
    }),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'wardwatch console API', version: opts.version ?? '0.1.0' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'ww_session' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  registerGuard(app, ctx.store);

  await app.register(reportRoutes(ctx));
  await app.register(sessionRoutes(ctx));
  await app.register(deviceRoutes(ctx));
  await app.register(alertRoutes(ctx));
  await app.register(eventRoutes(ctx));
  await app.register(ingestRoutes(ctx));
  await app.register(policyRoutes(ctx));

  const dist = resolve(opts.webDist ?? 'web/dist');
  const built = existsSync(resolve(dist, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: dist, wildcard: false, index: ['index.html'] });
  else
    app.get('/', { config: { auth: 'none' }, schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html').send(NOT_BUILT),
    );
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (path === '/api' || path.startsWith('/api/') || req.method !== 'GET')
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${path}` });
    // The SPA routes its own paths: every other GET gets index.html.
    if (built) return reply.sendFile('index.html');
    return reply.code(404).type('text/html').send(NOT_BUILT);
  });
  return { app, ctx };
}
