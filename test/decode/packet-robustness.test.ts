// Every truncated prefix of every fixture, and a seeded fuzz run: decodePacket never throws,
// never points outside the buffer, and a cut packet yields a shorter decode or a named anomaly.
import { describe, expect, it } from 'vitest';
import { Layers } from '../../src/decode/layers.js';
import { decodeL4, decodePacket } from '../../src/decode/packet.js';
import { IpDefragmenter } from '../../src/flow/defrag.js';
import { FIXTURES } from './l2l4-fixtures.js';
import { checkBounds, checkL4Bounds, rng } from './l2l4-hex.js';

/** Fields that, once decoded from a prefix, must agree with the full packet. */
const AGREE = [
  'macSrcOff',
  'vlanOuter',
  'vlanInner',
  'ethertype',
  'isArp',
  'arpOp',
  'ipVersion',
  'l3Off',
  'ip4Src',
  'ip4Dst',
  'ip6SrcOff',
  'ttl',
  'fragId',
  'fragOffset',
  'srcPort',
  'dstPort',
  'tcpSeq',
  'tcpAck',
  'tcpFlags',
  'tcpMss',
  'icmpType',
] as const;

describe('truncated prefixes', () => {
  for (const f of FIXTURES) {
    it(f.name, () => {
      const full = new Layers();
      decodePacket(f.bytes, f.linktype, full);
      const fresh = new Layers();
      const out = new Layers();
      for (let n = 0; n < f.bytes.length; n++) {
        const cut = f.bytes.slice(0, n);
        decodePacket(cut, f.linktype, out);
        checkBounds(out, n);
        if (n < f.meaningful) {
          // something was lost: either the capture is marked snapped or the damage is named
          expect(out.snapped || out.anomaly !== null, `prefix ${n}`).toBe(true);
        } else {
          // only link padding was cut: the decode is the same
          expect({ ...out }, `prefix ${n}`).toEqual({ ...full });
        }
        for (const k of AGREE) {
          if (out[k] !== fresh[k] && out[k] !== full[k]) expect.fail(`prefix ${n}: ${k} = ${out[k]}, full ${full[k]}`);
        }
      }
    });
  }
});

const LINKTYPES = [0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276];

describe('seeded fuzz', () => {
  it('random bytes on every link type (20k packets)', () => {
    const r = rng(0x5eed);
    const out = new Layers();
    const buf = new Uint8Array(256);
    for (let i = 0; i < 20_000; i++) {
      const n = Math.floor(r() * 256);
      for (let j = 0; j < n; j++) buf[j] = Math.floor(r() * 256);
      // bias towards plausible starts so deeper layers are reached
      if (n > 20 && r() < 0.5) buf[r() < 0.5 ? 0 : 14] = r() < 0.5 ? 0x45 : 0x60;
      if (n > 14 && r() < 0.3) {
        buf[12] = 0x08;
        buf[13] = 0;
      }
      const data = buf.subarray(0, n);
      decodePacket(data, LINKTYPES[i % LINKTYPES.length], out);
      checkBounds(out, n);
    }
  });

  it('mutated fixtures (20k packets), fragments through a small defragmenter', () => {
    const r = rng(20250130);
    const out = new Layers();
    const anomalies = new Map<string, number>();
    const df = new IpDefragmenter({
      maxDatagrams: 8,
      maxDatagramBytes: 4096,
      maxTotalBytes: 16384,
      onAnomaly: (c) => anomalies.set(c, (anomalies.get(c) ?? 0) + 1),
    });
    let decodedL4 = 0;
    for (let i = 0; i < 20_000; i++) {
      const f = FIXTURES[i % FIXTURES.length];
      const b = f.bytes.slice(0, r() < 0.2 ? Math.floor(r() * f.bytes.length) : f.bytes.length);
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips && b.length > 0; k++) {
        const at = Math.floor(r() * b.length);
        b[at] = r() < 0.5 ? Math.floor(r() * 256) : b[at] ^ (1 << Math.floor(r() * 8));
      }
      decodePacket(b, f.linktype, out);
      checkBounds(out, b.length);
      if (out.l4Off >= 0) decodedL4++;
      const whole = df.add(out, b, i * 1000);
      expect(df.pending).toBeLessThanOrEqual(8);
      expect(df.bytesHeld).toBeLessThanOrEqual(16384);
      if (whole !== null) {
        expect(whole.length).toBeLessThanOrEqual(4096);
        decodeL4(out.ipProto, whole, 0, whole.length, out);
        checkL4Bounds(out, whole.length);
      }
    }
    // the mutations must not have stopped everything at layer 2
    expect(decodedL4).toBeGreaterThan(5_000);
    expect(df.stats.fragments).toBeGreaterThan(100);
  });
});
