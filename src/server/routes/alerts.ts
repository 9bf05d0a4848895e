// GET /api/alerts, POST /api/alerts/:id/ack (comment), POST /api/alerts/:id/suppress (reason,
// expiry). Both state changes need an analyst, a CSRF token (the guard), and go to the audit log.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AlertAckRequest,
  AlertListQuery,
  AlertListResponse,
  AlertParams,
  AlertResponse,
  AlertSuppressRequest,
  ErrorResponse,
} from '../../contract/api.js';
import { who } from '../auth/guard.js';
import type { Ctx } from '../context.js';

const refusals = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse };

export function alertRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/alerts',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['alerts'],
          summary: 'Alerts, most severe and most recent first',
          querystring: AlertListQuery,
          response: { 200: AlertListResponse, 400: ErrorResponse, 401: ErrorResponse },
        },
      },
      async (req) => ctx.store.alerts.list(req.query),
    );
    app.post(
      '/api/alerts/:id/ack',
      {
        config: { auth: 'analyst' },
        schema: {
          tags: ['alerts'],
          summary: 'Acknowledge an alert, with a comment',
          params: AlertParams,
          body: AlertAckRequest,
          response: { 200: AlertResponse, ...refusals },
        },
      },
      async (req, reply) => {
        const by = who(req);
        const alert = await ctx.store.alerts.ack(req.params.id, by, req.body.comment);
        if (alert === undefined)
          return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no alert '${req.params.id}'` });
        await ctx.store.auth.audit(by, 'alert.ack', alert.id, { comment: req.body.comment });
        ctx.hub.publish({
          type: 'alert-state',
          id: alert.id,
          state: alert.state,
          ...(alert.ack ? { ack: alert.ack } : {}),
        });
        return { alert };
      },
    );
    app.post(
      '/api/alerts/:id/suppress',
      {
        config: { auth: 'analyst' },
        schema: {
          tags: ['alerts'],
          summary: 'Suppress an alert until an expiry, with a reason',
          params: AlertParams,
          body: AlertSuppressRequest,
          response: { 200: AlertResponse, ...refusals },
        },
      },
      async (req, reply) => {
        const expires = new Date(req.body.expires);
        if (expires.getTime() <= Date.now())
          return reply.code(400).send({
            statusCode: 400,
            error: 'Bad Request',
            code: 'WW_BAD_REQUEST',
            field: 'body.expires',
            message: 'body.expires: must be in the future',
          });
        const by = who(req);
        const alert = await ctx.store.alerts.suppress(req.params.id, by, req.body.reason, expires.toISOString());
        if (alert === undefined)
          return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no alert '${req.params.id}'` });
        await ctx.store.auth.audit(by, 'alert.suppress', alert.id, {
          reason: req.body.reason,
          expires: expires.toISOString(),
        });
        ctx.hub.publish({
          type: 'alert-state',
          id: alert.id,
          state: alert.state,
          ...(alert.suppression ? { suppression: alert.suppression } : {}),
        });
        return { alert };
      },
    );
  };
}
