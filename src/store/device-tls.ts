// The `tls` column of `devices` (migration 8): a device's JA4/JA3 client fingerprints and the
// SHA-256 of its servers' leaf certificates with what each said (DeviceRecord.tls), as JSON; '{}'
// for none.
import { type DeviceTls, DeviceTlsServer, TLS_LIMITS } from '../contract/records.js';

/**
 * The `tls` column (migration 8): what was stored, joined with the record's, each set within
 * TLS_LIMITS (the stored values first, so a device's first fingerprints stay), sorted. Snapshots of
 * one run only grow, and a new run's adds to the earlier one's: a fingerprint seen once stays on
 * the device's page. `beyond` is at least what either side counted past the limits.
 */
export function tlsColumn(next: DeviceTls | undefined, stored: string | undefined): string {
  const had = parseTls(stored);
  if (next === undefined) return had === undefined ? '{}' : JSON.stringify(had);
  let over = 0;
  const join = (a: readonly string[] | undefined, b: readonly string[], limit: number): string[] => {
    const all = [...new Set([...(a ?? []), ...b])];
    if (all.length > limit) over = Math.max(over, all.length - limit);
    return all.slice(0, limit).sort();
  };
  const out: DeviceTls = {
    ja4: join(had?.ja4, next.ja4, TLS_LIMITS.fingerprints),
    ja3: join(had?.ja3, next.ja3, TLS_LIMITS.fingerprints),
    serverCerts: join(had?.serverCerts, next.serverCerts, TLS_LIMITS.serverCerts),
  };
  // What each kept certificate said: the first description stored wins (where it was first seen).
  const said = new Map<string, DeviceTlsServer>();
  for (const c of [...(had?.servers ?? []), ...(next.servers ?? [])]) if (!said.has(c.sha256)) said.set(c.sha256, c);
  const servers = out.serverCerts.flatMap((sha) => said.get(sha) ?? []);
  if (servers.length > 0) out.servers = servers;
  const beyond = Math.max(over, had?.beyond ?? 0, next.beyond ?? 0);
  if (beyond > 0) out.beyond = beyond;
  return JSON.stringify(out);
}

/** The stored `tls` column, or undefined when it holds none (or not a list of each). */
export function parseTls(text: string | undefined): DeviceTls | undefined {
  if (text === undefined || text === '{}') return undefined;
  try {
    const v = JSON.parse(text) as Partial<DeviceTls>;
    const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : []);
    const t: DeviceTls = { ja4: list(v.ja4), ja3: list(v.ja3), serverCerts: list(v.serverCerts) };
    const servers = (Array.isArray(v.servers) ? v.servers : []).flatMap((c) => {
      const r = DeviceTlsServer.safeParse(c);
      return r.success ? [r.data] : [];
    });
    if (servers.length > 0) t.servers = servers;
    if (typeof v.beyond === 'number' && v.beyond > 0) t.beyond = Math.floor(v.beyond);
    return t.ja4.length + t.ja3.length + t.serverCerts.length > 0 ? t : undefined;
  } catch {
    return undefined;
  }
}
