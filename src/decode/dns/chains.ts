// CNAME chains in a DNS answer, followed back to the question (the `resolved` of `dns-answer`).
import type { DnsMessage, DnsRecord } from './dns.js';

export interface Resolution {
  readonly address: string;
  readonly name: string;
  readonly ttl: number;
  readonly chain: readonly string[];
}

/**
 * For each A/AAAA answer, follow CNAMEs back towards the question: `name` is the question name
 * when the chain reaches it (else the chain's first owner), `chain` the names in between ending
 * with the address record's owner, `ttl` the smallest TTL along the way (the binding expires
 * with its weakest link). Names compare case-insensitively (RFC 4343); chains are bounded.
 */
export function resolveChains(msg: DnsMessage): Resolution[] {
  const out: Resolution[] = [];
  const qname = msg.questions[0]?.name.toLowerCase();
  let back: Map<string, DnsRecord> | null = null;
  for (const r of msg.answers) {
    if (r.typeNum !== 1 && r.typeNum !== 28) continue;
    if (back === null) {
      back = new Map();
      for (const c of msg.answers) if (c.typeNum === 5) back.set(c.data.toLowerCase(), c);
    }
    let cur = r.name;
    let ttl = r.ttl;
    const chain: string[] = [];
    for (let i = 0; i < 16 && cur.toLowerCase() !== qname; i++) {
      const c = back.get(cur.toLowerCase());
      if (c === undefined) break;
      chain.unshift(cur);
      ttl = Math.min(ttl, c.ttl);
      cur = c.name;
    }
    out.push({ address: r.data, name: cur, ttl, chain });
  }
  return out;
}
