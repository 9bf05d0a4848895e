// DHCP analyzer (ports 67/68): one `dhcp-lease` per DHCP/BOOTP message, whatever its type, so
// the inventory sees hostnames and vendor classes from DISCOVERs as well as leases from ACKs.

import { decodeDhcp } from '../../decode/dhcp.js';
import type { DhcpLease } from '../../events.js';
import type { DatagramApp, Dir, FlowContext, ProbeResult, UdpAppFactory } from '../app.js';

/** Content check: BOOTP op, a sane hardware address length, and the DHCP magic cookie. */
function looksLikeDhcp(b: Uint8Array): boolean {
  return (
    b.length >= 240 &&
    (b[0] === 1 || b[0] === 2) &&
    b[2]! <= 16 &&
    b[236] === 0x63 &&
    b[237] === 0x82 &&
    b[238] === 0x53 &&
    b[239] === 0x63
  );
}

export const dhcpApp: UdpAppFactory = {
  name: 'dhcp',
  ports: [67, 68],
  probe(_dir: Dir, payload: Uint8Array): ProbeResult {
    return looksLikeDhcp(payload) ? 'yes' : 'no';
  },
  create(ctx: FlowContext): DatagramApp {
    return {
      datagram(dir: Dir, payload: Uint8Array, ts: number): void {
        const r = decodeDhcp(payload, 0, payload.length);
        if (r.kind === 'not') return;
        if (r.kind === 'more') {
          ctx.anomaly('dhcp.truncated', ts);
          return;
        }
        if (r.kind === 'anomaly') {
          ctx.anomaly(r.code, ts);
          return;
        }
        if (r.anomaly !== null) ctx.anomaly(r.anomaly, ts);
        ctx.env.countApp('dhcp');
        const m = r.msg;
        const ev: DhcpLease = {
          type: 'dhcp-lease',
          ts,
          msgType: m.msgType,
          clientMac: m.clientMac,
          xid: m.xid,
          src: dir === 0 ? ctx.client : ctx.server,
          dst: dir === 0 ? ctx.server : ctx.client,
          // 0.0.0.0 means "not set" in ciaddr/yiaddr (RFC 2131 §2)
          ...(m.ciaddr !== '0.0.0.0' ? { clientIp: m.ciaddr } : {}),
          ...(m.yiaddr !== '0.0.0.0' ? { yourIp: m.yiaddr } : {}),
          ...(m.requestedIp !== undefined ? { requestedIp: m.requestedIp } : {}),
          ...(m.serverId !== undefined ? { serverId: m.serverId } : {}),
          ...(m.leaseTime !== undefined ? { leaseTime: m.leaseTime } : {}),
          ...(m.hostname !== undefined ? { hostname: m.hostname } : {}),
          ...(m.vendorClass !== undefined ? { vendorClass: m.vendorClass } : {}),
          ...(m.paramList !== undefined ? { paramList: m.paramList } : {}),
          ...(m.clientId !== undefined ? { clientId: m.clientId } : {}),
          ...(m.routers !== undefined ? { routers: m.routers } : {}),
          ...(m.dnsServers !== undefined ? { dnsServers: m.dnsServers } : {}),
          ...(m.ntpServers !== undefined ? { ntpServers: m.ntpServers } : {}),
          ...(m.domain !== undefined ? { domain: m.domain } : {}),
        };
        ctx.emit(ev);
      },
      end(): void {},
    };
  },
};
