// `report --format html`: one self-contained file (inline CSS, inline SVG timeline), no
// scripts and no external requests, so it can be mailed to a privacy officer and opened offline.
import type { BreachReport } from '../../contract/breach.js';
import { type ReportMeta, plural } from './meta.js';

export function esc(s: string): string {
  // Controls (terminal escapes from wire text) become '.', as in every other output.
  return s
    .replace(/[\x00-\x09\x0b-\x1f\x7f]/g, '.')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const PALETTE = ['#c0392b', '#2471a3', '#b9770e', '#117a65', '#7d3c98', '#515a5a'];
const W = 720;
const H = 220;
const PAD = { l: 48, r: 16, t: 16, b: 40 };

/** Messages per destination over time: one polyline per destination, per-minute counts. */
export function timelineSvg(r: BreachReport): string {
  const series = r.destinations.slice(0, PALETTE.length);
  const pts = series.flatMap((d) => d.timeline.map(([t, n]) => ({ t: Date.parse(t), n })));
  if (pts.length === 0) return '';
  const t0 = Math.min(...pts.map((p) => p.t));
  const t1 = Math.max(...pts.map((p) => p.t), t0 + 60_000);
  const max = Math.max(...pts.map((p) => p.n), 1);
  const x = (t: number) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (n: number) => H - PAD.b - (n / max) * (H - PAD.t - PAD.b);
  const parts: string[] = [
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="HL7 messages with patient data per minute, by destination">`,
    `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#888"/>`,
    `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#888"/>`,
    `<text x="${PAD.l - 6}" y="${PAD.t + 4}" text-anchor="end" font-size="11">${max}</text>`,
    `<text x="${PAD.l - 6}" y="${H - PAD.b}" text-anchor="end" font-size="11">0</text>`,
    `<text x="${PAD.l}" y="${H - PAD.b + 16}" font-size="11">${esc(new Date(t0).toISOString().slice(0, 16))}Z</text>`,
    `<text x="${W - PAD.r}" y="${H - PAD.b + 16}" text-anchor="end" font-size="11">${esc(new Date(t1).toISOString().slice(0, 16))}Z</text>`,
    `<text x="${PAD.l}" y="${H - 6}" font-size="11">messages per minute</text>`,
  ];
  series.forEach((d, i) => {
    const colour = PALETTE[i] ?? '#000';
    const p = d.timeline.map(([t, n]) => `${x(Date.parse(t)).toFixed(1)},${y(n).toFixed(1)}`);
    if (p.length === 1) {
      const [cx, cy] = (p[0] ?? '0,0').split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`);
    } else parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${p.join(' ')}"/>`);
    parts.push(
      `<text x="${W - PAD.r}" y="${PAD.t + 12 + i * 14}" text-anchor="end" font-size="11" fill="${colour}">${esc(d.ip)}:${d.port}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
h1{font-size:1.5em}table{border-collapse:collapse;width:100%;margin:1em 0}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}td.n{text-align:right}
.warn{background:#fdecea;border-left:4px solid #c0392b;padding:.6em 1em}.ok{background:#eef6ee;border-left:4px solid #117a65;padding:.6em 1em}
svg{max-width:100%;height:auto;border:1px solid #eee}`;

export function breachHtml(r: BreachReport, meta: ReportMeta): string {
  const t = r.totals;
  const body: string[] = ['<h1>Patient data exposure report</h1>'];
  body.push(`<p>Captures: ${meta.files.map((f) => `<code>${esc(f)}</code>`).join(', ') || '(none)'}`);
  if (meta.first !== undefined) body.push(`<br>Window: ${esc(meta.first)} – ${esc(meta.last ?? meta.first)}`);
  body.push('</p>');
  if (r.destinations.length === 0) {
    body.push(
      '<p class="ok">No HL7 message carrying patient identifiers left the site in cleartext in these captures.</p>',
    );
  } else {
    body.push(
      `<p><strong>${plural(t.patients, 'distinct patient')}</strong> had identifying data sent in cleartext to <strong>${plural(t.destinations, 'outside destination')}</strong> in ${plural(t.messages, 'HL7 message')}.</p>`,
    );
    body.push(
      t.notify
        ? `<p class="warn"><strong>Notification threshold reached:</strong> ${t.patients} individuals ≥ ${r.threshold} (HIPAA Breach Notification Rule, 45 CFR 164.400–414: notice to HHS and media). Confirm with your privacy officer.</p>`
        : `<p class="ok">Below the ${r.threshold}-individual threshold for media and immediate HHS notice; individual notification may still apply.</p>`,
    );
    body.push('<h2>Timeline</h2>', timelineSvg(r));
    body.push(
      '<h2>Destinations</h2><table><thead><tr><th>Destination</th><th>Protocol</th><th>Patients</th><th>Messages</th><th>First</th><th>Last</th><th>Fields exposed</th><th>Devices</th><th>≥ 500</th></tr></thead><tbody>',
    );
    for (const d of r.destinations) {
      body.push(
        `<tr><td>${esc(d.ip)}:${d.port}</td><td>${esc(d.protocol)} (TCP ${d.port})</td><td class="n">${d.patients}</td><td class="n">${d.messages}</td><td>${esc(d.first)}</td><td>${esc(d.last)}</td><td>${esc(d.fields.join(', '))}</td><td>${esc(d.devices.join(', '))}</td><td>${d.notify ? '<strong>yes</strong>' : 'no'}</td></tr>`,
      );
    }
    body.push('</tbody></table>');
  }
  body.push(
    '<p><small>Patients are counted by salted hash of PID-3; no identifier, name or birth date is in this report.</small></p>',
  );
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>wardwatch — patient data exposure</title>\n<style>${CSS}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}
