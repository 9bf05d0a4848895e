// The sensor's disk spool: order across restarts, the size bound with drop-oldest, and corrupt
// files as named warnings (skipped, moved aside), never a crash.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSpoolState, Spool, type SpoolWarning } from '../../src/export/transport/sensor-spool.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ww-ship20-spool-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function drain(s: Spool): string[] {
  const out: string[] = [];
  for (let e = s.peek(); e !== undefined; e = s.peek()) {
    out.push(e.body);
    s.remove(e.name);
  }
  return out;
}

describe('Spool', () => {
  it('gives batches back oldest first, also after a restart, and numbers on from the newest', () => {
    const dir = tmp();
    const a = new Spool({ dir });
    a.put('{"n":0}');
    a.put('{"n":1}');
    expect(a.files.map((f) => f.name)).toEqual(['0000000000000000.batch', '0000000000000001.batch']);
    const b = new Spool({ dir }); // a restart: what was spooled is still there, in order
    b.put('{"n":2}');
    expect(b.files.map((f) => f.name).at(-1)).toBe('0000000000000002.batch');
    expect(drain(b)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.batch'))).toEqual([]);
  });

  it('removes half-written temp files of a killed writer at open, never sends them', () => {
    const dir = tmp();
    writeFileSync(join(dir, '.tmp-0000000000000000.batch'), 'wwspool1 half');
    const s = new Spool({ dir });
    expect(s.files).toEqual([]);
    expect(readdirSync(dir)).not.toContain('.tmp-0000000000000000.batch');
  });

  it('drops a newest file cut short by a kill (header or body shorter than it says), and numbers on after it', () => {
    const dir = tmp();
    const w = new Spool({ dir });
    w.put('{"n":0}');
    w.put('{"n":1}');
    const f1 = join(dir, w.files[1]!.name);
    const whole = readFileSync(f1, 'utf8');
    for (const cut of [whole.slice(0, whole.length - 3), whole.slice(0, 20), '']) {
      writeFileSync(f1, cut);
      const warnings: SpoolWarning[] = [];
      const s = new Spool({ dir, onWarning: (x) => warnings.push(x) });
      expect(s.files.map((f) => f.name)).toEqual(['0000000000000000.batch']);
      expect(readdirSync(dir)).not.toContain('0000000000000001.batch');
      expect(warnings).toEqual([]);
      expect(s.put('{"n":2}')).toBe('0000000000000002.batch'); // never reuses the cut file's number
      s.remove('0000000000000002.batch');
    }
    // `sensor status` only looks: a newest file that looks cut may be a running sensor's write
    writeFileSync(f1, whole.slice(0, 30));
    const ro = new Spool({ dir, readOnly: true });
    expect(ro.files).toHaveLength(2);
    expect(readdirSync(dir)).toContain('0000000000000001.batch');
  });

  it('saves state.json at most once a second with saveEveryMs, the newest counters at save()', async () => {
    const dir = tmp();
    const s = new Spool({ dir, saveEveryMs: 1000 });
    s.put('{"n":0}');
    s.saveSoon(); // the first save is at once
    expect(readSpoolState(dir).spooled).toBe(1);
    s.put('{"n":1}');
    s.saveSoon(); // within the second: later
    expect(readSpoolState(dir).spooled).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(readSpoolState(dir).spooled).toBe(2);
    s.put('{"n":2}');
    s.saveSoon();
    s.save();
    expect(readSpoolState(dir).spooled).toBe(3);
  });

  it('keeps to its bound by dropping the oldest batches, counted and warned about', () => {
    const dir = tmp();
    const warnings: SpoolWarning[] = [];
    const body = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(100) });
    const one = Buffer.byteLength(body(0)) + 'wwspool1 '.length + 64 + ' 111\n'.length;
    const s = new Spool({ dir, maxBytes: one * 3, onWarning: (w) => warnings.push(w) });
    for (let n = 0; n < 5; n++) s.put(body(n));
    expect(s.bytes).toBeLessThanOrEqual(one * 3);
    expect(s.state.dropped).toBe(2);
    expect(warnings.map((w) => w.code)).toEqual(['spool.full', 'spool.full']);
    expect(warnings[0]!.file).toBe('0000000000000000.batch');
    expect(drain(s).map((b) => (JSON.parse(b) as { n: number }).n)).toEqual([2, 3, 4]);
    s.save();
    expect(readSpoolState(dir).dropped).toBe(2);
  });

  it('refuses a batch larger than the whole spool with a clear error', () => {
    const s = new Spool({ dir: tmp(), maxBytes: 50 });
    expect(() => s.put('x'.repeat(100))).toThrow(/does not fit a spool of 50 bytes/);
  });

  it('skips a corrupt file (bad digest, truncated, no header) with a named warning and moves it aside', () => {
    const dir = tmp();
    const warnings: SpoolWarning[] = [];
    const w = new Spool({ dir });
    w.put('{"n":0}');
    w.put('{"n":1}');
    w.put('{"n":2}');
    w.put('{"n":3}');
    const [f0, f1, f2] = w.files.map((f) => join(dir, f.name));
    writeFileSync(f0!, 'garbage without a header');
    writeFileSync(f1!, `wwspool1 ${'0'.repeat(64)} 7\n{"n":1}`); // digest does not match
    writeFileSync(f2!, `wwspool1 ${'0'.repeat(64)} 99\n{"n":2}`); // truncated
    const s = new Spool({ dir, onWarning: (x) => warnings.push(x) });
    expect(drain(s)).toEqual(['{"n":3}']);
    expect(warnings.map((x) => x.code)).toEqual(['spool.corrupt', 'spool.corrupt', 'spool.corrupt']);
    expect(warnings.map((x) => x.message).join('\n')).toMatch(/no spool header[\s\S]*digest[\s\S]*truncated/);
    expect(s.state.corrupt).toBe(3);
    expect(readdirSync(join(dir, 'corrupt')).sort()).toEqual([
      '0000000000000000.batch',
      '0000000000000001.batch',
      '0000000000000002.batch',
    ]);
  });

  it('records acks for status: last ack, duplicates, accepted, a minute of recent acks', () => {
    const dir = tmp();
    const s = new Spool({ dir });
    const now = Date.now();
    s.acked({ at: 'a', batch: 'src:0', seq: 0, duplicate: false }, 10, now - 120_000);
    s.acked({ at: 'b', batch: 'src:1', seq: 1, duplicate: true }, 0, now);
    const st = readSpoolState(dir);
    expect(st.acked).toBe(2);
    expect(st.duplicates).toBe(1);
    expect(st.accepted).toBe(10);
    expect(st.lastAck?.batch).toBe('src:1');
    expect(st.recent).toHaveLength(1);
  });
});
