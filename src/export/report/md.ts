// `report --format md`: the breach report a privacy officer reads — per outside destination,
// how many distinct patients' data left in cleartext, when, which fields, from which devices.
import { BREACH_NOTES, type BreachReport, belowThresholdWords, patientCount } from '../../contract/breach.js';
import {
  deviceWords,
  destination,
  fieldWords,
  plural,
  type ReportMeta,
  reportRange,
  reportTime,
  routeWords,
  statusLines,
} from './meta.js';

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
  out.push(`Captures: ${meta.files.map(code).join(', ') || '(none)'}  `);
  if (meta.first !== undefined) out.push(`Window: ${reportRange(meta.first, meta.last ?? meta.first)}`);
  out.push('');
  const t = r.totals;
  if (r.destinations.length > 0) {
    out.push(
      `**${t.capped ? 'at least ' : ''}${plural(t.patients, 'distinct patient')}** had identifying data sent in cleartext to ` +
        `**${plural(t.destinations, 'outside destination')}** in ${plural(t.messages, 'HL7 message')}.`,
      '',
    );
  }
  for (const s of statusLines(r)) out.push(s.kind === 'none' ? s.text : `> **${s.title}:** ${cell(s.text)}`, '');
  if (r.destinations.length > 0) {
    out.push('## Destinations', '');
    out.push('| Destination | Patients | HL7 messages | When (UTC) | Data exposed | From devices | 500 or more |');
    out.push('| --- | ---: | ---: | --- | --- | --- | --- |');
    for (const d of r.destinations) {
      const dest =
        `${destination(d)} ${d.protocol} (TCP ${d.port})` +
        (d.indicator !== undefined ? ` **indicator (${cell(d.indicator.source)})**` : '') +
        (d.proxies.length > 0 ? ` ${cell(routeWords(d))}` : '');
      out.push(
        `| ${dest} | ${patientCount(d.patients, d.capped)} | ${d.messages} | ${reportRange(d.first, d.last)} | ` +
          `${cell(fieldWords(d.fields).join(', '))} | ${cell(d.devices.map((id) => deviceWords(r, id)).join('; '))} | ` +
          `${d.notify ? '**yes**' : belowThresholdWords(d.capped)} |`,
      );
    }
    out.push('');
  }
  if (r.devices !== undefined && r.devices.length > 0) {
    out.push('## Devices', '');
    out.push('| Device | Addresses | MAC | Hostname |');
    out.push('| --- | --- | --- | --- |');
    for (const d of r.devices)
      out.push(
        `| ${cell(d.model ?? d.class ?? 'unidentified device')} | ${cell(d.ips.join(', '))} | ` +
          `${d.id.startsWith('ip:') ? '' : d.id} | ${cell(d.hostname ?? '')} |`,
      );
    out.push('');
  }
  const g = r.generation;
  if (g !== undefined) {
    out.push('## How this report was made', '');
    out.push(`- Made: ${reportTime(g.time)} by wardwatch ${cell(g.version)}`);
    out.push(`- Salt id: \`${cell(g.saltId)}\` (identifies the salt that counted the patients; not the salt)`);
    for (const c of g.captures)
      out.push(`- Capture ${code(c.name)}: ${plural(c.bytes, 'byte')}, SHA-256 \`${c.sha256}\``);
    out.push('');
  }
  out.push('## Notes', '');
  for (const n of r.notes ?? BREACH_NOTES) out.push(`- ${cell(n)}`);
  return `${out.join('\n')}\n`;
}
