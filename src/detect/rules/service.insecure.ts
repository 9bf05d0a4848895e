// service.insecure — telnet/ftp/tftp/rsh/rlogin/rexec offered by or used with a device: cleartext
// logins, and on the CMS8000-class firmware the way in. Seen by banner or by port.
import type { Endpoint, WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';

const BY_PORT: Readonly<Record<number, { service: string; proto: 'tcp' | 'udp' }>> = {
  21: { service: 'ftp', proto: 'tcp' },
  23: { service: 'telnet', proto: 'tcp' },
  69: { service: 'tftp', proto: 'udp' },
  513: { service: 'rlogin', proto: 'tcp' },
};
const BANNERS = new Set(['telnet', 'ftp', 'tftp', 'rlogin']);

// The Berkeley r-services (4.2BSD): rexec 512, rlogin 513, rsh 514 — over TCP only (UDP 512 is
// biff, UDP 514 syslog). Passwords in clear (rexec) or trust by source address (rsh/rlogin).
const R_SERVICES: Readonly<Record<number, string>> = { 512: 'rexec', 513: 'rlogin', 514: 'rsh' };

export function createServiceInsecure(): Rule {
  const raise = (ctx: Context, ts: number, src: Endpoint, dst: Endpoint, service: string, banner?: string) => {
    // "Offered by or used with": the device is the server when it is on site, else the client.
    const device = ctx.zones.isSite(dst.ip) ? dst : src;
    if (!ctx.zones.isSite(device.ip)) return;
    const offered = device === dst;
    ctx.raise({
      rule: 'service.insecure',
      ts,
      src,
      dst,
      deviceId: ctx.deviceId(device.ip, device.mac),
      message: offered
        ? `offers ${service} (cleartext) on port ${dst.port ?? '?'} to ${src.ip}`
        : `uses ${service} (cleartext) with ${dst.ip} port ${dst.port ?? '?'}`,
      evidence: {
        service,
        port: dst.port,
        role: offered ? 'server' : 'client',
        banners: banner !== undefined && banner !== '' ? [banner] : [],
      },
    });
  };
  return {
    id: 'service.insecure',
    types: ['service-banner', 'flow-start'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type === 'service-banner' && BANNERS.has(ev.service))
        raise(ctx, ev.ts, ev.src, ev.dst, ev.service, ev.banner);
      else if (ev.type === 'flow-start' && ev.dst.port !== undefined) {
        const s = BY_PORT[ev.dst.port];
        if (s !== undefined && s.proto === ev.proto) raise(ctx, ev.ts, ev.src, ev.dst, s.service);
        else if (ev.proto === 'tcp') {
          const r = R_SERVICES[ev.dst.port];
          if (r !== undefined) raise(ctx, ev.ts, ev.src, ev.dst, r);
        }
      }
    },
  };
}
