// Archive listings checked *before* extraction: tools differ in how well they resist
// traversal names and symlink tricks, so we refuse such archives ourselves.
import { open } from 'node:fs/promises';
import { WardwatchError } from '../errors.js';
import type { Limits } from './types.js';

export interface Member {
  name: string;
  kind: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  size: number;
  target?: string;
}

function reject(image: string, why: string): never {
  throw new WardwatchError('WW_FIRMWARE', `${image}: ${why}; refusing to unpack (hostile or damaged image)`, {
    exitCode: 2,
  });
}

/** Drops leading './' and '/' (tools strip them too); undefined when a component is '..'. */
export function normaliseMemberName(name: string): string | undefined {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return undefined;
  return parts.join('/');
}

/**
 * Enforces: no '..' components, no member stored beneath a symlink member (the
 * "symlink to /etc, then etc/passwd" trick), no hard link leaving the tree, and the
 * file-count and total-size limits using the sizes the archive declares.
 */
export function checkMembers(image: string, members: Member[], limits: Limits, budget: Budget): void {
  const links = new Set<string>();
  for (const m of members) {
    const name = normaliseMemberName(m.name);
    if (name === undefined) reject(image, `member '${m.name}' contains '..'`);
    if (m.kind === 'hardlink' && (m.target === undefined || normaliseMemberName(m.target) === undefined)) {
      reject(image, `hard link '${m.name}' points outside the archive ('${m.target ?? ''}')`);
    }
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (links.has(prefix)) reject(image, `member '${m.name}' would be written through symlink '${prefix}'`);
    }
    if (m.kind === 'symlink') links.add(name);
    budget.add(image, m.kind === 'file' ? m.size : 0, limits);
  }
}

/** Running totals shared by every level of a nested unpack. */
export class Budget {
  bytes = 0;
  files = 0;
  add(image: string, bytes: number, limits: Limits): void {
    this.bytes += bytes;
    this.files += 1;
    if (this.files > limits.maxFiles) reject(image, `more than ${limits.maxFiles} files`);
    if (this.bytes > limits.maxBytes) reject(image, `more than ${limits.maxBytes} bytes once unpacked`);
  }
}

// `tar -tv --numeric-owner` and `unsquashfs -lls` both print ls-like lines:
// "lrwxrwxrwx 0/0   11 2024-01-01 12:00 name -> target"; devices show "maj,min" for size.
const LS_LINE = /^([-dlhcbpsC])\S{9}\S*\s+\S+\s+(\d+|\d+,\s*\d+)\s+\d{4}-\d\d-\d\d\s+\d\d:\d\d(?::\d\d)?\s(.*)$/;

export function parseLsListing(text: string, hardlinkSep: string): Member[] {
  const out: Member[] = [];
  for (const line of text.split('\n')) {
    const m = LS_LINE.exec(line);
    if (!m) continue;
    const t = m[1]!;
    let rest = m[3]!.replace(/^\s+/, '');
    let target: string | undefined;
    let kind: Member['kind'] = t === '-' ? 'file' : t === 'd' ? 'dir' : t === 'l' ? 'symlink' : 'other';
    if (t === 'l') {
      const i = rest.indexOf(' -> ');
      if (i >= 0) [rest, target] = [rest.slice(0, i), rest.slice(i + 4)];
    } else if (t === 'h' || rest.includes(hardlinkSep)) {
      const i = rest.indexOf(hardlinkSep);
      if (i >= 0) [rest, target] = [rest.slice(0, i), rest.slice(i + hardlinkSep.length)];
      kind = 'hardlink';
    }
    const size = m[2]!.includes(',') ? 0 : Number(m[2]);
    out.push({ name: rest, kind, size, target });
  }
  return out;
}

/**
 * Lists a newc/crc cpio archive by reading its headers (110-byte ASCII, hex fields, name
 * and data each padded to 4). Bounded: stops at the trailer, the file end, or a bad header.
 */
export async function listCpio(path: string, maxMembers: number): Promise<Member[]> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const out: Member[] = [];
    const hdr = Buffer.alloc(110);
    let pos = 0;
    while (pos + 110 <= fileSize && out.length <= maxMembers) {
      await fh.read(hdr, 0, 110, pos);
      const magic = hdr.toString('latin1', 0, 6);
      if (magic !== '070701' && magic !== '070702') reject(path, `bad cpio header at offset ${pos}`);
      const field = (i: number): number => Number.parseInt(hdr.toString('latin1', 6 + i * 8, 14 + i * 8), 16);
      const mode = field(1);
      const dataSize = field(6);
      const nameSize = field(11);
      if (!Number.isFinite(dataSize) || !Number.isFinite(nameSize) || nameSize < 1 || nameSize > 4096) {
        reject(path, `bad cpio header at offset ${pos}`);
      }
      const nameBuf = Buffer.alloc(nameSize - 1);
      await fh.read(nameBuf, 0, nameSize - 1, pos + 110);
      const name = nameBuf.toString('utf8');
      const dataStart = pos + ((110 + nameSize + 3) & ~3);
      if (name === 'TRAILER!!!') break;
      const type = mode & 0o170000;
      let target: string | undefined;
      if (type === 0o120000 && dataSize < 4096) {
        const t = Buffer.alloc(dataSize);
        await fh.read(t, 0, dataSize, dataStart);
        target = t.toString('utf8');
      }
      const kind = type === 0o100000 ? 'file' : type === 0o040000 ? 'dir' : type === 0o120000 ? 'symlink' : 'other';
      out.push({ name, kind, size: kind === 'file' ? dataSize : 0, target });
      pos = dataStart + ((dataSize + 3) & ~3);
    }
    return out;
  } finally {
    await fh.close();
  }
}
