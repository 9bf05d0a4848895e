// One-line evidence summaries shared by the table, CEF and syslog exports. Counts, names and
// short lists only: evidence never holds a patient identifier, and this keeps it that way for
// anything a rule might add later (long values are cut, nested objects are flattened). The
// serious fact comes first: each rule may name the evidence keys that lead (an NFS alert leads
// with the files and exports, not with `nfs.NULL`); the rest follow in key order. A URL is never
// cut: a long one is kept whole, and the line is shortened between pairs instead.
import type { AlertRecord } from '../contract/records.js';

/** Evidence keys that lead a rule's summary, most telling first. */
const LEAD: Readonly<Record<string, readonly string[]>> = {
  'rpc.outbound-nfs': ['files', 'exports', 'paths', 'procedures'],
  'phi.cleartext': ['patients', 'messages', 'fields'],
  'egress.ioc': ['indicator', 'source', 'proxied'],
  'device.vulnerable': ['model', 'advisories', 'cves'],
};

/**
 * NFS/MOUNT procedures that move no data (a ping, attributes, file-system info): listed after the
 * ones that read, write or name files.
 */
const QUIET_PROCS = /\.(NULL|GETATTR|FSSTAT|FSINFO|PATHCONF|STATFS|ACCESS|proc0|DUMP|EXPORT)$/;

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(s);

function short(v: unknown): string {
  if (Array.isArray(v)) return v.map(short).join(',');
  if (v !== null && typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}:${short(x)}`)
      .join(' ');
  return String(v);
}

function ordered(a: AlertRecord): string[] {
  const lead = LEAD[a.rule] ?? [];
  const rest = Object.keys(a.evidence)
    .filter((k) => !lead.includes(k))
    .sort();
  return [...lead.filter((k) => k in a.evidence), ...rest];
}

function value(a: AlertRecord, k: string): unknown {
  const v = a.evidence[k];
  if (a.rule === 'rpc.outbound-nfs' && k === 'procedures' && Array.isArray(v))
    return [...v].sort((x, y) => Number(QUIET_PROCS.test(String(x))) - Number(QUIET_PROCS.test(String(y))));
  return v;
}

/** The `key=value` pairs of the evidence, serious facts first, each value at most 80 characters (URLs whole). */
export function evidencePairs(a: AlertRecord): string[] {
  const parts: string[] = [];
  for (const k of ordered(a)) {
    const v = value(a, k);
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    let s = short(v);
    if (s.length > 80 && !s.split(/[ ,]/).some(isUrl)) s = `${s.slice(0, 79)}…`;
    parts.push(`${k}=${s}`);
  }
  return parts;
}

/** The evidence pairs on one line, at most `max` characters: shortened between pairs, never inside a URL. */
export function evidenceSummary(a: AlertRecord, max = 400): string {
  const parts = evidencePairs(a);
  let out = '';
  for (const p of parts) {
    const next = out === '' ? p : `${out} ${p}`;
    if (next.length > max) {
      if (out === '') return isUrl(p.slice(p.indexOf('=') + 1)) ? p : `${p.slice(0, max - 1)}…`;
      return `${out} …`;
    }
    out = next;
  }
  return out;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

function list(xs: readonly string[], n = 4): string {
  return xs.length <= n ? xs.join(', ') : `${xs.slice(0, n).join(', ')} and ${xs.length - n} more`;
}

/**
 * What the alert says first. For NFS the files read and the export mounted lead (the message of an
 * aggregate is its first raw alert's, often a `nfs.NULL` ping); other rules keep their message.
 */
export function headline(a: AlertRecord): string {
  if (a.rule !== 'rpc.outbound-nfs') return a.message;
  const exports = strings(a.evidence.exports);
  const procs = strings(a.evidence.procedures);
  const paths = strings(a.evidence.paths).filter((p) => !exports.includes(p));
  const mountOnly = exports.length === 0 && procs.some((p) => p.startsWith('mount.'));
  const mounted = mountOnly ? paths : exports;
  const files = [...new Set([...strings(a.evidence.files), ...(mountOnly ? [] : paths)])];
  const what: string[] = [];
  if (files.length > 0) what.push(`reads ${list(files)}`);
  if (mounted.length > 0) what.push(`${files.length > 0 ? 'from the export' : 'mounts'} ${list(mounted)}`);
  if (what.length === 0) return a.message;
  return `${what.join(' ')} over NFS from outside address ${a.dst.ip}`;
}

/** "src → dst:port" for humans. */
export function route(a: AlertRecord): string {
  if (a.dst.ip === '') return a.src.ip;
  const dst = a.dst.ip.includes(':') && a.dst.port !== undefined ? `[${a.dst.ip}]` : a.dst.ip;
  return `${a.src.ip} → ${dst}${a.dst.port !== undefined ? `:${a.dst.port}` : ''}`;
}
