// One-line evidence summaries shared by the table, CEF and syslog exports. Counts, names and
// short lists only: evidence never holds a patient identifier, and this keeps it that way for
// anything a rule might add later (long values are cut, nested objects are flattened).
import type { AlertRecord } from '../contract/records.js';

function short(v: unknown): string {
  if (Array.isArray(v)) return v.map(short).join(',');
  if (v !== null && typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}:${short(x)}`)
      .join(' ');
  return String(v);
}

/** `key=value` pairs of the evidence, in key order, each value at most 80 characters. */
export function evidenceSummary(a: AlertRecord, max = 400): string {
  const parts: string[] = [];
  for (const k of Object.keys(a.evidence).sort()) {
    const v = a.evidence[k];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    let s = short(v);
    if (s.length > 80) s = `${s.slice(0, 79)}…`;
    parts.push(`${k}=${s}`);
  }
  const out = parts.join(' ');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** "src → dst:port" for humans. */
export function route(a: AlertRecord): string {
  if (a.dst.ip === '') return a.src.ip;
  const dst = a.dst.ip.includes(':') && a.dst.port !== undefined ? `[${a.dst.ip}]` : a.dst.ip;
  return `${a.src.ip} → ${dst}${a.dst.port !== undefined ? `:${a.dst.port}` : ''}`;
}
