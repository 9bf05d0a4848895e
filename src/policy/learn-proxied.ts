// What `policy learn` says of a peer that is a proxy: the destinations the device asked it for
// (observe.ts collects them from `proxy-request` events), each marked with the rules whose alerts
// named it. The proxy stays the rule's peer — it is what a firewall sees — and the entry carries
// the list (`proxied`) while the rule's note says so in words, so a reviewer knows that allowing
// the proxy allows what lies behind it.
import type { ProxiedDestination } from '../contract/policy-api.js';
import { type AlertRecord, hostPortText } from '../contract/records.js';
import { MAX_PROXIED, type ObservedFlow, type ProxiedTarget } from './observe.js';

export type { ProxiedDestination };

/**
 * The rules whose alerts from device `ip` named a destination asked of a proxy: an address is the
 * alert's `dst` (egress.ioc, egress.no-dns, phi.cleartext through a tunnel); any asked-for target,
 * a name too, is in `evidence.proxied[].target` (egress.ioc, egress.no-dns).
 */
function alertsFor(alerts: readonly AlertRecord[], ip: string, t: ProxiedTarget): string[] {
  const text = hostPortText(t.host, t.port);
  const rules = new Set<string>();
  for (const a of alerts) {
    if (a.src.ip !== ip) continue;
    const hops = a.evidence.proxied;
    const named =
      Array.isArray(hops) &&
      hops.some((h) => typeof h === 'object' && h !== null && (h as { target?: unknown }).target === text);
    if (named || (a.dst.ip === t.host && (t.port === undefined || a.dst.port === t.port))) rules.add(a.rule);
  }
  return [...rules].sort();
}

/** The destinations behind the proxy peers of one proposal entry (its flows may be several proxies of a /24). */
export class ProxiedSet {
  private readonly byKey = new Map<string, ProxiedDestination>();
  /** Requests for destinations past the first MAX_PROXIED. */
  private more = 0;

  constructor(private readonly alerts: readonly AlertRecord[]) {}

  add(f: ObservedFlow): void {
    this.more += f.proxiedMore ?? 0;
    for (const t of f.proxied ?? []) {
      const k = `${t.host}|${t.port ?? ''}`;
      const have = this.byKey.get(k);
      if (have !== undefined) {
        const { refused, ...rest } = have;
        this.byKey.set(k, {
          ...rest,
          requests: have.requests + t.requests,
          ...(refused === true && t.refused ? { refused } : {}),
        });
      } else if (this.byKey.size >= MAX_PROXIED) this.more += t.requests;
      else {
        const alerted = alertsFor(this.alerts, f.ip, t);
        this.byKey.set(k, {
          host: t.host,
          ...(t.port !== undefined ? { port: t.port } : {}),
          requests: t.requests,
          ...(t.refused ? { refused: true as const } : {}),
          ...(alerted.length > 0 ? { alerts: alerted } : {}),
        });
      }
    }
  }

  get empty(): boolean {
    return this.byKey.size === 0;
  }

  /** Alerted destinations first, otherwise in the order first asked. */
  list(): ProxiedDestination[] {
    const alerted = (d: ProxiedDestination) => (d.alerts !== undefined ? 1 : 0);
    return [...this.byKey.values()].sort((a, b) => alerted(b) - alerted(a));
  }

  /** What the rule's note says: "a proxy: 2 destinations seen behind it, … 202.114.4.120:515 (alerts: egress.ioc), …". */
  note(): string {
    const list = this.list();
    const shown = list.slice(0, 4).map((d) => {
      const tags = [
        ...(d.alerts !== undefined ? [`alerts: ${d.alerts.join(', ')}`] : []),
        ...(d.refused ? ['refused'] : []),
      ];
      return `${hostPortText(d.host, d.port)}${tags.length > 0 ? ` (${tags.join('; ')})` : ''}`;
    });
    const rest = list.length - shown.length;
    const n = list.length;
    const more = this.more > 0 ? `, and ${this.more} more request${this.more === 1 ? '' : 's'} not listed` : '';
    return (
      `a proxy: ${n} destination${n === 1 ? '' : 's'} seen behind it, not in this rule (the firewall sees only ` +
      `the proxy): ${shown.join(', ')}${rest > 0 ? `, +${rest} more` : ''}${more}`
    );
  }
}
