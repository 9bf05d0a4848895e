// Destinations behind a web or SOCKS proxy (issue 18's tunnels): egress.ioc and egress.no-dns
// judge the target a device's proxy request names, not only the proxy it connects to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { socks5Choice, socks5Greeting, socks5Reply, socks5Request } from '../../src/decode/socks-encode.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { extractAlert } from '../../src/engine/extract.js';
import type { TlsHello } from '../../src/events.js';
import { Zones } from '../../src/net/zones.js';
import { host } from '../../src/sim/wire.js';
import { Ingestor } from '../../src/store/ingest.js';
import { at, dns, flow, MON, PROXY, proxyReq, run } from './helpers.js';
import { hello, MON as MON_HOST, oru, T0, tcpTalk, writeSim } from './wire-captures.js';

const ioc = (alerts: ReturnType<typeof run>['alerts']) => alerts.filter((a) => a.rule === 'egress.ioc');
const noDns = (alerts: ReturnType<typeof run>['alerts']) => alerts.filter((a) => a.rule === 'egress.no-dns');

describe('egress.ioc through a proxy', () => {
  it('a CONNECT to the CMS8000 HL7 indicator: the indicator is the peer, the proxy and its answer are in the evidence, the flow is device → proxy', () => {
    const ev = proxyReq(5, MON, '202.114.4.120:515');
    const { alerts } = run([ev]);
    const a = ioc(alerts);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      severity: 'critical',
      src: { ip: MON.ip },
      dst: { ip: '202.114.4.120', port: 515 },
      device: { id: MON.mac },
      evidence: {
        indicator: '202.114.4.120',
        source: 'ICSMA-25-030-01',
        via: ['proxy'],
        proxied: [
          {
            proxy: '10.1.1.5:3128',
            protocol: 'http',
            command: 'connect',
            target: '202.114.4.120:515',
            answered: true,
            granted: true,
            status: 200,
          },
        ],
      },
      flows: [`${MON.ip}:${ev.src.port}>10.1.1.5:3128`],
    });
    expect(a[0]!.message).toContain('via proxy 10.1.1.5:3128 (HTTP CONNECT 202.114.4.120:515, granted (200))');
  });

  it('an attempt counts: refused and unanswered requests fire too, and say so', () => {
    const refused = ioc(run([proxyReq(5, MON, '202.114.4.119:111', { status: 403 })]).alerts);
    expect(refused[0]?.evidence.proxied).toEqual([
      expect.objectContaining({ answered: true, granted: false, status: 403 }),
    ]);
    expect(refused[0]?.message).toContain('refused (403)');
    const silent = ioc(run([proxyReq(5, MON, '202.114.4.120:515', { status: null, protocol: 'socks5' })]).alerts);
    expect(silent[0]?.evidence.proxied).toEqual([expect.objectContaining({ answered: false, protocol: 'socks5' })]);
    expect(silent[0]?.message).toContain('SOCKS5 connect 202.114.4.120:515, no answer seen');
  });

  it('the same indicator directly and through the proxy: one alert for the peer, both ways in `via`, both flows listed', () => {
    const direct = flow(1, MON, '202.114.4.120', 515);
    const viaProxy = proxyReq(9, MON, '202.114.4.120:515');
    const a = ioc(run([direct, viaProxy]).alerts);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ count: 2, first: new Date(at(1) / 1000).toISOString() });
    expect(a[0]!.evidence.via).toEqual(['flow', 'proxy']);
    expect(a[0]!.flows).toEqual([
      `${MON.ip}:${direct.src.port}>202.114.4.120:515`,
      `${MON.ip}:${viaProxy.src.port}>10.1.1.5:3128`,
    ]);
  });

  it('an indicator domain asked of the proxy: the proxy is the peer (it resolves the name), the name is the evidence', () => {
    const yaml = 'indicators:\n  - {domain: evil.example, note: test, source: unit}\n';
    const a = ioc(run([proxyReq(3, MON, 'c2.evil.example:443', { protocol: 'socks4a' })], yaml).alerts);
    expect(a.map((x) => [x.dst, x.evidence.resolvedName, x.evidence.via])).toEqual([
      [PROXY, 'c2.evil.example', ['proxy']],
    ]);
  });

  it('an ordinary name or address, and a UDP ASSOCIATE naming an indicator, fire nothing', () => {
    const { alerts } = run([
      proxyReq(1, MON, 'updates.vendor.example:443'),
      proxyReq(2, MON, '203.0.113.10:443'),
      proxyReq(3, MON, '202.114.4.120:515', { protocol: 'socks5', command: 'udp-associate' }),
    ]);
    expect(ioc(alerts)).toEqual([]);
  });
});

describe('egress.no-dns through a proxy', () => {
  const warm = 'dns: {warmupSeconds: 0}\n';

  it('an outside address literal no DNS answer gave: high, the proxy named, the flow device → proxy', () => {
    const ev = proxyReq(5, MON, '203.0.113.77:8443', { protocol: 'socks5' });
    const a = noDns(run([ev], warm).alerts);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      severity: 'high',
      dst: { ip: '203.0.113.77', port: 8443 },
      evidence: {
        dnsBefore: false,
        proxied: [expect.objectContaining({ proxy: '10.1.1.5:3128', protocol: 'socks5' })],
      },
      flows: [`${MON.ip}:${ev.src.port}>10.1.1.5:3128`],
    });
    expect(a[0]!.message).toMatch(/^asks proxy 10\.1\.1\.5:3128 for outside address 203\.0\.113\.77 port 8443/);
  });

  it('not for a name (the proxy looks it up), an address a DNS answer gave, a site address, or a UDP ASSOCIATE', () => {
    const { alerts } = run(
      [
        proxyReq(1, MON, 'api.vendor.example:443'),
        dns(2, MON.ip, 'api.vendor.example', '203.0.113.20'),
        proxyReq(3, MON, '203.0.113.20:443'),
        proxyReq(4, MON, '10.9.9.9:443'),
        proxyReq(5, MON, '203.0.113.30:0', { command: 'udp-associate', protocol: 'socks5' }),
      ],
      warm,
    );
    expect(noDns(alerts)).toEqual([]);
  });

  it('SOCKS early in the device’s activity: low, as for a direct flow (the lookup may predate the capture)', () => {
    const a = noDns(run([proxyReq(5, MON, '203.0.113.77:443', { protocol: 'socks5', status: 0 })]).alerts);
    expect(a.map((x) => [x.severity, typeof x.evidence.uncertain])).toEqual([['low', 'string']]);
  });

  it('an address in an HTTP proxy request was written into the client (the URL held it): high even early, hardCoded', () => {
    const a = noDns(run([proxyReq(5, MON, '203.0.113.77:443')]).alerts);
    expect(a.map((x) => [x.severity, x.evidence.hardCoded, x.evidence.uncertain])).toEqual([
      ['high', { proxyTarget: '203.0.113.77' }, undefined],
    ]);
    expect(a[0]!.message).toContain('by its IP literal (HTTP proxy target 203.0.113.77)');
  });

  it('a granted SOCKS tunnel whose TLS names its server: low and named, as a direct flow with SNI is', () => {
    const req = proxyReq(5, MON, '203.0.113.77:443', { protocol: 'socks5', status: 0 });
    const sni: TlsHello = {
      type: 'tls-hello',
      ts: at(5.1),
      flowId: req.flowId,
      src: req.src,
      dst: req.dst,
      sni: 'api.vendor.example',
      version: 'TLS 1.3',
    };
    const a = noDns(run([req, sni], warm).alerts);
    expect(a.map((x) => [x.severity, x.evidence.named, x.dst.ip])).toEqual([
      ['low', [{ name: 'api.vendor.example', via: 'tls-sni' }], '203.0.113.77'],
    ]);
    expect(a[0]!.message).toMatch(
      /^asks proxy 10\.1\.1\.5:3128 for outside address 203\.0\.113\.77 port 443 named api\.vendor\.example/,
    );
    // refused: nothing will name it, judged at once
    const refused = noDns(run([proxyReq(5, MON, '203.0.113.78:443', { protocol: 'socks5', status: 2 })], warm).alerts);
    expect(refused.map((x) => [x.severity, x.evidence.named])).toEqual([['high', undefined]]);
  });
});

describe('egress.beacon through a proxy', () => {
  const yaml = 'allowlist:\n  - {address: 203.0.113.40, note: x}\n';
  const at60 = [0, 60, 121, 180, 240, 301, 360];
  const beacon = (alerts: ReturnType<typeof run>['alerts']) => alerts.filter((a) => a.rule === 'egress.beacon');

  it('regular CONNECTs to one outside address: a beacon to that address, the proxy named, the first flow device → proxy', () => {
    const ev = at60.map((t) => proxyReq(t, MON, '203.0.113.40:8080'));
    const a = beacon(run(ev, yaml).alerts);
    expect(a.map((x) => [x.dst, x.count, x.evidence.proxies])).toEqual([
      [{ ip: '203.0.113.40', port: 8080 }, 7, ['10.1.1.5:3128']],
    ]);
    expect(a[0]!.message).toContain('through proxy 10.1.1.5:3128');
    expect(a[0]!.flows).toEqual([`${MON.ip}:${ev[0]!.src.port}>10.1.1.5:3128`]);
  });

  it('direct and proxied connections to the peer are one series; names and UDP ASSOCIATE are not counted', () => {
    const mixed = at60.map((t, i) =>
      i % 2 === 0 ? flow(t, MON, '203.0.113.40', 8080) : proxyReq(t, MON, '203.0.113.40:8080'),
    );
    expect(beacon(run(mixed, yaml).alerts).map((x) => [x.count, x.evidence.proxies])).toEqual([[7, ['10.1.1.5:3128']]]);
    const names = at60.map((t) => proxyReq(t, MON, 'api.vendor.example:443'));
    const udp = at60.map((t) =>
      proxyReq(t, MON, '203.0.113.40:8080', { command: 'udp-associate', protocol: 'socks5' }),
    );
    expect(beacon(run([...names, ...udp], yaml).alerts)).toEqual([]);
  });
});

describe('through an inside proxy, on a capture written with our writer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-proxy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const proxy = host('proxy', '00:0c:29:aa:bb:05', '10.1.1.5');
  const enc = new TextEncoder();
  const connect = (target: string) => enc.encode(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const established = enc.encode('HTTP/1.1 200 Connection established\r\n\r\n');
  const config = parseConfig('dns: {warmupSeconds: 0}\n', 'test.yaml');

  it('a monitor CONNECTs to 202.114.4.120:515 and sends HL7 in the tunnel: egress.ioc names the proxy and the target', async () => {
    const file = writeSim(dir, 'connect-ioc.pcap', (sim) => {
      tcpTalk(sim, T0 + 1e6, MON_HOST, proxy, 3128, [
        [connect('202.114.4.120:515'), established],
        [oru('CMS8000'), null],
      ]);
    });
    const ingest = new Ingestor(undefined, { zones: new Zones(), flushMs: 0 });
    const r = await analyzeCaptures([file], { salt: '00'.repeat(32), config, onEvent: ingest.onEvent });
    const a = r.alerts.filter((x) => x.rule === 'egress.ioc');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      dst: { ip: '202.114.4.120', port: 515 },
      src: { ip: '10.1.1.10' },
      evidence: {
        indicator: '202.114.4.120',
        via: ['proxy'],
        proxied: [
          { proxy: '10.1.1.5:3128', protocol: 'http', target: '202.114.4.120:515', granted: true, status: 200 },
        ],
      },
    });
    expect(a[0]!.message).toContain('via proxy 10.1.1.5:3128');
    expect(a[0]!.flows).toEqual([expect.stringMatching(/^10\.1\.1\.10:\d+>10\.1\.1\.5:3128$/)]);
    // `extract` cuts the packets behind the alert: the whole device → proxy connection
    const cut = await extractAlert([file], { out: join(dir, 'slice.pcap'), alert: a[0]! });
    expect(cut.packets).toBe(r.summary.packets);
    // the HL7 in the tunnel is read: patient data to the indicator, through the proxy
    expect(r.summary.apps).toMatchObject({ http: 1, hl7: 1 });
    const phi = r.alerts.filter((x) => x.rule === 'phi.cleartext');
    expect(phi.map((x) => [x.severity, x.dst, x.evidence.patients, x.evidence.proxy, x.evidence.outside])).toEqual([
      ['critical', { ip: '202.114.4.120', port: 515 }, 1, '10.1.1.5:3128', true],
    ]);
    expect(phi[0]!.message).toContain('to outside address 202.114.4.120 port 515 via proxy 10.1.1.5:3128');
    expect(phi[0]!.flows).toEqual(a[0]!.flows);
    expect(r.breach.destinations.map((d) => [d.ip, d.port, d.patients, d.indicator?.source])).toEqual([
      ['202.114.4.120', 515, 1, 'ICSMA-25-030-01'],
    ]);
    // the console's exposure rows (a store's Ingestor reading the same events) say the same destination
    const batch = ingest.take();
    expect([...batch.exposure.values()].map((d) => [d.ip, d.port, d.messages, [...d.devices]])).toEqual([
      ['202.114.4.120', 515, 1, ['00:0c:29:aa:bb:01']],
    ]);
    expect([...batch.patients.values()].map((x) => [x.ip, x.port])).toEqual([['202.114.4.120', 515]]);
    // the address literal asked of the proxy is also the hard-coded-address signature
    expect(r.alerts.filter((x) => x.rule === 'egress.no-dns').map((x) => [x.dst, x.severity])).toEqual([
      [{ ip: '202.114.4.120', port: 515 }, 'high'],
    ]);
  });

  it('a monitor asks a SOCKS5 proxy for 202.114.4.120:515: egress.ioc names the SOCKS proxy and the target', async () => {
    const socks = host('socks', '00:0c:29:aa:bb:06', '10.1.1.6');
    const file = writeSim(dir, 'socks-ioc.pcap', (sim) => {
      tcpTalk(sim, T0 + 1e6, MON_HOST, socks, 1080, [
        [socks5Greeting([0]), socks5Choice(0)],
        [socks5Request(1, '202.114.4.120', 515), socks5Reply(0, '10.1.1.6', 40100)],
        [oru('CMS8000'), null],
      ]);
    });
    const r = await analyzeCaptures([file], { salt: '00'.repeat(32), config });
    expect(r.summary.apps).toMatchObject({ socks: 1 });
    const a = r.alerts.filter((x) => x.rule === 'egress.ioc');
    expect(a.map((x) => [x.dst, x.evidence.proxied])).toEqual([
      [
        { ip: '202.114.4.120', port: 515 },
        [
          {
            proxy: '10.1.1.6:1080',
            protocol: 'socks5',
            command: 'connect',
            target: '202.114.4.120:515',
            answered: true,
            granted: true,
            status: 0,
          },
        ],
      ],
    ]);
    expect(a[0]!.message).toContain('via proxy 10.1.1.6:1080 (SOCKS5 connect 202.114.4.120:515, granted (0))');
    expect(r.alerts.filter((x) => x.rule === 'phi.cleartext').map((x) => [x.dst, x.evidence.proxy])).toEqual([
      [{ ip: '202.114.4.120', port: 515 }, '10.1.1.6:1080'],
    ]);
  });

  it('a CONNECT to an ordinary name, TLS inside: no egress alert', async () => {
    const file = writeSim(dir, 'connect-name.pcap', (sim) => {
      tcpTalk(sim, T0 + 1e6, MON_HOST, proxy, 3128, [
        [connect('updates.vendor.example:443'), established],
        [hello('updates.vendor.example'), null],
      ]);
    });
    const r = await analyzeCaptures([file], { salt: '00'.repeat(32), config });
    expect(r.summary.apps).toMatchObject({ http: 1, tls: 1 });
    expect(r.alerts.filter((x) => x.rule.startsWith('egress.'))).toEqual([]);
  });
});
