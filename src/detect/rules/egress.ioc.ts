// egress.ioc — traffic to or from an indicator address, or a lookup of an indicator domain
// (shipped ICSMA-25-030-01 list + user lists). Both directions count: an outside indicator
// reaching into the site is as telling as a device reaching out.
import type { Endpoint, Micros, WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';

export function createEgressIoc(): Rule {
  const raiseFor = (
    ctx: Context,
    ts: Micros,
    device: Endpoint,
    peer: Endpoint,
    outbound: boolean,
    via: string,
    ind: NonNullable<ReturnType<Context['indicatorFor']>>,
  ) => {
    ctx.raise({
      rule: 'egress.ioc',
      ts,
      src: outbound ? device : peer,
      dst: outbound ? peer : device,
      deviceId: ctx.deviceId(device.ip, device.mac),
      message: `${outbound ? 'talks to' : 'is contacted by'} indicator ${ind.value} (${ind.source}): ${ind.note}`,
      evidence: {
        indicator: ind.value,
        kind: ind.kind,
        source: ind.source,
        note: ind.note,
        ...(ind.url !== undefined ? { url: ind.url } : {}),
        ...(ind.resolvedName !== undefined ? { resolvedName: ind.resolvedName } : {}),
        direction: outbound ? 'outbound' : 'inbound',
        via: [via],
      },
    });
  };

  return {
    id: 'egress.ioc',
    types: ['flow-start', 'dns-query', 'dns-answer', 'tls-hello', 'http-request'],
    onEvent(ev: WardEvent, ctx: Context): void {
      switch (ev.type) {
        case 'flow-start': {
          const d = ctx.indicatorFor(ev.dst.ip);
          if (d !== undefined) raiseFor(ctx, ev.ts, ev.src, ev.dst, true, 'flow', d);
          else {
            const s = ctx.indicatorFor(ev.src.ip);
            if (s !== undefined) raiseFor(ctx, ev.ts, ev.dst, ev.src, false, 'flow', s);
          }
          return;
        }
        case 'dns-query':
        case 'dns-answer': {
          const ind = ctx.domainIndicator(ev.query);
          if (ind === undefined) return;
          const hit = { ...ind, resolvedName: ev.query };
          raiseFor(ctx, ev.ts, { ip: ev.asker }, { ip: ev.server, port: 53 }, true, 'dns', hit);
          return;
        }
        case 'tls-hello':
        case 'http-request': {
          const name = ev.type === 'tls-hello' ? ev.sni : ev.host?.replace(/:\d+$/, '');
          if (name === undefined) return;
          const ind = ctx.domainIndicator(name);
          if (ind === undefined) return;
          raiseFor(ctx, ev.ts, ev.src, ev.dst, true, ev.type === 'tls-hello' ? 'tls-sni' : 'http-host', {
            ...ind,
            resolvedName: name,
          });
          return;
        }
        default:
          return;
      }
    },
  };
}
