// What every breach report says about itself (the captures and their window; how it was made is
// the report's `generation`), and the words md and html share so both say the same thing: the
// status of the report, devices by model and address, fields in plain words, times in UTC with
// spaces (they wrap in a narrow table column; ISO strings do not).
import {
  type BreachDevice,
  type BreachReport,
  FIELD_LABELS,
  fieldLabel,
  MAX_PATIENT_HASHES,
  patientCount,
} from '../../contract/breach.js';

export interface ReportMeta {
  files: readonly string[];
  first?: string;
  last?: string;
  version?: string;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "2025-01-30 12:00:06 UTC"; text that is no time is returned as is. */
export function reportTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "first – last" in UTC, the date once when both fall on one day. */
export function reportRange(first: string, last: string): string {
  const a = reportTime(first);
  const b = reportTime(last);
  if (a === b) return a;
  if (a.slice(0, 10) === b.slice(0, 10)) return `${a.slice(0, 19)} – ${b.slice(11)}`;
  return `${a} – ${b}`;
}

export function destination(d: { ip: string; port: number }): string {
  return d.ip.includes(':') ? `[${d.ip}]:${d.port}` : `${d.ip}:${d.port}`;
}

/**
 * How records reached a destination, when a proxy carried some: "via proxy 10.1.1.5:3128", "via
 * proxies A, B", "directly and via proxy A"; '' when all went directly (what the report always said).
 */
export function routeWords(d: { proxies: readonly string[]; direct: boolean }): string {
  if (d.proxies.length === 0) return '';
  const via = `via ${d.proxies.length === 1 ? 'proxy' : 'proxies'} ${d.proxies.join(', ')}`;
  return d.direct ? `directly and ${via}` : via;
}

/** The fields of a destination in plain words ("patient name (PID-5)"), in HL7 order: PID first. */
export function fieldWords(fields: readonly string[]): string[] {
  const order = Object.keys(FIELD_LABELS);
  const rank = (f: string) => {
    const i = order.indexOf(f);
    return i < 0 ? order.length : i;
  };
  return [...fields].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map(fieldLabel);
}

/**
 * A device as a person finds it on the ward: model (or class, or hostname) and address. The MAC
 * is in the devices table; an unknown device is named by what we have (MAC, or its address).
 */
export function deviceWords(r: BreachReport, id: string): string {
  const d: BreachDevice | undefined = r.devices?.find((x) => x.id === id);
  if (d === undefined) return id.startsWith('ip:') ? id.slice(3) : id;
  const name = d.model ?? d.class ?? d.hostname ?? (id.startsWith('ip:') ? 'device' : `device ${id}`);
  const ip = d.ips[0];
  return ip === undefined ? name : `${name} at ${ip}${d.ips.length > 1 ? ` +${d.ips.length - 1}` : ''}`;
}

export type StatusKind = 'none' | 'warn' | 'caution';

/** The report's verdict, most serious first; `none` only when no patient data left the site. */
export function statusLines(r: BreachReport): { kind: StatusKind; title: string; text: string }[] {
  if (r.destinations.length === 0)
    return [
      {
        kind: 'none',
        title: 'No exposure found',
        text: 'No HL7 message carrying patient identifiers left the site in cleartext in these captures.',
      },
    ];
  const out: { kind: StatusKind; title: string; text: string }[] = [];
  const ind = r.destinations.filter((d) => d.indicator !== undefined);
  if (ind.length > 0) {
    const sources = [...new Set(ind.map((d) => d.indicator?.source ?? ''))].filter(Boolean).join(', ');
    out.push({
      kind: 'warn',
      title: 'Patient data went to a published indicator address',
      text:
        `${ind.map(destination).join(', ')} ${ind.length === 1 ? 'is' : 'are'} listed in ${sources || 'an indicator list'} ` +
        'as a backdoor or attacker address. Treat this as a breach whatever the number of patients.',
    });
  }
  const t = r.totals;
  if (t.capped)
    out.push({
      kind: 'warn',
      title: 'Counts are lower bounds',
      text:
        `More than ${MAX_PATIENT_HASHES} distinct patients were seen; the analysis keeps that many and counted no ` +
        'more, so every patient count here is a lower bound.',
    });
  if (t.notify)
    out.push({
      kind: 'warn',
      title: 'Notification threshold reached',
      text:
        `${patientCount(t.patients, t.capped)} individuals ≥ ${r.threshold}. Under the HIPAA Breach Notification Rule (45 CFR 164.400–414) ` +
        'a breach affecting 500 or more individuals requires notice to HHS and prominent media without unreasonable ' +
        'delay (within 60 days). Confirm with your privacy officer.',
    });
  else
    out.push({
      kind: 'caution',
      title: `Below the ${r.threshold}-individual threshold`,
      text:
        `${plural(t.patients, 'individual')}, fewer than ${r.threshold}: no media or immediate HHS notice is required, ` +
        'but each affected individual may still have to be notified and the breach logged for the annual HHS ' +
        'report. Confirm with your privacy officer.',
    });
  return out;
}
