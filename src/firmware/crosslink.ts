// Firmware × traffic: which hard-coded outside peers the device actually contacted, and a
// proposed policy (src/contract/policy.ts, version 1) that denies every one of them.
import { isIP } from 'node:net';
import { PolicyFile } from '../contract/policy.js';
import type { Finding } from './types.js';

/** Addresses seen as responders (contacted peers) in the capture(s). */
export type ContactedAddresses = Set<string>;
/** Reads capture files into the set of contacted addresses (the engine in the CLI, a stub in tests). */
export type ContactSource = (captures: readonly string[]) => Promise<ContactedAddresses>;

export interface CrossLink {
  contacted: string[];
  notContacted: string[];
  proposedPolicy: PolicyFile;
}

function canonical(address: string): string {
  return isIP(address) === 6 ? address.toLowerCase() : address.toLowerCase().replace(/\.$/, '');
}

/** Hard-coded outside peers, each with the findings that name it (first one is the reason). */
export function outsidePeers(findings: readonly Finding[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.zone !== 'outside' || !f.address) continue;
    const key = canonical(f.address);
    const list = out.get(key) ?? [];
    list.push(f);
    out.set(key, list);
  }
  return out;
}

/** `contacted` undefined: no capture was given; the proposal still denies every outside peer. */
export function crossLink(
  findings: readonly Finding[],
  contacted: ContactedAddresses | undefined,
  model: string,
): CrossLink {
  const seen = new Set([...(contacted ?? [])].map(canonical));
  const peers = outsidePeers(findings);
  const names = [...peers.keys()].sort();
  const deny = names.map((peer) => {
    const why = peers.get(peer)!;
    const where = [...new Set(why.map((f) => `${f.file}${f.line ? `:${f.line}` : ''} (${f.id})`))].slice(0, 3);
    const literal = isIP(peer) !== 0;
    const state = !literal
      ? 'a host name (matched through DNS answers)'
      : contacted === undefined
        ? 'no capture checked'
        : seen.has(peer)
          ? 'contacted in the capture'
          : 'not contacted in the capture';
    return { peer, proto: 'any' as const, reason: `hard-coded in ${where.join(', ')}; ${state}` };
  });
  const proposedPolicy = PolicyFile.parse({
    version: 1,
    devices: [
      {
        name: `firmware audit: ${model}`,
        match: { model },
        // A proposal for a person to review (DESIGN.md "Policy"): never enforced by itself.
        mode: 'alert',
        allow: [],
        deny,
      },
    ],
  });
  return {
    contacted: names.filter((n) => seen.has(n)),
    notContacted: names.filter((n) => !seen.has(n) && isIP(n) !== 0),
    proposedPolicy,
  };
}
