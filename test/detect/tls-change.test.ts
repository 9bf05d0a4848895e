import { describe, expect, it } from 'vitest';
import type { TlsCertificate, TlsHello } from '../../src/events.js';
import { at, MON, run } from './helpers.js';

const YAML = 'learningUntil: 2025-01-30T12:01:00Z\n'; // 60 s after T0
const JA4_A = 't12d2011s3_8dd61975155f_06a4338d0495';
const JA4_B = 't13d1516h2_8daaf6152771_e5627efa2ab1';
const cert = (sha: string, selfSigned = false): TlsCertificate => ({
  sha256: sha.repeat(64).slice(0, 64),
  subject: 'CN=cloud.vendor.example',
  issuer: selfSigned ? 'CN=cloud.vendor.example' : 'CN=Some CA',
  notBefore: '2025-01-01T00:00:00Z',
  notAfter: '2026-01-01T00:00:00Z',
  selfSigned,
});

let id = 100;
function hello(s: number, ja4: string, leaf?: TlsCertificate, src = MON): TlsHello {
  return {
    type: 'tls-hello',
    ts: at(s),
    flowId: id++,
    src: { ip: src.ip, mac: src.mac, port: 40000 + id },
    dst: { ip: '203.0.113.50', port: 443 },
    vlan: undefined,
    sni: 'cloud.vendor.example',
    alpn: undefined,
    version: 'TLS 1.2',
    certSubject: undefined,
    ja4,
    ja3: 'a607f3a5c94c2ee592af1456f36c8367',
    certs: leaf !== undefined ? [leaf] : undefined,
  };
}

describe('device.tls-change', () => {
  it('a JA4 the device did not send while learning raises one low alert with old and new', () => {
    const { alerts } = run(
      [hello(10, JA4_A, cert('a')), hello(70, JA4_B, cert('a')), hello(80, JA4_B, cert('a'))],
      YAML,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'device.tls-change',
      severity: 'low',
      device: { id: MON.mac },
      dst: { ip: '203.0.113.50', port: 443 },
      evidence: { change: 'client-fingerprint', old: [JA4_A], new: JA4_B, peer: '203.0.113.50' },
    });
  });

  it("a server's new leaf certificate raises with subject, issuer and the self-signed flag", () => {
    const { alerts } = run([hello(10, JA4_A, cert('a')), hello(70, JA4_A, cert('b', true))], YAML);
    expect(alerts.map((a) => a.evidence)).toEqual([
      expect.objectContaining({
        change: 'server-certificate',
        old: ['a'.repeat(64)],
        new: 'b'.repeat(64),
        selfSigned: true,
        issuer: 'CN=cloud.vendor.example',
      }),
    ]);
  });

  it('stays quiet for the same fingerprints, for changes during learning, for devices not seen while learning, and without learningUntil', () => {
    const other = { ip: '10.1.1.77', mac: '00:0c:29:aa:bb:77' };
    expect(run([hello(10, JA4_A, cert('a')), hello(70, JA4_A, cert('a'))], YAML).alerts).toEqual([]);
    expect(
      run([hello(10, JA4_A, cert('a')), hello(20, JA4_B, cert('b')), hello(70, JA4_B, cert('b'))], YAML).alerts,
    ).toEqual([]);
    expect(run([hello(70, JA4_B, undefined, other)], YAML).alerts).toEqual([]);
    expect(run([hello(10, JA4_A, cert('a')), hello(70, JA4_B, cert('b'))]).alerts).toEqual([]);
  });

  it('can be switched off in the config', () => {
    const yaml = `${YAML}rules:\n  device.tls-change: {enabled: false}\n`;
    expect(run([hello(10, JA4_A), hello(70, JA4_B)], yaml).alerts).toEqual([]);
  });
});
