// `wardwatch inventory <capture…>`: which devices are on the ward, what they are, why we think
// so, and which advisories apply. Table for people, JSON (`{devices, details}`) for programs;
// `devices` holds contract DeviceRecords, `details` the evidence behind each one.
import type { Command } from 'commander';
import type { DeviceRecord } from '../contract/records.js';
import { analyzeCaptures } from '../engine/analyze.js';
import type { Inventory } from '../inventory/inventory.js';
import type { DeviceDetail } from '../inventory/view.js';
import type { Register } from './commands.js';
import { examples } from './examples.js';
import { documentFormat } from './format-option.js';
import { writeAfter } from './output.js';
import { fileProgress } from './progress.js';
import { textTable } from '../export/tables.js';

interface InventoryCliOptions {
  format: 'table' | 'json';
  out?: string;
  config?: string;
  progress: boolean;
}

export const register: Register = (program: Command) => {
  const cmd = program
    .command('inventory')
    .description('list the devices in capture files: class, model, confidence, reasons, advisories')
    .argument('<captures...>', 'capture files (pcap/pcapng)')
    .addOption(documentFormat(['table', 'json'], 'table'))
    .option('-o, --out <file>', 'write the inventory to a file instead of stdout')
    .option('-c, --config <file>', 'config file (YAML): site ranges, extra device catalog files (catalogFiles)')
    .option('--no-progress', 'no progress bar on stderr');
  examples(cmd, [
    'wardwatch inventory ward.pcap',
    'wardwatch inventory --format json -o devices.json a.pcap b.pcapng',
  ]).action(async (captures: string[], opts: InventoryCliOptions) => {
    await writeAfter(opts.out, async () => {
      const progress = fileProgress(opts.progress !== false && process.stderr.isTTY === true);
      let result: Awaited<ReturnType<typeof analyzeCaptures>>;
      try {
        result = await analyzeCaptures(captures, {
          configPath: opts.config,
          onProgress: (f, o, t) => progress.update(f, o, t),
        });
      } finally {
        progress.stop();
      }
      return opts.format === 'json'
        ? `${JSON.stringify(inventoryJson(result.devices, result.inventory), null, 2)}\n`
        : `${inventoryTable(result.devices)}\n`;
    });
  });
};

export function inventoryJson(
  devices: readonly DeviceRecord[],
  inventory: Inventory,
): { devices: DeviceRecord[]; details: Record<string, Omit<DeviceDetail, 'record'>> } {
  const details: Record<string, Omit<DeviceDetail, 'record'>> = {};
  for (const d of devices) {
    const detail = inventory.details(d.id);
    if (detail === undefined) continue;
    const { record: _record, ...rest } = detail;
    details[d.id] = rest;
  }
  return { devices: [...devices], details };
}

export function inventoryTable(devices: readonly DeviceRecord[]): string {
  if (devices.length === 0) return 'Devices: none seen (no MAC addresses on this link type, or no traffic).';
  const rows = devices.map((d) => [
    d.id,
    d.ips.slice(0, 2).join(' ') + (d.ips.length > 2 ? ` +${d.ips.length - 2}` : ''),
    d.class ?? 'unknown',
    d.confidence === undefined ? '' : d.confidence.toFixed(2),
    d.model ?? d.vendor ?? '',
    d.advisories.map((a) => a.id).join(' '),
    d.reasons?.[0] ?? '',
  ]);
  const out = [
    `Devices (${devices.length})`,
    textTable(['Device', 'IPs', 'Class', 'Conf', 'Model / vendor', 'Advisories', 'Why'], rows, 72),
  ];
  // Advisories are the point of the inventory for a biomed engineer: spell them out under the table.
  const seen = new Map<string, { title: string; cves: string[]; url?: string; devices: string[] }>();
  for (const d of devices) {
    for (const a of d.advisories) {
      const e = seen.get(a.id) ?? { title: a.title, cves: a.cves, url: a.url, devices: [] };
      e.devices.push(`${d.id}${d.model ? ` (${d.model})` : ''}`);
      seen.set(a.id, e);
    }
  }
  if (seen.size > 0) {
    out.push('', 'Advisories');
    for (const [id, a] of seen) {
      out.push(`  ${id}  ${a.title}`, `    CVEs: ${a.cves.join(', ')}`);
      if (a.url) out.push(`    ${a.url}`);
      out.push(`    devices: ${a.devices.join(', ')}`);
    }
  }
  return out.join('\n');
}
