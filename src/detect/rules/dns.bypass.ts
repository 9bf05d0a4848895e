// dns.bypass — a site device asks an outside resolver directly (DNS on 53, DNS over TLS on 853,
// or a well-known DNS-over-HTTPS endpoint by its TLS SNI) instead of the site's (DESIGN.md).
// Not a hard-coded peer (`egress.no-dns` leaves 53/853 to this rule): the device's lookups
// escape the site's resolver, its logs and any `nftset=` policy built on it.
// Exempt: resolvers DHCP handed out, the site's own resolvers forwarding (a site host seen
// answering other site hosts), configured allowlists. Medium when the site's resolver is known
// (DHCP option 6 or a site host answering the ward), low when it is not (it may be this one).
import type { WardEvent } from '../../events.js';
import { type Context, DNS_PORTS, type Evidence, mergeEvidence, type Rule } from '../context.js';

/** Public DNS-over-HTTPS endpoints (RFC 8484 services), by the name a client puts in its SNI. */
const DOH_NAMES: ReadonlySet<string> = new Set([
  'dns.google',
  'dns.google.com',
  'dns64.dns.google',
  'cloudflare-dns.com',
  'mozilla.cloudflare-dns.com',
  'chrome.cloudflare-dns.com',
  'one.one.one.one',
  '1dot1dot1dot1.cloudflare-dns.com',
  'security.cloudflare-dns.com',
  'family.cloudflare-dns.com',
  'dns.quad9.net',
  'dns9.quad9.net',
  'dns10.quad9.net',
  'dns11.quad9.net',
  'doh.opendns.com',
  'doh.familyshield.opendns.com',
  'dns.nextdns.io',
  'doh.cleanbrowsing.org',
  'dns.adguard.com',
  'dns.adguard-dns.com',
  'doh.mullvad.net',
]);
/** Names remembered per (device, resolver) pair, and pairs remembered: bounded. */
const MAX_NAMES = 20;
const MAX_PAIRS = 4096;

export function createDnsBypass(): Rule {
  /** Names each device asked each outside resolver (`src|dst`), for the alert's evidence. */
  const asked = new Map<string, Set<string>>();
  let pairsDropped = 0;

  const exempt = (ctx: Context, src: string, dst: string): boolean =>
    ctx.dhcpServers.get(dst)?.has('dns') === true ||
    ctx.dhcpServers.get(src)?.has('dns') === true ||
    ctx.siteResolvers.has(src) ||
    ctx.allowed(dst) !== undefined;

  return {
    id: 'dns.bypass',
    types: ['flow-start', 'dns-query', 'tls-hello'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type === 'dns-query') {
        if (!ctx.zones.isSite(ev.asker) || !ctx.zones.isOutside(ev.server)) return;
        const key = `${ev.asker}|${ev.server}`;
        let names = asked.get(key);
        if (names === undefined) {
          if (asked.size >= MAX_PAIRS) {
            pairsDropped++;
            return;
          }
          asked.set(key, (names = new Set()));
        }
        if (names.size < MAX_NAMES && ev.query !== '') names.add(ev.query.replace(/\.$/, '').toLowerCase());
        return;
      }
      if (ev.type !== 'flow-start' && ev.type !== 'tls-hello') return;
      if (!ctx.isEgress(ev.src, ev.dst)) return;
      const { src, dst } = ev;
      let via: 'dns' | 'dns-over-tls' | 'dns-over-https';
      let evidence: Evidence;
      if (ev.type === 'flow-start') {
        if (dst.port === undefined || !DNS_PORTS.has(dst.port)) return;
        if (ev.proto !== 'tcp' && ev.proto !== 'udp') return;
        via = dst.port === 853 ? 'dns-over-tls' : 'dns';
        evidence = { resolver: dst.ip, port: dst.port, proto: ev.proto, via, flows: 1 };
      } else {
        const sni = ev.sni?.replace(/\.$/, '').toLowerCase();
        if (sni === undefined || !DOH_NAMES.has(sni)) return;
        via = 'dns-over-https';
        evidence = { resolver: dst.ip, port: dst.port, proto: 'tcp', via, endpoint: sni, flows: 1 };
      }
      if (exempt(ctx, src.ip, dst.ip)) return;
      // Without a site resolver on record (DHCP option 6, or a site host answering the ward) the
      // outside one may simply be the configured resolver: say so, at low.
      const siteKnown = ctx.siteResolvers.size > 0 || [...ctx.dhcpServers.values()].some((r) => r.has('dns'));
      if (!siteKnown)
        evidence.note =
          'no site resolver seen (no DHCP DNS option, no site host answering DNS): this may be the configured resolver';
      const what =
        via === 'dns' ? 'DNS' : via === 'dns-over-tls' ? 'DNS over TLS' : `DNS over HTTPS (${evidence.endpoint})`;
      ctx.raise({
        rule: 'dns.bypass',
        ts: ev.ts,
        src,
        dst,
        deviceId: ctx.deviceId(src.ip, src.mac),
        message: `asks the outside resolver ${dst.ip} directly (${what})${siteKnown ? " instead of the site's resolver" : ''}`,
        evidence,
        severity: siteKnown ? 'medium' : 'low',
      });
    },
    merge(a: Evidence, b: Evidence): Evidence {
      const m = mergeEvidence(a, b);
      m.flows = Number(a.flows ?? 0) + Number(b.flows ?? 0);
      return m;
    },
    annotate(alert, ctx): void {
      const names = asked.get(`${alert.src.ip}|${alert.dst.ip}`);
      alert.evidence.names = names !== undefined ? [...names].sort() : [];
      if (pairsDropped > 0) ctx.warnOnce(`dns.bypass: names of ${pairsDropped} device/resolver pairs not kept`);
    },
  };
}
