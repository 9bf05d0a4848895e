// phi.cleartext — HL7 carrying patient identifiers in cleartext to an outside address, or to
// an address that is not a declared HL7 receiver of that device (config `hl7Receivers`, by
// device or class/model). With no receivers declared, only outside destinations count:
// internal central stations are the normal clinical path.
//
// Judged at finish: a device's class and model are known only once inventory is complete. A
// stream hears it earlier (`early`, each tick): the first patient record to a peer raises it with
// the device as identified so far, and its counts grow through alert-updates.
// The (device, destination) pairs, their patient counts, fields and window are the detector's
// patient ledger (`ctx.ledger`, detect/ledger.ts), the same one the breach report is built from;
// the hashes never leave it.
import type { DeviceRecord } from '../../contract/records.js';
import type { Context, Rule } from '../context.js';
import { CidrSet, parseCidr } from '../../net/cidr-set.js';

export function createPhiCleartext(): Rule {
  const receiversFor = (ctx: Context, deviceId: string, ip: string, dev: DeviceRecord | undefined) => {
    const set = new CidrSet<true>();
    for (const r of ctx.config.hl7Receivers) {
      const byDevice = r.device !== undefined && (r.device.toLowerCase() === deviceId || r.device === ip);
      const cls = r.class?.toLowerCase();
      const byClass = cls !== undefined && (cls === dev?.class || cls === dev?.model?.toLowerCase());
      if (!byDevice && !byClass) continue;
      for (const x of r.receivers) {
        const c = parseCidr(x);
        if (c) set.add(c, true);
      }
    }
    return set;
  };

  const judge = (ctx: Context, devices: readonly DeviceRecord[]): void => {
    const byId = new Map(devices.map((d) => [d.id, d]));
    for (const b of ctx.ledger.entries()) {
      const device = b.inbound ? b.dst : b.src;
      const peer = b.inbound ? b.src : b.dst;
      const outside = b.outside;
      let why: string;
      const via =
        b.via !== undefined ? ` via proxy ${b.via.ip}${b.via.port !== undefined ? `:${b.via.port}` : ''}` : '';
      if (outside) why = `to outside address ${peer.ip}${peer.port !== undefined ? ` port ${peer.port}` : ''}${via}`;
      else {
        const receivers = receiversFor(ctx, b.deviceId, device.ip, byId.get(b.deviceId));
        if (receivers.size === 0 || receivers.match(peer.ip) === true) continue;
        why = `to ${peer.ip}${via}, which is not a declared HL7 receiver of this device`;
      }
      const patients = b.hashes.size;
      ctx.raise({
        rule: 'phi.cleartext',
        ts: b.first,
        last: b.last,
        count: b.messages,
        src: b.src,
        dst: b.dst,
        deviceId: b.deviceId,
        // Through a proxy the packets went device → proxy (what `extract` cuts).
        ...(b.via !== undefined ? { flow: { src: device, dst: b.via } } : {}),
        message: `sends patient data in cleartext HL7 (${patients} patient${patients === 1 ? '' : 's'}, ${b.messages} message${b.messages === 1 ? '' : 's'}) ${why}`,
        evidence: {
          patients,
          messages: b.messages,
          fields: [...b.fields].sort(),
          messageTypes: [...b.types].sort(),
          outside,
          ...(b.via !== undefined
            ? { proxy: b.via.ip.includes(':') ? `[${b.via.ip}]:${b.via.port}` : `${b.via.ip}:${b.via.port}` }
            : {}),
          window: { first: new Date(b.first / 1000).toISOString(), last: new Date(b.last / 1000).toISOString() },
        },
      });
    }
  };

  return { id: 'phi.cleartext', finish: judge, early: judge };
}
