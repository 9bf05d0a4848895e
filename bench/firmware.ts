// Seconds to audit a generated ~64 MB squashfs image: the CMS8000-like tree plus ELF-headed
// binaries with incompressible payloads (so the image really is 64 MB) and a few thousand
// scripts and config files. Run: npx vite-node bench/firmware.ts [megabytes]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditFirmware } from '../src/firmware/audit.js';
import { cms8000Tree, minimalElf, writeTree } from '../test/firmware/images.js';

const MB = Number(process.argv[2] ?? 64);
const work = join(import.meta.dirname, 'work', 'firmware');
const tree = join(work, 'tree');
const image = join(work, `fw-${MB}M.sqfs`);

if (!existsSync(image)) {
  rmSync(work, { recursive: true, force: true });
  writeTree(tree, cms8000Tree());
  // Binaries: 256 KiB each, ELF header + strings a real build carries + random bytes.
  const binaries = Math.ceil((MB * 1024) / 256);
  for (let i = 0; i < binaries; i++) {
    const head = minimalElf({
      interp: '/lib/ld-uClibc.so.0',
      needed: ['libc.so.0'],
      data: `daemon${i} build 2013 OpenSSL 1.0.2k  26 Jan 2017 peer 198.51.100.${i % 250} http://update${i}.example.com/`,
    });
    const dir = join(tree, 'usr/bin', `d${i % 16}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `app${i}`), Buffer.concat([head, randomBytes(256 * 1024 - head.length)]));
  }
  for (let i = 0; i < 3000; i++) {
    const dir = join(tree, 'etc/conf.d', `g${i % 30}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `svc${i}.conf`),
      `#!/bin/sh\n# service ${i}\nSERVER=10.0.${i % 250}.1\nPORT=${1000 + i}\nifconfig eth${i % 2} up\nlogger started ${i}\n`.repeat(
        4,
      ),
    );
  }
  execFileSync('mksquashfs', [tree, image, '-noappend', '-quiet', '-no-progress', '-all-root'], { stdio: 'ignore' });
  rmSync(tree, { recursive: true, force: true });
}

const size = statSync(image).size;
const t0 = process.hrtime.bigint();
const report = await auditFirmware(image);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(
  JSON.stringify({
    bench: 'firmware-audit',
    image: `${(size / 1024 / 1024).toFixed(1)} MB squashfs`,
    files: report.files,
    findings: report.findings.length,
    components: report.components.length,
    seconds: Number(seconds.toFixed(2)),
  }),
);
