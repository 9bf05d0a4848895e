import { describe, expect, it } from 'vitest';
import type { DnsAnswer, DnsQuery, WardEvent } from '../../../src/events.js';
import { dnsTcpApp, dnsUdpApp } from '../../../src/flow/apps/dns.js';
import { hex } from '../../decode/app-hex.js';
import { l4Payloads } from '../../decode/app-payloads.js';
import { capture } from '../../helpers/paths.js';
import { fakeCtx, feedBytewise } from './fake-ctx.js';

/** Run every UDP/53 datagram of a capture through one dnsUdpApp per flow; return all events. */
function runUdp(file: string): { events: WardEvent[]; apps: Record<string, number>; anomalies: string[] } {
  const flows = new Map<string, { app: ReturnType<typeof dnsUdpApp.create>; client: string }>();
  const events: WardEvent[] = [];
  const anomalies: string[] = [];
  const apps: Record<string, number> = {};
  for (const p of l4Payloads(capture(file))) {
    if (p.proto !== 'udp' || (p.sport !== 53 && p.dport !== 53)) continue;
    const key = [`${p.src}|${p.sport}`, `${p.dst}|${p.dport}`].sort().join('>');
    let f = flows.get(key);
    if (f === undefined) {
      expect(dnsUdpApp.probe(0, p.payload, p.sport, p.dport)).toBe('yes');
      const rec = fakeCtx('udp', { ip: p.src, port: p.sport }, { ip: p.dst, port: p.dport }, flows.size + 1);
      rec.ctx.emit = (e) => events.push(e);
      rec.ctx.anomaly = (c) => anomalies.push(c);
      rec.ctx.env.countApp = (n) => {
        apps[n] = (apps[n] ?? 0) + 1;
      };
      f = { app: dnsUdpApp.create(rec.ctx), client: `${p.src}|${p.sport}` };
      flows.set(key, f);
    }
    f.app.datagram(f.client === `${p.src}|${p.sport}` ? 0 : 1, p.payload, p.ts);
  }
  return { events, apps, anomalies };
}

describe('dnsUdpApp on the shared captures', () => {
  it('dns-two-responses: one query, two answers, chains back to www.cmu.edu', () => {
    const { events, apps } = runUdp('dns-two-responses.pcap');
    const q = events.filter((e): e is DnsQuery => e.type === 'dns-query');
    const a = events.filter((e): e is DnsAnswer => e.type === 'dns-answer');
    expect(q.map((e) => e.query)).toEqual(['www.cmu.edu']);
    expect(a.length).toBe(2);
    expect(apps).toEqual({ dns: 3 });
    expect(a[0]!.asker).toBe(q[0]!.asker);
    expect(a[0]!.server).toBe(q[0]!.server);
    const resolved = a.flatMap((e) => e.resolved);
    expect(resolved.every((r) => r.name === 'www.cmu.edu')).toBe(true);
    // The AAAA (2607:fb28::4) and the other A records are name-server glue in the additional
    // section: tshark's dns.aaaa lists them, but they are not an answer to www.cmu.edu.
    expect(resolved.map((r) => r.address)).toEqual(['128.2.10.163', '128.2.10.163']);
    expect(resolved[0]!.chain.length).toBeGreaterThan(0);
  });

  it('pcapng-multi-interface: www.apple.com via three CNAMEs, google.com directly', () => {
    const { events } = runUdp('pcapng-multi-interface.pcapng');
    const a = events.filter((e): e is DnsAnswer => e.type === 'dns-answer');
    const apple = a.flatMap((e) => e.resolved).find((r) => r.address === '23.194.101.24');
    expect(apple).toMatchObject({
      name: 'www.apple.com',
      chain: ['www-apple-com.v.aaplimg.com', 'www.apple.com.edgekey.net', 'e6858.dsce9.akamaiedge.net'],
    });
    const google = a.flatMap((e) => e.resolved).filter((r) => r.name === 'google.com');
    expect(google.map((r) => r.address)).toContain('142.251.181.138');
    expect(google.every((r) => r.chain.length === 0)).toBe(true);
  });

  it('dns-max-compression-depth: all seven answers decode, no anomaly', () => {
    const { events, anomalies } = runUdp('dns-max-compression-depth.pcap');
    const a = events.find((e): e is DnsAnswer => e.type === 'dns-answer')!;
    expect(a.answers.map((r) => r.data)).toEqual([
      '127.0.0.1',
      '127.0.0.2',
      '127.0.0.3',
      '127.0.0.4',
      '127.0.0.5',
      '127.0.0.6',
      '127.0.0.7',
    ]);
    expect(a.resolved).toHaveLength(7);
    expect(anomalies).toEqual([]);
  });

  it('dns-dns-corrupt: both A answers kept', () => {
    const { events } = runUdp('dns-dns-corrupt.pcap');
    const a = events.find((e): e is DnsAnswer => e.type === 'dns-answer')!;
    expect(a.query).toBe('zeek.org');
    expect(a.answers.map((r) => r.data)).toEqual(['192.0.78.212', '192.0.78.150']);
  });

  it('probe turns away DHCP and short datagrams off the DNS ports', () => {
    const dhcp = l4Payloads(capture('dhcp-dhcp.pcap')).find((p) => p.proto === 'udp')!;
    expect(dnsUdpApp.probe(0, dhcp.payload, 68, 67)).toBe('no');
    expect(dnsUdpApp.probe(0, hex('0102'), 1000, 2000)).toBe('no');
  });

  it('names a damaged message as an anomaly without an event', () => {
    const rec = fakeCtx('udp', { ip: '10.0.0.2', port: 4000 }, { ip: '10.0.0.1', port: 53 });
    const app = dnsUdpApp.create(rec.ctx);
    app.datagram(0, hex('0001 0100 0001 0000 0000 0000 c00c 0001 0001'), 1);
    expect(rec.events).toEqual([]);
    expect(rec.anomalies).toEqual(['dns.pointer-forward']);
  });
});

describe('dnsTcpApp', () => {
  const query = hex(`
    001c                          // length prefix 28
    abcd 0100 0001 0000 0000 0000 // id, RD, one question
    04 77617264 05 6c6f63616c 00  // ward.local
    0001 0001                     // A IN
  `);
  const answer = hex(`
    002c                          // length prefix 44
    abcd 8180 0001 0001 0000 0000
    04 77617264 05 6c6f63616c 00 0001 0001
    c00c 0001 0001 0000003c 0004 0a000005  // ward.local A 10.0.0.5 ttl 60
  `);

  it('frames messages split across segments and emits query and answer', () => {
    const rec = fakeCtx('tcp', { ip: '10.0.0.2', port: 40000 }, { ip: '10.0.0.1', port: 53 });
    expect(dnsTcpApp.probe(0, query)).toBe('yes');
    const app = dnsTcpApp.create(rec.ctx);
    feedBytewise(app, 0, query);
    app.data(1, Buffer.concat([answer, answer]), 2);
    app.end(3);
    expect(rec.events.map((e) => e.type)).toEqual(['dns-query', 'dns-answer', 'dns-answer']);
    expect(rec.events[1]).toMatchObject({
      asker: '10.0.0.2',
      server: '10.0.0.1',
      resolved: [{ address: '10.0.0.5', name: 'ward.local', ttl: 60, chain: [] }],
    });
    expect(rec.apps).toEqual({ dns: 3 });
  });

  it('probe says no to HTTP and TLS', () => {
    expect(dnsTcpApp.probe(0, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'))).toBe('no');
    expect(dnsTcpApp.probe(0, hex(`16030100c8010000c40303${'11'.repeat(32)}`))).toBe('no');
  });
});
