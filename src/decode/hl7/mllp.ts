// MLLP framing (HL7 v2.x Implementation Guide, "Minimal Lower Layer Protocol", rel. 2):
// <VT 0x0B> HL7 message <FS 0x1C><CR 0x0D>. Over TCP a frame may span segments and a
// segment may carry several frames, so the de-framer keeps per-direction state; the pure
// scan over one buffer is `scanMllp`. Memory is bounded by MLLP_MAX_FRAME whatever arrives.

import { Buffer } from 'node:buffer';

export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;
/** A frame longer than this without an end byte is dropped ('mllp.unterminated'). */
export const MLLP_MAX_FRAME = 1 << 20;

export const MLLP_ANOMALIES = [
  'mllp.unterminated', // a frame without its 0x1C 0x0D end: a new 0x0B came first, it outgrew MLLP_MAX_FRAME, or the stream ended
  'mllp.junk-before-start', // bytes before the 0x0B start byte of a frame (skipped)
] as const;
export type MllpAnomaly = (typeof MLLP_ANOMALIES)[number];

export type MllpScan =
  /** A whole frame: payload is [start, end); `next` is past the trailing FS (and CR). */
  | {
      readonly kind: 'ok';
      readonly start: number;
      readonly end: number;
      readonly next: number;
      readonly junk: number;
      /** A start byte without an end came before this frame's start (that frame is lost). */
      readonly restarted: boolean;
    }
  /** A start byte at `start` without its end yet. */
  | { readonly kind: 'more'; readonly start: number; readonly junk: number }
  /** No start byte in the buffer. */
  | { readonly kind: 'not'; readonly junk: number };

// Node's Buffer search is memchr; %TypedArray%.prototype.indexOf walks byte by byte, about 15×
// slower on a 600-byte frame. Both accept any Uint8Array and return the same offsets.
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, byte: number, from: number) => number;
const lastIndexOf = Buffer.prototype.lastIndexOf as (this: Uint8Array, byte: number, from: number) => number;

/** Bytes tolerated between frames (some senders add CR/LF after FS CR, or pad with NUL/space). */
function isFiller(b: number): boolean {
  return b === 0x0d || b === 0x0a || b === 0x20 || b === 0x00 || b === 0x09;
}

/**
 * Find the next frame in buf[off, end). `junk` counts non-filler bytes skipped before the start
 * byte. A lone FS without CR still ends a frame: FS never occurs inside HL7 text.
 */
export function scanMllp(buf: Uint8Array, off: number, end: number): MllpScan {
  let junk = 0;
  let i = off;
  while (i < end && buf[i] !== MLLP_START) {
    if (!isFiller(buf[i]!)) junk++;
    i++;
  }
  if (i >= end) return { kind: 'not', junk };
  const fs = indexOf.call(buf, MLLP_END, i + 1);
  if (fs < 0 || fs >= end) return { kind: 'more', start: i, junk };
  // VT never occurs in HL7 text: a later VT before FS means the sender restarted.
  const vt = lastIndexOf.call(buf, MLLP_START, fs);
  const next = fs + 1 < end && buf[fs + 1] === MLLP_CR ? fs + 2 : fs + 1;
  return { kind: 'ok', start: vt + 1, end: fs, next, junk, restarted: vt > i };
}

/** Wrap one HL7 message in MLLP (for tests and the simulator). */
export function frameMllp(msg: string | Uint8Array): Uint8Array {
  const body = typeof msg === 'string' ? new TextEncoder().encode(msg) : msg;
  const out = new Uint8Array(body.length + 3);
  out[0] = MLLP_START;
  out.set(body, 1);
  out[body.length + 1] = MLLP_END;
  out[body.length + 2] = MLLP_CR;
  return out;
}

export interface MllpSink {
  /** A whole HL7 payload (without framing); valid only during the call. */
  frame(payload: Uint8Array): void;
  anomaly(code: MllpAnomaly): void;
  /**
   * Take (or, negative, give back) bytes of the run's budget for held bytes before the frame
   * buffer grows (flow/budget.ts); false: the budget is spent and the frame is dropped.
   */
  reserve?(bytes: number): boolean;
}

/** A frame buffer larger than this is let go once its frame is out, so an idle flow holds little. */
const KEEP_BUFFER = 64 * 1024;

/**
 * Streaming de-framer for one direction. Frames wholly inside one pushed chunk are passed on
 * without copying; a frame spanning chunks is accumulated in a buffer that grows to at most
 * MLLP_MAX_FRAME bytes.
 */
/** The buffer of a de-framer that has held nothing yet: shared, since `append` replaces it before any write. */
const NO_BYTES = new Uint8Array(0);

export class MllpDeframer {
  private buf = NO_BYTES;
  private len = 0;
  /** Inside a frame whose start byte was seen in an earlier chunk. */
  private inFrame = false;
  /** The previous chunk ended with FS: a leading CR in the next one belongs to that frame. */
  private skipCr = false;
  /** Dropping an oversized frame until the next start byte. */
  private discarding = false;
  private junkReported = false;

  constructor(
    private readonly sink: MllpSink,
    private readonly maxFrame = MLLP_MAX_FRAME,
  ) {}

  push(chunk: Uint8Array): void {
    let off = 0;
    const end = chunk.length;
    if (this.skipCr && end > 0 && chunk[0] === MLLP_CR) off = 1;
    this.skipCr = false;
    if (this.discarding) {
      const s = indexOf.call(chunk, MLLP_START, off);
      if (s < 0) return;
      this.discarding = false;
      off = s;
    }
    if (this.inFrame) off = this.continueFrame(chunk, off, end);
    // Each pass consumes at least one byte, so the loop is bounded by the chunk length.
    while (off < end) {
      const r = scanMllp(chunk, off, end);
      if (r.junk > 0) this.junk();
      if (r.kind === 'not') return;
      if (r.kind === 'ok') {
        if (r.restarted) this.sink.anomaly('mllp.unterminated');
        this.sink.frame(chunk.subarray(r.start, r.end));
        if (r.next === end && chunk[end - 1] === MLLP_END) this.skipCr = true;
        off = r.next;
        continue;
      }
      // A frame starts here and continues in later chunks.
      this.inFrame = true;
      this.len = 0;
      off = this.continueFrame(chunk, r.start + 1, end);
    }
  }

  /**
   * Capture loss or flow end: forget a partial frame (reported when asked and it held data) and
   * skip quietly to the next start byte: bytes after a gap are the lost frame's tail, not junk.
   */
  reset(reportPartial: boolean): void {
    if (reportPartial && this.inFrame && this.len > 0) this.sink.anomaly('mllp.unterminated');
    this.inFrame = false;
    this.discarding = true;
    this.skipCr = false;
    this.len = 0;
  }

  /** Accumulate bytes of the open frame from chunk[off]; returns the offset after what was consumed. */
  private continueFrame(chunk: Uint8Array, off: number, end: number): number {
    const fs = indexOf.call(chunk, MLLP_END, off);
    const stop = fs >= 0 ? fs : end;
    // A new start byte before the end byte: the sender restarted; the old frame is lost.
    const vt = indexOf.call(chunk, MLLP_START, off);
    if (vt >= 0 && vt < stop) {
      this.sink.anomaly('mllp.unterminated');
      this.inFrame = false;
      this.len = 0;
      return vt;
    }
    if (!this.append(chunk, off, stop)) {
      this.discarding = fs < 0;
      return fs >= 0 ? fs + 1 : end;
    }
    if (fs < 0) return end;
    this.inFrame = false;
    this.sink.frame(this.buf.subarray(0, this.len));
    this.len = 0;
    if (this.buf.length > KEEP_BUFFER) this.release();
    if (fs + 1 < end) return chunk[fs + 1] === MLLP_CR ? fs + 2 : fs + 1;
    this.skipCr = true;
    return end;
  }

  private append(chunk: Uint8Array, s: number, e: number): boolean {
    const n = e - s;
    if (this.len + n > this.maxFrame) {
      this.sink.anomaly('mllp.unterminated');
      this.inFrame = false;
      this.len = 0;
      return false;
    }
    if (this.len + n > this.buf.length) {
      const cap = Math.min(this.maxFrame, Math.max(this.len + n, this.buf.length * 2, 4096));
      if (this.sink.reserve !== undefined && !this.sink.reserve(cap - this.buf.length)) {
        // The run's budget is spent: this frame is dropped (the sink named it), the buffer let go.
        this.inFrame = false;
        this.len = 0;
        this.release();
        return false;
      }
      const nb = new Uint8Array(cap);
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(chunk.subarray(s, e), this.len);
    this.len += n;
    return true;
  }

  /** Let the frame buffer go, and its bytes back to the budget. */
  private release(): void {
    if (this.buf.length > 0) this.sink.reserve?.(-this.buf.length);
    this.buf = NO_BYTES;
  }

  private junk(): void {
    if (this.junkReported) return;
    this.junkReported = true;
    this.sink.anomaly('mllp.junk-before-start');
  }
}
