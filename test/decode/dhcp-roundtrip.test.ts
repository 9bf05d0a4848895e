// decode(encode(x)) for the DHCP writer the simulator uses (src/decode/dhcp-encode.ts): seeded
// random clients and server configurations come back option for option.
import { describe, expect, it } from 'vitest';
import { decodeDhcp } from '../../src/decode/dhcp.js';
import { ACK, DISCOVER, dhcpClient, dhcpServer, OFFER, REQUEST } from '../../src/decode/dhcp-encode.js';
import { ip4ToString } from '../../src/net/addr.js';
import { Rng } from '../../src/sim/rng.js';

const NAMES: Record<number, string> = { [DISCOVER]: 'DISCOVER', [OFFER]: 'OFFER', [REQUEST]: 'REQUEST', [ACK]: 'ACK' };
const macText = (m: Uint8Array) => [...m].map((b) => b.toString(16).padStart(2, '0')).join(':');
const text = (r: Rng, n: number) => {
  let s = '';
  for (let i = r.int(1, n); i > 0; i--) s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789-'[r.int(0, 42)];
  return s;
};

describe('DHCP encode → decode', () => {
  for (const seed of [11, 12, 13, 14, 15, 16, 17, 18]) {
    it(`seed ${seed}: client and server messages survive`, () => {
      const r = new Rng(seed);
      const mac = Uint8Array.from({ length: 6 }, () => r.int(0, 255));
      mac[0] = mac[0]! & 0xfe;
      const xid = r.u32();
      const hostname = r.next() < 0.7 ? text(r, 30) : undefined;
      const vendorClass = r.next() < 0.5 ? text(r, 40) : undefined;
      const paramList = Array.from({ length: r.int(1, 12) }, () => r.int(1, 254));
      const type = r.pick([DISCOVER, REQUEST] as const);
      const requested = type === REQUEST ? r.u32() : undefined;
      const server = type === REQUEST ? r.u32() : undefined;
      const c = dhcpClient(type, xid, { mac, hostname, vendorClass, paramList }, requested, server);
      const d = decodeDhcp(c, 0, c.length);
      if (d.kind !== 'ok') throw new Error(`client: ${d.kind}`);
      expect(d.anomaly).toBeNull();
      expect(d.msg).toMatchObject({ op: 1, xid, msgType: NAMES[type], clientMac: macText(mac), paramList });
      expect(d.msg.hostname).toBe(hostname);
      expect(d.msg.vendorClass).toBe(vendorClass);
      expect(d.msg.clientId).toBe(`01${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`);
      expect(d.msg.requestedIp).toBe(requested === undefined ? undefined : ip4ToString(requested));
      expect(d.msg.serverId).toBe(server === undefined ? undefined : ip4ToString(server));

      const s = {
        serverIp: r.u32(),
        mask: 0xffffff00,
        router: r.u32(),
        dns: r.u32(),
        ntp: r.u32(),
        domain: `${text(r, 12)}.example`,
        leaseSec: r.int(60, 2 ** 31),
      };
      const yiaddr = r.u32();
      const stype = r.pick([OFFER, ACK] as const);
      const o = dhcpServer(stype, xid, mac, yiaddr, s);
      const e = decodeDhcp(o, 0, o.length);
      if (e.kind !== 'ok') throw new Error(`server: ${e.kind}`);
      expect(e.anomaly).toBeNull();
      expect(e.msg).toMatchObject({
        op: 2,
        xid,
        msgType: NAMES[stype],
        clientMac: macText(mac),
        yiaddr: ip4ToString(yiaddr),
        siaddr: ip4ToString(s.serverIp),
        serverId: ip4ToString(s.serverIp),
        leaseTime: s.leaseSec,
        routers: [ip4ToString(s.router)],
        dnsServers: [ip4ToString(s.dns)],
        ntpServers: [ip4ToString(s.ntp)],
        domain: s.domain,
      });
    });
  }
});
