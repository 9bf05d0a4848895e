import { describe, expect, it } from 'vitest';
import { CENTRAL, MON, at, dns, flow, run, rules, rpc } from './helpers.js';

describe('egress.no-dns', () => {
  it('fires for a flow to an outside address never resolved, and notes a later answer', () => {
    const { alerts } = run(
      [flow(1, MON, '203.0.113.7', 515), dns(50, MON.ip, 'late.example.org', '203.0.113.7')],
      'dns: {warmupSeconds: 0}\n',
    );
    const a = alerts.find((x) => x.rule === 'egress.no-dns');
    expect(a).toMatchObject({
      severity: 'high',
      src: { ip: MON.ip },
      dst: { ip: '203.0.113.7', port: 515 },
      device: { id: MON.mac },
    });
    expect(a?.evidence.laterDns).toEqual({
      name: 'late.example.org',
      time: new Date(at(50) / 1000).toISOString(),
      byDevice: true,
    });
  });

  it('grades a flow early in the capture low (the lookup may predate it), unless the device booted in it', () => {
    const early = run([flow(10, MON, '203.0.113.7', 443)]).alerts[0];
    expect(early?.severity).toBe('low');
    expect(early?.evidence.uncertain).toContain('may predate the capture');
    const lease = {
      type: 'dhcp-lease' as const,
      ts: at(0),
      msgType: 'ACK',
      clientMac: MON.mac,
      xid: 1,
      src: { ip: '10.1.1.1', port: 67 },
      dst: { ip: MON.ip, port: 68 },
      yourIp: MON.ip,
    };
    expect(run([lease, flow(10, MON, '203.0.113.7', 443)]).alerts[0]?.severity).toBe('high');
    // The warm-up counts from the device's own first packet (test/detect/truer.test.ts has the rest).
    expect(
      run([flow(0, MON, '10.1.1.3', 80), flow(200, CENTRAL, '10.1.1.3', 80), flow(400, MON, '203.0.113.7', 443)])
        .alerts[0]?.severity,
    ).toBe('high');
  });

  it('stays quiet for the same public address after a DNS answer', () => {
    const { alerts } = run([dns(1, MON.ip, 'updates.example.org', '203.0.113.7'), flow(2, MON, '203.0.113.7', 443)]);
    expect(rules(alerts)).not.toContain('egress.no-dns');
  });

  it('accepts an answer another site host received (site-wide table)', () => {
    const { alerts } = run([dns(1, '10.1.1.99', 'a.example.org', '203.0.113.7'), flow(2, MON, '203.0.113.7', 443)]);
    expect(rules(alerts)).not.toContain('egress.no-dns');
  });

  it('follows CNAME chains: the address of the chain end counts as resolved', () => {
    const { alerts } = run([
      dns(1, MON.ip, 'api.vendor.example', '198.51.100.9', 60, ['api.cdn.example', 'edge1.cdn.example']),
      flow(2, MON, '198.51.100.9', 443),
    ]);
    expect(rules(alerts)).not.toContain('egress.no-dns');
  });

  it('expires an answer after TTL + grace, and says the old answer was stale', () => {
    const ev = [
      dns(0, MON.ip, 'a.example.org', '203.0.113.7', 60),
      flow(60 + 299, MON, '203.0.113.7', 443),
      flow(60 + 301, MON, '203.0.113.7', 443),
    ];
    const { alerts } = run(ev);
    const a = alerts.filter((x) => x.rule === 'egress.no-dns');
    expect(a).toHaveLength(1);
    expect(a[0]?.first).toBe(new Date(at(361) / 1000).toISOString());
    expect(a[0]?.evidence.expiredDns).toMatchObject({ name: 'a.example.org', ttl: 60, graceSeconds: 300 });
    // A shorter grace from the config turns the first flow into an alert too.
    const short = run(ev, 'dns: {graceSeconds: 10}\n').alerts.filter((x) => x.rule === 'egress.no-dns');
    expect(short[0]?.count).toBe(2);
  });

  it('works for IPv6', () => {
    const dev = { ip: 'fe80::20c:29ff:feaa:bb01', mac: MON.mac };
    const { alerts } = run([
      flow(1, dev, '2001:db8::7', 443),
      dns(5, dev.ip, 'v6.example.org', '2001:db8::8'),
      flow(6, dev, '2001:db8::8', 443),
    ]);
    const a = alerts.filter((x) => x.rule === 'egress.no-dns');
    expect(a.map((x) => x.dst.ip)).toEqual(['2001:db8::7']);
  });

  it('flags an outside DNS server queried by address as dns.bypass, but not the one DHCP handed out', () => {
    const lease = {
      type: 'dhcp-lease' as const,
      ts: at(0),
      msgType: 'ACK',
      clientMac: MON.mac,
      xid: 1,
      src: { ip: '10.1.1.1', port: 67 },
      dst: { ip: MON.ip, port: 68 },
      yourIp: MON.ip,
      dnsServers: ['9.9.9.9'],
      routers: ['10.1.1.1'],
    };
    const { alerts } = run([lease, flow(1, MON, '9.9.9.9', 53, 'udp'), flow(2, MON, '8.8.8.8', 53, 'udp')]);
    // An outside resolver asked directly is a resolver bypass (dns.bypass), not a hard-coded peer.
    expect(alerts.filter((x) => x.rule === 'egress.no-dns')).toEqual([]);
    const a = alerts.filter((x) => x.rule === 'dns.bypass');
    expect(a.map((x) => x.dst.ip)).toEqual(['8.8.8.8']);
    expect(a[0]?.evidence.via).toBe('dns');
  });

  it('exempts allowlisted addresses, multicast, and TCP flows seen without SYN', () => {
    const yaml = 'allowlist:\n  - {cidr: 198.51.100.0/24, note: vendor cloud}\n';
    const { alerts } = run(
      [
        flow(1, MON, '198.51.100.3', 443),
        flow(2, MON, '224.0.0.251', 5353, 'udp'),
        flow(3, MON, '203.0.113.5', 443, 'tcp', false),
      ],
      yaml,
    );
    expect(rules(alerts)).not.toContain('egress.no-dns');
  });
});

describe('egress.ioc', () => {
  it('fires on the shipped ICSMA-25-030-01 addresses with provenance', () => {
    const { alerts } = run([flow(1, MON, '202.114.4.119', 111)]);
    const a = alerts.find((x) => x.rule === 'egress.ioc');
    expect(a).toMatchObject({
      severity: 'critical',
      evidence: { indicator: '202.114.4.119', source: 'ICSMA-25-030-01' },
    });
    expect(alerts[0]?.rule).toBe('egress.ioc'); // critical sorts first
  });
  it('matches a domain indicator by lookup and by the address it resolved to', () => {
    const yaml = 'indicators:\n  - {domain: evil.example, note: test, source: unit}\n';
    const { alerts } = run(
      [dns(1, MON.ip, 'c2.evil.example', '203.0.113.66'), flow(2, MON, '203.0.113.66', 443)],
      yaml,
    );
    const a = alerts.filter((x) => x.rule === 'egress.ioc');
    expect(a.map((x) => x.dst.ip).sort()).toEqual(['10.1.1.1', '203.0.113.66']);
  });
  it('stays quiet for other addresses', () => {
    expect(rules(run([flow(1, MON, '202.114.4.121', 443)]).alerts)).not.toContain('egress.ioc');
  });
});

describe('rpc.outbound-nfs', () => {
  it('fires for MOUNT to an outside address with the path', () => {
    const { alerts } = run([
      rpc(1, '203.0.113.9', 100005, 'mount', 'MNT', '/pm'),
      rpc(2, '203.0.113.9', 100003, 'nfs', 'READ'),
    ]);
    const a = alerts.filter((x) => x.rule === 'rpc.outbound-nfs');
    expect(a).toHaveLength(1); // both on port 2049 → one aggregate
    expect(a[0]?.evidence).toMatchObject({
      programs: ['mount', 'nfs'],
      paths: ['/pm'],
      procedures: ['mount.MNT', 'nfs.READ'],
    });
    expect(a[0]?.count).toBe(2);
  });
  it('names the export an NFS call works in: by the handle MOUNT or LOOKUP handed out, else the last mount', () => {
    const ok = (fh: string) => ({ accepted: true, status: 0, fh });
    const { alerts } = run([
      { ...rpc(1, '203.0.113.9', 100005, 'mount', 'MNT', '/a'), reply: ok('aa') },
      { ...rpc(2, '203.0.113.9', 100005, 'mount', 'MNT', '/b'), reply: ok('bb') },
      // READ in /a by its root handle, although /b was mounted last.
      { ...rpc(3, '203.0.113.9', 100003, 'nfs', 'READ'), fh: 'aa' },
      // LOOKUP of boot.sh in /a hands out a handle under /a; a READ by that handle is in /a too.
      { ...rpc(4, '203.0.113.9', 100003, 'nfs', 'LOOKUP', 'boot.sh'), fh: 'aa', reply: ok('a1') },
      { ...rpc(5, '203.0.113.9', 100003, 'nfs', 'READ'), fh: 'a1' },
    ]);
    const nfs = alerts.find((x) => x.rule === 'rpc.outbound-nfs' && x.dst.port === 2049)!;
    expect(nfs.evidence).toMatchObject({ exports: ['/a'], paths: ['/a', '/b', 'boot.sh'] });
    expect(nfs.message).toBe(
      'mounts /a from outside address 203.0.113.9 (ONC-RPC mount over tcp)', // the aggregate keeps its first message
    );
    const later = run([
      { ...rpc(1, '203.0.113.9', 100005, 'mount', 'MNT', '/b'), reply: ok('bb') },
      { ...rpc(2, '203.0.113.9', 100003, 'nfs', 'READ'), fh: 'unknown' }, // never handed out: the pair's mount
    ]).alerts.find((x) => x.rule === 'rpc.outbound-nfs')!;
    expect(later.evidence).toMatchObject({ exports: ['/b'], paths: ['/b'] });
    const refused = run([
      { ...rpc(1, '203.0.113.9', 100005, 'mount', 'MNT', '/c'), reply: { accepted: true, status: 13 } },
      { ...rpc(2, '203.0.113.9', 100003, 'nfs', 'GETATTR'), fh: 'cc' },
    ]).alerts.find((x) => x.rule === 'rpc.outbound-nfs')!;
    expect(refused.evidence).not.toHaveProperty('exports'); // a refused mount hands out no export
  });
  it('stays quiet for NFS inside the site', () => {
    expect(rules(run([rpc(1, '10.1.1.50', 100005, 'mount', 'MNT', '/export')]).alerts)).not.toContain(
      'rpc.outbound-nfs',
    );
  });
});

describe('service.insecure', () => {
  it('fires for a telnet banner offered by a device and for ftp by port', () => {
    const banner = {
      type: 'service-banner' as const,
      ts: at(1),
      flowId: 9,
      src: { ip: '10.1.1.77', port: 50000 },
      dst: { ip: MON.ip, port: 23, mac: MON.mac },
      service: 'telnet' as const,
      banner: '',
    };
    const { alerts } = run([banner, flow(2, MON, '203.0.113.60', 21)]);
    const a = alerts.filter((x) => x.rule === 'service.insecure');
    expect(a.map((x) => [x.severity, x.dst.port, x.evidence.role])).toEqual([
      ['medium', 23, 'server'],
      ['medium', 21, 'client'],
    ]);
  });
  it('stays quiet for ssh', () => {
    expect(rules(run([flow(1, MON, '10.1.1.60', 22)]).alerts)).toEqual([]);
  });
});

describe('egress.beacon', () => {
  const times = (gaps: number[]) => {
    const out = [0];
    for (const g of gaps) out.push((out.at(-1) ?? 0) + g);
    return out;
  };
  const yaml = 'allowlist:\n  - {address: 203.0.113.40, note: x}\n';
  it('fires for regular connections', () => {
    const ev = times([60, 61, 59, 60, 60, 62]).map((s) => flow(s, MON, '203.0.113.40', 8080));
    const a = run(ev, yaml).alerts.find((x) => x.rule === 'egress.beacon');
    expect(a).toMatchObject({ severity: 'medium', count: 7 });
    expect(a?.evidence.intervalSeconds).toBeCloseTo(60.33, 1);
    expect(Number(a?.evidence.jitter)).toBeLessThan(0.2);
  });
  it('stays quiet for an irregular pattern', () => {
    const ev = times([5, 200, 30, 90, 7, 400]).map((s) => flow(s, MON, '203.0.113.40', 8080));
    expect(rules(run(ev, yaml).alerts)).toEqual([]);
  });
});
