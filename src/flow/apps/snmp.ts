// SNMP analyzer (UDP 161 agent, 162 traps): one `snmp-message` per message, src its sender.
// Responses carrying the system group name the device (sysName, sysDescr, sysObjectID — the
// inventory's model hints); v1/v2c messages carry the community's class only.

import { decodeSnmp } from '../../decode/snmp/snmp.js';
import type { SnmpMessage } from '../../events.js';
import { type Dir, datagramApp, type ProbeResult, type UdpAppFactory } from '../app.js';

export const snmpApp: UdpAppFactory = {
  name: 'snmp',
  ports: [161, 162],
  probe(_dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult {
    const port = (p: number) => p === 161 || p === 162;
    if (!port(srcPort) && !port(dstPort)) return 'no';
    return decodeSnmp(payload, 0, payload.length).kind === 'ok' ? 'yes' : 'no';
  },
  create: datagramApp(
    'snmp',
    (payload) => decodeSnmp(payload, 0, payload.length),
    (r, ctx, ts, sender, receiver) => {
      const i = r.info;
      const ev: SnmpMessage = {
        type: 'snmp-message',
        ts,
        flowId: ctx.flowId,
        src: sender,
        dst: receiver,
        vlan: ctx.vlan,
        version: i.version,
        pdu: i.pdu,
        community: i.community,
        v3User: i.v3User,
        sysName: i.sysName,
        sysDescr: i.sysDescr,
        sysObjectId: i.sysObjectId,
        trapOid: i.trapOid,
      };
      ctx.emit(ev);
    },
  ),
};
