// A capture read from a stream (stdin, tcpdump's stdout) with an abort signal — as every `watch`
// and `analyze -` reads — must not keep the chunks it has parsed: a `Promise.race` with one
// long-lived abort promise did (each race's result stayed reachable from it), so `analyze -` held
// the whole capture in memory (274 MB of array buffers on a 273 MB file) and a week-long
// `watch -i` would have grown without bound.
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { readCaptureStream } from '../../src/capture/reader.js';
import { PcapWriter } from '../../src/capture/writer.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CHUNK = 1 << 20;
const CHUNKS = 256;

/** A pcap stream in fresh 1 MiB chunks: the header, then 1000-byte frames cut across chunk ends. */
function* chunks(): Generator<Uint8Array> {
  const w = new PcapWriter({ linktype: 1 });
  const rec = w.record(1_700_000_000_000_000, new Uint8Array(1000).fill(0x5a));
  let p = 0; // offset within the record the next byte belongs to
  for (let i = 0; i < CHUNKS; i++) {
    const c = new Uint8Array(CHUNK);
    let off = 0;
    if (i === 0) {
      c.set(w.header());
      off = 24;
    }
    while (off < CHUNK) {
      const n = Math.min(rec.length - p, CHUNK - off);
      c.set(rec.subarray(p, p + n), off);
      off += n;
      p = (p + n) % rec.length;
    }
    yield c;
  }
}

describe('reading a capture stream', () => {
  it('lets go of each chunk once parsed, with an abort signal listening', async () => {
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const signal = new AbortController().signal;
    let packets = 0;
    let held = Number.POSITIVE_INFINITY;
    const total = Math.floor((CHUNK * CHUNKS - 24) / 1016);
    const info = await readCaptureStream(
      Readable.from(chunks(), { objectMode: true, highWaterMark: 1 }),
      'stream',
      () => {
        // Near the end: what is still reachable after a full collection.
        if (++packets === total - 100) {
          gc();
          held = process.memoryUsage().arrayBuffers - before;
        }
      },
      { signal },
    );
    expect(info.packets).toBe(total);
    // The last record is cut by the end of the stream: named, as any capture cut short.
    expect(info.damaged).toBe(true);
    expect(info.damage).toMatch(/truncated|cut|short/i);
    // 256 MiB went through (all of it was held before); what is in flight, and whatever else this
    // test process holds, stays far below.
    expect(held).toBeLessThan(64 * CHUNK);
  });
});
