// The readable terminal report: incidents (one per device in trouble, with what to do next) and
// the alerts under each, most severe first. Plain text that fits `width` columns (evidence wraps,
// URLs are never cut); times in local time with the UTC offset, or UTC when asked. Colour only
// when the caller says the output is a TTY (pipes and files get no escape codes).
import { type AlertRecord, alertId, type IncidentRecord, SEVERITIES, type Severity } from '../contract/records.js';
import { countText, ruleNext } from '../contract/rule-info.js';
import { evidencePairs, headline, route } from './summary.js';
import { humanRange, humanTime, type TimeOptions } from './time.js';
import { wrap } from './wrap.js';

const COLOUR: Readonly<Record<Severity, string>> = {
  critical: '\x1b[1;31m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
};
const RESET = '\x1b[0m';

/** Width when the caller knows none (a pipe, a file). */
export const DEFAULT_WIDTH = 100;
/** Narrower than this and the layout stops making sense; wrap as if it were this wide. */
const MIN_WIDTH = 40;

export interface TableOptions extends TimeOptions {
  color?: boolean;
  /** Terminal columns; default DEFAULT_WIDTH. */
  width?: number;
}

function widthOf(opts: TableOptions): number {
  const w = opts.width ?? DEFAULT_WIDTH;
  return Number.isFinite(w) ? Math.max(MIN_WIDTH, Math.floor(w)) : DEFAULT_WIDTH;
}

function sev(s: Severity, opts: TableOptions): string {
  const label = s.toUpperCase().padEnd(8);
  return opts.color ? `${COLOUR[s]}${label}${RESET}` : label;
}

function severityCounts(items: readonly { severity: Severity }[]): string {
  return SEVERITIES.slice()
    .reverse()
    .map((s) => [s, items.filter((a) => a.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

/** One alert: a head line, the headline, the times and the evidence, each wrapped under `indent`. */
function alertBlock(a: AlertRecord, opts: TableOptions, indent: string, width: number): string[] {
  const pad = `${indent}${' '.repeat(9)}`;
  const head = `${a.rule}  ${route(a)}  ${countText(a.rule, a.count)}`;
  const room = width - 9 - indent.length;
  const lines = (head.length <= room ? [head] : wrap(head, room, '', '  ')).map((l, i) =>
    i === 0 ? `${indent}${sev(a.severity, opts)} ${l}` : `${pad}${l}`,
  );
  const dev = `${a.device.id}${a.device.model !== undefined ? ` (${a.device.model})` : ''}`;
  lines.push(...wrap(`${dev} ${headline(a)}`, width, pad));
  lines.push(...wrap(humanRange(a.first, a.last, opts), width, pad));
  const ev = evidencePairs(a).join(' ');
  if (ev !== '') lines.push(...wrap(ev, width, pad, `${pad}  `));
  return lines;
}

/** The alerts as a flat list (no incidents). */
export function formatAlertTable(alerts: readonly AlertRecord[], opts: TableOptions = {}): string {
  if (alerts.length === 0) return 'Alerts: none.';
  const width = widthOf(opts);
  const lines = [`Alerts (${alerts.length}: ${severityCounts(alerts)})`];
  for (const a of alerts) {
    lines.push('', ...alertBlock(a, opts, '', width));
    // Without incidents each alert says what to do next itself (the rule's text).
    for (const step of ruleNext(a.rule)) lines.push(...wrap(`next: ${step}`, width, ' '.repeat(9), ' '.repeat(15)));
  }
  return lines.join('\n');
}

function deviceLine(i: IncidentRecord): string {
  const name = i.device.model ?? (i.device.class !== undefined ? i.device.class : 'device');
  const ips = i.device.ips.slice(0, 3).join(', ') + (i.device.ips.length > 3 ? ` +${i.device.ips.length - 3}` : '');
  return [name, ips, i.device.id.startsWith('ip:') ? '' : i.device.id].filter((s) => s !== '').join(' · ');
}

/**
 * Incidents with their alerts under them. Every alert is printed once, under its incident; an
 * alert no incident lists (a caller that grouped only some) comes last, on its own.
 */
export function formatIncidentTable(
  incidents: readonly IncidentRecord[],
  alerts: readonly AlertRecord[],
  opts: TableOptions = {},
): string {
  if (alerts.length === 0) return 'Incidents: none (no alerts).';
  const width = widthOf(opts);
  const byId = new Map(alerts.map((a) => [alertId(a), a]));
  const shown = new Set<AlertRecord>();
  const zone =
    opts.utc === true ? 'times in UTC' : `local times (UTC${humanTime(alerts[0]!.first, opts).split(' ')[2]})`;
  const lines = wrap(
    `Incidents (${incidents.length}: ${severityCounts(incidents)}) · ${alerts.length} alert${alerts.length === 1 ? '' : 's'} (${severityCounts(alerts)}) · ${zone}`,
    width,
    '',
    '  ',
  );
  const sub = '    ';
  for (const inc of incidents) {
    lines.push('', `${sev(inc.severity, opts)} ${deviceLine(inc)}`);
    lines.push(...wrap(`since ${humanRange(inc.first, inc.last, opts)}`, width, '  '));
    lines.push(...wrap(`What happened: ${inc.what}`, width, '  ', sub));
    if (inc.patients !== undefined)
      lines.push(
        ...wrap(
          `Patients exposed: ${inc.patients} (in ${inc.messages ?? 0} HL7 message${inc.messages === 1 ? '' : 's'})`,
          width,
          '  ',
        ),
      );
    if (inc.next.length > 0) {
      lines.push('  What to do next:');
      for (const [k, step] of inc.next.entries()) lines.push(...wrap(step, width, `${sub}${k + 1}. `, `${sub}   `));
    }
    const mine = inc.alerts.map((id) => byId.get(id)).filter((a) => a !== undefined);
    lines.push(`  Alerts (${mine.length}):`);
    for (const a of mine) {
      shown.add(a);
      lines.push(...alertBlock(a, opts, sub, width));
    }
  }
  const rest = alerts.filter((a) => !shown.has(a));
  if (rest.length > 0) {
    lines.push('', `Other alerts (${rest.length})`);
    for (const a of rest) lines.push('', ...alertBlock(a, opts, '', width));
  }
  return lines.join('\n');
}
