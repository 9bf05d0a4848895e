// egress.ioc — traffic to or from an indicator address, or a lookup of an indicator domain
// (shipped ICSMA-25-030-01 list + user lists). Both directions count: an outside indicator
// reaching into the site is as telling as a device reaching out.
//
// Behind a web or SOCKS proxy a device's packets go to the proxy (an inside address); the
// destination is the one its request names (`proxy-request`; an attempt counts, answered or not).
// An indicator address asked for is the alert's `dst`, the packets' flow (device → proxy) is the
// alert's flow, the proxy and its answer are in `proxied`. So one device reaching an indicator
// directly and through a proxy is one alert (`via` lists both, `proxied` the proxies): alerts
// aggregate by peer, and this rule already folds every way of reaching a peer (flow, TLS SNI, HTTP
// Host) into that peer's one alert. An indicator *name* asked for has no address on the wire (the
// proxy resolves it): its `dst` is the proxy, as a TLS SNI seen inside the tunnel already is.
import type { Endpoint, Micros, ProxyRequest, WardEvent } from '../../events.js';
import { type Context, proxyHop, proxyWords, type Rule } from '../context.js';

export function createEgressIoc(): Rule {
  const raiseFor = (
    ctx: Context,
    ts: Micros,
    device: Endpoint,
    peer: Endpoint,
    outbound: boolean,
    via: string,
    ind: NonNullable<ReturnType<Context['indicatorFor']>>,
    proxied?: ProxyRequest,
  ) => {
    const how = proxied !== undefined ? ` ${proxyWords(proxied)}` : '';
    ctx.raise({
      rule: 'egress.ioc',
      ts,
      src: outbound ? device : peer,
      dst: outbound ? peer : device,
      deviceId: ctx.deviceId(device.ip, device.mac),
      message: `${outbound ? 'talks to' : 'is contacted by'} indicator ${ind.value} (${ind.source})${how}: ${ind.note}`,
      ...(proxied !== undefined ? { flow: { src: proxied.src, dst: proxied.dst } } : {}),
      evidence: {
        indicator: ind.value,
        kind: ind.kind,
        source: ind.source,
        note: ind.note,
        ...(ind.url !== undefined ? { url: ind.url } : {}),
        ...(ind.resolvedName !== undefined ? { resolvedName: ind.resolvedName } : {}),
        direction: outbound ? 'outbound' : 'inbound',
        via: [via],
        ...(proxied !== undefined ? { proxied: [proxyHop(proxied)] } : {}),
      },
    });
  };

  return {
    id: 'egress.ioc',
    types: ['flow-start', 'dns-query', 'dns-answer', 'tls-hello', 'http-request', 'proxy-request'],
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
        case 'proxy-request': {
          // A UDP ASSOCIATE names the client's own sending address, not a destination.
          if (ev.command === 'udp-associate') return;
          if (ev.targetIp !== undefined) {
            const ind = ctx.indicatorFor(ev.targetIp);
            if (ind === undefined) return;
            const target: Endpoint = { ip: ev.targetIp, port: ev.targetPort };
            raiseFor(ctx, ev.ts, ev.src, target, true, 'proxy', ind, ev);
            return;
          }
          const ind = ctx.domainIndicator(ev.targetHost);
          if (ind === undefined) return;
          raiseFor(ctx, ev.ts, ev.src, ev.dst, true, 'proxy', { ...ind, resolvedName: ev.targetHost }, ev);
          return;
        }
        default:
          return;
      }
    },
  };
}
