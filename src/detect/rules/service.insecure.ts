// service.insecure — telnet/ftp/tftp/rsh/rlogin/rexec offered by or used with a device: cleartext
// logins, and on the CMS8000-class firmware the way in. Seen by banner or by port.
// Also (issue 19): SNMP v1/v2c with a community in clear (evidence: its class — 'public'/
// 'private' defaults, 'empty' or 'other' — never the string), cleartext syslog sent to an
// outside address, SMBv1 offered or spoken (smb-negotiate) and remote access without
// authentication (VNC security None), and cleartext MQTT (1883) to an outside broker — medical
// IoT telemetry leaving the site readable, with whether credentials went with it (presence only).
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
  const mqttFlows = new Set<number>();
  const raise = (
    ctx: Context,
    ts: number,
    src: Endpoint,
    dst: Endpoint,
    service: string,
    banner?: string,
    extra?: { readonly why: string; readonly client?: boolean; readonly evidence: Readonly<Record<string, unknown>> },
  ) => {
    // "Offered by or used with": the device is the server when it is on site, else the client
    // (always the client when only the client was at fault: SMBv1 offered, not spoken).
    const device = ctx.zones.isSite(dst.ip) && extra?.client !== true ? dst : src;
    if (!ctx.zones.isSite(device.ip)) return;
    const offered = device === dst;
    ctx.raise({
      rule: 'service.insecure',
      ts,
      src,
      dst,
      deviceId: ctx.deviceId(device.ip, device.mac),
      message: offered
        ? `offers ${service} ${extra?.why ?? '(cleartext)'} on port ${dst.port ?? '?'} to ${src.ip}`
        : `uses ${service} ${extra?.why ?? '(cleartext)'} with ${dst.ip} port ${dst.port ?? '?'}`,
      evidence: {
        service,
        port: dst.port,
        role: offered ? 'server' : 'client',
        banners: banner !== undefined && banner !== '' ? [banner] : [],
        ...extra?.evidence,
      },
    });
  };
  return {
    id: 'service.insecure',
    types: [
      'service-banner',
      'flow-start',
      'snmp-message',
      'syslog-message',
      'smb-negotiate',
      'remote-access',
      'mqtt-message',
    ],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type === 'snmp-message') {
        if (ev.community === undefined) return; // v3
        // The agent (161) or trap receiver (162) is the server end, whichever sent this message.
        const toServer = ev.dst.port === 161 || ev.dst.port === 162;
        const [c, s] = toServer ? [ev.src, ev.dst] : [ev.dst, ev.src];
        raise(ctx, ev.ts, c, s, 'snmp', undefined, {
          why: '(community in clear)',
          evidence: { community: ev.community, communityInClear: true, snmpVersion: ev.version },
        });
        return;
      }
      if (ev.type === 'syslog-message') {
        // Only cleartext sent off site is a finding here; on-site collectors are normal.
        if (!ctx.isEgress(ev.src, ev.dst)) return;
        raise(ctx, ev.ts, ev.src, ev.dst, 'syslog', undefined, {
          why: '(cleartext, off site)',
          evidence: { outside: true },
        });
        return;
      }
      if (ev.type === 'mqtt-message') {
        // Once per connection (the count is sessions), on its first CONNECT or topic, so a
        // capture that starts mid-connection is still seen.
        const [c, s] = ev.fromClient ? [ev.src, ev.dst] : [ev.dst, ev.src];
        if (!ctx.isEgress(c, s) || mqttFlows.has(ev.flowId)) return;
        if (mqttFlows.size >= 4096) mqttFlows.clear();
        mqttFlows.add(ev.flowId);
        raise(ctx, ev.ts, c, s, 'mqtt', undefined, {
          why: '(cleartext, off site)',
          client: true,
          evidence: { outside: true, credentialsInClear: ev.username === true || ev.password === true },
        });
        return;
      }
      if (ev.type === 'service-banner' && BANNERS.has(ev.service))
        raise(ctx, ev.ts, ev.src, ev.dst, ev.service, ev.banner);
      else if (ev.type === 'smb-negotiate' && (ev.smb1Offered || ev.smb1Used))
        raise(ctx, ev.ts, ev.src, ev.dst, 'smbv1', undefined, {
          why: '(SMB1: deprecated, unsigned by default)',
          client: !ev.smb1Used,
          evidence: {
            smb1: ev.smb1Used ? 'used' : 'offered',
            dialects: ev.dialect !== undefined ? [ev.dialect] : ev.dialectsOffered.slice(0, 8),
          },
        });
      else if (ev.type === 'remote-access' && ev.unauthenticated)
        raise(ctx, ev.ts, ev.src, ev.dst, ev.service, undefined, {
          why: '(no authentication)',
          evidence: { security: [...ev.security], unauthenticated: true },
        });
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
