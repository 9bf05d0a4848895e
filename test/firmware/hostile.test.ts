// Hostile images end with a clear WardwatchError, write nothing outside the private temp dir,
// and leave no temp dir behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WardwatchError } from '../../src/errors.js';
import { auditFirmware } from '../../src/firmware/audit.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { cms8000Tree, cpioArchive, missingTools, mksquashfs, tarArchive, writeTree } from './images.js';

const missing = missingTools();
const base = mkdtempSync(join(tmpdir(), 'ww-fw-hostile-'));
// Unpacks happen in base/tmp/wardwatch-<uid>/fw-<pid>-XXXX/root: a traversal of a few levels
// would land in base/tmp or base, which must stay as they are.
const unpackTmp = join(base, 'tmp');
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  mkdirSync(unpackTmp);
  process.env.TMPDIR = unpackTmp;
});
afterEach(() => {
  expect(readdirSync(unpackTmp)).toEqual([]);
  expect(existsSync(join(base, 'evil'))).toBe(false);
  expect(existsSync(join(unpackTmp, 'evil'))).toBe(false);
});
afterAll(() => {
  process.env.TMPDIR = savedTmp;
  rmSync(base, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<WardwatchError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WardwatchError);
  const we = err as WardwatchError;
  expect(we.code).toBe('WW_FIRMWARE');
  expect(we.exitCode).toBe(2);
  return we;
}

describe.skipIf(missing.length > 0)('hostile firmware images', () => {
  it('refuses a tar with ../ names before extracting anything', async () => {
    const tar = join(base, 'traversal.tar');
    writeFileSync(
      tar,
      tarArchive([
        { name: 'etc/rcS', data: 'echo hi\n' },
        { name: '../../evil', data: 'owned\n' },
        { name: '../../../evil', data: 'owned\n' },
      ]),
    );
    const err = await rejection(auditFirmware(tar));
    expect(err.message).toBe(
      "traversal.tar: member '../../evil' contains '..'; refusing to unpack (hostile or damaged image)",
    );
  });

  it('refuses a tar that writes through its own symlink (link to a directory outside, then a file in it)', async () => {
    const victim = join(base, 'victim');
    mkdirSync(victim);
    const tar = join(base, 'symlink.tar');
    writeFileSync(
      tar,
      tarArchive([
        { name: 'etc', type: '2', linkname: victim },
        { name: 'etc/passwd', data: 'root::0:0::/:/bin/sh\n' },
      ]),
    );
    const err = await rejection(auditFirmware(tar));
    expect(err.message).toContain("member 'etc/passwd' would be written through symlink 'etc'");
    expect(readdirSync(victim)).toEqual([]);
  });

  it('never links to a file outside the archive (hard link to ../../../etc/passwd)', async () => {
    // GNU tar lists and extracts the target with its leading '../' removed, so the link can
    // only name a member inside the tree; here there is none and the image is refused.
    const tar = join(base, 'hardlink.tar');
    writeFileSync(tar, tarArchive([{ name: 'passwd', type: '1', linkname: '../../../etc/passwd' }]));
    const err = await rejection(auditFirmware(tar));
    expect(err.message).toMatch(
      /^hardlink\.tar: tar failed: tar: passwd: Cannot hard link to .etc\/passwd.: No such file/,
    );
  });

  it('never follows a symlink out of the image: links to /etc and to a host file are not read', async () => {
    const host = join(base, 'host-passwd');
    writeFileSync(host, 'root::0:0:root:/root:/bin/sh\n');
    const tree = writeTree(join(base, 'links'), {
      'etc/passwd': { symlink: host },
      'etc/host-etc': { symlink: '/etc' },
      'bin/pw': { symlink: '/etc/passwd' },
      'etc/init.d/rcS': '#!/bin/sh\necho ok\n',
    });
    const r = await auditFirmware(mksquashfs(tree, join(base, 'links.sqfs')));
    expect(r.findings).toEqual([]);
    expect(r.files).toBe(1);
    expect(readFileSync(host, 'utf8')).toBe('root::0:0:root:/root:/bin/sh\n');
  });

  it('refuses a squashfs declaring a 10 GB sparse file, before extracting it', async () => {
    const tree = writeTree(join(base, 'sparse'), { 'etc/rcS': 'echo hi\n' });
    execFileSync('truncate', ['-s', '16M', join(tree, 'huge')]);
    // Build with uncompressed inodes, then raise the file's declared size to 10 GiB: the same
    // image mksquashfs makes from a 10 GB sparse file, without a minute of reading zeros.
    const img = join(base, 'sparse.sqfs');
    execFileSync('mksquashfs', [tree, img, '-noappend', '-quiet', '-no-progress', '-noI'], { stdio: 'ignore' });
    const b = readFileSync(img);
    const size16m = Buffer.alloc(8);
    size16m.writeBigUInt64LE(16n * 1024n * 1024n);
    let patched = false;
    for (let at = b.indexOf(size16m); at >= 0; at = b.indexOf(size16m, at + 1)) {
      if (at >= 24 && b.readUInt16LE(at - 24) === 9) {
        b.writeBigUInt64LE(10n * 1024n ** 3n, at); // extended regular inode: file_size
        patched = true;
      }
    }
    expect(patched).toBe(true);
    writeFileSync(img, b);
    const err = await rejection(auditFirmware(img));
    expect(err.message).toBe(
      'sparse.sqfs: more than 536870912 bytes once unpacked; refusing to unpack (hostile or damaged image)',
    );
  });

  it('stops a gzip bomb at the size limit', async () => {
    const bomb = join(base, 'bomb.gz');
    execFileSync('/bin/sh', ['-c', `head -c 64M /dev/zero | gzip -1 > "${bomb}"`]);
    const err = await rejection(auditFirmware(bomb, { limits: { maxBytes: 8 * 1024 * 1024 } }));
    expect(err.message).toBe(
      `${bomb}: decompresses to more than 8388608 bytes (compression bomb?); refusing to unpack`,
    );
  });

  it('stops a tar.gz whose members add up beyond the limit', async () => {
    const src = join(base, 'big');
    mkdirSync(src);
    execFileSync('truncate', ['-s', '20M', join(src, 'a'), join(src, 'b')]);
    const tgz = join(base, 'big.tar.gz');
    // -S stores them sparse: the tar itself stays small, only the listing shows the sizes.
    execFileSync('tar', ['-cSzf', tgz, '-C', src, '.']);
    const err = await rejection(auditFirmware(tgz, { limits: { maxBytes: 32 * 1024 * 1024 } }));
    expect(err.message).toBe(
      'big.tar.gz (decompressed): more than 33554432 bytes once unpacked; refusing to unpack (hostile or damaged image)',
    );
  });

  it('kills a tool that writes a file beyond the size cap (ext image, no size listing)', async () => {
    const src = join(base, 'extsrc');
    mkdirSync(src);
    execFileSync('truncate', ['-s', '64M', join(src, 'huge')]);
    const img = join(base, 'huge.ext4');
    try {
      execFileSync('mke2fs', ['-q', '-t', 'ext4', '-d', src, img, '8M'], { stdio: 'ignore' });
    } catch {
      return; // old e2fsprogs without -d
    }
    const err = await rejection(auditFirmware(img, { limits: { maxBytes: 4 * 1024 * 1024 } }));
    expect(err.message).toMatch(/huge\.ext4|debugfs/);
  });

  it('refuses a cpio with ../ names', async () => {
    const img = join(base, 'evil.cpio');
    writeFileSync(
      img,
      cpioArchive([
        { name: 'ok', data: 'x' },
        { name: '../../evil', data: 'owned' },
      ]),
    );
    const err = await rejection(auditFirmware(img));
    expect(err.message).toContain("member '../../evil' contains '..'");
  });

  it('enforces the file-count and time limits', async () => {
    const img = mksquashfs(writeTree(join(base, 'count'), cms8000Tree()), join(base, 'count.sqfs'));
    const many = await rejection(auditFirmware(img, { limits: { maxFiles: 3 } }));
    expect(many.message).toContain('more than 3 files');
    const slow = await rejection(auditFirmware(img, { limits: { timeoutMs: 1 } }));
    expect(slow.message).toMatch(/time limit|timed out/);
  });

  it('removes the temp dir when interrupted (SIGINT)', () => {
    const img = mksquashfs(writeTree(join(base, 'int'), cms8000Tree()), join(base, 'int.sqfs'));
    const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/vite-node'), ['test/firmware/sigint-child.ts', img], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: unpackTmp },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const dir = r.stdout.trim().split('\n')[0] ?? '';
    expect(dir.startsWith(join(unpackTmp, `wardwatch-${process.getuid?.() ?? 0}`, 'fw-'))).toBe(true);
    expect(r.status).toBe(130);
    expect(r.stdout).not.toContain('still running');
    expect(existsSync(dir)).toBe(false);
  });
});
