// `report --format md`: the breach report a privacy officer reads — per outside destination,
// how many distinct patients' data left in cleartext, when, which fields, from which devices.
import type { BreachReport } from '../../contract/breach.js';
import { type ReportMeta, plural } from './meta.js';

/** Markdown renders inline HTML: wire text and file names are escaped, controls become '.'. */
function cell(s: string): string {
  return s
    .replace(/\r?\n/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '.')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|');
}

/** Inside a code span nothing renders: only controls, line breaks and backticks need care. */
function code(s: string): string {
  return `\`${s
    .replace(/\r?\n/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '.')
    .replace(/`/g, "'")}\``;
}

export function breachMarkdown(r: BreachReport, meta: ReportMeta): string {
  const out: string[] = ['# Patient data exposure report', ''];
  out.push(`Captures: ${meta.files.map(code).join(', ') || '(none)'}`);
  if (meta.first !== undefined) out.push(`Window: ${meta.first} – ${meta.last ?? meta.first}`);
  out.push('');
  if (r.destinations.length === 0) {
    out.push('No HL7 message carrying patient identifiers left the site in cleartext in these captures.');
    return `${out.join('\n')}\n`;
  }
  const t = r.totals;
  out.push(
    `**${plural(t.patients, 'distinct patient')}** had identifying data sent in cleartext to ` +
      `**${plural(t.destinations, 'outside destination')}** in ${plural(t.messages, 'HL7 message')}.`,
  );
  out.push('');
  if (t.notify) {
    out.push(
      `> **Notification threshold reached:** ${t.patients} individuals ≥ ${r.threshold}. Under the HIPAA Breach ` +
        'Notification Rule (45 CFR 164.400–414) a breach affecting 500 or more individuals requires notice to HHS ' +
        'and prominent media without unreasonable delay (within 60 days). Confirm with your privacy officer.',
    );
  } else {
    out.push(
      `Below the ${r.threshold}-individual threshold for media and immediate HHS notice; individual notification ` +
        'and the annual HHS log may still apply. Confirm with your privacy officer.',
    );
  }
  out.push('', '## Destinations', '');
  out.push('| Destination | Protocol | Patients | Messages | First | Last | Fields exposed | Devices | ≥ 500 |');
  out.push('| --- | --- | ---: | ---: | --- | --- | --- | --- | --- |');
  for (const d of r.destinations) {
    const dest = d.ip.includes(':') ? `[${d.ip}]:${d.port}` : `${d.ip}:${d.port}`;
    out.push(
      `| ${dest} | ${d.protocol} (TCP ${d.port}) | ${d.patients} | ${d.messages} | ${d.first} | ${d.last} | ` +
        `${cell(d.fields.join(', '))} | ${cell(d.devices.join(', '))} | ${d.notify ? '**yes**' : 'no'} |`,
    );
  }
  out.push('', '## Notes', '');
  out.push('- Patients are counted by salted hash of PID-3; no identifier, name or birth date is in this report.');
  out.push('- A patient sent to two destinations counts once in the total and once per destination.');
  out.push('- Fields are HL7 field names present in the messages (PID-3 identifier, PID-5 name, PID-7 birth date, …).');
  return `${out.join('\n')}\n`;
}
