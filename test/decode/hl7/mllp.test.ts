import { describe, expect, it } from 'vitest';
import { frameMllp, MLLP_MAX_FRAME, type MllpAnomaly, MllpDeframer, scanMllp } from '../../../src/decode/hl7/mllp.js';
import { ascii, concat, hex } from '../../fixtures/medical/hex.js';
import { ACK_AA, mllp, ORU_R01 } from '../../fixtures/medical/hl7-messages.js';
import { mutate, rng } from '../../fixtures/medical/fuzz.js';

const FRAME = hex(`
  0b                      // VT: MLLP start block
  4d 53 48 7c 5e 7e 5c 26 // "MSH|^~\\&"
  0d                      // CR: segment end
  1c 0d                   // FS CR: end block
`);

function collect() {
  const frames: string[] = [];
  const anomalies: MllpAnomaly[] = [];
  const d = new MllpDeframer({
    frame: (p) => frames.push(new TextDecoder().decode(p)),
    anomaly: (c) => anomalies.push(c),
  });
  return { d, frames, anomalies };
}

describe('scanMllp', () => {
  it('finds a frame and the offset after FS CR', () => {
    expect(scanMllp(FRAME, 0, FRAME.length)).toEqual({
      kind: 'ok',
      start: 1,
      end: 10,
      next: 12,
      junk: 0,
      restarted: false,
    });
    expect(scanMllp(FRAME, 0, 5)).toEqual({ kind: 'more', start: 0, junk: 0 });
    expect(scanMllp(ascii('\r\nxy'), 0, 4)).toEqual({ kind: 'not', junk: 2 });
  });
  it('round-trips frameMllp', () => {
    const f = frameMllp(ACK_AA);
    const r = scanMllp(f, 0, f.length);
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') expect(new TextDecoder().decode(f.subarray(r.start, r.end))).toBe(ACK_AA);
    expect(frameMllp(ascii('MSH|^~\\&\r'))).toEqual(FRAME);
  });
});

describe('MllpDeframer', () => {
  it('delivers several frames in one chunk', () => {
    const { d, frames, anomalies } = collect();
    d.push(concat(mllp(ORU_R01), mllp(ACK_AA), mllp(ACK_AA)));
    expect(frames).toEqual([ORU_R01, ACK_AA, ACK_AA]);
    expect(anomalies).toEqual([]);
  });

  it('reassembles a frame split at every possible point, including between FS and CR', () => {
    const both = concat(mllp(ORU_R01), mllp(ACK_AA));
    for (let cut = 0; cut <= both.length; cut++) {
      const { d, frames, anomalies } = collect();
      d.push(both.subarray(0, cut));
      d.push(both.subarray(cut));
      expect(frames).toEqual([ORU_R01, ACK_AA]);
      expect(anomalies).toEqual([]);
    }
  });

  it('delivers a frame fed one byte at a time', () => {
    const { d, frames } = collect();
    const b = concat(mllp(ACK_AA), ascii('\r\n'), mllp(ORU_R01));
    for (let i = 0; i < b.length; i++) d.push(b.subarray(i, i + 1));
    expect(frames).toEqual([ACK_AA, ORU_R01]);
  });

  it('reports junk before a start byte once, and still finds the frames', () => {
    const { d, frames, anomalies } = collect();
    d.push(concat(ascii('GARBAGE'), mllp(ACK_AA), ascii('more junk'), mllp(ACK_AA)));
    expect(frames).toEqual([ACK_AA, ACK_AA]);
    expect(anomalies).toEqual(['mllp.junk-before-start']);
  });

  it('drops an unterminated frame at the cap, with bounded memory, and resyncs on the next start byte', () => {
    const { d, frames, anomalies } = collect();
    d.push(Uint8Array.of(0x0b));
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    for (let i = 0; i < 160; i++) d.push(chunk); // 10 MiB without an end byte
    expect(anomalies).toEqual(['mllp.unterminated']);
    expect((d as unknown as { buf: Uint8Array }).buf.length).toBeLessThanOrEqual(MLLP_MAX_FRAME);
    d.push(concat(ascii('tail of the monster'), Uint8Array.of(0x1c, 0x0d), mllp(ACK_AA)));
    expect(frames).toEqual([ACK_AA]);
  });

  it('treats a second start byte inside a frame as a restart', () => {
    const { d, frames, anomalies } = collect();
    d.push(concat(Uint8Array.of(0x0b), ascii('MSH|partial'), mllp(ACK_AA)));
    expect(frames).toEqual([ACK_AA]);
    expect(anomalies).toEqual(['mllp.unterminated']);
    const c = collect();
    c.d.push(concat(Uint8Array.of(0x0b), ascii('MSH|partial')));
    c.d.push(mllp(ACK_AA));
    expect(c.frames).toEqual([ACK_AA]);
    expect(c.anomalies).toEqual(['mllp.unterminated']);
  });

  it('reset() after a gap reports a partial frame and resynchronises', () => {
    const { d, frames, anomalies } = collect();
    d.push(mllp(ORU_R01).subarray(0, 40));
    d.reset(true);
    d.push(mllp(ACK_AA).subarray(30)); // the rest of a frame whose start was lost: skipped
    d.push(mllp(ACK_AA));
    expect(frames).toEqual([ACK_AA]);
    expect(anomalies).toEqual(['mllp.unterminated']); // the tail after the gap is not junk
  });

  it('survives a seeded fuzz loop in random chunks', () => {
    const r = rng(77);
    const base = concat(mllp(ORU_R01), mllp(ACK_AA));
    for (let i = 0; i < 2000; i++) {
      const { d, frames } = collect();
      const b = mutate(base, r);
      let off = 0;
      while (off < b.length) {
        const n = 1 + Math.floor(r() * 200);
        d.push(b.subarray(off, off + n));
        off += n;
      }
      expect(frames.reduce((n, f) => n + f.length, 0)).toBeLessThanOrEqual(b.length);
    }
  });
});
