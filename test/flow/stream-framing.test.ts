import { describe, expect, it } from 'vitest';
import { StreamFraming } from '../../src/flow/app.js';
import { fakeCtx } from './apps/fake-ctx.js';

const bytes = (...b: number[]) => new Uint8Array(b);
const ctx = fakeCtx('tcp', { ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 1883 }).ctx;

describe('StreamFraming (the shared prologue of framed TCP analyzers)', () => {
  it('hands a chunk on as it is when nothing is held', () => {
    const s = new StreamFraming(16);
    const chunk = bytes(1, 2, 3);
    expect(s.take(0, chunk)).toBe(chunk);
  });

  it('joins held bytes with the next chunk, per direction', () => {
    const s = new StreamFraming(16);
    const first = s.take(0, bytes(1, 2, 3, 4))!;
    s.hold(0, first, 2, ctx, 1); // a message started at 2 and is not whole yet
    expect([...s.take(1, bytes(9))!]).toEqual([9]); // the other direction holds nothing
    expect([...s.take(0, bytes(5, 6))!]).toEqual([3, 4, 5, 6]);
  });

  it('skips the rest of a message longer than the chunk, across chunks', () => {
    const s = new StreamFraming(16);
    const buf = s.take(0, bytes(0, 10, 1, 2, 3))!; // header of 2 bytes, body of 10: 3 here
    const p = s.past(0, buf, 2, 10);
    expect(p).toBe(buf.length);
    s.hold(0, buf, p, ctx, 1);
    expect(s.take(0, bytes(4, 5, 6))).toBeNull(); // 7 to skip: 4 left
    expect([...s.take(0, bytes(7, 8, 9, 10, 0xaa, 0xbb))!]).toEqual([0xaa, 0xbb]);
  });

  it('goes past a whole message to the next one', () => {
    const s = new StreamFraming(16);
    const buf = s.take(0, bytes(0, 2, 1, 2, 0, 1))!;
    expect(s.past(0, buf, 2, 2)).toBe(4);
  });

  it('drops what would be held beyond its bound, and everything once dead', () => {
    const s = new StreamFraming(3);
    const buf = s.take(0, bytes(1, 2, 3, 4, 5))!;
    s.hold(0, buf, 0, ctx, 1); // 5 bytes > 3
    expect([...s.take(0, bytes(6))!]).toEqual([6]);
    s.hold(0, bytes(7, 8), 0, ctx, 1);
    s.kill(0, ctx);
    expect(s.dead).toEqual([true, false]);
    expect(s.take(0, bytes(9))).toBeNull();
    expect([...s.take(1, bytes(9))!]).toEqual([9]);
  });

  it('holds from the run budget and gives back; refused, the direction is dead', () => {
    let used = 0;
    let grant = true;
    const budgeted = {
      ...ctx,
      reserve: (n: number) => {
        if (n > 0 && !grant) return false;
        used += n;
        return true;
      },
    };
    const s = new StreamFraming(16);
    s.hold(0, s.take(0, bytes(1, 2, 3, 4))!, 1, budgeted, 1);
    expect(used).toBe(3);
    s.hold(0, s.take(0, bytes(5))!, 2, budgeted, 2); // [2,3,4,5] from 2: two held now
    expect(used).toBe(2);
    s.kill(0, budgeted);
    expect(used).toBe(0);
    grant = false;
    s.hold(1, s.take(1, bytes(1, 2, 3))!, 0, budgeted, 3);
    expect(used).toBe(0);
    expect(s.dead).toEqual([true, true]);
    expect(s.take(1, bytes(4))).toBeNull();
  });

  it('reads a frame header: a frame goes on, more stops quietly, an anomaly is counted and kills the direction', () => {
    const s = new StreamFraming(16);
    const rec = fakeCtx('tcp', { ip: '10.0.0.1', port: 50000 }, { ip: '10.0.0.2', port: 445 });
    const f = { kind: 'frame', type: 0, length: 7 } as const;
    expect(s.frame(0, f, rec.ctx, 1)).toBe(f);
    expect(s.frame(0, { kind: 'more' }, rec.ctx, 1)).toBeNull();
    expect(s.dead).toEqual([false, false]);
    expect(rec.anomalies).toEqual([]);
    expect(s.frame(1, { kind: 'anomaly', code: 'smb.bad-length' }, rec.ctx, 2)).toBeNull();
    expect(rec.anomalies).toEqual(['smb.bad-length']);
    expect(s.dead).toEqual([false, true]);
    expect(s.take(1, bytes(1))).toBeNull();
  });
});
