// POST /api/ingest: a sensor ships its alert and device records with an API token (scope
// 'ingest'). Records are upserted by their stable keys, so a retried batch changes nothing.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponse, IngestAck, IngestBatch } from '../../contract/api.js';
import type { AlertRecord, DeviceRecord } from '../../contract/records.js';
import { who } from '../auth/guard.js';
import { type Ctx, INGEST_BODY_LIMIT } from '../context.js';
import { publishChanges } from '../live/publish.js';

export function ingestRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/ingest',
      {
        bodyLimit: INGEST_BODY_LIMIT,
        config: { auth: 'token:ingest' },
        schema: {
          tags: ['sensors'],
          summary: "A sensor's alert and device records (Authorization: Bearer <token>)",
          body: IngestBatch,
          response: {
            200: IngestAck,
            400: ErrorResponse,
            401: ErrorResponse,
            403: ErrorResponse,
            413: ErrorResponse,
          },
        },
      },
      async (req) => {
        const alerts: AlertRecord[] = [];
        const devices: DeviceRecord[] = [];
        for (const r of req.body.records) {
          if (r.type === 'alert') alerts.push(r);
          else devices.push(r);
        }
        const changedDevices = await ctx.store.write.devices(devices);
        const changedAlerts = await ctx.store.write.alerts(alerts);
        await ctx.store.auth.audit(who(req), 'sensor.ingest', req.body.sensor, {
          alerts: alerts.length,
          devices: devices.length,
        });
        await publishChanges(ctx, changedDevices, changedAlerts);
        return { accepted: req.body.records.length, duplicate: false, seq: req.body.seq };
      },
    );
  };
}
