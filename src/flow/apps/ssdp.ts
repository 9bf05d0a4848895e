// SSDP analyzer (UDP 1900): announcements (NOTIFY) and search responses say what a device is
// (SERVER: OS, UPnP version, product) and which device and service types it offers (NT/ST).
// Each becomes a `host-identity` about its sender. Searches only count.

import { decodeSsdp, looksLikeSsdp } from '../../decode/ssdp.js';
import type { HostIdentity } from '../../events.js';
import { type Dir, datagramApp, type ProbeResult, type UdpAppFactory } from '../app.js';

/** uuid: targets name one device instance, not a type: not worth a service entry. */
function serviceOf(target: string | undefined): string[] {
  if (target === undefined || target.startsWith('uuid:')) return [];
  return [target.length > 120 ? target.slice(0, 120) : target];
}

export const ssdpApp: UdpAppFactory = {
  name: 'ssdp',
  ports: [1900],
  probe(_dir: Dir, payload: Uint8Array): ProbeResult {
    return looksLikeSsdp(payload) ? 'yes' : 'no';
  },
  create: datagramApp(
    'ssdp',
    (payload) => decodeSsdp(payload, 0, payload.length),
    (r, ctx, ts, sender) => {
      const m = r.msg;
      if (m.kind === 'search' || m.nts === 'ssdp:byebye') return;
      const ev: HostIdentity = {
        type: 'host-identity',
        ts,
        flowId: ctx.flowId,
        src: ctx.client,
        dst: ctx.server,
        vlan: ctx.vlan,
        via: 'ssdp',
        host: sender,
        names: [],
        workgroup: undefined,
        os: undefined,
        software: m.server,
        services: serviceOf(m.target),
        location: m.location,
      };
      ctx.emit(ev);
    },
  ),
};
