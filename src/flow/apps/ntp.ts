// NTP analyzer (UDP 123): one `ntp-message` per packet, src being its sender, so the inventory
// learns which time source each device asks and what each server says it trusts (stratum,
// reference id). Found by port (123 at either end) and a header that parses.

import { decodeNtp } from '../../decode/ntp/ntp.js';
import type { NtpMessage } from '../../events.js';
import { type Dir, datagramApp, type ProbeResult, type UdpAppFactory } from '../app.js';

export const ntpApp: UdpAppFactory = {
  name: 'ntp',
  ports: [123],
  probe(_dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult {
    if (srcPort !== 123 && dstPort !== 123) return 'no';
    return decodeNtp(payload, 0, payload.length).kind === 'ok' ? 'yes' : 'no';
  },
  create: datagramApp(
    'ntp',
    (payload, ctx) => decodeNtp(payload, 0, payload.length, ctx.client.ip.includes(':')),
    (r, ctx, ts, sender, receiver) => {
      const p = r.packet;
      const ev: NtpMessage = {
        type: 'ntp-message',
        ts,
        flowId: ctx.flowId,
        src: sender,
        dst: receiver,
        vlan: ctx.vlan,
        mode: p.mode,
        version: p.version,
        stratum: p.stratum,
        refId: p.refId === '' ? undefined : p.refId,
      };
      ctx.emit(ev);
    },
  ),
};
