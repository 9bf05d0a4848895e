// The command as users run it: `firmware audit` registered on a bare program (so the test
// does not depend on other commands), output captured from stdout.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { register } from '../../src/cli/firmware.js';
import { PolicyFile } from '../../src/contract/policy.js';
import type { AuditReport } from '../../src/firmware/types.js';
import { cms8000Tree, MONITOR_ADDRESS, missingTools, mksquashfs, NFS_ADDRESS, writeTree } from './images.js';

const missing = missingTools();
const base = mkdtempSync(join(tmpdir(), 'ww-fw-cli-'));
const unpackTmp = join(base, 'tmp');
const savedTmp = process.env.TMPDIR;
let image: string;

beforeAll(() => {
  mkdirSync(unpackTmp);
  process.env.TMPDIR = unpackTmp;
  if (missing.length === 0) image = mksquashfs(writeTree(join(base, 'cms'), cms8000Tree()), join(base, 'cms.sqfs'));
});
afterEach(() => {
  expect(readdirSync(unpackTmp)).toEqual([]);
  process.exitCode = undefined;
});
afterAll(() => {
  process.env.TMPDIR = savedTmp;
  rmSync(base, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  // The CLI writes through output.ts, which waits for the write's callback, as a real stream calls it.
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    const done = rest.find((r): r is () => void => typeof r === 'function');
    done?.();
    return true;
  });
  try {
    await program.parseAsync(['node', 'wardwatch', 'firmware', 'audit', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

/** One TCP handshake: a ward device at 192.168.1.50 opens NFS (2049) at `dst`. */
function handshakePcap(dst: string): Buffer {
  const ip = (s: string) => s.split('.').map(Number);
  const packet = (src: string, to: string, sport: number, dport: number, flags: number): Buffer => {
    const b = Buffer.alloc(54);
    b.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6], 0); // dst, src MAC
    b.writeUInt16BE(0x0800, 12); // IPv4
    b[14] = 0x45; // version 4, IHL 5
    b.writeUInt16BE(40, 16); // total length
    b[22] = 64; // TTL
    b[23] = 6; // TCP
    b.set(ip(src), 26);
    b.set(ip(to), 30);
    b.writeUInt16BE(sport, 34);
    b.writeUInt16BE(dport, 36);
    b.writeUInt32BE(flags === 0x12 ? 5000 : 1000, 38); // seq
    b.writeUInt32BE(flags === 0x02 ? 0 : 1001, 42); // ack
    b[46] = 0x50; // data offset 5
    b[47] = flags;
    b.writeUInt16BE(65535, 48); // window
    return b;
  };
  const pkts = [
    packet('192.168.1.50', dst, 40000, 2049, 0x02),
    packet(dst, '192.168.1.50', 2049, 40000, 0x12),
    packet('192.168.1.50', dst, 40000, 2049, 0x10),
  ];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20); // Ethernet
  const recs = pkts.map((p, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1738200000 + i, 0);
    h.writeUInt32LE(p.length, 8);
    h.writeUInt32LE(p.length, 12);
    return Buffer.concat([h, p]);
  });
  return Buffer.concat([gh, ...recs]);
}

describe.skipIf(missing.length > 0)('wardwatch firmware audit (CLI)', () => {
  it('prints the JSON contract and writes a valid SBOM', async () => {
    const sbom = join(base, 'sbom.json');
    const report = JSON.parse(await run(image, '--format', 'json', '--sbom', sbom)) as AuditReport;
    expect(Object.keys(report)).toEqual(['image', 'format', 'files', 'findings', 'components', 'binaries', 'warnings']);
    expect(report.image).toBe(image);
    expect(report.format).toBe('squashfs');
    expect(report.findings[0]).toEqual({
      id: 'fw.empty-password',
      severity: 'critical',
      file: 'etc/passwd',
      line: 1,
      evidence: 'root::0:0:root:/root:/bin/sh',
    });
    const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
    expect(await validator.validate(readFileSync(sbom, 'utf8'))).toBeNull();
    expect(process.exitCode).toBeUndefined();
  });

  it('prints a table sorted by severity', async () => {
    const out = await run(image);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`Firmware ${image} (squashfs, 7 files)`);
    const sev = lines.filter((l) => /^(critical|high|medium|low|info) /.test(l)).map((l) => l.split(' ')[0]);
    expect(sev).toEqual(['critical', 'critical', 'critical', 'high', 'high', 'high', 'high', 'high', 'low', 'info']);
    expect(out).toContain('busybox  1.20.2');
  });

  it('exits 3 with --fail-on when a finding reaches it, 0 otherwise', async () => {
    await run(image, '--format', 'json', '--fail-on', 'critical');
    expect(process.exitCode).toBe(3);
    process.exitCode = undefined;
    const clean = writeTree(join(base, 'quiet'), { 'etc/motd': 'hello\n' });
    await run(clean, '--fail-on', 'low');
    expect(process.exitCode).toBeUndefined();
  });

  it('rejects bad limits as bad arguments (exit 1)', async () => {
    await expect(run(image, '--max-files', 'many')).rejects.toMatchObject({ code: 'WW_FIRMWARE', exitCode: 1 });
  });

  it('--capture reads the capture through the engine; --policy-out writes the proposal as YAML', async () => {
    const pcap = join(base, 'nfs.pcap');
    writeFileSync(pcap, handshakePcap(NFS_ADDRESS));
    const policyOut = join(base, 'policy.yaml');
    const report = JSON.parse(
      await run(image, '--format', 'json', '--capture', pcap, '--policy-out', policyOut, '--model', 'CMS8000'),
    ) as AuditReport;
    expect(report.contacted).toEqual([NFS_ADDRESS]);
    expect(report.notContacted).toEqual([MONITOR_ADDRESS]);
    const policy = PolicyFile.parse(parse(readFileSync(policyOut, 'utf8')));
    expect(policy).toEqual(report.proposedPolicy);
    expect(policy.devices[0]!.deny.map((d) => d.peer)).toEqual([NFS_ADDRESS, MONITOR_ADDRESS]);
    // The device that reached the hard-coded peer, by its MAC: a policy that matches it.
    expect(policy.devices[0]!.match).toMatchObject({ mac: '00:01:02:03:04:06' });
  });

  it('--policy-out without a capture: a deny list for a catalog model, an error for a model no device has', async () => {
    const policyOut = join(base, 'deny-only.yaml');
    await run(image, '--format', 'json', '--policy-out', policyOut, '--model', 'Contec CMS8000');
    const policy = PolicyFile.parse(parse(readFileSync(policyOut, 'utf8')));
    expect(policy.devices[0]!.match).toEqual({ model: 'Contec CMS8000' });
    expect(policy.devices[0]!.allow.map((r) => r.peer)).toEqual(['0.0.0.0/0', '::/0']);
    expect(policy.devices[0]!.deny.map((d) => d.peer)).toEqual([NFS_ADDRESS, MONITOR_ADDRESS]);
    // The default model is the image's file name: no device is ever that model.
    await expect(run(image, '--policy-out', join(base, 'none.yaml'))).rejects.toMatchObject({
      code: 'WW_FIRMWARE',
      message: expect.stringContaining('would match no device'),
    });
  });
});
