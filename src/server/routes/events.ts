// GET /api/events: server-sent events (new and changed alerts, device changes, alert state,
// stats). Each message is `event: <type>` + `data: <JSON>` of an SseEvent from the contract.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponse, type SseEvent } from '../../contract/api.js';
import type { Ctx } from '../context.js';

export function sseFrame(ev: SseEvent): string {
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

export function eventRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/events',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['live'],
          summary: 'Server-sent events: alert, device, alert-state, stats (see SseEvent in src/contract/api.ts)',
          response: { 401: ErrorResponse },
        },
      },
      async (req, reply) => {
        const headers = { ...reply.getHeaders() } as Record<string, string | string[] | number>;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          ...headers,
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write('retry: 3000\n\n');
        const [devices, counts, flows] = await Promise.all([
          ctx.store.devices.count(),
          ctx.store.alerts.counts(),
          ctx.store.reports.flowTotals(),
        ]);
        res.write(
          sseFrame({
            type: 'stats',
            devices,
            openAlerts: counts.open,
            flows: flows.flows,
            at: new Date().toISOString(),
          }),
        );
        const unsubscribe = ctx.hub.subscribe((ev) => {
          res.write(sseFrame(ev));
        });
        const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        beat.unref();
        const done = () => {
          clearInterval(beat);
          unsubscribe();
        };
        req.raw.on('close', done);
        res.on('error', done);
      },
    );
  };
}
