// device.new — a device first seen after learning ended (config `learningUntil`). Before that
// moment every device is part of the ward as learned; after it, a newcomer is worth a look.
// Raised on the device's first packet; what the inventory learns of it (addresses, names,
// model) is added at finish, and in a stream at each tick (`early`) as it is identified.
import type { DeviceRecord } from '../../contract/records.js';
import type { WardEvent } from '../../events.js';
import type { Context, RawAlert, Rule } from '../context.js';

export function createDeviceNew(learningUntil: number): Rule {
  const seen = new Set<string>();
  let byId = new Map<string, DeviceRecord>();
  /** What was raised, so `early` can say it again with the identifiers known so far (one per MAC). */
  const raised: RawAlert[] = [];
  return {
    id: 'device.new',
    types: ['device-seen'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type !== 'device-seen') return;
      const mac = ev.mac.toLowerCase();
      if (seen.has(mac)) return;
      seen.add(mac);
      if (ev.ts <= learningUntil) return;
      const ip = ev.ip ?? '';
      const raw: RawAlert = {
        rule: 'device.new',
        ts: ev.ts,
        src: { ip, mac },
        dst: { ip: '' },
        deviceId: mac,
        message: `new device ${mac}${ip !== '' ? ` (${ip})` : ''} first seen after learning ended`,
        evidence: {
          mac,
          ips: ip !== '' ? [ip] : [],
          via: ev.via,
          learningUntil: new Date(learningUntil / 1000).toISOString(),
        },
      };
      raised.push(raw);
      ctx.raise(raw);
    },
    early(ctx: Context, devices: readonly DeviceRecord[]): void {
      const now = new Map(devices.map((d) => [d.id, d]));
      for (const raw of raised)
        ctx.raise({ ...raw, evidence: { ...raw.evidence, ...deviceIdentifiers(now.get(String(raw.evidence.mac))) } });
    },
    finish(_ctx: Context, devices: readonly DeviceRecord[]): void {
      byId = new Map(devices.map((d) => [d.id, d]));
    },
    annotate(alert): void {
      Object.assign(alert.evidence, deviceIdentifiers(byId.get(String(alert.evidence.mac))));
    },
  };
}

/** Identifiers from the inventory, added to each device.new alert once input has ended. */
export function deviceIdentifiers(d: DeviceRecord | undefined): Record<string, unknown> {
  if (d === undefined) return {};
  return {
    ips: d.ips,
    ...(d.hostname !== undefined ? { hostname: d.hostname } : {}),
    ...(d.vendor !== undefined ? { vendor: d.vendor } : {}),
    ...(d.vendorClass !== undefined ? { vendorClass: d.vendorClass } : {}),
    ...(d.model !== undefined ? { model: d.model } : {}),
  };
}
