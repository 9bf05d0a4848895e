// egress.no-dns — the hard-coded-address signature (DESIGN.md; the CMS8000 case): a site
// device starts a flow to an outside address that no DNS answer seen on the wire resolved
// (within TTL + grace) before the flow. Querying an outside DNS or NTP server by address is
// the same signature unless DHCP handed that server out.
import type { Micros, WardEvent } from '../../events.js';
import type { Context, Evidence, Rule } from '../context.js';

const SERVICE_BY_PORT: Readonly<Record<number, string>> = { 53: 'dns', 123: 'ntp', 67: 'dhcp', 853: 'dns-over-tls' };

export function createEgressNoDns(): Rule {
  /** Alerted destination → earliest alert time, until a later DNS answer names it. */
  const pending = new Map<string, Micros>();
  const later = new Map<string, { name: string; time: Micros; asker: string }>();
  /** Outside addresses that answered as NTP servers (issue 19): the content behind "ntp" by port. Bounded. */
  const ntp = new Map<string, { stratum: number; refId?: string; version: number }>();

  return {
    id: 'egress.no-dns',
    types: ['dns-answer', 'flow-start', 'ntp-message'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type === 'ntp-message') {
        if (ev.mode === 'server' && ntp.size < 10_000 && !ntp.has(ev.src.ip) && ctx.zones.isOutside(ev.src.ip))
          ntp.set(ev.src.ip, { stratum: ev.stratum, refId: ev.refId, version: ev.version });
        return;
      }
      if (ev.type === 'dns-answer') {
        if (pending.size === 0) return;
        for (const r of ev.resolved.length > 0 ? ev.resolved : []) {
          const since = pending.get(r.address);
          if (since !== undefined && ev.ts > since && !later.has(r.address)) {
            later.set(r.address, { name: r.name.replace(/\.$/, ''), time: ev.ts, asker: ev.asker });
            pending.delete(r.address);
          }
        }
        return;
      }
      if (ev.type !== 'flow-start') return;
      // A TCP flow seen without its SYN started before the capture: we cannot know what DNS preceded it.
      if (ev.proto === 'tcp' ? !ev.syn : ev.proto !== 'udp') return;
      const { src, dst } = ev;
      if (!ctx.isEgress(ev.src, ev.dst)) return; // site → outside
      if (ctx.dhcpServers.has(dst.ip)) return;
      if (ctx.allowed(dst.ip) !== undefined) return;
      if (ctx.dns.hasValid(dst.ip, ev.ts)) return;
      const stale = ctx.dns.stale(dst.ip, ev.ts);
      const service = dst.port !== undefined ? SERVICE_BY_PORT[dst.port] : undefined;
      const evidence: Evidence = {
        proto: ev.proto,
        flows: 1,
        dnsBefore: false,
        ...(service !== undefined
          ? { service, note: `${service} server contacted by address, not handed out by DHCP` }
          : {}),
        ...(stale !== undefined
          ? {
              expiredDns: {
                name: stale.name,
                answered: new Date(stale.last / 1000).toISOString(),
                ttl: stale.ttl,
                graceSeconds: ctx.dns.graceSeconds,
              },
            }
          : {}),
      };
      // Early in a capture the lookup may simply predate it; a device seen booting (DHCP ACK) has no such excuse.
      const sinceStart = (ev.ts - (ctx.captureStart ?? ev.ts)) / 1e6;
      const uncertain = sinceStart < ctx.config.dns.warmupSeconds && !ctx.leased.has(src.ip);
      if (uncertain)
        evidence.uncertain = `flow ${Math.round(sinceStart)} s after the capture began; the DNS lookup may predate the capture`;
      if (!pending.has(dst.ip) && !later.has(dst.ip)) pending.set(dst.ip, ev.ts);
      ctx.raise({
        rule: 'egress.no-dns',
        ts: ev.ts,
        src,
        dst,
        deviceId: ctx.deviceId(src.ip, src.mac),
        message: `connects to outside address ${dst.ip}${dst.port !== undefined ? ` port ${dst.port}` : ''} that no DNS answer on the wire resolved — a hard-coded address`,
        evidence,
        severity: uncertain ? 'low' : 'high',
      });
    },
    merge(a: Evidence, b: Evidence): Evidence {
      return { ...a, flows: Number(a.flows ?? 0) + Number(b.flows ?? 0) };
    },
    annotate(alert, ctx): void {
      const l = later.get(alert.dst.ip);
      if (l !== undefined && l.time > alert.first) {
        alert.evidence.laterDns = {
          name: l.name,
          time: new Date(l.time / 1000).toISOString(),
          byDevice: l.asker === alert.src.ip,
        };
      } else {
        alert.evidence.laterDns = null;
      }
      // Other names this address was ever given (helps write an allowlist entry by name).
      const server = ntp.get(alert.dst.ip);
      if (server !== undefined) alert.evidence.ntpServer = { ...server, answered: true };
      const names = ctx.dns.everNames(alert.dst.ip);
      if (names.length > 0) alert.evidence.namesSeen = names.sort().slice(0, 10);
    },
  };
}
