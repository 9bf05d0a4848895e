// Recognises an image by its bytes, never by its name.
import { open } from 'node:fs/promises';

export type Magic = 'squashfs' | 'cramfs' | 'gzip' | 'xz' | 'tar' | 'cpio' | 'zip' | 'ext' | 'elf' | 'unknown';

const HEAD = 2048;

export function magicOf(b: Uint8Array): Magic {
  const at = (off: number, ...bytes: number[]): boolean =>
    b.length >= off + bytes.length && bytes.every((x, i) => b[off + i] === x);
  const ascii = (off: number, s: string): boolean => at(off, ...Array.from(s, (c) => c.charCodeAt(0)));
  if (ascii(0, 'hsqs') || ascii(0, 'sqsh')) return 'squashfs';
  // cramfs magic 0x28cd3d45 in either byte order, at 0 or after a 512-byte pad.
  if (at(0, 0x45, 0x3d, 0xcd, 0x28) || at(0, 0x28, 0xcd, 0x3d, 0x45)) return 'cramfs';
  if (at(512, 0x45, 0x3d, 0xcd, 0x28) || at(512, 0x28, 0xcd, 0x3d, 0x45)) return 'cramfs';
  if (at(0, 0x1f, 0x8b)) return 'gzip';
  if (at(0, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (ascii(257, 'ustar')) return 'tar';
  if (ascii(0, '070701') || ascii(0, '070702')) return 'cpio';
  if (ascii(0, 'PK\x03\x04') || ascii(0, 'PK\x05\x06')) return 'zip';
  if (at(1080, 0x53, 0xef)) return 'ext';
  if (at(0, 0x7f, 0x45, 0x4c, 0x46)) return 'elf';
  return 'unknown';
}

export async function magicOfFile(path: string): Promise<Magic> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD);
    const { bytesRead } = await fh.read(buf, 0, HEAD, 0);
    return magicOf(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** Formats that are file systems or archives worth unpacking when found inside another. */
export const CONTAINERS: ReadonlySet<Magic> = new Set([
  'squashfs',
  'cramfs',
  'gzip',
  'xz',
  'tar',
  'cpio',
  'zip',
  'ext',
]);
