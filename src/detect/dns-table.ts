// The resolution table behind `egress.no-dns` and name-based policy rules: which names
// resolved to an address, when, for whom, and until when (TTL + grace). Built from every
// DNS answer on the wire, site-wide and per asking host.
import type { DnsAnswer, Micros } from '../events.js';
import { OldestFirst } from '../net/oldest.js';

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
  // No regex: every answer's names pass through here.
  const n = name.toLowerCase();
  return n.charCodeAt(n.length - 1) === 0x2e ? n.slice(0, -1) : n;
}

export class ResolutionTable {
  private readonly byAddress = new Map<string, Map<string, NameEntry>>();
  private readonly oldestAddress = new OldestFirst(this.byAddress);
  /** address → asker → expiry (answer time + TTL); nested so no key string is built per answer. */
  private readonly byAsker = new Map<string, Map<string, Micros>>();
  /** Entries across `byAsker` (bounded like one flat map of MAX_ADDRESSES * 4). */
  private askerEntries = 0;

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
    if (ev.rcode !== 0) return;
    if (ev.resolved.length > 0) {
      // The chain is built only for a name new to the address (pairs() builds it for every answer).
      for (const r of ev.resolved) this.addPair(ev, r.address, norm(r.name), r.ttl, r.chain);
      return;
    }
    // A decoder that did not fill `resolved` still gives us the records themselves.
    for (const a of ev.answers)
      if (a.type === 'A' || a.type === 'AAAA') this.addPair(ev, a.data, norm(a.name), a.ttl, []);
  }

  /** One address → name pair of `ev`; `chain` is the CNAME chain after the name, not yet normalised. */
  private addPair(ev: DnsAnswer, address: string, name: string, ttl: number, chain: readonly string[]): void {
    let names = this.byAddress.get(address);
    if (names === undefined) {
      if (this.byAddress.size >= MAX_ADDRESSES) {
        this.oldestAddress.take();
      }
      names = new Map();
      this.byAddress.set(address, names);
    }
    const expires = ev.ts + ttl * 1e6;
    const e = names.get(name);
    if (e === undefined) {
      if (names.size < MAX_NAMES_PER_ADDRESS)
        names.set(name, { name, chain: [name, ...chain.map(norm)], first: ev.ts, last: ev.ts, expires, ttl });
    } else {
      e.last = Math.max(e.last, ev.ts);
      e.expires = Math.max(e.expires, expires);
      e.ttl = ttl;
    }
    let askers = this.byAsker.get(address);
    const had = askers?.get(ev.asker);
    if (had === undefined) {
      if (this.askerEntries >= MAX_ADDRESSES * 4) return;
      if (askers === undefined) this.byAsker.set(address, (askers = new Map()));
      this.askerEntries++;
    }
    (askers as Map<string, Micros>).set(ev.asker, Math.max(had ?? 0, expires));
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
    const exp = this.byAsker.get(address)?.get(asker);
    return exp !== undefined && exp + this.graceMicros >= ts;
  }

  /** `valid(address, ts).length > 0` without building the list (asked for every outside flow). */
  hasValid(address: string, ts: Micros): boolean {
    const names = this.byAddress.get(address);
    if (names === undefined) return false;
    for (const e of names.values()) if (e.first <= ts && e.expires + this.graceMicros >= ts) return true;
    return false;
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
