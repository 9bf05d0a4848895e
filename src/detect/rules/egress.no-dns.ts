// egress.no-dns — the hard-coded-address signature (DESIGN.md; the CMS8000 case): a site
// device starts a flow to an outside address that no DNS answer seen on the wire resolved
// (within TTL + grace) before the flow. Querying an outside NTP server by address is the same
// signature unless DHCP handed that server out; an outside DNS server asked directly (53/853)
// is a resolver bypass instead (`dns.bypass`).
//
// A flow that names its server (HTTP Host naming a host, TLS SNI, an FTP/SMTP greeting naming
// the server) shows a lookup made outside the capture (a cache, DoH, another resolver): graded
// low and said so. An HTTP Host that is the IP literal itself is the stronger evidence: high.
// So the rule waits for the flow's first application event (or its end, or NAME_WAIT_US) before
// it raises; the alert still carries the flow's start time.
//
// Behind a proxy (`proxy-request`: HTTP CONNECT, an absolute-form request, SOCKS), a target given
// as an outside address literal is the same signature — the client had the address, and no DNS
// answer on the wire gave it —, judged like a direct flow to that address (the alert's `dst`; its
// packets' flow device → proxy; the proxy in `proxied`), so direct and proxied flows to one address
// are one alert, as for egress.ioc. A target given as a name is not: the proxy looks it up.
import type { Endpoint, Micros, ProxyRequest, WardEvent } from '../../events.js';
import { type Context, DNS_PORTS, type Evidence, mergeEvidence, proxyHop, type Rule } from '../context.js';
import { OldestFirst } from '../../net/oldest.js';

const SERVICE_BY_PORT: Readonly<Record<number, string>> = { 123: 'ntp', 67: 'dhcp' };
/** Flows waiting for the name their first application bytes may carry; the oldest is raised past it. */
const MAX_WAITING = 4096;
/** How long a flow may stay silent before it is judged without a name (capture time). */
const NAME_WAIT_US = 10e6;
/** Where a client wrote an address literal in place of a name: the evidence key and the words for it. */
const LITERAL_WHERE = {
  'http-host': { key: 'httpHost', long: 'HTTP Host header', short: 'HTTP Host' },
  'tls-sni': { key: 'sni', long: 'TLS SNI', short: 'TLS SNI' },
  'proxy-target': { key: 'proxyTarget', long: 'target of the request to the HTTP proxy', short: 'HTTP proxy target' },
} as const;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))+\.?$/i;

interface Waiting {
  /** The flow's start (or, for a proxied destination, the proxy request: its time, device and target). */
  readonly ev: { readonly ts: Micros; readonly src: Endpoint; readonly dst: Endpoint };
  readonly evidence: Evidence;
  readonly uncertain: boolean;
  readonly proxied?: ProxyRequest;
}

/** The host part of an HTTP Host header: `name:8080` → name, `[2001:db8::1]:80` → 2001:db8::1. */
export function hostPart(host: string): string {
  const h = host.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : h;
  }
  const colon = h.indexOf(':');
  return colon >= 0 && h.indexOf(':', colon + 1) < 0 ? h.slice(0, colon) : h;
}

/** The host name an FTP/SMTP greeting gives for its server ('220 ftp.example.org FTP ready'), if any. */
export function greetingName(banner: string): string | undefined {
  const words = banner.replace(/^\d{3}[ -]?/, '').split(/[\s,;()[\]<>]+/, 6);
  for (const w of words) if (HOSTNAME.test(w) && !/^[\d.]+$/.test(w)) return w.replace(/\.$/, '').toLowerCase();
  return undefined;
}

export function createEgressNoDns(): Rule {
  /** Alerted destination → earliest alert time, until a later DNS answer names it. */
  const pending = new Map<string, Micros>();
  const later = new Map<string, { name: string; time: Micros; asker: string }>();
  /** Flows judged at their first application event, by flow id (insertion order = start order). */
  const waiting = new Map<number, Waiting>();
  const waitingOldest = new OldestFirst(waiting);
  /** Outside addresses that answered as NTP servers (issue 19): the content behind "ntp" by port. Bounded. */
  const ntp = new Map<string, { stratum: number; refId?: string; version: number }>();

  const judge = (
    w: Waiting,
    ctx: Context,
    named?: { name: string; via: 'http-host' | 'tls-sni' | 'greeting' },
    literal?: { host: string; via: 'http-host' | 'tls-sni' | 'proxy-target' },
  ): void => {
    const { ev, evidence } = w;
    const { src, dst } = ev;
    const port = dst.port !== undefined ? ` port ${dst.port}` : '';
    let severity: 'low' | 'high' = w.uncertain ? 'low' : 'high';
    const p = w.proxied;
    const verb =
      p === undefined ? 'connects to' : `asks proxy ${p.dst.ip}${p.dst.port !== undefined ? `:${p.dst.port}` : ''} for`;
    let message = `${verb} outside address ${dst.ip}${port} that no DNS answer on the wire resolved — a hard-coded address`;
    if (literal !== undefined) {
      // The client itself wrote the address where a name belongs: no lookup happened anywhere.
      severity = 'high';
      const where = LITERAL_WHERE[literal.via];
      evidence.hardCoded = { [where.key]: literal.host };
      evidence.note = `the ${where.long} is the IP literal ${literal.host}: the address is written into the client`;
      message = `${verb} outside address ${dst.ip}${port} by its IP literal (${where.short} ${literal.host}) with no DNS answer on the wire — a hard-coded address`;
      delete evidence.uncertain;
    } else if (named !== undefined) {
      severity = 'low';
      evidence.namedFlows = 1;
      evidence.named = [{ name: named.name, via: named.via }];
      evidence.note = `the flow names its server (${named.via} ${named.name}): the lookup was likely made outside the capture (a cache, DNS over HTTPS, another resolver)`;
      message = `${verb} outside address ${dst.ip}${port} named ${named.name} by its ${named.via === 'http-host' ? 'HTTP Host' : named.via === 'tls-sni' ? 'TLS SNI' : 'server greeting'}, with no DNS answer on the wire — likely a lookup outside the capture`;
    }
    if (!pending.has(dst.ip) && !later.has(dst.ip)) pending.set(dst.ip, ev.ts);
    ctx.raise({
      rule: 'egress.no-dns',
      ts: ev.ts,
      src,
      dst,
      deviceId: ctx.deviceId(src.ip, src.mac),
      message,
      evidence,
      severity,
      ...(p !== undefined ? { flow: { src: p.src, dst: p.dst } } : {}),
    });
  };

  /**
   * The evidence of a site device reaching `dst` (outside) by address with no valid DNS answer
   * for it, or undefined when that is no finding (DNS itself, DHCP's servers, the allowlist, a
   * DNS answer within its TTL).
   */
  const unresolved = (ctx: Context, src: Endpoint, dst: Endpoint, proto: string, ts: Micros): Waiting | undefined => {
    if (dst.port !== undefined && DNS_PORTS.has(dst.port)) return undefined; // dns.bypass judges these
    if (ctx.dhcpServers.has(dst.ip)) return undefined;
    if (ctx.allowed(dst.ip) !== undefined) return undefined;
    if (ctx.dns.hasValid(dst.ip, ts)) return undefined;
    const stale = ctx.dns.stale(dst.ip, ts);
    const service = dst.port !== undefined ? SERVICE_BY_PORT[dst.port] : undefined;
    const evidence: Evidence = {
      proto,
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
    // Early in a device's activity the lookup may simply predate the capture (its clock restarts
    // after a silence longer than the warm-up); a device seen booting (DHCP ACK) has no such excuse.
    const active = ctx.activeSeconds(src.ip, ts);
    const uncertain = active < ctx.config.dns.warmupSeconds && !ctx.leased.has(src.ip);
    if (uncertain)
      evidence.uncertain = `flow ${Math.round(active)} s after the device's first packet in the capture (or after a gap in the input longer than the warm-up); the DNS lookup may predate the capture`;
    return { ev: { ts, src, dst }, evidence, uncertain };
  };

  /**
   * A proxy asked for an outside address literal. An HTTP proxy is given what the URL holds, so an
   * address there was written into the client (as an HTTP Host literal is). A SOCKS client may
   * have looked the name up itself: a granted CONNECT waits, as a direct flow does, for the
   * tunnel's first application event (a TLS SNI naming the server); a refusal is judged at once.
   */
  const proxied = (ev: ProxyRequest, ctx: Context): void => {
    if (ev.targetIp === undefined || (ev.command !== 'connect' && ev.command !== 'forward')) return;
    const dst: Endpoint = { ip: ev.targetIp, port: ev.targetPort };
    if (!ctx.isEgress(ev.src, dst)) return;
    const u = unresolved(ctx, ev.src, dst, 'tcp', ev.ts);
    if (u === undefined) return;
    u.evidence.proxied = [proxyHop(ev)];
    const w: Waiting = { ...u, proxied: ev };
    if (ev.protocol === 'http') {
      judge(w, ctx, undefined, { host: ev.targetHost, via: 'proxy-target' });
      return;
    }
    u.evidence.note = 'the device gave the SOCKS proxy an address, not a name for the proxy to look up';
    if (ev.granted !== true) {
      judge(w, ctx);
      return;
    }
    wait(ev.flowId, w, ctx);
  };

  /** Hold `w` until its flow's first application event names its server (or not), bounded. */
  const wait = (flowId: number, w: Waiting, ctx: Context): void => {
    const prev = waiting.get(flowId);
    if (prev !== undefined) {
      waiting.delete(flowId);
      judge(prev, ctx);
    }
    if (waiting.size >= MAX_WAITING) {
      const oldest = waitingOldest.take();
      if (oldest !== undefined) judge(oldest[1], ctx);
    }
    waiting.set(flowId, w);
  };

  /** Judge, without a name, flows that have waited longer than NAME_WAIT_US (or everything: `now` infinite). */
  const flushOlder = (now: Micros, ctx: Context): void => {
    for (const [id, w] of waiting) {
      if (now - w.ev.ts <= NAME_WAIT_US) break;
      waiting.delete(id);
      judge(w, ctx);
    }
  };

  return {
    id: 'egress.no-dns',
    types: [
      'dns-answer',
      'flow-start',
      'flow-end',
      'http-request',
      'tls-hello',
      'service-banner',
      'hl7-message',
      'rpc-call',
      'dicom-association',
      'ntp-message',
      'proxy-request',
    ],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (waiting.size > 0) flushOlder(ev.ts, ctx);
      if (ev.type === 'ntp-message') {
        if (ev.mode === 'server' && ntp.size < 10_000 && !ntp.has(ev.src.ip) && ctx.zones.isOutside(ev.src.ip))
          ntp.set(ev.src.ip, { stratum: ev.stratum, refId: ev.refId, version: ev.version });
        return;
      }
      if (ev.type === 'dns-answer') {
        if (pending.size === 0) return;
        for (const r of ev.resolved) {
          const since = pending.get(r.address);
          if (since !== undefined && ev.ts > since && !later.has(r.address)) {
            later.set(r.address, { name: r.name.replace(/\.$/, ''), time: ev.ts, asker: ev.asker });
            pending.delete(r.address);
          }
        }
        return;
      }
      if (ev.type === 'proxy-request') {
        // A proxy that is itself outside: its flow waited for a name, and the request to it names none of its own.
        const w = waiting.get(ev.flowId);
        if (w !== undefined) {
          waiting.delete(ev.flowId);
          judge(w, ctx);
        }
        proxied(ev, ctx);
        return;
      }
      if (ev.type !== 'flow-start') {
        if (waiting.size === 0 || !('flowId' in ev) || ev.flowId === undefined) return;
        const w = waiting.get(ev.flowId);
        if (w === undefined) return;
        waiting.delete(ev.flowId);
        if (ev.type === 'http-request' && ev.host !== undefined && ev.host !== '') {
          const h = hostPart(ev.host);
          if (ctx.isIp(h)) {
            judge(w, ctx, undefined, { host: h, via: 'http-host' });
            return;
          }
          if (HOSTNAME.test(h)) {
            judge(w, ctx, { name: h.replace(/\.$/, '').toLowerCase(), via: 'http-host' });
            return;
          }
        } else if (ev.type === 'tls-hello' && ev.sni !== undefined && ev.sni !== '') {
          if (ctx.isIp(ev.sni)) {
            judge(w, ctx, undefined, { host: ev.sni, via: 'tls-sni' });
            return;
          }
          judge(w, ctx, { name: ev.sni.replace(/\.$/, '').toLowerCase(), via: 'tls-sni' });
          return;
        } else if (ev.type === 'service-banner' && (ev.service === 'ftp' || ev.service === 'smtp')) {
          const name = greetingName(ev.banner);
          if (name !== undefined) {
            judge(w, ctx, { name, via: 'greeting' });
            return;
          }
        }
        judge(w, ctx);
        return;
      }
      // A TCP flow seen without its SYN started before the capture: we cannot know what DNS preceded it.
      if (ev.proto === 'tcp' ? !ev.syn : ev.proto !== 'udp') return;
      const { src, dst } = ev;
      if (!ctx.isEgress(ev.src, ev.dst)) return; // site → outside
      const u = unresolved(ctx, src, dst, ev.proto, ev.ts);
      if (u === undefined) return;
      const w: Waiting = { ...u, ev };
      // UDP names nothing we read but QUIC's SNI (an Initial on 443 gives a tls-hello): judge the rest now.
      if (ev.proto !== 'tcp' && dst.port !== 443) {
        judge(w, ctx);
        return;
      }
      wait(ev.flowId, w, ctx);
    },
    finish(ctx: Context): void {
      flushOlder(Number.POSITIVE_INFINITY, ctx);
    },
    merge(a: Evidence, b: Evidence): Evidence {
      const m = mergeEvidence(a, b);
      m.flows = Number(a.flows ?? 0) + Number(b.flows ?? 0);
      if (a.namedFlows !== undefined || b.namedFlows !== undefined)
        m.namedFlows = Number(a.namedFlows ?? 0) + Number(b.namedFlows ?? 0);
      return m;
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
      const server = ntp.get(alert.dst.ip);
      if (server !== undefined) alert.evidence.ntpServer = { ...server, answered: true };
      // Other names this address was ever given (helps write an allowlist entry by name).
      const names = ctx.dns.everNames(alert.dst.ip);
      if (names.length > 0) alert.evidence.namesSeen = names.sort().slice(0, 10);
    },
  };
}
