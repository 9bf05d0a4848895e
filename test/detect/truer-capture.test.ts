// Truer alerts end to end: captures written with our writer (simulator TCP, our encoders) go
// through the reader, decoders, flow engine and detector. A named peer is graded below an IP
// literal, an outside resolver is dns.bypass, an outside host sweeping portmap and mounting
// from site devices is inbound.outside, and rsh is an insecure service.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import type { AlertRecord } from '../../src/contract/records.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { host } from '../../src/sim/wire.js';
import {
  dnsAsk,
  GW,
  HTTP_OK,
  hello,
  httpGet,
  MON,
  oru,
  outside,
  refused,
  rpcInto,
  T0,
  tcp,
  writeSim,
} from './wire-captures.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-truer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = parseConfig('dns: {warmupSeconds: 0}\n', 'test.yaml');
const by = (alerts: AlertRecord[], rule: string) => alerts.filter((a) => a.rule === rule);

describe('egress.no-dns and dns.bypass on a written capture', () => {
  const file = writeSim(dir, 'named.pcap', (sim) => {
    let t = T0 + 1e6;
    // The ward's resolver answers the monitor: the site's resolver is known.
    dnsAsk(sim, t - 5e5, MON, GW, 'central.ward.example', '10.1.1.2');
    t = tcp(sim, t, MON, outside('203.0.113.7'), 80, httpGet('updates.vendor.example'), HTTP_OK);
    t = tcp(sim, t + 1e6, MON, outside('203.0.113.8'), 80, httpGet('203.0.113.8'), HTTP_OK);
    t = tcp(sim, t + 1e6, MON, outside('203.0.113.9'), 443, hello('api.vendor.example'));
    dnsAsk(sim, t + 1e6, MON, outside('198.51.100.53'), 'time.vendor.example');
    tcp(sim, t + 2e6, MON, outside('202.114.4.120'), 515, oru('CMS8000'));
  });

  it('grades the named flows low, the IP-literal Host and the silent HL7 copy high, and the resolver bypass medium', async () => {
    const r = await analyzeCaptures([file], { salt: '00'.repeat(32), config });
    const noDns = by(r.alerts, 'egress.no-dns').map((a) => [
      a.dst.ip,
      a.severity,
      a.evidence.named ?? a.evidence.hardCoded ?? null,
    ]);
    expect(noDns).toEqual([
      ['203.0.113.8', 'high', { httpHost: '203.0.113.8' }],
      ['202.114.4.120', 'high', null],
      ['203.0.113.7', 'low', [{ name: 'updates.vendor.example', via: 'http-host' }]],
      ['203.0.113.9', 'low', [{ name: 'api.vendor.example', via: 'tls-sni' }]],
    ]);
    const bypass = by(r.alerts, 'dns.bypass');
    expect(bypass).toHaveLength(1);
    expect(bypass[0]).toMatchObject({
      severity: 'medium',
      device: { id: '00:0c:29:aa:bb:01' },
      dst: { ip: '198.51.100.53', port: 53 },
      evidence: { via: 'dns', names: ['time.vendor.example'] },
    });
  });
});

describe('inbound.outside on a written capture: an outside host sweeps portmap and mounts from site devices', () => {
  const scanner = host('scanner', '00:0c:29:aa:bb:fe', '203.0.113.66');
  const devices = [11, 12, 13, 14].map((n) => host(`d${n}`, `00:0c:29:aa:bb:${n}`, `10.1.1.${n}`));
  const file = writeSim(dir, 'sweep.pcap', (sim) => {
    let t = T0 + 1e6;
    // Two devices run the portmapper and answer; two refuse the connection.
    t = rpcInto(sim, t, scanner, devices[0]!, 100);
    t = rpcInto(sim, t + 1000, scanner, devices[1]!, 200);
    t = refused(sim, t + 1000, scanner, devices[2]!, 111);
    refused(sim, t + 1000, scanner, devices[3]!, 111);
    // The ward's own traffic: not inbound from outside.
    tcp(sim, t + 2000, devices[0]!, GW, 2575, oru('PUMP'));
  });

  it('raises high per device whose RPC service answered, and one low alert for the unanswered attempts', async () => {
    const r = await analyzeCaptures([file], { salt: '00'.repeat(32), config });
    const inbound = by(r.alerts, 'inbound.outside');
    const answered = inbound.filter((a) => a.evidence.answered === true);
    // Per device: the portmapper (111) and the mount daemon it pointed to (20048), both answered.
    expect(answered.map((a) => [a.severity, a.device.id, a.dst.port])).toEqual([
      ['high', '00:0c:29:aa:bb:11', 111],
      ['high', '00:0c:29:aa:bb:11', 20048],
      ['high', '00:0c:29:aa:bb:12', 111],
      ['high', '00:0c:29:aa:bb:12', 20048],
    ]);
    const pm = answered[0]!.evidence;
    expect(pm).toMatchObject({ services: ['portmap'], rpc: true, devicesTried: 4, devicesAnswered: 2 });
    expect(pm.rpcCalls).toEqual(['portmap.GETPORT']);
    expect(answered[1]!.evidence).toMatchObject({ rpcCalls: ['mount.MNT'], paths: ['/export'], rpcReplies: ['ok'] });
    const scan = inbound.filter((a) => a.evidence.answered === false);
    expect(scan).toHaveLength(1);
    expect(scan[0]).toMatchObject({
      severity: 'low',
      count: 2,
      src: { ip: '203.0.113.66' },
      evidence: { devicesTried: 4, devicesUnanswered: 2, ports: ['tcp/111'], devices: ['10.1.1.13', '10.1.1.14'] },
    });
    // Site devices talking to each other stay out of it.
    expect(inbound.every((a) => a.src.ip === '203.0.113.66')).toBe(true);
  });
});

describe('service.insecure on a written capture', () => {
  it('names rsh (514) offered by a device', async () => {
    const admin = host('admin', '00:0c:29:aa:bb:77', '10.1.1.77');
    const file = writeSim(dir, 'rsh.pcap', (sim) => {
      tcp(sim, T0 + 1e6, admin, MON, 514, new TextEncoder().encode('0\0root\0root\0ls\0'), new Uint8Array([0]));
    });
    const r = await analyzeCaptures([file], { salt: '00'.repeat(32), config });
    expect(by(r.alerts, 'service.insecure').map((a) => [a.dst.port, a.evidence.service, a.evidence.role])).toEqual([
      [514, 'rsh', 'server'],
    ]);
  });
});
