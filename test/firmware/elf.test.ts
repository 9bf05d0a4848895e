// The ELF reader: fields of a hand-built binary, a big-endian 32-bit MIPS header, and a
// bounded seeded fuzz (truncations and byte flips) that must never throw.
import { describe, expect, it } from 'vitest';
import { printableStrings, readElf } from '../../src/firmware/elf.js';
import { minimalElf } from './images.js';

const elf = minimalElf({
  interp: '/lib/ld-musl-arm.so.1',
  needed: ['libssl.so.1.0.0', 'libc.so'],
  data: 'http://198.51.100.7/fw',
});

describe('readElf', () => {
  it('reads class, byte order, machine, type, interpreter and DT_NEEDED', () => {
    expect(readElf(elf)).toEqual({
      class: 64,
      endian: 'little',
      machine: 'x86-64',
      type: 'executable',
      interpreter: '/lib/ld-musl-arm.so.1',
      needed: ['libssl.so.1.0.0', 'libc.so'],
    });
  });

  it('reads a 32-bit big-endian MIPS header (no program headers)', () => {
    const b = new Uint8Array(52);
    b.set([0x7f, 0x45, 0x4c, 0x46, 1, 2, 1], 0); // ELFCLASS32, ELFDATA2MSB
    b.set([0x00, 0x03], 16); // e_type DYN, big endian
    b.set([0x00, 0x08], 18); // e_machine MIPS
    expect(readElf(b)).toEqual({ class: 32, endian: 'big', machine: 'mips', type: 'shared', needed: [] });
  });

  it('returns undefined for what is not ELF', () => {
    expect(readElf(new Uint8Array(0))).toBeUndefined();
    expect(readElf(new TextEncoder().encode('#!/bin/sh\necho hello world, this is long enough\n'))).toBeUndefined();
  });

  it('never throws on any truncated prefix', () => {
    for (let n = 0; n <= elf.length; n++) {
      const r = readElf(elf.subarray(0, n));
      if (n >= 64) expect(r?.machine).toBe('x86-64');
    }
  });

  it('never throws on seeded random corruption (bounded fuzz)', () => {
    let seed = 0x9e3779b9;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(elf);
      const flips = 1 + Math.floor(rnd() * 8);
      for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const r = readElf(b);
      if (r) {
        parsed++;
        expect(r.needed.length).toBeLessThanOrEqual(4096);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});

describe('printableStrings', () => {
  it('finds runs of at least 6 printable bytes with their offsets', () => {
    const b = new Uint8Array([
      0,
      ...new TextEncoder().encode('short'),
      0,
      ...new TextEncoder().encode('BusyBox v1.20.2'),
      1,
    ]);
    expect(printableStrings(b)).toEqual([{ offset: 7, text: 'BusyBox v1.20.2' }]);
  });

  it('finds the address string in the ELF', () => {
    const s = printableStrings(elf).map((x) => x.text);
    expect(s).toContain('http://198.51.100.7/fw');
    expect(s).toContain('/lib/ld-musl-arm.so.1');
  });
});
