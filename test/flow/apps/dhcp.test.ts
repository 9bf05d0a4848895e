import { describe, expect, it } from 'vitest';
import type { DhcpLease } from '../../../src/events.js';
import { dhcpApp } from '../../../src/flow/apps/dhcp.js';
import { l4Payloads } from '../../decode/app-payloads.js';
import { capture } from '../../helpers/paths.js';
import { fakeCtx } from './fake-ctx.js';

function leases(file: string): { events: DhcpLease[]; apps: Record<string, number> } {
  const pkts = l4Payloads(capture(file)).filter((p) => p.proto === 'udp' && (p.dport === 67 || p.dport === 68));
  const first = pkts[0]!;
  expect(dhcpApp.probe(0, first.payload, first.sport, first.dport)).toBe('yes');
  // One context for the whole exchange: what matters here is the per-message content.
  const rec = fakeCtx('udp', { ip: first.src, port: first.sport }, { ip: first.dst, port: first.dport });
  const app = dhcpApp.create(rec.ctx);
  for (const p of pkts) app.datagram(p.sport === first.sport ? 0 : 1, p.payload, p.ts);
  expect(rec.anomalies).toEqual([]);
  return { events: rec.events as DhcpLease[], apps: rec.apps };
}

describe('dhcpApp on the shared captures', () => {
  it('dhcp-dhcp: the DORA exchange with hostname and vendor class (ground truth)', () => {
    const { events, apps } = leases('dhcp-dhcp.pcap');
    expect(apps.dhcp).toBe(events.length);
    expect(new Set(events.map((e) => e.clientMac))).toEqual(new Set(['90:b1:1c:99:49:29']));
    expect(events.some((e) => e.hostname === 'btest.is.cool')).toBe(true);
    expect(events.some((e) => e.vendorClass === 'ArubaAP')).toBe(true);
    const ack = events.find((e) => e.msgType === 'ACK')!;
    expect(ack.yourIp).toBeDefined();
    expect(ack.leaseTime).toBeGreaterThan(0);
    expect(ack.serverId).toBeDefined();
  });

  it('dhcp_discover_param_req_and_client_id: options 55 and 61', () => {
    const { events } = leases('dhcp-dhcp_discover_param_req_and_client_id.pcap');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ msgType: 'DISCOVER', hostname: 'test0000', clientMac: '00:0b:82:01:fc:42' });
    expect(events[0]!.paramList!.length).toBeGreaterThan(0);
    expect(events[0]!.clientId).toMatch(/^[0-9a-f]+$/);
  });

  it('dhcp_inform: INFORM carries the client address in ciaddr', () => {
    const { events } = leases('dhcp-dhcp_inform.pcap');
    const inform = events.find((e) => e.msgType === 'INFORM')!;
    expect(inform.clientIp).toBeDefined();
    expect(inform.clientMac).toBe('90:b1:1c:99:49:29');
  });

  it('probe rejects DNS and short datagrams', () => {
    const dns = l4Payloads(capture('dns53.pcap')).find((p) => p.proto === 'udp')!;
    expect(dhcpApp.probe(0, dns.payload, 53, 5000)).toBe('no');
    expect(dhcpApp.probe(0, new Uint8Array(10), 68, 67)).toBe('no');
  });

  it('a short datagram is an anomaly, not an event', () => {
    const rec = fakeCtx('udp', { ip: '0.0.0.0', port: 68 }, { ip: '255.255.255.255', port: 67 });
    dhcpApp.create(rec.ctx).datagram(0, new Uint8Array([1, 1, 6, 0]), 1);
    expect(rec.events).toEqual([]);
    expect(rec.anomalies).toEqual(['dhcp.truncated']);
  });
});
