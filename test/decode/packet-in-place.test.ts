// decodePacket on a frame inside a larger buffer (how the flow engine decodes a reader's chunk)
// must say exactly what it says on the frame alone, offsets shifted by where the frame starts:
// bytes after the frame are the next records, and no decoder may read them.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Layers } from '../../src/decode/layers.js';
import { decodePacket } from '../../src/decode/packet.js';
import { CAPTURES_DIR, capture } from '../helpers/paths.js';
import { pcapRecords } from '../helpers/pcap-records.js';
import { FIXTURES } from './l2l4-fixtures.js';
import { rng } from './l2l4-hex.js';

const OFFSETS = [
  'macSrcOff',
  'macDstOff',
  'arpSenderMacOff',
  'arpTargetMacOff',
  'l3Off',
  'ip6SrcOff',
  'ip6DstOff',
  'tunnelIp6SrcOff',
  'tunnelIp6DstOff',
  'ipPayloadOff',
  'l4Off',
  'payloadOff',
] as const;

const alone = new Layers();
const inPlace = new Layers();

/** Decode `frame` alone and at `pad` inside a buffer of `fill` bytes; compare. */
function same(frame: Uint8Array, linktype: number, pad: number, fill: () => number, what: string): void {
  decodePacket(frame, linktype, alone);
  const big = new Uint8Array(pad + frame.length + 64);
  for (let i = 0; i < big.length; i++) big[i] = fill();
  big.set(frame, pad);
  decodePacket(big, linktype, inPlace, pad, pad + frame.length);
  const got: Record<string, unknown> = { ...inPlace };
  for (const k of OFFSETS) if (inPlace[k] >= 0) got[k] = inPlace[k] - pad;
  if (JSON.stringify(got) !== JSON.stringify({ ...alone })) expect(got, what).toEqual({ ...alone });
}

describe('decodePacket in place', () => {
  it('every truncated prefix of every fixture, between 0x00 and 0xff bytes and random ones', () => {
    const r = rng(7);
    const fills = [() => 0, () => 0xff, () => Math.floor(r() * 256)];
    for (const f of FIXTURES) {
      for (let n = 0; n <= f.bytes.length; n++) {
        for (const [i, fill] of fills.entries())
          same(f.bytes.subarray(0, n), f.linktype, 3 + n, fill, `${f.name}/${n}/${i}`);
      }
    }
  });

  it('every packet of the shared pcap captures, followed by garbage', () => {
    const r = rng(11);
    let packets = 0;
    for (const name of readdirSync(CAPTURES_DIR).filter((n) => n.endsWith('.pcap'))) {
      for (const [i, rec] of pcapRecords(capture(name)).entries()) {
        same(rec.data, rec.linktype, 16 + (i % 5), () => Math.floor(r() * 256), `${name} #${i}`);
        packets++;
      }
    }
    expect(packets).toBeGreaterThan(1000);
  });

  it('seeded fuzz on every link type', () => {
    const r = rng(0x1ace);
    const linktypes = [0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276];
    const buf = new Uint8Array(200);
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(r() * 200);
      for (let j = 0; j < n; j++) buf[j] = Math.floor(r() * 256);
      if (n > 20 && r() < 0.5) buf[r() < 0.5 ? 0 : 14] = r() < 0.5 ? 0x45 : 0x60;
      if (n > 14 && r() < 0.3) {
        buf[12] = 0x08;
        buf[13] = 0;
      }
      same(buf.subarray(0, n), linktypes[i % linktypes.length]!, 1 + (i % 7), () => 0x45, `fuzz ${i}`);
    }
  });
});
