// A small ELF reader (no package fits a bounded, never-throwing need): class, byte order,
// machine, type, PT_INTERP and DT_NEEDED. Every offset is checked against the buffer; any
// inconsistency yields what was read so far, never an exception.

export interface ElfInfo {
  class: 32 | 64;
  endian: 'little' | 'big';
  machine: string;
  type: string;
  interpreter?: string;
  needed: string[];
}

const MACHINES: Record<number, string> = {
  2: 'sparc',
  3: 'x86',
  4: 'm68k',
  8: 'mips',
  10: 'mips',
  20: 'powerpc',
  21: 'powerpc64',
  22: 's390',
  40: 'arm',
  42: 'superh',
  43: 'sparc64',
  50: 'ia64',
  62: 'x86-64',
  92: 'openrisc',
  94: 'xtensa',
  106: 'blackfin',
  183: 'aarch64',
  243: 'riscv',
};
const TYPES: Record<number, string> = { 0: 'none', 1: 'relocatable', 2: 'executable', 3: 'shared', 4: 'core' };

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const MAX_PHDRS = 512;
const MAX_DYN = 4096;
const MAX_NAME = 4096;

interface Seg {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

export function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

export function readElf(b: Uint8Array): ElfInfo | undefined {
  if (!isElf(b) || b.length < 52) return undefined;
  const cls = b[4] === 2 ? 64 : b[4] === 1 ? 32 : 0;
  const little = b[5] === 1 ? true : b[5] === 2 ? false : undefined;
  if (cls === 0 || little === undefined || (cls === 64 && b.length < 64)) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (o: number): number => (o + 2 <= b.length ? dv.getUint16(o, little) : 0);
  const u32 = (o: number): number => (o + 4 <= b.length ? dv.getUint32(o, little) : 0);
  // 64-bit fields beyond 2^53 cannot be valid offsets in a buffer; they become -1 (rejected below).
  const u64 = (o: number): number => {
    if (o + 8 > b.length) return -1;
    const v = dv.getBigUint64(o, little);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
  };
  const word = cls === 64 ? u64 : u32;
  const info: ElfInfo = {
    class: cls,
    endian: little ? 'little' : 'big',
    machine: MACHINES[u16(18)] ?? `machine-${u16(18)}`,
    type: TYPES[u16(16)] ?? `type-${u16(16)}`,
    needed: [],
  };
  const phoff = cls === 64 ? u64(32) : u32(28);
  const phentsize = u16(cls === 64 ? 54 : 42);
  const phnum = Math.min(u16(cls === 64 ? 56 : 44), MAX_PHDRS);
  if (phoff <= 0 || phentsize < (cls === 64 ? 56 : 32)) return info;
  const segs: Seg[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (p + phentsize > b.length) break;
    segs.push(
      cls === 64
        ? { type: u32(p), offset: u64(p + 8), vaddr: u64(p + 16), filesz: u64(p + 32) }
        : { type: u32(p), offset: u32(p + 4), vaddr: u32(p + 8), filesz: u32(p + 16) },
    );
  }
  const interp = segs.find((s) => s.type === PT_INTERP);
  if (interp) info.interpreter = cString(b, interp.offset, Math.min(interp.filesz, MAX_NAME));
  const dyn = segs.find((s) => s.type === PT_DYNAMIC);
  if (!dyn || dyn.offset < 0 || dyn.filesz < 0) return info;
  const entSize = cls === 64 ? 16 : 8;
  const needed: number[] = [];
  let strtabVaddr = -1;
  const end = Math.min(dyn.offset + dyn.filesz, b.length);
  for (let p = dyn.offset, n = 0; p + entSize <= end && n < MAX_DYN; p += entSize, n++) {
    const tag = word(p);
    const val = word(p + entSize / 2);
    if (tag === 0) break;
    if (tag === DT_NEEDED) needed.push(val);
    else if (tag === DT_STRTAB) strtabVaddr = val;
  }
  // DT_STRTAB is a virtual address: map it through the PT_LOAD segment that holds it.
  const load = segs.find(
    (s) => s.type === PT_LOAD && s.vaddr >= 0 && strtabVaddr >= s.vaddr && strtabVaddr < s.vaddr + s.filesz,
  );
  if (!load) return info;
  const strtab = load.offset + (strtabVaddr - load.vaddr);
  for (const off of needed) {
    if (off < 0) continue;
    const name = cString(b, strtab + off, MAX_NAME);
    if (name) info.needed.push(name);
  }
  return info;
}

function cString(b: Uint8Array, start: number, max: number): string | undefined {
  if (start < 0 || start >= b.length || max <= 0) return undefined;
  let end = start;
  const limit = Math.min(b.length, start + max);
  while (end < limit && b[end] !== 0) end++;
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s.length > 0 ? s : undefined;
}

export interface PrintableString {
  offset: number;
  text: string;
}

/** Runs of printable ASCII (and tab) of at least `min` bytes, like strings(1); long runs are cut. */
export function printableStrings(b: Uint8Array, min = 6, maxLen = 4096): PrintableString[] {
  const out: PrintableString[] = [];
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let start = -1;
  for (let i = 0; i <= b.length; i++) {
    const c = i < b.length ? b[i]! : 0;
    const printable = (c >= 0x20 && c < 0x7f) || c === 0x09;
    if (printable) {
      if (start < 0) start = i;
      if (i - start + 1 < maxLen) continue;
      out.push({ offset: start, text: buf.toString('latin1', start, i + 1) });
      start = -1;
      continue;
    }
    if (start >= 0 && i - start >= min) out.push({ offset: start, text: buf.toString('latin1', start, i) });
    start = -1;
  }
  return out;
}
