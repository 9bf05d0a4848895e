// Truer alerts (issue 16) on synthetic events: a flow that names its server is graded lower
// than one that carries the IP literal, DNS asked of an outside resolver is `dns.bypass`, the
// DNS warm-up runs per device and restarts after a silence, `inbound.outside` tells answered
// services from a scan, and the r-services are insecure.
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/contract/records.js';
import type { FlowEnd, FlowStart, WardEvent } from '../../src/events.js';
import { greetingName, hostPart } from '../../src/detect/rules/egress.no-dns.js';
import { isNetmask } from '../../src/net/netmask.js';
import { CENTRAL, MON, at, dns, flow, rules, run } from './helpers.js';

const NO_WARMUP = 'dns: {warmupSeconds: 0}\n';

function http(f: FlowStart, s: number, host: string): WardEvent {
  return {
    type: 'http-request',
    ts: at(s),
    flowId: f.flowId,
    src: f.src,
    dst: f.dst,
    method: 'GET',
    uri: '/',
    version: 'HTTP/1.1',
    host,
  };
}

function tls(f: FlowStart, s: number, sni: string): WardEvent {
  return { type: 'tls-hello', ts: at(s), flowId: f.flowId, src: f.src, dst: f.dst, sni, version: 'TLS 1.2' };
}

function end(f: FlowStart, s: number, packets: [number, number], reason: FlowEnd['reason'] = 'fin'): FlowEnd {
  return {
    type: 'flow-end',
    ts: at(s),
    flowId: f.flowId,
    src: f.src,
    dst: f.dst,
    proto: f.proto,
    first: f.ts,
    last: at(s),
    packets,
    bytes: [packets[0] * 60, packets[1] * 60],
    reason,
  };
}

const noDns = (alerts: AlertRecord[]) => alerts.filter((a) => a.rule === 'egress.no-dns');

describe('egress.no-dns: a named peer is not a hard-coded address', () => {
  it('grades a flow low when its HTTP Host names a host, and says why', () => {
    const f = flow(1, MON, '203.0.113.7', 80);
    const [a] = noDns(run([f, http(f, 1.1, 'updates.vendor.example:8080')], NO_WARMUP).alerts);
    expect(a?.severity).toBe('low');
    expect(a?.evidence.named).toEqual([{ name: 'updates.vendor.example', via: 'http-host' }]);
    expect(String(a?.evidence.note)).toContain('lookup was likely made outside the capture');
    expect(a?.message).toContain('named updates.vendor.example by its HTTP Host');
    expect(a?.first).toBe(new Date(at(1) / 1000).toISOString()); // the flow's start, not the request's
  });

  it('keeps an HTTP Host that is the IP literal high, as the stronger evidence, even in the warm-up', () => {
    const f = flow(1, MON, '203.0.113.7', 80);
    const [a] = noDns(run([f, http(f, 1.1, '203.0.113.7')]).alerts); // default 300 s warm-up
    expect(a?.severity).toBe('high');
    expect(a?.evidence.hardCoded).toEqual({ httpHost: '203.0.113.7' });
    expect(a?.evidence.uncertain).toBeUndefined();
    expect(a?.message).toContain('by its IP literal (HTTP Host 203.0.113.7)');
    const v6 = flow(2, MON, '2001:db8::7', 80);
    expect(noDns(run([v6, http(v6, 2.1, '[2001:db8::7]:80')]).alerts)[0]?.evidence.hardCoded).toEqual({
      httpHost: '2001:db8::7',
    });
  });

  it('grades a TLS flow with an SNI low, and an FTP greeting naming its server low', () => {
    const t = flow(1, MON, '203.0.113.8', 443);
    expect(noDns(run([t, tls(t, 1.1, 'api.vendor.example')], NO_WARMUP).alerts)[0]).toMatchObject({
      severity: 'low',
      evidence: { named: [{ name: 'api.vendor.example', via: 'tls-sni' }] },
    });
    const q = flow(1, MON, '203.0.113.10', 443, 'udp'); // QUIC: its Initial's ClientHello
    expect(noDns(run([q, tls(q, 1.1, 'quic.vendor.example')], NO_WARMUP).alerts)[0]?.severity).toBe('low');
    expect(noDns(run([flow(1, MON, '203.0.113.10', 5000, 'udp')], NO_WARMUP).alerts)[0]?.severity).toBe('high');
    const f = flow(1, MON, '203.0.113.9', 21);
    const banner: WardEvent = {
      type: 'service-banner',
      ts: at(1.2),
      flowId: f.flowId,
      src: f.src,
      dst: f.dst,
      service: 'ftp',
      banner: '220 ftp.vendor.example FTP server (vsftpd) ready',
    };
    expect(noDns(run([f, banner], NO_WARMUP).alerts)[0]).toMatchObject({
      severity: 'low',
      evidence: { named: [{ name: 'ftp.vendor.example', via: 'greeting' }] },
    });
  });

  it('stays high for a flow that names nothing (the CMS8000 HL7 copy), judged at its end or when input ends', () => {
    const f = flow(1, MON, '202.114.4.120', 515);
    expect(noDns(run([f, end(f, 5, [6, 4])], NO_WARMUP).alerts)[0]?.severity).toBe('high');
    expect(noDns(run([flow(1, MON, '202.114.4.120', 515)], NO_WARMUP).alerts)[0]?.severity).toBe('high');
  });

  it('counts flows and named flows when an aggregate mixes both, and the unnamed flow keeps it high', () => {
    const a = flow(1, MON, '203.0.113.7', 80);
    const b = flow(3, MON, '203.0.113.7', 80);
    const [x] = noDns(run([a, http(a, 1.1, 'cdn.vendor.example'), b, end(b, 4, [3, 2])], NO_WARMUP).alerts);
    expect(x).toMatchObject({ severity: 'high', count: 2, evidence: { flows: 2, namedFlows: 1 } });
  });

  it('reads the host out of Host headers and greetings', () => {
    expect(hostPart('example.org:8080')).toBe('example.org');
    expect(hostPart('[2001:db8::1]:80')).toBe('2001:db8::1');
    expect(hostPart('2001:db8::1')).toBe('2001:db8::1');
    expect(greetingName('220 mail.example.org ESMTP Postfix')).toBe('mail.example.org');
    expect(greetingName('220 (vsFTPd 3.0.3)')).toBeUndefined();
    expect(greetingName('220 192.0.2.1 FTP ready')).toBeUndefined();
  });
});

describe('dns.bypass', () => {
  it('a device asking an outside resolver on 53 is dns.bypass with the names asked, not egress.no-dns', () => {
    const f = flow(1, MON, '198.51.100.53', 53, 'udp');
    const q: WardEvent = {
      type: 'dns-query',
      ts: at(1),
      flowId: f.flowId,
      asker: MON.ip,
      server: '198.51.100.53',
      id: 7,
      query: 'Update.Vendor.example.',
      qtype: 'A',
    };
    // Without a site resolver on record the outside one may be the configured one: low, said so.
    const alone = run([f, q], NO_WARMUP).alerts;
    expect(alone.map((a) => [a.rule, a.severity])).toEqual([['dns.bypass', 'low']]);
    expect(String(alone[0]?.evidence.note)).toContain('may be the configured resolver');
    // The site's resolver answered the ward (10.1.1.1): asking another one is a bypass, medium.
    const { alerts } = run([dns(0, MON.ip, 'central.example.org', '10.1.1.2'), f, q], NO_WARMUP);
    expect(rules(alerts)).toEqual(['dns.bypass']);
    expect(alerts[0]).toMatchObject({
      severity: 'medium',
      dst: { ip: '198.51.100.53', port: 53 },
      device: { id: MON.mac },
      evidence: { resolver: '198.51.100.53', via: 'dns', names: ['update.vendor.example'], flows: 1 },
    });
    // DNS over TLS on 853, and DNS over HTTPS by the endpoint's SNI.
    expect(run([flow(1, MON, '198.51.100.54', 853)], NO_WARMUP).alerts.map((a) => [a.rule, a.evidence.via])).toEqual([
      ['dns.bypass', 'dns-over-tls'],
    ]);
    expect(rules(run([flow(1, MON, '198.51.100.54', 853)], NO_WARMUP).alerts)).not.toContain('egress.no-dns');
    const h = flow(1, MON, '198.51.100.55', 443);
    const doh = run([h, tls(h, 1.1, 'dns.google')], NO_WARMUP).alerts;
    expect(doh.find((a) => a.rule === 'dns.bypass')?.evidence).toMatchObject({
      via: 'dns-over-https',
      endpoint: 'dns.google',
    });
  });

  it('stays quiet for a resolver DHCP handed out and for the site resolver forwarding', () => {
    const lease: WardEvent = {
      type: 'dhcp-lease',
      ts: at(0),
      msgType: 'ACK',
      clientMac: MON.mac,
      xid: 1,
      src: { ip: '10.1.1.1', port: 67 },
      dst: { ip: MON.ip, port: 68 },
      yourIp: MON.ip,
      dnsServers: ['198.51.100.53'],
    };
    expect(run([lease, flow(1, MON, '198.51.100.53', 53, 'udp')]).alerts).toEqual([]);
    // 10.1.1.1 answers the ward (a site resolver): its own queries upstream are forwarding.
    const answer = { ...dns(1, MON.ip, 'a.example.org', '203.0.113.70'), server: '10.1.1.1' };
    const fwd = flow(2, { ip: '10.1.1.1', mac: '00:0c:29:aa:bb:fe' }, '9.9.9.9', 53, 'udp');
    expect(rules(run([answer, fwd], NO_WARMUP).alerts)).toEqual([]);
  });
});

describe('DNS warm-up per device', () => {
  const early = (ev: WardEvent[]) => noDns(run(ev).alerts).map((a) => a.severity);

  it('counts from the device’s own first packet, not the capture’s', () => {
    // The central station talks from 0 s; the monitor appears at 400 s: its lookup may predate that.
    const central = [flow(0, CENTRAL, '10.1.1.3', 80), flow(200, CENTRAL, '10.1.1.3', 80)];
    expect(early([...central, flow(400, MON, '203.0.113.7', 515)])).toEqual(['low']);
    // The monitor itself seen at 0 s (then quiet while the capture went on): 400 s later it has no excuse.
    expect(early([flow(0, MON, '10.1.1.3', 80), central[1]!, flow(400, MON, '203.0.113.7', 515)])).toEqual(['high']);
    const [a] = noDns(run([...central, flow(400, MON, '203.0.113.7', 515)]).alerts);
    expect(String(a?.evidence.uncertain)).toContain("0 s after the device's first packet");
  });

  it('restarts after a gap in the input longer than the window (two captures far apart in one file)', () => {
    expect(early([flow(0, MON, '10.1.1.3', 80), flow(10_000, MON, '203.0.113.7', 515)])).toEqual(['low']);
    // Packets all along (every 200 s) keep the clock running.
    const steady = [0, 200, 400, 600].map((s) => flow(s, MON, '10.1.1.3', 80));
    expect(early([...steady, flow(700, MON, '203.0.113.7', 515)])).toEqual(['high']);
  });
});

describe('inbound.outside', () => {
  const OUT = { ip: '203.0.113.66' };

  it('raises high for an answered RPC service, medium for another answered one, and low for the grouped scan', () => {
    const pm = flow(1, OUT, MON.ip, 111);
    const web = flow(2, OUT, CENTRAL.ip, 80);
    const closed = [3, 4, 5].map((s, i) => flow(s, OUT, `10.1.1.${20 + i}`, 23));
    const { alerts } = run([
      { type: 'device-seen', ts: at(0), mac: MON.mac, ip: MON.ip, via: 'arp' },
      pm,
      web,
      ...closed,
      end(pm, 6, [4, 3]),
      end(web, 6, [5, 4]),
      ...closed.map((f) => end(f, 6, [1, 1], 'rst')),
    ]);
    const inbound = alerts.filter((a) => a.rule === 'inbound.outside');
    expect(inbound.map((a) => [a.severity, a.dst.ip, a.dst.port ?? null, a.evidence.answered])).toEqual([
      ['high', MON.ip, 111, true],
      ['medium', CENTRAL.ip, 80, true],
      ['low', '10.1.1.20', null, false],
    ]);
    expect(inbound[0]?.evidence).toMatchObject({
      services: ['portmap'],
      rpc: true,
      devicesTried: 5,
      devicesAnswered: 2,
    });
    expect(inbound[0]?.device.id).toBe(MON.mac);
    expect(inbound[2]).toMatchObject({ count: 3, evidence: { devicesTried: 5, unanswered: 3, ports: ['tcp/23'] } });
    expect(inbound[2]?.message).toContain('3 attempts got no answer');
  });

  it('counts an RPC reply from a site device to an outside caller as an answered RPC service', () => {
    const call: WardEvent = {
      type: 'rpc-call',
      ts: at(2),
      flowId: 77,
      src: { ip: OUT.ip, port: 700 },
      dst: { ip: MON.ip, port: 2049 },
      transport: 'udp',
      xid: 9,
      prog: 100005,
      progName: 'mount',
      vers: 3,
      proc: 5,
      procName: 'EXPORT',
      reply: { accepted: true, status: 0 },
    };
    const [a] = run([call]).alerts.filter((x) => x.rule === 'inbound.outside');
    expect(a).toMatchObject({
      severity: 'high',
      evidence: { rpc: true, rpcCalls: ['mount.EXPORT'], rpcReplies: ['ok'] },
    });
  });

  it('ignores outside flows seen without their SYN and site-to-site connections', () => {
    const mid = flow(1, OUT, MON.ip, 22, 'tcp', false);
    const local = flow(1, CENTRAL, MON.ip, 22);
    expect(rules(run([mid, local, end(mid, 2, [3, 3]), end(local, 2, [3, 3])]).alerts)).not.toContain(
      'inbound.outside',
    );
  });
});

describe('service.insecure: the r-services', () => {
  it('covers rexec 512, rlogin 513 and rsh 514 over TCP, not syslog on UDP 514', () => {
    const ev = [512, 513, 514].map((p, i) => flow(i, { ip: '10.1.1.77', mac: '00:0c:29:aa:bb:77' }, MON.ip, p));
    const a = run([...ev, flow(5, MON, '10.1.1.5', 514, 'udp')]).alerts.filter((x) => x.rule === 'service.insecure');
    expect(a.map((x) => [x.dst.port, x.evidence.service, x.evidence.role])).toEqual([
      [512, 'rexec', 'server'],
      [513, 'rlogin', 'server'],
      [514, 'rsh', 'server'],
    ]);
  });
});

describe('a netmask is not an address', () => {
  it('is recognised, and a flow to one raises nothing', () => {
    expect(['255.255.255.0', '255.255.0.0', '255.0.0.0', '255.255.255.252'].map(isNetmask)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['255.255.255.255', '254.1.0.0', '203.0.113.0', '128.0.0.0', '10.0.0.0'].map(isNetmask)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(run([flow(1, MON, '255.255.255.0', 9999, 'udp')], NO_WARMUP).alerts).toEqual([]);
  });
});
