// Learn on the simulated CMS8000 ward, then simulate and compile what was learnt: the backdoor
// is proposed as deny (with the alerts), never allowed; clinical flows are kept; the pump's
// update host is a DNS name (through its CNAME); a bad policy warns that it breaks monitoring.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyFile } from '../../src/contract/policy.js';
import { learnFromCaptures, observeCaptures, type Observation } from '../../src/engine/policy.js';
import { compileDnsmasq } from '../../src/policy/compile/dnsmasq.js';
import { compileNftables } from '../../src/policy/compile/nftables.js';
import type { LearnResult } from '../../src/policy/learn.js';
import { learn } from '../../src/policy/learn.js';
import { simulate } from '../../src/policy/simulate.js';
import { writeScenario } from '../../src/sim/scenarios.js';
import { inNs, ipns, skipUnless } from './netns.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-policy-'));
const cap = join(dir, 'cms8000.pcap');
let obs: Observation;
let learnt: LearnResult;
const BACKDOOR = ['10.40.12.104', '10.40.12.105'];

beforeAll(async () => {
  await writeScenario('cms8000', { durationSec: 120, seed: 11, out: cap });
  obs = await observeCaptures([cap]);
  learnt = learn({ flows: obs.flows, alerts: obs.alerts, devices: obs.devices, isSite: obs.isLocal });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dev = (ip: string) => learnt.policy.devices.find((d) => d.match.ip === ip)!;

describe('policy learn', () => {
  it('proposes deny for every backdoor peer, naming the alerts, and never allows it', () => {
    for (const ip of BACKDOOR) {
      const p = dev(ip);
      expect(p.deny.map((r) => [r.peer, r.reason])).toEqual([
        ['202.114.4.119', 'raised egress.ioc, egress.no-dns, rpc.outbound-nfs'],
        ['202.114.4.120', 'raised egress.ioc, egress.no-dns, phi.cleartext'],
      ]);
      expect(p.allow.map((r) => r.peer)).toEqual(['10.40.12.20']);
    }
    const everyAllow = learnt.policy.devices.flatMap((d) => d.allow.map((r) => r.peer));
    expect(everyAllow.some((p) => p.startsWith('202.114.4.'))).toBe(false);
  });
  it('keeps the clinical flows: HL7 to the central station, DICOM to PACS, DNS', () => {
    expect(dev('10.40.12.100').allow).toEqual([
      { direction: 'out', proto: 'tcp', port: 2575, peer: '10.40.12.20', note: 'clinical: HL7 to its central station' },
    ]);
    expect(dev('10.40.12.107').allow[0]).toMatchObject({
      peer: '10.40.12.30',
      port: 104,
      note: 'clinical: DICOM to PACS',
    });
    // The central station's many monitors are one grouped inbound rule.
    expect(dev('10.40.12.20').allow).toEqual([
      {
        direction: 'in',
        proto: 'tcp',
        port: 2575,
        peer: '10.40.12.0/24',
        note: 'clinical: HL7 to its central station',
      },
    ]);
  });
  it('uses the DNS name the pump itself looked up (CNAME chain followed) instead of the address', () => {
    const pump = dev('10.40.12.106');
    expect(pump.allow).toContainEqual({
      direction: 'out',
      proto: 'tcp',
      port: 443,
      peer: 'update.infusion-vendor.example',
      note: 'followed its own DNS answer (via cdn.vendor-cdn.example)',
    });
    expect(pump.allow.some((r) => /^\d/.test(r.peer) && r.port === 443)).toBe(false);
  });
  it('writes a valid version 2 policy', () => {
    expect(PolicyFile.parse(learnt.policy).version).toBe(2);
    expect(learnt.policy.devices.every((d) => d.mode === 'alert')).toBe(true);
  });
});

describe('policy simulate', () => {
  it('blocks the backdoor and nothing clinical when the learnt policy is enforced', () => {
    const policy = {
      ...learnt.policy,
      devices: learnt.policy.devices.map((d) => ({ ...d, mode: 'enforce' as const })),
    };
    const r = simulate({ policy, flows: obs.flows, devices: obs.devices, isSite: obs.isLocal });
    expect(r.warnings).toEqual([]);
    const cms = r.devices.find((d) => d.id === dev('10.40.12.104').match.mac)!;
    expect(new Set(cms.blocked.map((b) => `${b.dst}:${b.port}`))).toEqual(
      new Set(['202.114.4.119:111', '202.114.4.119:20048', '202.114.4.119:2049', '202.114.4.120:515']),
    );
    expect(cms.blocked.every((b) => b.flows > 0 && b.packets > 0 && /raised egress\.ioc/.test(b.reason))).toBe(true);
    expect(cms.allowed.map((a) => `${a.dst}:${a.port} ${a.reason}`)).toEqual([
      '10.40.12.20:2575 allow tcp 10.40.12.20:2575',
    ]);
    const blockedTotal = r.devices.flatMap((d) => d.blocked).filter((b) => !b.dst.startsWith('202.114.4.'));
    expect(blockedTotal).toEqual([]);
  });
  it('warns loudly when a policy would block a monitor HL7 feed', () => {
    const bad = PolicyFile.parse({
      version: 2,
      devices: [{ match: { model: 'Contec CMS8000' }, mode: 'local-only', deny: [{ peer: '10.40.12.20' }] }],
    });
    const r = simulate({ policy: bad, flows: obs.flows, devices: obs.devices, isSite: obs.isLocal });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]!.message).toMatch(
      /BLOCK A CLINICAL FLOW: .* HL7 to its central station 10\.40\.12\.20:2575 \(deny any 10\.40\.12\.20\)/,
    );
  });
});

describe('policy compile', () => {
  const enforce = () => ({
    ...learnt.policy,
    resolver: '10.40.12.1',
    devices: learnt.policy.devices.map((d) => ({ ...d, mode: 'enforce' as const })),
  });
  it('dnsmasq: an nftset line per DNS-name rule, for both tables', () => {
    const t = compileDnsmasq({ policy: enforce(), maxCacheTtl: 600 }).text;
    expect(t).toContain('max-cache-ttl=600\n');
    expect(t).toMatch(
      /^nftset=\/update\.infusion-vendor\.example\/4#inet#wardwatch#d\d+_n0,4#bridge#wardwatch#d\d+_n0,6#inet#wardwatch#d\d+_n0_6,6#bridge#wardwatch#d\d+_n0_6$/m,
    );
  });
  it('nftables: named sets per device, drops with counters and log prefixes, name sets outlive the cache TTL', () => {
    const t = compileNftables({ policy: enforce(), maxCacheTtl: 600 }).text;
    expect(t).toMatch(/table inet wardwatch \{/);
    expect(t).toMatch(/set d\d+_addr \{\n {4}type ipv4_addr\n {4}elements = \{ 10\.40\.12\.104 \}/);
    expect(t).toMatch(/ip daddr 202\.114\.4\.119 counter log prefix "wardwatch d\d+ deny: " reject/);
    expect(t).toContain('timeout 660s');
    expect(t).toMatch(/dnat ip to 10\.40\.12\.1/);
  });
  describe.skipIf(skipUnless())('nft -c in a scratch namespace', () => {
    const ns = `wwchk-${process.pid}`; // not ww-*: the lab tests check that no ww-* namespace is left
    beforeAll(() => ipns('netns', 'add', ns));
    afterAll(() => ipns('netns', 'delete', ns));
    it('accepts the compiled learnt policy, schedules, grants, local-only and quarantine', () => {
      const policy = PolicyFile.parse({
        ...enforce(),
        devices: [
          ...enforce().devices,
          {
            match: { ip: '10.40.12.150' },
            mode: 'local-only',
            schedule: { days: ['mon', 'fri'], hours: '06:00-22:00', tz: 'Europe/Berlin' },
          },
          { match: { ip: '10.40.12.151' }, mode: 'quarantine' },
        ],
        grants: [
          {
            id: 'g',
            device: '10.40.12.150',
            to: '203.0.113.9',
            from: new Date().toISOString(),
            until: new Date(Date.now() + 7200e3).toISOString(),
            reason: 'ticket 4711',
          },
        ],
      });
      const c = compileNftables({ policy, site: ['10.0.0.0/8'] });
      expect(c.text).toMatch(/meta day \{ "Monday", "Friday" \} meta hour "06:00"-"22:00"/);
      expect(c.text).toMatch(/elements = \{ 203\.0\.113\.9 timeout 7[12]\d\ds \}/);
      const r = inNs(ns, ['env', `TZ=${c.timeZone}`, 'nft', '-c', '-f', '-'], c.text);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // And it would refuse a broken one (the check can fail).
      expect(inNs(ns, ['nft', '-c', '-f', '-'], c.text.replace(' reject\n', ' rejekt\n')).status).not.toBe(0);
    });
  });
});

describe('learnFromCaptures', () => {
  it('is the same proposal through the library entry a console page calls', async () => {
    const r = await learnFromCaptures([cap]);
    expect(r.policy).toEqual(learnt.policy);
  }, 60_000);
});
