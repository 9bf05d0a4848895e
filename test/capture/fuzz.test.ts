// Seeded, bounded fuzz over the readers: mutated copies of real captures (byte flips,
// truncations, length fields overwritten, bytes inserted or removed) must never throw except
// "not a capture" for a broken magic at offset 0, never hand out bytes that are not in the
// input, and read the same however the input is split into chunks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WardwatchError } from '../../src/errors.js';
import { magicOf } from '../../src/capture/sniff.js';
import { capture } from '../helpers/paths.js';
import { digest, parseBytes, rng } from './helpers.js';

const SOURCES = [
  'http-get.pcap',
  'http-get.pcapng',
  'pcapng-multi-interface.pcapng',
  'dhcp-dhcp.nsec.pcap',
  'linux_dlt_sll2.pcap',
  'rawip-telnet-port21.pcap',
  'dns-two-responses.pcap',
];
const ROUNDS = 300;

type Mutation = (b: Uint8Array, r: () => number) => Uint8Array;
const pick = (r: () => number, n: number) => Math.floor(r() * n);
const EXTREMES = [0, 1, 3, 11, 12, 13, 0x7fffffff, 0xffffffff, 262144, 262145, 64 * 1024 * 1024 + 4];

const mutations: Record<string, Mutation> = {
  flips: (b, r) => {
    const c = b.slice();
    for (let i = 1 + pick(r, 8); i > 0; i--) c[pick(r, c.length)] ^= 1 << pick(r, 8);
    return c;
  },
  truncate: (b, r) => b.slice(0, pick(r, b.length)),
  lengthField: (b, r) => {
    // Overwrite an aligned u32 (where pcap caplens and pcapng lengths live) with a hostile value.
    const c = b.slice();
    const at = pick(r, c.length >> 2) << 2;
    if (at + 4 <= c.length) new DataView(c.buffer).setUint32(at, EXTREMES[pick(r, EXTREMES.length)]!, r() < 0.5);
    return c;
  },
  insert: (b, r) => {
    const at = pick(r, b.length);
    const junk = Array.from({ length: 1 + pick(r, 9) }, () => pick(r, 256));
    return Uint8Array.from([...b.subarray(0, at), ...junk, ...b.subarray(at)]);
  },
  remove: (b, r) => {
    const at = pick(r, b.length);
    return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + pick(r, 9))]);
  },
};

describe('reader fuzz (seeded)', () => {
  it(`${ROUNDS} mutated captures: no crash, no foreign bytes, chunking-independent`, () => {
    const r = rng(0x5eed);
    const inputs = SOURCES.map((f) => new Uint8Array(readFileSync(capture(f))));
    const names = Object.keys(mutations);
    const tally = { damaged: 0, clean: 0, refused: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const name = names[round % names.length]!;
      const src = inputs[pick(r, inputs.length)]!;
      const input = mutations[name]!(src, r);
      const hay = Buffer.from(input);
      let whole: ReturnType<typeof parseBytes>;
      try {
        whole = parseBytes(input);
      } catch (err) {
        // Only "not a capture", and only when the start of the file no longer is one.
        expect(err, `round ${round} (${name})`).toBeInstanceOf(WardwatchError);
        expect((err as WardwatchError).code).toBe('WW_CAPTURE_FORMAT');
        const m = input.length >= 4 ? magicOf(input) : null;
        expect(m === null || m === 'gzip' || (m === 'pcapng' && input.length >= 12)).toBe(true);
        expect(() => parseBytes(input, [1 + pick(r, 50)])).toThrow(WardwatchError);
        tally.refused++;
        continue;
      }
      const { pkts, info } = whole;
      expect(info.offset).toBeLessThanOrEqual(input.length);
      expect(info.bytes).toBeLessThanOrEqual(input.length);
      for (const p of pkts) {
        expect(p.data.length).toBeLessThanOrEqual(262144);
        expect(p.origLen).toBeGreaterThanOrEqual(p.data.length);
        expect(Number.isFinite(p.ts)).toBe(true);
        if (p.data.length > 0) expect(hay.indexOf(Buffer.from(p.data)), `round ${round}`).toBeGreaterThanOrEqual(0);
      }
      const sizes = Array.from({ length: 8 }, () => 1 + pick(r, 300));
      const split = parseBytes(input, sizes);
      expect(digest(split.pkts), `round ${round} (${name}) chunked`).toBe(digest(pkts));
      expect(split.info.damage).toBe(info.damage);
      if (info.damaged) tally.damaged++;
      else tally.clean++;
    }
    // The mutations must actually reach the damage paths, or this test proves little.
    expect(tally.damaged).toBeGreaterThan(ROUNDS / 4);
    expect(tally.clean).toBeGreaterThan(10);
  });
});
