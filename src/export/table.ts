// The readable terminal report of alerts, most severe first. Plain text; colour only when the
// caller says the output is a TTY (pipes and files get no escape codes).
import { type AlertRecord, SEVERITIES, type Severity } from '../contract/records.js';
import { evidenceSummary, route } from './summary.js';

const COLOUR: Readonly<Record<Severity, string>> = {
  critical: '\x1b[1;31m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
};
const RESET = '\x1b[0m';

export interface TableOptions {
  color?: boolean;
}

export function formatAlertTable(alerts: readonly AlertRecord[], opts: TableOptions = {}): string {
  if (alerts.length === 0) return 'Alerts: none.';
  const counts = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, alerts.filter((a) => a.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const lines = [`Alerts (${alerts.length}: ${counts})`];
  for (const a of alerts) {
    const sev = a.severity.toUpperCase().padEnd(8);
    const head = opts.color ? `${COLOUR[a.severity]}${sev}${RESET}` : sev;
    const dev = `${a.device.id}${a.device.model !== undefined ? ` (${a.device.model})` : ''}`;
    lines.push('');
    lines.push(`${head} ${a.rule}  ${route(a)}  ×${a.count}`);
    lines.push(`         ${dev} ${a.message}`);
    lines.push(`         ${a.first === a.last ? a.first : `${a.first} … ${a.last}`}`);
    const ev = evidenceSummary(a, 300);
    if (ev !== '') lines.push(`         ${ev}`);
  }
  return lines.join('\n');
}
