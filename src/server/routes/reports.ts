// GET /api/report/breach, GET /api/firmware, GET /api/overview, GET /api/sensors/known, GET /api/audit
// (admin), GET /api/health. The overview and the breach report take ?sensor= (issue 20); an unknown
// sensor is a 400 naming the known ones (a shared link with a mistyped sensor says so, instead of
// showing an all-zero ward).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AuditListResponse,
  BreachQuery,
  BreachResponse,
  ErrorResponse,
  FirmwareListResponse,
  HealthResponse,
  KnownSensorsResponse,
  OverviewQuery,
  OverviewResponse,
} from '../../contract/api.js';
import type { Ctx } from '../context.js';

export function reportRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  /** The 400 for a sensor the console has never heard of, or undefined (none asked, or known). */
  const unknownSensor = async (sensor: string | undefined): Promise<ErrorResponse | undefined> => {
    if (sensor === undefined) return undefined;
    const known = (await ctx.store.reports.knownSensors()).map((k) => k.name);
    if (known.includes(sensor)) return undefined;
    return {
      statusCode: 400,
      error: 'Bad Request',
      code: 'WW_BAD_REQUEST',
      field: 'querystring.sensor',
      message: `querystring.sensor: no sensor '${sensor}' (known: ${known.length === 0 ? 'none' : known.length > 20 ? `${known.slice(0, 20).join(', ')}, … ${known.length} in all` : known.join(', ')})`,
    };
  };
  /** The routes' preHandler: a ?sensor= the console has never heard of is answered 400 before the handler. */
  const knownSensor = async (req: FastifyRequest<{ Querystring: { sensor?: string } }>, reply: FastifyReply) => {
    const unknown = await unknownSensor(req.query.sensor);
    if (unknown !== undefined) return reply.code(400).send(unknown);
  };
  return async (app) => {
    app.get(
      '/api/health',
      {
        config: { auth: 'none' },
        schema: { tags: ['health'], summary: 'Liveness (no auth)', response: { 200: HealthResponse } },
      },
      async () => ({
        status: 'ok' as const,
        version: ctx.opts.version ?? '0.1.0',
        db: ctx.store.engine,
        demo: ctx.opts.demo === true,
        uptimeSeconds: Math.round((Date.now() - ctx.started) / 1000),
      }),
    );
    app.get(
      '/api/report/breach',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['reports'],
          summary: 'Breach report: distinct patients whose data left the site in cleartext, per destination',
          querystring: BreachQuery,
          response: { 200: BreachResponse, 400: ErrorResponse, 401: ErrorResponse },
        },
        preHandler: knownSensor,
      },
      async (req) => ctx.store.reports.breach(req.query.sensor),
    );
    app.get(
      '/api/sensors/known',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['reports'],
          summary: 'The sensors a filter can choose (name, site, devices); local first when the console has its own',
          response: { 200: KnownSensorsResponse, 401: ErrorResponse },
        },
      },
      async () => ({ sensors: await ctx.store.reports.knownSensors() }),
    );
    app.get(
      '/api/firmware',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['reports'],
          summary: 'Firmware audits',
          response: { 200: FirmwareListResponse, 401: ErrorResponse },
        },
      },
      async () => ({ audits: await ctx.store.reports.firmware() }),
    );
    app.get(
      '/api/overview',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['reports'],
          summary: 'Counts for the overview page (sensor: devices and alerts of one sensor)',
          querystring: OverviewQuery,
          response: { 200: OverviewResponse, 400: ErrorResponse, 401: ErrorResponse },
        },
        preHandler: knownSensor,
      },
      async (req) => {
        const sensor = req.query.sensor;
        const [devices, flagged, alerts, breach, flows] = await Promise.all([
          ctx.store.devices.count(sensor),
          ctx.store.devices.list({ flagged: 'true', limit: 1, offset: 0, ...(sensor !== undefined ? { sensor } : {}) }),
          ctx.store.alerts.counts(undefined, sensor),
          ctx.store.reports.breach(sensor),
          ctx.store.reports.flowTotals(undefined, sensor),
        ]);
        return {
          devices,
          flaggedDevices: flagged.total,
          alerts,
          breach: { patients: breach.totals.patients, destinations: breach.totals.destinations },
          flows: flows.flows,
          ...(flows.first !== undefined ? { firstSeen: flows.first } : {}),
          ...(flows.last !== undefined ? { lastSeen: flows.last } : {}),
        };
      },
    );
    app.get(
      '/api/audit',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['admin'],
          summary: 'The audit log: who changed what, when',
          response: { 200: AuditListResponse, 401: ErrorResponse, 403: ErrorResponse },
        },
      },
      async () => ({ entries: await ctx.store.auth.auditLog() }),
    );
  };
}
