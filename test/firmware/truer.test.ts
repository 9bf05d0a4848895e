// Issue 16, firmware: a script that runs a file straight off a network mount is fw.remote-exec;
// the proposed policy never denies a device's clinical peers (learned allows with a capture, a
// deny list only without one) and a proposal that would match no device is an error.
import { describe, expect, it } from 'vitest';
import { type DevicePolicy, PolicyFile } from '../../src/contract/policy.js';
import { DEVICE_CLASSES } from '../../src/contract/records.js';
import { type CaptureView, crossLink } from '../../src/firmware/crosslink.js';
import { type ScriptContext, scanMounts, scanScript } from '../../src/firmware/rules.js';
import type { Finding } from '../../src/firmware/types.js';
import { verdict } from '../../src/policy/match.js';

function rules(text: string): unknown[] {
  const out: Finding[] = [];
  const ctx: ScriptContext = { remoteMounts: new Map() };
  const file = { rel: 'etc/init.d/rcS', lines: text.split('\n') };
  scanMounts(file, ctx, (f) => out.push(f));
  scanScript(file, ctx, (f) => out.push(f));
  return out.filter((f) => f.id === 'fw.remote-exec').map((f) => [f.line, f.address ?? null, f.zone ?? null]);
}

describe('fw.remote-exec: running a file from a network-mounted path', () => {
  const mount = '#!/bin/sh\nmount -t nfs -o nolock 198.51.100.19:/pm /mnt/pm\n';

  it('flags the file run directly, by a shell, sourced, or behind a test', () => {
    expect(rules(`${mount}/mnt/pm/start.sh\n`)).toEqual([[3, '198.51.100.19', 'outside']]);
    expect(rules(`${mount}sh /mnt/pm/update.sh --now\n`)).toEqual([[3, '198.51.100.19', 'outside']]);
    expect(rules(`${mount}. /mnt/pm/env\n`)).toEqual([[3, '198.51.100.19', 'outside']]);
    expect(rules(`${mount}[ -x /mnt/pm/run ] && /mnt/pm/run &\n`)).toEqual([[3, '198.51.100.19', 'outside']]);
    expect(rules(`${mount}if true; then nohup /mnt/pm/bin/agent; fi\n`)).toEqual([[3, '198.51.100.19', 'outside']]);
    // A CIFS share is a network mount as well; an fstab entry names the mount point.
    expect(rules('#!/bin/sh\nmount -t cifs //files.example.com/fw /media/fw\n/media/fw/setup\n')).toEqual([
      [3, 'files.example.com', 'outside'],
    ]);
  });

  it('does not flag reading, listing or naming a file on the mount, nor a local path that looks alike', () => {
    expect(rules(`${mount}ls /mnt/pm/start.sh\necho /mnt/pm/run\ntest -f /mnt/pm/x\n/mnt/pmx/run\n/mnt/pm\n`)).toEqual(
      [],
    );
    // No mount at all: /mnt/pm is a local directory.
    expect(rules('#!/bin/sh\n/mnt/pm/start.sh\n')).toEqual([]);
  });
});

const finding = (address: string, line: number): Finding => ({
  id: 'fw.hardcoded-address',
  severity: 'high',
  file: 'etc/init.d/rcS',
  line,
  evidence: `server ${address}`,
  address,
  zone: 'outside',
});
const FINDINGS = [finding('198.51.100.19', 6), finding('198.51.100.20', 9)];
const isSite = (ip: string) => ip.startsWith('10.');
const flowTo = (peer: string, port: number) => ({
  ip: '10.1.1.10',
  direction: 'out' as const,
  peer,
  proto: 'tcp',
  port,
  ts: Date.UTC(2025, 0, 30) * 1000,
  names: new Set<string>(),
});

describe('--policy-out without a capture: a deny list only', () => {
  it('denies the hard-coded peers and lets every other peer (the central station) pass', () => {
    const link = crossLink(FINDINGS, undefined, 'Contec CMS8000', {
      modelGiven: true,
      knownModels: ['Contec CMS8000', 'Epsimed MN-120'],
      knownClasses: DEVICE_CLASSES,
    });
    const dev = PolicyFile.parse(link.proposedPolicy).devices[0]!;
    expect(dev.match).toEqual({ model: 'Contec CMS8000' });
    expect(dev.deny.map((d) => d.peer)).toEqual(['198.51.100.19', '198.51.100.20']);
    expect(dev.allow.length).toBeGreaterThan(0); // never an empty allow list that blocks everything
    expect(verdict(dev, flowTo('10.1.1.2', 2575), isSite).allowed).toBe(true);
    expect(verdict(dev, flowTo('203.0.113.80', 443), isSite).allowed).toBe(true);
    expect(verdict(dev, flowTo('198.51.100.19', 2049), isSite)).toMatchObject({ allowed: false });
  });

  it('takes a unique part of a catalog model name (with a warning) or a device class', () => {
    const opts = { modelGiven: true, knownModels: ['Contec CMS8000', 'Epsimed MN-120'], knownClasses: DEVICE_CLASSES };
    const link = crossLink(FINDINGS, undefined, 'cms8000', opts);
    expect(link.proposedPolicy.devices[0]!.match).toEqual({ model: 'Contec CMS8000' });
    expect(link.warnings).toEqual(["--model 'cms8000' taken as the catalog's 'Contec CMS8000'"]);
    expect(crossLink(FINDINGS, undefined, 'patient-monitor', opts).proposedPolicy.devices[0]!.match).toEqual({
      class: 'patient-monitor',
    });
  });

  it('refuses a model that no catalog model or class is (the image file name by default)', () => {
    expect(() =>
      crossLink(FINDINGS, undefined, 'fw-2.1.sqfs', { knownModels: ['Contec CMS8000'], knownClasses: DEVICE_CLASSES }),
    ).toThrow(/would match no device/);
  });
});

describe('--policy-out with a capture: allows learned from the device’s traffic', () => {
  const learned: DevicePolicy = {
    name: 'Contec CMS8000 00:0c:29:aa:bb:01',
    match: { mac: '00:0c:29:aa:bb:01', ip: '10.1.1.10' },
    mode: 'alert',
    allow: [
      { peer: '10.1.1.2', proto: 'tcp', port: 2575, note: 'clinical: hl7' },
      { peer: '198.51.100.20', proto: 'tcp', port: 515, note: 'outside peer by address (no DNS answer seen)' },
    ],
    deny: [],
  };
  const view: CaptureView = {
    contacted: new Set(['10.1.1.2', '198.51.100.20']),
    devices: [
      {
        id: '00:0c:29:aa:bb:01',
        model: 'Contec CMS8000',
        class: 'patient-monitor',
        learned,
        peers: new Set(['10.1.1.2', '198.51.100.20']),
      },
      {
        id: '00:0c:29:aa:bb:02',
        class: 'central-station',
        learned: { ...learned, match: { mac: '00:0c:29:aa:bb:02' }, allow: [] },
        peers: new Set(['10.1.1.10']),
      },
    ],
  };

  it('keeps the clinical peers allowed, denies the hard-coded ones, and matches the device that reached them', () => {
    const link = crossLink(FINDINGS, view, 'cms.sqfs');
    const devices = PolicyFile.parse(link.proposedPolicy).devices;
    expect(devices.map((d) => d.match)).toEqual([{ mac: '00:0c:29:aa:bb:01', ip: '10.1.1.10' }]);
    const dev = devices[0]!;
    expect(dev.allow.map((r) => r.peer)).toEqual(['10.1.1.2']);
    expect(dev.deny.map((r) => r.peer)).toEqual(['198.51.100.19', '198.51.100.20']);
    expect(verdict(dev, flowTo('10.1.1.2', 2575), isSite).allowed).toBe(true);
    expect(verdict(dev, flowTo('198.51.100.20', 515), isSite).allowed).toBe(false);
    expect(link.contacted).toEqual(['198.51.100.20']);
  });

  it('matches by --model when given, and refuses a capture where no device matches', () => {
    expect(crossLink(FINDINGS, view, 'central-station', { modelGiven: true }).proposedPolicy.devices[0]!.match).toEqual(
      { mac: '00:0c:29:aa:bb:02' },
    );
    const elsewhere: CaptureView = { contacted: new Set(), devices: [view.devices[1]!] };
    expect(() => crossLink(FINDINGS, elsewhere, 'Contec CMS8000', { modelGiven: true })).toThrow(
      /would match no device in the capture/,
    );
    // A cross-link without --policy-out (strict: false) falls back to a deny list, and says so.
    const loose = crossLink(FINDINGS, elsewhere, 'Contec CMS8000', { modelGiven: true, strict: false });
    expect(loose.proposedPolicy.devices[0]!.match).toEqual({ model: 'Contec CMS8000' });
    expect(loose.warnings).toEqual([
      'no device in the capture matches the image: the proposed policy is a deny list by model',
    ]);
  });
});
