// Plain-text tables for the terminal: devices and the run summary. Alerts have their own
// formatter in src/detect/exports/table.ts.
import type { DeviceRecord, SummaryRecord } from '../contract/records.js';

export function textTable(headers: readonly string[], rows: readonly (readonly string[])[], maxWidth = 48): string {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c.length > maxWidth ? `${c.slice(0, maxWidth - 1)}…` : c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells.slice(1)) out.push(line(r));
  return out.join('\n');
}

export function devicesTable(devices: readonly DeviceRecord[]): string {
  if (devices.length === 0) return 'Devices: none seen (no MAC addresses on this link type, or no traffic).';
  const rows = devices.map((d) => [
    d.id,
    d.ips.slice(0, 3).join(' ') + (d.ips.length > 3 ? ` +${d.ips.length - 3}` : ''),
    d.hostname ?? '',
    d.vendor ?? '',
    [d.class ?? '', d.model ?? ''].filter(Boolean).join(' / '),
    d.advisories.map((a) => a.id).join(' '),
  ]);
  return `Devices (${devices.length})\n${textTable(['MAC', 'IPs', 'Hostname', 'Vendor', 'Class / model', 'Advisories'], rows)}`;
}

export function summaryText(s: SummaryRecord): string {
  const lines = [
    `Summary: ${s.packets} packets, ${fmtBytes(s.bytes)}, ${s.flows} flows, ${s.devices} devices, ${s.alerts} alerts` +
      (s.damaged ? ' — DAMAGED input (analysed up to the damage)' : ''),
  ];
  if (s.first && s.last) lines.push(`  time: ${s.first} → ${s.last}`);
  const apps = Object.entries(s.apps);
  if (apps.length > 0) lines.push(`  apps: ${apps.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const an = Object.entries(s.anomalies);
  if (an.length > 0) lines.push(`  anomalies: ${an.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

function fmtBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
