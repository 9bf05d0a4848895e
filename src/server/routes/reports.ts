// GET /api/report/breach, GET /api/firmware, GET /api/overview, GET /api/audit (admin), GET /api/health.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AuditListResponse,
  BreachResponse,
  ErrorResponse,
  FirmwareListResponse,
  HealthResponse,
  OverviewQuery,
  OverviewResponse,
} from '../../contract/api.js';
import type { Ctx } from '../context.js';

export function reportRoutes(ctx: Ctx): FastifyPluginAsyncZod {
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
          response: { 200: BreachResponse, 401: ErrorResponse },
        },
      },
      async () => ctx.store.reports.breach(),
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
      },
      async (req) => {
        const sensor = req.query.sensor;
        const [devices, flagged, alerts, breach, flows] = await Promise.all([
          ctx.store.devices.count(sensor),
          ctx.store.devices.list({ flagged: 'true', limit: 1, offset: 0, ...(sensor !== undefined ? { sensor } : {}) }),
          ctx.store.alerts.counts(undefined, sensor),
          ctx.store.reports.breach(),
          ctx.store.reports.flowTotals(),
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
