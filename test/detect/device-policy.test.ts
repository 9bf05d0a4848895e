import { describe, expect, it } from 'vitest';
import type { PolicyFile } from '../../src/contract/policy.js';
import { CENTRAL, MON, NOW, device, dns, flow, run, rules } from './helpers.js';

const CMS = device(MON.mac, MON.ip, {
  model: 'CMS8000',
  class: 'patient-monitor',
  identifiedBy: ['hl7-msh3'],
  advisories: [{ id: 'ICSMA-25-030-01', cves: ['CVE-2025-0626', 'CVE-2025-0683'], title: 'Contec CMS8000' }],
});

describe('device.vulnerable', () => {
  it('fires once per device with advisories, with CVEs and how it was identified', () => {
    const { alerts } = run([], undefined, { devices: [CMS, device(CENTRAL.mac, CENTRAL.ip)] });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'device.vulnerable',
      severity: 'high',
      device: { id: MON.mac, model: 'CMS8000' },
      evidence: {
        advisories: ['ICSMA-25-030-01'],
        cves: ['CVE-2025-0626', 'CVE-2025-0683'],
        identifiedBy: ['hl7-msh3'],
      },
    });
  });
  it('severity and enabled come from the config', () => {
    expect(run([], 'rules:\n  device.vulnerable: {severity: low}\n', { devices: [CMS] }).alerts[0]?.severity).toBe(
      'low',
    );
    expect(run([], 'rules:\n  device.vulnerable: {enabled: false}\n', { devices: [CMS] }).alerts).toEqual([]);
  });
});

describe('device.new', () => {
  const seen = (s: number, mac: string, ip: string) => ({
    type: 'device-seen' as const,
    ts: Date.UTC(2025, 0, 30, 12, 0, s) * 1000,
    mac,
    ip,
    via: 'ip' as const,
  });
  it('fires only for devices first seen after learningUntil', () => {
    const yaml = 'learningUntil: 2025-01-30T12:00:30Z\n';
    const devices = [device('00:0c:29:aa:bb:99', '10.1.1.99', { hostname: 'laptop' })];
    const { alerts } = run(
      [seen(10, MON.mac, MON.ip), seen(40, MON.mac, '10.1.1.12'), seen(45, '00:0c:29:aa:bb:99', '10.1.1.99')],
      yaml,
      { devices },
    );
    expect(alerts.map((a) => [a.rule, a.severity, a.device.id, a.evidence.hostname])).toEqual([
      ['device.new', 'info', '00:0c:29:aa:bb:99', 'laptop'],
    ]);
  });
  it('is off without learningUntil', () => {
    expect(run([seen(45, '00:0c:29:aa:bb:99', '10.1.1.99')]).alerts).toEqual([]);
  });
});

describe('policy.violation', () => {
  const policy: PolicyFile = {
    version: 1,
    devices: [
      {
        name: 'monitors',
        match: { model: 'CMS8000' },
        mode: 'alert',
        allow: [
          { peer: CENTRAL.ip, proto: 'tcp', port: 2575 },
          { peer: 'time.example.org', proto: 'udp', port: 123 },
        ],
        deny: [],
      },
    ],
  };
  it('raises for flows no allow rule covers, naming the policy; allows names via DNS', () => {
    const ev = [
      flow(1, MON, CENTRAL.ip, 2575),
      dns(2, MON.ip, 'time.example.org', '203.0.113.123'),
      flow(3, MON, '203.0.113.123', 123, 'udp'),
      flow(4, MON, '10.1.1.50', 22),
    ];
    const { alerts } = run(ev, undefined, { devices: [{ ...CMS, advisories: [] }], policy });
    const a = alerts.filter((x) => x.rule === 'policy.violation');
    expect(a.map((x) => [x.dst.ip, x.dst.port, x.evidence.policy, x.evidence.blockedBy])).toEqual([
      ['10.1.1.50', 22, 'monitors', 'default deny (no allow rule matches)'],
    ]);
  });
  it('local-only blocks outside peers only; learn mode is silent', () => {
    const ev = [flow(1, MON, CENTRAL.ip, 2575), flow(2, MON, '203.0.113.9', 443)];
    const devs = [{ ...CMS, advisories: [] }];
    const local: PolicyFile = {
      version: 1,
      devices: [{ match: { mac: MON.mac }, mode: 'local-only', allow: [], deny: [] }],
    };
    expect(
      run(ev, 'allowlist: [{address: 203.0.113.9, note: x}]\n', { devices: devs, policy: local }).alerts.map(
        (x) => x.dst.ip,
      ),
    ).toEqual(['203.0.113.9']);
    const learn: PolicyFile = {
      version: 1,
      devices: [{ match: { mac: MON.mac }, mode: 'learn', allow: [], deny: [] }],
    };
    expect(
      rules(run(ev, 'allowlist: [{address: 203.0.113.9, note: x}]\n', { devices: devs, policy: learn }).alerts),
    ).toEqual([]);
  });
});

describe('suppressions', () => {
  const ev = [flow(1, MON, '203.0.113.7', 443)];
  it('hide a matching alert and say so in the warnings', () => {
    const yaml = `suppressions:\n  - {rule: egress.no-dns, device: "${MON.mac}", peer: 203.0.113.0/24, reason: vendor NTP, expires: 2099-01-01}\n`;
    const { alerts, detector } = run(ev, yaml);
    expect(alerts).toEqual([]);
    expect(detector.stats.suppressed).toBe(1);
    expect(detector.warnings.join('\n')).toContain(
      '1 egress.no-dns alert suppressed by suppression #1 until 2099-01-01: vendor NTP',
    );
  });
  it('an expired suppression is ignored with a warning and the alert re-appears', () => {
    const yaml = `suppressions:\n  - {rule: egress.no-dns, peer: 203.0.113.7, reason: old, expires: 2025-05-31}\n`;
    const { alerts, detector } = run(ev, yaml);
    expect(rules(alerts)).toEqual(['egress.no-dns']);
    expect(detector.warnings.join('\n')).toContain('expired on 2025-05-31');
    expect(NOW).toBeGreaterThan(Date.UTC(2025, 4, 31, 23, 59));
  });
});
