// device.vulnerable — a device the inventory identified as a catalog model with advisories.
// Raised at finish, once per device, from the DeviceRecords (identification is inventory's job);
// a stream hears it at the first tick after the device is identified (`early`).
import type { DeviceRecord } from '../../contract/records.js';
import type { Context, Rule } from '../context.js';

function micros(iso: string): number {
  return Date.parse(iso) * 1000;
}

export function createDeviceVulnerable(): Rule {
  const judge = (ctx: Context, devices: readonly DeviceRecord[]): void => {
    for (const d of devices) {
      if (d.advisories.length === 0) continue;
      const ip = d.ips[0] ?? '';
      const ids = d.advisories.map((a) => a.id);
      ctx.raise({
        rule: 'device.vulnerable',
        ts: micros(d.first),
        last: micros(d.last),
        src: { ip, ...(d.id.startsWith('ip:') ? {} : { mac: d.id }) },
        dst: { ip: '' },
        deviceId: d.id,
        message: `is a ${d.model ?? 'catalogued device'} with published advisories: ${ids.join(', ')}`,
        evidence: {
          advisories: ids,
          cves: [...new Set(d.advisories.flatMap((a) => a.cves))].sort(),
          titles: d.advisories.map((a) => a.title),
          urls: d.advisories.flatMap((a) => (a.url !== undefined ? [a.url] : [])),
          identifiedBy: d.identifiedBy ?? [],
          ...(d.model !== undefined ? { model: d.model } : {}),
        },
      });
    }
  };
  return { id: 'device.vulnerable', finish: judge, early: judge };
}
