// The resolution table behind `egress.no-dns` and name-based policy rules: which names
// resolved to an address, when, for whom, and until when (TTL + grace). Built from every
// DNS answer on the wire, site-wide and per asking host.
import type { DnsAnswer, Micros } from '../events.js';

export interface NameEntry {
  readonly name: string;
  /** Every name in the CNAME chain, the asked name first. */
  readonly chain: readonly string[];
  first: Micros;
  last: Micros;
  /** Last answer time + TTL (without grace). */
  expires: Micros;
  ttl: number;
}

const MAX_ADDRESSES = 200_000;
const MAX_NAMES_PER_ADDRESS = 32;

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export class ResolutionTable {
  private readonly byAddress = new Map<string, Map<string, NameEntry>>();
  /** `${address} ${asker}` → expiry (answer time + TTL). */
  private readonly byAsker = new Map<string, Micros>();

  constructor(private readonly graceMicros: Micros) {}

  /** The address → name pairs an answer establishes (the CNAME chain followed back to the question). */
  static pairs(ev: DnsAnswer): { address: string; name: string; ttl: number; chain: string[] }[] {
    if (ev.rcode !== 0) return [];
    if (ev.resolved.length > 0) {
      return ev.resolved.map((r) => ({
        address: r.address,
        name: norm(r.name),
        ttl: r.ttl,
        chain: [norm(r.name), ...r.chain.map(norm)],
      }));
    }
    // A decoder that did not fill `resolved` still gives us the records themselves.
    return ev.answers
      .filter((a) => a.type === 'A' || a.type === 'AAAA')
      .map((a) => ({ address: a.data, name: norm(a.name), ttl: a.ttl, chain: [norm(a.name)] }));
  }

  add(ev: DnsAnswer): void {
    for (const p of ResolutionTable.pairs(ev)) {
      let names = this.byAddress.get(p.address);
      if (names === undefined) {
        if (this.byAddress.size >= MAX_ADDRESSES) {
          const oldest = this.byAddress.keys().next().value;
          if (oldest !== undefined) this.byAddress.delete(oldest);
        }
        names = new Map();
        this.byAddress.set(p.address, names);
      }
      const expires = ev.ts + p.ttl * 1e6;
      const e = names.get(p.name);
      if (e === undefined) {
        if (names.size < MAX_NAMES_PER_ADDRESS)
          names.set(p.name, { name: p.name, chain: p.chain, first: ev.ts, last: ev.ts, expires, ttl: p.ttl });
      } else {
        e.last = Math.max(e.last, ev.ts);
        e.expires = Math.max(e.expires, expires);
        e.ttl = p.ttl;
      }
      const k = `${p.address} ${ev.asker}`;
      if (this.byAsker.size < MAX_ADDRESSES * 4 || this.byAsker.has(k))
        this.byAsker.set(k, Math.max(this.byAsker.get(k) ?? 0, expires));
    }
  }

  /** Names valid for `address` at `ts` (answered at or before `ts`, TTL + grace not yet over). */
  valid(address: string, ts: Micros): NameEntry[] {
    const names = this.byAddress.get(address);
    if (names === undefined) return [];
    const out: NameEntry[] = [];
    for (const e of names.values()) if (e.first <= ts && e.expires + this.graceMicros >= ts) out.push(e);
    return out;
  }

  /** Did this asker itself get `address` in an answer still valid at `ts`? */
  askerResolved(address: string, asker: string, ts: Micros): boolean {
    const exp = this.byAsker.get(`${address} ${asker}`);
    return exp !== undefined && exp + this.graceMicros >= ts;
  }

  /** An answer that named `address` before `ts` but has expired (TTL + grace over). */
  stale(address: string, ts: Micros): NameEntry | undefined {
    const names = this.byAddress.get(address);
    if (names === undefined) return undefined;
    let best: NameEntry | undefined;
    for (const e of names.values()) if (e.first <= ts && (best === undefined || e.last > best.last)) best = e;
    return best;
  }

  /** Every name (and alias in its chain) ever seen for `address`. */
  everNames(address: string): string[] {
    const names = this.byAddress.get(address);
    if (names === undefined) return [];
    const out = new Set<string>();
    for (const e of names.values()) for (const n of e.chain) out.add(n);
    return [...out];
  }

  get graceSeconds(): number {
    return this.graceMicros / 1e6;
  }
}
