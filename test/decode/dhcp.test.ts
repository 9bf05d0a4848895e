import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DHCP_ANOMALIES, decodeDhcp, type DhcpMessage } from '../../src/decode/dhcp.js';
import { capture, GROUND_TRUTH } from '../helpers/paths.js';
import { hex, mutate, rng } from './app-hex.js';
import { l4Payloads } from './app-payloads.js';

const Z = (n: number) => '00'.repeat(n);

// A DHCPREQUEST from a monitor, with overload=1 putting the hostname in the `file` field.
const REQUEST = hex(`
  01 01 06 00           // op=BOOTREQUEST htype=Ethernet hlen=6 hops=0
  12345678              // xid
  0000 8000             // secs=0 flags=broadcast
  00000000              // ciaddr
  00000000              // yiaddr
  00000000              // siaddr
  0a000001              // giaddr 10.0.0.1 (relay)
  001122334455 ${Z(10)} // chaddr 00:11:22:33:44:55 + padding
  ${Z(64)}              // sname
  0c 07 434d5338303030 ff ${Z(128 - 10)}  // file, overloaded: option 12 "CMS8000", end
  63825363              // magic cookie
  35 01 03              // 53 message type REQUEST
  34 01 01              // 52 overload: options in 'file'
  32 04 0a00002a        // 50 requested 10.0.0.42
  36 04 0a000001        // 54 server id 10.0.0.1
  3c 07 436f6e74656300  // 60 vendor class "Contec" + NUL
  37 04 01 03 06 0f     // 55 parameter list 1,3,6,15
  3d 07 01 001122334455 // 61 client id: htype 1 + MAC
  51 0b 05 00 00 06 6d6f6e2d3031 00  // 81 FQDN flags=E, rcodes, wire name "mon-01"
  00 00                 // pad
  ff                    // end
`);

function ok(b: Uint8Array): DhcpMessage {
  const r = decodeDhcp(b, 0, b.length);
  if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
  expect(r.anomaly).toBeNull();
  return r.msg;
}

describe('decodeDhcp fixtures', () => {
  it('decodes the header and options, including overloaded ones', () => {
    expect(ok(REQUEST)).toMatchObject({
      op: 1,
      xid: 0x12345678,
      msgType: 'REQUEST',
      clientMac: '00:11:22:33:44:55',
      giaddr: '10.0.0.1',
      requestedIp: '10.0.0.42',
      serverId: '10.0.0.1',
      vendorClass: 'Contec',
      paramList: [1, 3, 6, 15],
      clientId: '01001122334455',
      fqdn: 'mon-01',
      hostname: 'CMS8000',
    });
  });

  it('reads server options: routers, DNS, NTP, lease time, domain', () => {
    const b = hex(`
      02 01 06 00 00000001 0000 0000 00000000 0a00002a 00000000 00000000  // reply, yiaddr 10.0.0.42
      001122334455 ${Z(10)} ${Z(64)} ${Z(128)}
      63825363
      35 01 05                      // ACK
      33 04 00000e10                // 51 lease 3600 s
      03 04 0a000001                // 3 router
      06 08 0a000001 0a000002       // 6 two DNS servers
      2a 04 0a000003                // 42 NTP
      0f 04 77617264                // 15 domain "ward"
      ff`);
    expect(ok(b)).toMatchObject({
      op: 2,
      msgType: 'ACK',
      yiaddr: '10.0.0.42',
      leaseTime: 3600,
      routers: ['10.0.0.1'],
      dnsServers: ['10.0.0.1', '10.0.0.2'],
      ntpServers: ['10.0.0.3'],
      domain: 'ward',
    });
  });

  it('names a bad cookie and an overrunning option, keeping the header', () => {
    const bad = REQUEST.slice();
    bad[236] = 0x64;
    const r1 = decodeDhcp(bad, 0, bad.length);
    expect(r1.kind === 'ok' && r1.anomaly).toBe('dhcp.bad-magic');
    const cut = REQUEST.subarray(0, 240 + 3 + 3 + 4); // 50 cut mid-value
    const r2 = decodeDhcp(cut, 0, cut.length);
    expect(r2.kind === 'ok' && r2.anomaly).toBe('dhcp.option-overrun');
    expect(r2.kind === 'ok' && r2.msg.msgType).toBe('REQUEST');
  });

  it('returns not for non-BOOTP op codes', () => {
    const b = REQUEST.slice();
    b[0] = 7;
    expect(decodeDhcp(b, 0, b.length).kind).toBe('not');
  });

  it('never throws on truncated prefixes', () => {
    for (let n = 0; n < REQUEST.length; n++) {
      const r = decodeDhcp(REQUEST, 0, n);
      expect(['more', 'ok', 'anomaly']).toContain(r.kind);
      if (n < 236) expect(r.kind).toBe('more');
    }
  });

  it('survives a seeded fuzz run with only known anomaly codes', () => {
    const rnd = rng(0xd4c9);
    const codes = new Set<string>(DHCP_ANOMALIES);
    for (let i = 0; i < 20_000; i++) {
      const b = mutate(REQUEST, rnd);
      const r = decodeDhcp(b, 0, b.length);
      if (r.kind === 'anomaly') expect(codes.has(r.code)).toBe(true);
      if (r.kind === 'ok' && r.anomaly) expect(codes.has(r.anomaly)).toBe(true);
    }
  });
});

type Truth = Record<string, { dhcp_hostnames?: string[]; dhcp_vendor_class?: string[]; dhcp_client_macs?: string[] }>;
const truth = JSON.parse(readFileSync(GROUND_TRUTH, 'utf8')) as Truth;

describe.each([
  'dhcp-dhcp.pcap',
  'dhcp-dhcp.nsec.pcap',
  'dhcp-dhcp_discover_param_req_and_client_id.pcap',
  'dhcp-dhcp_inform.pcap',
])('ground truth %s', (file) => {
  it('matches tshark hostnames, vendor classes and client MACs', () => {
    const host = new Set<string>();
    const vendor = new Set<string>();
    const macs = new Set<string>();
    const types: string[] = [];
    for (const p of l4Payloads(capture(file))) {
      if (p.proto !== 'udp' || ![67, 68].includes(p.dport)) continue;
      const r = decodeDhcp(p.payload, 0, p.payload.length);
      expect(r.kind).toBe('ok');
      if (r.kind !== 'ok') continue;
      expect(r.anomaly).toBeNull();
      types.push(r.msg.msgType);
      if (r.msg.hostname) host.add(r.msg.hostname);
      if (r.msg.vendorClass) vendor.add(r.msg.vendorClass);
      macs.add(r.msg.clientMac);
    }
    const t = truth[file]!;
    expect([...host]).toEqual(t.dhcp_hostnames ?? []);
    expect([...vendor]).toEqual(t.dhcp_vendor_class ?? []);
    expect([...macs]).toEqual(t.dhcp_client_macs ?? []);
    if (file === 'dhcp-dhcp_inform.pcap') expect(types).toContain('INFORM');
    if (file === 'dhcp-dhcp_discover_param_req_and_client_id.pcap') expect(types).toEqual(['DISCOVER']);
  });
});
