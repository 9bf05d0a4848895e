// The lab end to end: namespaces up, live monitors (one with the CMS8000 behaviour toward the
// 203.0.113.x stand-ins), capture on the gateway, checks on the capture, and everything torn
// down afterwards — also when a check fails. Needs root, iproute2 and tcpdump: CI runs as root
// and must run it; elsewhere it is skipped with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WardwatchError } from '../../src/errors.js';
import { isUp, labUp, NS, namespaces } from '../../src/lab/net.js';
import { type LabRunResult, labConfigYaml, labDown, labRun } from '../../src/lab/run.js';
import { releaseLabLock, takeLabLock } from '../helpers/lab-lock.js';
import { IN_CI } from '../helpers/paths.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';

const tool = (cmd: string, arg: string) => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const missing = [
  process.getuid?.() === 0 ? null : 'root',
  tool('ip', '-V') ? null : 'ip (iproute2)',
  tool('tcpdump', '--version') ? null : 'tcpdump',
  HAVE_TSHARK ? null : 'tshark',
].filter((m): m is string => m !== null);
const reason = missing.length > 0 ? `lab test needs ${missing.join(', ')}` : '';
if (reason && IN_CI) throw new Error(`${reason} (CI runs as root with these installed)`);
if (reason) console.warn(`skipping the lab test: ${reason}`);

describe('lab config', () => {
  it('lists the stand-ins as indicators and the ward as site', () => {
    const y = labConfigYaml();
    expect(y).toMatch(/address: 203\.0\.113\.119/);
    expect(y).toMatch(/address: 203\.0\.113\.120/);
    expect(y).toMatch(/- 10\.40\.12\.0\/24/);
    expect(y).not.toMatch(/address: 202\.114\.4/);
  });

  it('refuses to start without root, with a WW_LAB error', () => {
    const spy = vi.spyOn(process as { getuid: () => number }, 'getuid').mockReturnValue(1000);
    try {
      expect(() => labUp()).toThrow(WardwatchError);
      expect(() => labUp()).toThrow(/needs root/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe.skipIf(reason !== '')('lab end to end (root)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-lab-'));
  const prevDir = process.env.WARDWATCH_LAB_DIR;
  let run: LabRunResult;

  beforeAll(async () => {
    process.env.WARDWATCH_LAB_DIR = dir;
    await takeLabLock();
    try {
      run = await labRun({ scenario: 'cms8000', seconds: 5, out: join(dir, 'lab.pcap') });
    } catch (e) {
      labDown();
      releaseLabLock();
      throw e;
    }
  }, 480_000);

  afterAll(() => {
    try {
      labDown();
      expect(namespaces().filter((n) => n.startsWith('ww-'))).toEqual([]);
    } finally {
      releaseLabLock();
      if (prevDir === undefined) delete process.env.WARDWATCH_LAB_DIR;
      else process.env.WARDWATCH_LAB_DIR = prevDir;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is up, and up again is a no-op', () => {
    expect(isUp()).toBe(true);
    expect(labUp()).toEqual({ created: false });
  });

  it('every monitor got every message ACKed by the central station', () => {
    expect(run.monitors).toHaveLength(3);
    for (const m of run.monitors) {
      expect(m.result).toBeDefined();
      expect(m.result!.acked).toBe(m.result!.sent);
      expect(m.result!.acked).toBeGreaterThanOrEqual(3);
    }
    const cms = run.monitors.find((m) => m.app === 'CMS8000')!;
    expect(cms.result!.copies).toBe(cms.result!.sent);
    expect(cms.result!.nfs).toEqual({ mountPort: 20048, mounted: true, getattr: true });
  });

  it('captured the central feed, the HL7 copy to .120:515 and the mount from .119 on the gateway', () => {
    expect(existsSync(run.capture)).toBe(true);
    expect(run.packets).toBeGreaterThan(30);
    const central = tshark(run.capture, ['-Y', 'hl7 && ip.dst==10.40.12.20', '-T', 'fields', '-e', 'ip.src']);
    expect(new Set(central)).toEqual(new Set(['10.40.12.101', '10.40.12.102', '10.40.12.105']));
    const copy = tshark(run.capture, [
      '-d',
      'tcp.port==515,hl7',
      '-Y',
      'hl7 && tcp.dstport==515',
      '-T',
      'fields',
      '-e',
      'ip.src',
      '-e',
      'ip.dst',
    ]);
    expect(new Set(copy)).toEqual(new Set(['10.40.12.105\t203.0.113.120']));
    const calls = tshark(run.capture, [
      '-Y',
      'rpc.msgtyp==0',
      '-T',
      'fields',
      '-e',
      'ip.dst',
      '-e',
      'rpc.program',
      '-e',
      'mount.path',
    ]);
    expect(calls).toContain('203.0.113.119\t100000\t');
    expect(calls).toContain('203.0.113.119\t100005\t/export/cms8000');
    // Nothing ever went toward the real indicator range.
    expect(tshark(run.capture, ['-Y', 'ip.addr==202.114.4.0/24'])).toEqual([]);
  });

  it('the analyser finds the backdoor in the live capture', async () => {
    const { analyzeCaptures } = await import('../../src/engine/analyze.js');
    const res = await analyzeCaptures([run.capture], { configPath: run.config });
    const rules = new Set(res.alerts.map((a) => `${a.rule} ${a.dst.ip}`));
    expect(rules).toContain('egress.ioc 203.0.113.120');
    expect(rules).toContain('egress.ioc 203.0.113.119');
    expect([...rules].some((r) => r.startsWith('phi.cleartext 203.0.113.120'))).toBe(true);
    expect(res.alerts.filter((a) => a.dst.ip === '10.40.12.20' && a.rule === 'phi.cleartext')).toEqual([]);
    // The lab's capture starts before any device talks (dns.warmupSeconds: 0), so the hard-coded
    // address is judged with full confidence.
    expect(res.alerts.find((a) => a.rule === 'egress.no-dns' && a.dst.ip === '203.0.113.120')?.severity).toBe('high');
    // Each monitor has its own MAC in the lab, so only the backdoor monitor carries the model.
    const modelled = res.devices.filter((d) => d.model !== undefined);
    expect(modelled.map((d) => d.ips.filter((ip) => ip.startsWith('10.')))).toEqual([['10.40.12.105']]);
  });

  it('down stops the processes and removes the namespaces', () => {
    const r = labDown();
    expect(r.namespaces.sort()).toEqual(Object.values(NS).sort());
    expect(namespaces().filter((n) => n.startsWith('ww-'))).toEqual([]);
    expect(labDown().namespaces).toEqual([]);
  });
});
