// GET /api/devices (list, flagged first) and GET /api/devices/:id (detail with peers, traffic, DNS).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DeviceDetail, DeviceListQuery, DeviceListResponse, DeviceParams, ErrorResponse } from '../../contract/api.js';
import type { Ctx } from '../context.js';

export function deviceRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/devices',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['devices'],
          summary: 'Devices on the ward, flagged first',
          querystring: DeviceListQuery,
          response: { 200: DeviceListResponse, 400: ErrorResponse, 401: ErrorResponse },
        },
      },
      async (req) => ctx.store.devices.list(req.query),
    );
    app.get(
      '/api/devices/:id',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['devices'],
          summary: 'One device: addresses, advisories, peers, traffic over time, DNS names',
          params: DeviceParams,
          response: { 200: DeviceDetail, 401: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (req, reply) => {
        const d = await ctx.store.devices.detail(req.params.id);
        if (d === undefined)
          return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no device '${req.params.id}'` });
        return d;
      },
    );
  };
}
