// `report --format html`: one self-contained file (inline CSS, inline SVG timeline), no
// scripts and no external requests, so it can be mailed to a privacy officer and opened offline.
import { BREACH_NOTES, type BreachReport, belowThresholdWords, patientCount } from '../../contract/breach.js';
import {
  deviceWords,
  fieldWords,
  plural,
  type ReportMeta,
  reportRange,
  reportTime,
  routeWords,
  statusLines,
} from './meta.js';

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

// Screen and print: tables never wider than the page (fixed layout, long words wrap anywhere),
// A4 and Letter alike (the margins fit both; no `size` is forced on the printer).
const CSS = `*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:calc(100% - 2px);margin:1em 0;table-layout:fixed}
th,td{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
th{background:#f2f2f2}td.n,th.n{text-align:right}
code,.hash{font-family:ui-monospace,monospace;font-size:.9em;overflow-wrap:anywhere;word-break:break-all}
.status{padding:.6em 1em;margin:.8em 0;border-left:5px solid}
.status.warn{background:#fdecea;border-color:#c0392b}
.status.caution{background:#fff6e0;border-color:#b9770e}
.status.none{background:#f4f4f4;border-color:#777}
.tag{display:inline-block;padding:0 .35em;border:1px solid #c0392b;color:#c0392b;font-weight:600;font-size:.85em}
dl.gen{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dl.gen dt{font-weight:600}dl.gen dd{margin:0;overflow-wrap:anywhere}
svg{max-width:calc(100% - 2px);height:auto;border:1px solid #ddd}
@page{margin:14mm 12mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:9.5pt}h2{break-after:avoid}tr{break-inside:avoid}
.status{-webkit-print-color-adjust:exact;print-color-adjust:exact}th{-webkit-print-color-adjust:exact;print-color-adjust:exact}}`;

/** Column widths of the destinations table (fixed layout: the page decides, not the longest word). */
const DEST_COLS = [17, 11, 12, 15, 18, 19, 8];

export function breachHtml(r: BreachReport, meta: ReportMeta): string {
  const t = r.totals;
  const body: string[] = ['<h1>Patient data exposure report</h1>'];
  body.push(`<p>Captures: ${meta.files.map((f) => `<code>${esc(f)}</code>`).join(', ') || '(none)'}`);
  if (meta.first !== undefined) body.push(`<br>Window: ${esc(reportRange(meta.first, meta.last ?? meta.first))}`);
  body.push('</p>');
  if (r.destinations.length > 0)
    body.push(
      `<p><strong>${t.capped ? 'at least ' : ''}${plural(t.patients, 'distinct patient')}</strong> had identifying data sent in cleartext to <strong>${plural(t.destinations, 'outside destination')}</strong> in ${plural(t.messages, 'HL7 message')}.</p>`,
    );
  for (const s of statusLines(r))
    body.push(
      `<p class="status ${s.kind}">${s.kind === 'none' ? '' : `<strong>${esc(s.title)}:</strong> `}${esc(s.text)}</p>`,
    );
  if (r.destinations.length > 0) {
    body.push('<h2>Timeline</h2>', timelineSvg(r));
    body.push(
      `<h2>Destinations</h2><table class="dest"><colgroup>${DEST_COLS.map((w) => `<col style="width:${w}%">`).join('')}</colgroup>`,
      '<thead><tr><th>Destination</th><th class="n">Patients</th><th class="n">Messages</th><th>When (UTC)</th><th>Data exposed</th><th>From devices</th><th>≥ 500</th></tr></thead><tbody>',
    );
    for (const d of r.destinations) {
      const tag =
        (d.indicator !== undefined ? `<br><span class="tag">indicator: ${esc(d.indicator.source)}</span>` : '') +
        (d.proxies.length > 0 ? `<br>${esc(routeWords(d))}` : '');
      body.push(
        `<tr><td>${esc(d.ip)}<br>TCP ${d.port}, ${esc(d.protocol)}${tag}</td><td class="n">${patientCount(d.patients, d.capped)}</td><td class="n">${d.messages}</td>` +
          `<td>${esc(reportRange(d.first, d.last))}</td><td>${fieldWords(d.fields).map(esc).join('<br>')}</td>` +
          `<td>${d.devices.map((id) => esc(deviceWords(r, id))).join('<br>')}</td><td>${d.notify ? '<strong>yes</strong>' : belowThresholdWords(d.capped)}</td></tr>`,
      );
    }
    body.push('</tbody></table>');
  }
  if (r.devices !== undefined && r.devices.length > 0) {
    body.push(
      '<h2>Devices</h2><table class="devices"><thead><tr><th>Device</th><th>Addresses</th><th>MAC</th><th>Hostname</th></tr></thead><tbody>',
    );
    for (const d of r.devices)
      body.push(
        `<tr><td>${esc(d.model ?? d.class ?? 'unidentified device')}</td><td>${esc(d.ips.join(', '))}</td><td>${d.id.startsWith('ip:') ? '' : esc(d.id)}</td><td>${esc(d.hostname ?? '')}</td></tr>`,
      );
    body.push('</tbody></table>');
  }
  const g = r.generation;
  if (g !== undefined) {
    body.push('<h2>How this report was made</h2><dl class="gen">');
    body.push(`<dt>Made</dt><dd>${esc(reportTime(g.time))}</dd>`, `<dt>wardwatch</dt><dd>${esc(g.version)}</dd>`);
    body.push(
      `<dt>Salt id</dt><dd><code>${esc(g.saltId)}</code> (identifies the salt that counted the patients; not the salt)</dd></dl>`,
    );
    body.push(
      '<table class="captures"><colgroup><col style="width:28%"><col style="width:14%"><col style="width:58%"></colgroup><thead><tr><th>Capture</th><th class="n">Bytes</th><th>SHA-256</th></tr></thead><tbody>',
    );
    for (const c of g.captures)
      body.push(
        `<tr><td><code>${esc(c.name)}</code></td><td class="n">${c.bytes}</td><td class="hash">${esc(c.sha256)}</td></tr>`,
      );
    body.push('</tbody></table>');
  }
  body.push('<h2>Notes</h2><ul class="notes">');
  for (const n of r.notes ?? BREACH_NOTES) body.push(`<li>${esc(n)}</li>`);
  body.push('</ul>');
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>wardwatch — patient data exposure</title>\n<style>${CSS}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}
