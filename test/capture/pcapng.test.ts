// pcapng features the shared captures do not exercise, built block by block here:
// both byte orders, several sections, if_tsresol (10^-n and 2^-n), if_tsoffset, SPB, the
// obsolete PB, unknown blocks skipped by length, packets for undeclared interfaces.
import { describe, expect, it } from 'vitest';
import { parseBytes } from './helpers.js';

type Field = ['u8' | 'u16' | 'u32', number] | ['bytes', Uint8Array];

/** A pcapng block: fields in the section's byte order, padded, with both length words. */
function block(type: number, le: boolean, fields: Field[]): Uint8Array {
  const size = fields.reduce(
    (n, [k, v]) => n + (k === 'u8' ? 1 : k === 'u16' ? 2 : k === 'u32' ? 4 : (v as Uint8Array).length),
    0,
  );
  const len = 12 + ((size + 3) & ~3);
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, le);
  dv.setUint32(4, len, le);
  let o = 8;
  for (const f of fields) {
    if (f[0] === 'bytes') {
      b.set(f[1], o);
      o += f[1].length;
    } else if (f[0] === 'u8') {
      dv.setUint8(o, f[1]);
      o += 1;
    } else if (f[0] === 'u16') {
      dv.setUint16(o, f[1], le);
      o += 2;
    } else {
      dv.setUint32(o, f[1], le);
      o += 4;
    }
  }
  dv.setUint32(len - 4, len, le);
  return b;
}

const shb = (le: boolean): Uint8Array =>
  block(0x0a0d0d0a, le, [
    ['u32', 0x1a2b3c4d],
    ['u16', 1],
    ['u16', 0],
    ['u32', 0xffffffff],
    ['u32', 0xffffffff],
  ]);
const opt = (code: number, value: number[]): Field[] => {
  const padded = new Uint8Array((value.length + 3) & ~3);
  padded.set(value);
  return [
    ['u16', code],
    ['u16', value.length],
    ['bytes', padded],
  ];
};
const idb = (le: boolean, linktype: number, snaplen: number, options: Field[] = []): Uint8Array =>
  block(1, le, [
    ['u16', linktype],
    ['u16', 0],
    ['u32', snaplen],
    ...options,
    ...(options.length ? ([['u32', 0]] as Field[]) : []),
  ]);
const epb = (le: boolean, ifIndex: number, hi: number, lo: number, data: number[], origLen = data.length): Uint8Array =>
  block(6, le, [
    ['u32', ifIndex],
    ['u32', hi],
    ['u32', lo],
    ['u32', data.length],
    ['u32', origLen],
    ['bytes', new Uint8Array(data)],
  ]);
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
/** if_tsoffset as 8 bytes in the section's byte order. */
const i64 = (n: number, le: boolean): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(n), le);
  return [...b];
};

describe('pcapng built block by block', () => {
  for (const le of [true, false]) {
    it(`${le ? 'little' : 'big'}-endian first section, then a little-endian one`, () => {
      const file = concat([
        shb(le),
        idb(le, 1, 64, opt(9, [0x94])), // if_tsresol 2^-20 s
        idb(le, 276, 0, opt(14, i64(100, le))), // if_tsoffset +100 s, µs resolution
        epb(le, 0, 0, 5 * 2 ** 20 + 2 ** 19, [1, 2, 3]), // 5.5 s in 2^-20 units
        epb(le, 1, 0, 1000, [4, 5, 6, 7, 8], 60),
        block(3, le, [
          ['u32', 100],
          ['bytes', new Uint8Array(100).fill(9)],
        ]), // SPB, cut to IDB 0's snaplen 64
        block(3, le, [
          ['u32', 10],
          ['bytes', new Uint8Array(12).fill(10)],
        ]), // SPB, origlen 10 inside 12 padded bytes
        block(2, le, [
          ['u16', 1],
          ['u16', 0],
          ['u32', 0],
          ['u32', 2000],
          ['u32', 2],
          ['u32', 2],
          ['bytes', new Uint8Array([11, 12])],
        ]), // PB
        block(4, le, [['u32', 0]]), // NRB: known, ignored
        block(0x1234, le, [['bytes', new Uint8Array(20)]]), // unknown: skipped by length
        shb(true),
        idb(true, 101, 0, opt(9, [9])), // ns
        epb(true, 0, 0x0018_8618, 0x2bd8_7a7d, [0x45]),
        epb(true, 1, 0, 0, [0x46]), // interface 1 is not declared in this section
      ]);
      const { pkts, info } = parseBytes(file, [13]);
      expect(info).toMatchObject({ format: 'pcapng', damaged: false, linktypes: [1, 276], snaplen: 64 });
      expect(pkts.map((p) => [p.ifIndex, p.linktype, p.ts, p.data.length, p.origLen])).toEqual([
        [0, 1, 5_500_000, 3, 3],
        [1, 276, 100_000_000 + 1000, 5, 60],
        // SPB: no timestamp, so the time of the packet before (0 would be a real time: 1970)
        [0, 1, 100_000_000 + 1000, 64, 100],
        [0, 1, 100_000_000 + 1000, 10, 10],
        [1, 276, 100_000_000 + 2000, 2, 2],
        // ns units on interface 0 of the second section, floored to µs
        [0, 101, Math.floor((0x0018_8618 * 2 ** 32 + 0x2bd8_7a7d) / 1000), 1, 1],
      ]);
      expect(Array.from(pkts[0]!.data)).toEqual([1, 2, 3]);
      expect(pkts[2]!.data.every((x) => x === 9)).toBe(true);
      expect(info.warnings.join('\n')).toMatch(/unknown pcapng block type 0x1234/);
      expect(info.warnings.join('\n')).toMatch(/undeclared interface 1/);
    });
  }

  it('ns timestamps above 2^53 units are exact to the microsecond', () => {
    // 1767663089.500330493 s, the first packet of pcapng-multi-interface: 1767663089500330493 ns.
    const ns = 1767663089500330493n;
    const file = concat([
      shb(true),
      idb(true, 1, 0, opt(9, [9])),
      epb(true, 0, Number(ns >> 32n), Number(ns & 0xffffffffn), [0]),
    ]);
    expect(parseBytes(file).pkts[0]!.ts).toBe(1767663089500330);
  });

  it('coarse resolution (10^-3) scales up', () => {
    const file = concat([shb(true), idb(true, 1, 0, opt(9, [3])), epb(true, 0, 0, 1234, [0])]);
    expect(parseBytes(file).pkts[0]!.ts).toBe(1_234_000);
  });

  it('an interface option overrunning its block is ignored, not trusted', () => {
    const bad = idb(true, 1, 0, [
      ['u16', 9],
      ['u16', 200],
      ['u32', 0x09],
    ]);
    const file = concat([shb(true), bad, epb(true, 0, 0, 7, [0])]);
    const { pkts, info } = parseBytes(file);
    expect(info.damaged).toBe(false);
    expect(pkts[0]!.ts).toBe(7); // default µs resolution kept
  });
});
