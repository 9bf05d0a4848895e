// Plain-text tables for the terminal: devices and the run summary. Alerts and incidents have
// their own formatter in table.ts.
import { type DeviceRecord, percentText, type SummaryRecord } from '../contract/records.js';
import { humanTime, type TimeOptions } from './time.js';

/**
 * Columns padded to their widest cell. With `width`, the widest columns shrink (cells cut with "…")
 * until a line fits; no column gets narrower than its header or 6 characters.
 */
export function textTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidth = 48,
  width?: number,
): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.min(maxWidth, Math.max(...all.map((r) => (r[i] ?? '').length))));
  if (width !== undefined) {
    const floor = headers.map((h) => Math.max(6, Math.min(h.length, maxWidth)));
    const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
    while (total() > width) {
      let k = -1;
      for (let i = 0; i < widths.length; i++) if (widths[i]! > floor[i]! && (k < 0 || widths[i]! > widths[k]!)) k = i;
      if (k < 0) break;
      widths[k] = widths[k]! - 1;
    }
  }
  const clip = (c: string, w: number) => (c.length > w ? `${c.slice(0, w - 1)}…` : c);
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => clip(c, widths[i]!).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line(r));
  return out.join('\n');
}

export function devicesTable(devices: readonly DeviceRecord[], opts: { width?: number } = {}): string {
  if (devices.length === 0) return 'Devices: none seen (no MAC addresses on this link type, or no traffic).';
  const rows = devices.map((d) => [
    d.id,
    d.ips.slice(0, 3).join(' ') + (d.ips.length > 3 ? ` +${d.ips.length - 3}` : ''),
    d.hostname ?? '',
    d.vendor ?? '',
    [d.class ?? '', d.model ?? ''].filter(Boolean).join(' / '),
    d.advisories.map((a) => a.id).join(' '),
  ]);
  return `Devices (${devices.length})\n${textTable(['MAC', 'IPs', 'Hostname', 'Vendor', 'Class / model', 'Advisories'], rows, 48, opts.width)}`;
}

export function summaryText(s: SummaryRecord, opts: TimeOptions = {}): string {
  const lines = [
    `Summary: ${s.packets} packets, ${fmtBytes(s.bytes)}, ${s.flows} flows, ${s.devices} devices, ${s.alerts} alerts` +
      (s.damaged ? ' — DAMAGED input (analysed up to the damage)' : ''),
  ];
  if (s.first && s.last) lines.push(`  time: ${humanTime(s.first, opts)} → ${humanTime(s.last, opts)}`);
  const apps = Object.entries(s.apps);
  if (apps.length > 0) lines.push(`  apps: ${apps.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const an = Object.entries(s.anomalies);
  if (an.length > 0) lines.push(`  anomalies: ${an.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  // Capture loss in numbers, below the warnings' thresholds too: what a person judges a run's gaps by.
  const c = s.capture;
  if (c !== undefined)
    lines.push(
      `  capture (${c.source}): ${c.received} packets passed the filter, ${c.dropped} dropped by the kernel${c.interfaceDropped > 0 ? `, ${c.interfaceDropped} by the interface` : ''}`,
    );
  const g = s.tcpGaps;
  if (g !== undefined)
    lines.push(
      `  TCP gaps: ${g.gaps} of ${g.acks} acknowledgements covered data never captured (${percentText(g.gaps, g.acks) ?? '—'}, ${fmtBytes(g.bytes)})`,
    );
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

function fmtBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
