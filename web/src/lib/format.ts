export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function bytes(n: number | undefined): string {
  if (n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function endpoint(ip: string, port?: number): string {
  if (port === undefined) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const CLASS_NAMES: Record<string, string> = {
  'patient-monitor': 'patient monitor',
  'central-station': 'central station',
  'infusion-pump': 'infusion pump',
  'imaging-modality': 'imaging modality',
  pacs: 'PACS',
  workstation: 'workstation',
  'network-infrastructure': 'network',
  printer: 'printer',
  ups: 'UPS',
  unknown: 'unknown',
};

export function className(c: string | undefined): string {
  return c ? (CLASS_NAMES[c] ?? c) : 'unknown';
}
