// DHCPv6 analyzer (UDP 546/547): one `dhcpv6-message` per message (relays unwrapped), src its
// sender, with the client's DUID, FQDN, vendor and user class, option request list and the
// addresses a server assigns — the inventory folds them into the client's device record.
import { decodeDhcpv6, looksLikeDhcpv6 } from '../../decode/dhcpv6.js';
import type { Dhcpv6Message } from '../../events.js';
import { type Dir, datagramApp, type ProbeResult, type UdpAppFactory } from '../app.js';

export const dhcpv6App: UdpAppFactory = {
  name: 'dhcpv6',
  ports: [546, 547],
  probe(_dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult {
    const port = (p: number) => p === 546 || p === 547;
    return (port(srcPort) || port(dstPort)) && looksLikeDhcpv6(payload) ? 'yes' : 'no';
  },
  create: datagramApp(
    'dhcpv6',
    (payload) => decodeDhcpv6(payload, 0, payload.length),
    (r, ctx, ts, sender, receiver) => {
      const m = r.msg;
      const ev: Dhcpv6Message = {
        type: 'dhcpv6-message',
        ts,
        flowId: ctx.flowId,
        src: sender,
        dst: receiver,
        vlan: ctx.vlan,
        msgType: m.msgType,
        xid: m.xid,
        fromClient: m.fromClient,
        clientDuid: m.clientDuid?.hex,
        duidType: m.clientDuid?.type,
        duidMac: m.clientDuid?.mac,
        serverDuid: m.serverDuid?.hex,
        fqdn: m.fqdn,
        vendorEnterprise: m.vendorClass?.enterprise,
        vendorClass: m.vendorClass?.data,
        userClass: m.userClass,
        oro: m.oro,
        addresses: m.addresses,
        relayPeer: m.relayPeer,
      };
      ctx.emit(ev);
    },
  ),
};
