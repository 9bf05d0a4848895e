// Sensors (issue 20, contract src/contract/ingest.ts). POST /api/ingest: a sensor's batch with an
// API token (scope 'ingest') whose name is the sensor: applied exactly once (src/store/sensor-ingest.ts),
// a re-sent batch is a 200 with duplicate: true. Back-pressure: more than maxInFlight batches at
// once, or the store was slow on a recent batch, is 429 with Retry-After. POST /api/sensors/enrol
// gives a sensor the installation salt. The admin API lists sensors, creates and revokes tokens.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponse, OkResponse } from '../../contract/api.js';
import {
  CreateSensorTokenRequest,
  CreateSensorTokenResponse,
  DEFAULT_MAX_BATCH_BYTES,
  EnrolResponse,
  IngestAck,
  IngestBatch,
  SensorListResponse,
  SensorName,
} from '../../contract/ingest.js';
import { loadOrCreateSalt, saltId } from '../../engine/salt.js';
import { who } from '../auth/guard.js';
import { createToken } from '../auth/users.js';
import type { Ctx } from '../context.js';
import { publishChanges } from '../live/publish.js';

export function ingestRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  const o = ctx.opts.ingest ?? {};
  const maxBatchBytes = o.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const maxInFlight = o.maxInFlight ?? 4;
  const slowMs = o.slowMs ?? 2000;
  const retryAfter = o.retryAfterSeconds ?? 1;
  let inFlight = 0;
  let busyUntil = 0;
  let salt: string | undefined = ctx.opts.salt;
  const installationSalt = () => {
    salt ??= loadOrCreateSalt(ctx.opts.saltFile);
    return salt;
  };

  return async (app) => {
    app.post(
      '/api/ingest',
      {
        bodyLimit: maxBatchBytes,
        config: { auth: 'token:ingest' },
        schema: {
          tags: ['sensors'],
          summary: "A sensor's batch, applied exactly once (Authorization: Bearer <token>)",
          body: IngestBatch,
          response: {
            200: IngestAck,
            400: ErrorResponse,
            401: ErrorResponse,
            403: ErrorResponse,
            413: ErrorResponse,
            429: ErrorResponse,
          },
        },
      },
      async (req, reply) => {
        const p = req.principal;
        if (p?.kind !== 'token' || p.name !== req.body.sensor)
          return reply.code(403).send({
            statusCode: 403,
            error: 'Forbidden',
            code: 'WW_SENSOR',
            message: `this token belongs to sensor '${p?.kind === 'token' ? p.name : '?'}', not '${req.body.sensor}'`,
          });
        if (inFlight >= maxInFlight || Date.now() < busyUntil)
          return reply
            .code(429)
            .header('retry-after', String(retryAfter))
            .send({
              statusCode: 429,
              error: 'Too Many Requests',
              code: 'WW_BUSY',
              message: `the console is busy: send this batch again in ${retryAfter} s`,
            });
        inFlight++;
        const t0 = performance.now();
        try {
          const r = await ctx.store.sensors.apply(req.body);
          if (performance.now() - t0 >= slowMs) busyUntil = Date.now() + retryAfter * 1000;
          await publishChanges(ctx, r.devices, r.alerts);
          return { accepted: r.accepted, duplicate: r.duplicate, seq: req.body.seq };
        } finally {
          inFlight--;
        }
      },
    );

    app.post(
      '/api/sensors/enrol',
      {
        config: { auth: 'token:ingest' },
        schema: {
          tags: ['sensors'],
          summary: 'A sensor enrols: the installation salt, so patient hashes match across sensors',
          response: { 200: EnrolResponse, 401: ErrorResponse, 403: ErrorResponse },
        },
      },
      async (req, reply) => {
        const p = req.principal;
        const name = p?.kind === 'token' ? SensorName.safeParse(p.name) : undefined;
        if (name === undefined || !name.success)
          return reply.code(403).send({
            statusCode: 403,
            error: 'Forbidden',
            code: 'WW_SENSOR',
            message: 'this token is not named after a sensor (create it with: wardwatch token create --sensor NAME)',
          });
        await ctx.store.sensors.ensure(name.data);
        await ctx.store.auth.audit(who(req), 'sensor.enrol', name.data, {});
        const s = installationSalt();
        return { sensor: name.data, salt: s, saltId: saltId(s), maxBatchBytes };
      },
    );

    app.get(
      '/api/sensors',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['sensors'],
          summary: 'Sensors: tokens, last seen, last seq per source, batches, rate, lag (admin)',
          response: { 200: SensorListResponse, 401: ErrorResponse, 403: ErrorResponse },
        },
      },
      async () => ({ sensors: await ctx.store.sensors.list() }),
    );

    app.post(
      '/api/sensors/:name/tokens',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['sensors'],
          summary: 'A new token for a sensor; the secret is in this answer only (admin)',
          params: z.object({ name: SensorName }),
          body: CreateSensorTokenRequest,
          response: { 200: CreateSensorTokenResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
        },
      },
      async (req) => {
        await ctx.store.sensors.ensure(req.params.name, req.body.site);
        const t = await createToken(ctx.store, req.params.name, req.body.scope, who(req));
        return { id: t.id, sensor: req.params.name, token: t.token };
      },
    );

    app.delete(
      '/api/tokens/:id',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['sensors'],
          summary: 'Revoke an API token (admin)',
          params: z.object({ id: z.string().min(1).max(64) }),
          response: { 200: OkResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (req, reply) => {
        if (!(await ctx.store.auth.revokeToken(req.params.id)))
          return reply.code(404).send({
            statusCode: 404,
            error: 'Not Found',
            code: 'WW_NOT_FOUND',
            message: `no live token ${req.params.id}`,
          });
        await ctx.store.auth.audit(who(req), 'token.revoke', req.params.id, {});
        return { ok: true as const };
      },
    );
  };
}
