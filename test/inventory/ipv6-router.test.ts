// One router, one device: a gateway that answers on IPv4 and IPv6 from the same MAC (its own
// link-local and EUI-64 addresses, neighbour advertisements) is one device, while a site host
// routed through it on IPv6 stays its own 'ip:' device. The capture is written with our writer.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/writer.js';
import { parseIp } from '../../src/net/zones.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { ownIpv6 } from '../../src/inventory/table.js';
import { ACK, FrameBuilder, host, mac, SYN } from '../../src/sim/wire.js';

const GW_MAC = '00:08:33:00:00:01';
const GW_LL = 'fe80::208:33ff:fe00:1'; // modified EUI-64 of GW_MAC
const GW_ULA = 'fd00:20::1'; // a static address, announced by neighbour advertisement
const HOST_MAC = '00:08:33:00:00:21';
const HOST6 = 'fd00:20::21';
const BEHIND6 = 'fd00:30::5'; // another site subnet, reached through the gateway
const OUTSIDE6 = ['2001:db8:5::10', '2001:db8:5::11', '2001:db8:5::12', '2001:db8:5::13', '2001:db8:5::14'];

function v6bytes(ip: string): Uint8Array {
  const a = parseIp(ip)!;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number((a.n >> BigInt(8 * (15 - i))) & 0xffn);
  return out;
}

/** Ethernet + IPv6 + ICMPv6 (type/code, then `body`); checksums are not checked by the decoder. */
function icmp6(srcMac: string, dstMac: string, src: string, dst: string, type: number, body: Uint8Array): Uint8Array {
  const l4 = 4 + body.length;
  const f = new Uint8Array(14 + 40 + l4);
  f.set(mac(dstMac), 0);
  f.set(mac(srcMac), 6);
  f[12] = 0x86; // EtherType IPv6
  f[13] = 0xdd;
  f[14] = 0x60; // version 6
  f[18] = l4 >> 8; // payload length
  f[19] = l4 & 0xff;
  f[20] = 58; // next header ICMPv6
  f[21] = 255; // hop limit (NDP requires 255)
  f.set(v6bytes(src), 22);
  f.set(v6bytes(dst), 38);
  f[54] = type;
  f.set(body, 58);
  return f;
}

/** Ethernet + IPv6 + TCP SYN or SYN-ACK, 20-byte header. */
function tcp6(srcMac: string, dstMac: string, src: string, dst: string, sport: number, dport: number, flags: number) {
  const f = new Uint8Array(14 + 40 + 20);
  f.set(mac(dstMac), 0);
  f.set(mac(srcMac), 6);
  f[12] = 0x86;
  f[13] = 0xdd;
  f[14] = 0x60;
  f[19] = 20;
  f[20] = 6;
  f[21] = 64;
  f.set(v6bytes(src), 22);
  f.set(v6bytes(dst), 38);
  const dv = new DataView(f.buffer);
  dv.setUint16(54, sport);
  dv.setUint16(56, dport);
  dv.setUint32(58, 1000);
  if (flags & ACK) dv.setUint32(62, 5001);
  f[66] = 5 << 4;
  f[67] = flags;
  dv.setUint16(68, 65535);
  return f;
}

const dir = mkdtempSync(join(tmpdir(), 'ww-ipv6-router-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeCapture(): string {
  const w = new PcapWriter({ linktype: 1 });
  const parts: Uint8Array[] = [w.header()];
  let ts = Date.UTC(2025, 0, 30, 8) * 1000;
  const put = (frame: Uint8Array) => {
    parts.push(w.record(ts, frame));
    ts += 1000;
  };
  const fb = new FrameBuilder();
  const gw = host('gw', GW_MAC, '10.20.0.1');
  const h = host('mon', HOST_MAC, '10.20.0.21');
  // IPv4: the gateway answers ARP for its address, then outside servers reach the host through it.
  put(new Uint8Array(fb.arp(2, gw, h.ip, h)));
  for (let i = 0; i < 5; i++) {
    // Outside IPv4 servers answer the host through the gateway's MAC: a router.
    const out = host('o', GW_MAC, `203.0.113.${20 + i}`);
    put(new Uint8Array(fb.tcp(h, out, 40000 + i, 443, 1, 0, SYN, 65535, null, 0, 0, 1460, mac(GW_MAC))));
    put(new Uint8Array(fb.tcp(out, h, 443, 40000 + i, 5000, 2, SYN | ACK, 65535, null)));
  }
  put(new Uint8Array(fb.udp(gw, h, 53, 33000, new Uint8Array(12))));
  // IPv6: router advertisement from its link-local, a neighbour advertisement for its ULA, an
  // echo reply from its link-local (ordinary frame), and outside IPv6 servers behind it.
  put(icmp6(GW_MAC, '33:33:00:00:00:01', GW_LL, 'ff02::1', 134, new Uint8Array(12)));
  put(icmp6(GW_MAC, HOST_MAC, GW_ULA, HOST6, 136, new Uint8Array([0x60, 0, 0, 0, ...v6bytes(GW_ULA)])));
  put(icmp6(HOST_MAC, GW_MAC, HOST6, GW_LL, 128, new Uint8Array([0, 1, 0, 1])));
  put(icmp6(GW_MAC, HOST_MAC, GW_LL, HOST6, 129, new Uint8Array([0, 1, 0, 1])));
  for (const [i, o] of OUTSIDE6.entries()) {
    put(tcp6(HOST_MAC, GW_MAC, HOST6, o, 41000 + i, 443, SYN));
    put(tcp6(GW_MAC, HOST_MAC, o, HOST6, 443, 41000 + i, SYN | ACK));
  }
  // A site host in another subnet answers through the gateway: not the gateway's address.
  put(tcp6(HOST_MAC, GW_MAC, HOST6, BEHIND6, 42000, 2575, SYN));
  put(tcp6(GW_MAC, HOST_MAC, BEHIND6, HOST6, 2575, 42000, SYN | ACK));
  const file = join(dir, 'router-v4-v6.pcap');
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

describe('a router answering on IPv4 and IPv6 from one MAC', () => {
  it('is one device holding its link-local and neighbour-advertised IPv6 addresses', async () => {
    const r = await analyzeCaptures([writeCapture()], { salt: '00'.repeat(32) });
    const ids = r.devices.map((d) => d.id).sort();
    expect(ids).toEqual([GW_MAC, HOST_MAC, `ip:${BEHIND6}`].sort());
    const gw = r.devices.find((d) => d.id === GW_MAC)!;
    expect(gw.ips).toEqual(expect.arrayContaining([GW_LL, GW_ULA]));
    expect(gw.class).toBe('network-infrastructure');
    const mon = r.devices.find((d) => d.id === HOST_MAC)!;
    expect(mon.ips).toEqual(expect.arrayContaining(['10.20.0.21', HOST6]));
    // Outside addresses the gateway forwarded stay peers, never devices or the gateway's own.
    for (const o of OUTSIDE6) expect(gw.ips).not.toContain(o);
  });

  it('knows which IPv6 addresses a MAC owns', () => {
    expect(ownIpv6(GW_LL, GW_MAC)).toBe(true);
    expect(ownIpv6('fe80::1', GW_MAC)).toBe(true); // any link-local: never forwarded
    expect(ownIpv6('2001:db8:7::208:33ff:fe00:1', GW_MAC)).toBe(true); // EUI-64 on a global prefix
    expect(ownIpv6('2001:db8:7::208:33ff:fe00:2', GW_MAC)).toBe(false);
    expect(ownIpv6(GW_ULA, GW_MAC)).toBe(false); // only NDP makes a static address its own
    expect(ownIpv6('10.20.0.1', GW_MAC)).toBe(false);
  });
});
