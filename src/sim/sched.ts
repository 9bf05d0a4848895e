// The discrete-event core of the simulator. Devices schedule wake-ups; while awake they
// emit packets at times ≥ now (a TCP exchange emits its segments and ACKs a few hundred µs
// apart). Packets wait in a small heap so the capture comes out in time order, and leave it
// as soon as no earlier event can still happen — the capture is never held in memory.
import { FrameBuilder } from './wire.js';

export type Sink = (tsMicros: number, frame: Uint8Array) => void;

interface Item {
  t: number;
  s: number; // insertion order: ties break deterministically
  /** Frame bytes (pooled buffer) and their length; len 0 for a wake-up. */
  buf: Uint8Array | null;
  len: number;
  fn: ((now: number) => void) | null;
}

/** Every frame the simulator builds fits (1514-byte Ethernet maximum); larger ones get their own buffer. */
const SLOT = 1536;

export class Sim {
  now: number;
  readonly end: number;
  readonly fb = new FrameBuilder();
  packets = 0;
  bytes = 0;
  private readonly heap: Item[] = [];
  private seq = 0;
  private readonly sink: Sink;
  // Items and their frame buffers are recycled once written: millions of packets, few allocations.
  private readonly pool: Item[] = [];

  constructor(
    start: number,
    end: number,
    sink: Sink,
    private readonly maxPackets = Number.POSITIVE_INFINITY,
  ) {
    this.now = start;
    this.end = end;
    this.sink = sink;
  }

  /** Queue a copy of `frame` (usually a FrameBuilder view) for time `t` (clamped to now). */
  emit(t: number, frame: Uint8Array): void {
    const it = this.item(t);
    if (it.buf === null || it.buf.length < frame.length) it.buf = new Uint8Array(Math.max(SLOT, frame.length));
    it.buf.set(frame);
    it.len = frame.length;
    this.push(it);
  }

  private item(t: number): Item {
    const it = this.pool.pop() ?? { t: 0, s: 0, buf: null, len: 0, fn: null };
    it.t = Math.max(t, this.now);
    it.s = this.seq++;
    it.len = 0;
    it.fn = null;
    return it;
  }

  /** Wake `fn` at time `t`; ignored past the end of the scenario. */
  at(t: number, fn: (now: number) => void): void {
    if (t > this.end) return;
    const it = this.item(t);
    it.fn = fn;
    this.push(it);
  }

  run(): void {
    const h = this.heap;
    while (h.length > 0 && this.packets < this.maxPackets) {
      const it = this.pop();
      this.now = it.t;
      if (it.len > 0) {
        // Packets scheduled by an exchange that started before the end still go out,
        // so the last TCP exchange in a capture is complete.
        this.packets++;
        this.bytes += it.len;
        this.sink(Math.round(it.t), it.buf!.subarray(0, it.len));
      } else if (it.t <= this.end) {
        const fn = it.fn!;
        it.fn = null;
        this.pool.push(it);
        fn(it.t);
        continue;
      }
      it.fn = null;
      this.pool.push(it);
    }
  }

  private less(a: Item, b: Item): boolean {
    return a.t < b.t || (a.t === b.t && a.s < b.s);
  }

  private push(it: Item): void {
    const h = this.heap;
    let i = h.length;
    h.push(it);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(it, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = it;
  }

  private pop(): Item {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
        if (!this.less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
