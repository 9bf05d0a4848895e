// Per-direction TCP reassembly with a bounded out-of-order buffer.
//
// In-order data is handed on as a view of the packet (no copy); only out-of-order segments are
// copied, and only up to `maxBuffered` bytes per direction. Sequence numbers are compared modulo
// 2^32 (RFC 793 §3.3, RFC 1982 serial arithmetic). They are held as signed 32-bit values:
// only differences modulo 2^32 matter, and an unsigned number above 2^31 would be a boxed heap
// number in every stream and pending segment instead of a small integer.
//
// The run's budget for held bytes (flow/budget.ts, through the sink's `reserve`) bounds what all
// streams hold together: past it a stream waits for no hole, as when its own buffer is full.
//
// Gaps: when the buffer is full, when the peer acknowledges bytes we never saw (capture loss,
// the same signal Zeek uses for content gaps), or at flush, the reassembler skips forward to the
// next data it has and reports the hole to the consumer, which resynchronises or gives up.

import type { Dir } from './app.js';
import type { TcpStreamAnomaly } from '../decode/l2l4-anomaly.js';

/**
 * Where a stream's bytes go. `dir` is the stream's own direction, passed back so that one sink
 * (the flow's context) serves both directions without a wrapper object per direction.
 */
export interface StreamSink {
  data(bytes: Uint8Array, ts: number, dir: Dir): void;
  gap(length: number, ts: number, dir: Dir): void;
  anomaly(code: TcpStreamAnomaly, ts: number): void;
  /** The run's budget for held bytes (FlowContext.reserve); absent: unbounded but per stream. */
  reserve?(bytes: number, ts: number): boolean;
}

interface Pending {
  seq: number;
  bytes: Uint8Array;
}

/** Signed distance a - b in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** Shared by every stream that never buffered out of order (most): the array is made on first need. */
const NO_PENDING: Pending[] = [];

export { TCP_STREAM_ANOMALIES } from '../decode/l2l4-anomaly.js';

export class TcpStream {
  /** Next expected sequence number; valid when `started`. */
  nextSeq = 0;
  started = false;
  /** Set once FIN was seen: later data beyond it is ignored. */
  finished = false;
  delivered = 0;
  gapBytes = 0;
  retransmits = 0;
  private pending: Pending[] = NO_PENDING;
  private buffered = 0;

  constructor(
    private readonly sink: StreamSink,
    private readonly maxBuffered = 256 * 1024,
    private readonly dir: Dir = 0,
  ) {}

  /** SYN seen: data starts at isn + 1. */
  syn(isn: number): void {
    if (this.started) return;
    this.nextSeq = (isn + 1) | 0;
    this.started = true;
  }

  /** A segment with `len` payload bytes at `off` in `data`. */
  segment(seq: number, data: Uint8Array, off: number, len: number, fin: boolean, ts: number): void {
    if (!this.started) {
      // Mid-stream pickup: start where the first data segment starts.
      this.nextSeq = seq | 0;
      this.started = true;
    }
    if (len > 0) this.addData(seq | 0, data, off, len, ts);
    if (fin) this.finished = true;
  }

  /**
   * The other direction acknowledged up to `ack`: bytes before it were sent even if we did not
   * capture them, so a hole below `ack` is a real gap, not reordering.
   */
  acked(ack: number, ts: number): void {
    if (!this.started) return;
    const ahead = seqDiff(ack, this.nextSeq);
    // Ignore absurd acknowledgements (> 16 MiB ahead): broken or spoofed, not loss.
    if (ahead <= 0 || ahead > 16 * 1024 * 1024) return;
    // Deliver buffered data below the ack first; only the bytes nobody captured become the gap.
    while (seqDiff(ack, this.nextSeq) > 0) {
      const head = this.pending[0];
      if (head !== undefined && seqDiff(head.seq, ack) < 0) {
        this.skipTo(head.seq, ts);
      } else {
        this.skipTo(ack | 0, ts);
        return;
      }
    }
  }

  /** Flow ends: deliver whatever is buffered, reporting holes. */
  flush(ts: number): void {
    while (this.pending.length > 0) {
      this.skipTo(this.pending[0]!.seq, ts);
    }
  }

  private addData(seq: number, data: Uint8Array, off: number, len: number, ts: number): void {
    let d = seqDiff(seq, this.nextSeq);
    if (d < 0) {
      if (d + len <= 0) {
        this.retransmits++;
        return;
      }
      // Partial overlap with data already delivered: keep only the new tail.
      this.sink.anomaly('tcp.overlap', ts);
      off -= d;
      len += d;
      seq = this.nextSeq;
      d = 0;
    }
    if (d === 0) {
      this.deliver(data.subarray(off, off + len), ts);
      this.drain(ts);
      return;
    }
    // Out of order: keep a copy, bounded.
    if (d > 64 * 1024 * 1024) return; // far outside any window: ignore
    if (this.buffered + len > this.maxBuffered) {
      this.sink.anomaly('tcp.buffer-full', ts);
      // Give up waiting for the hole: skip to the earliest data we have, then retry.
      if (this.pending.length > 0) this.skipTo(this.pending[0]!.seq, ts);
      if (seqDiff(seq, this.nextSeq) > 0 && this.buffered + len > this.maxBuffered) {
        this.skipTo(seq, ts);
      }
      this.addData(seq, data, off, len, ts);
      return;
    }
    if (this.sink.reserve !== undefined && !this.sink.reserve(len, ts)) {
      // The run's budget is spent (other flows hold it): wait for no hole. What is buffered
      // below this segment goes on with its holes, then this segment in place (d ≤ 0 after).
      while (this.pending.length > 0 && seqDiff(this.pending[0]!.seq, seq) < 0) this.skipTo(this.pending[0]!.seq, ts);
      this.skipTo(seq, ts);
      this.addData(seq, data, off, len, ts);
      return;
    }
    this.insertPending(seq, data.slice(off, off + len), ts);
  }

  /** Bytes held out of order now (given back to the run's budget as they are delivered). */
  get held(): number {
    return this.buffered;
  }

  private insertPending(seq: number, bytes: Uint8Array, ts: number): void {
    let p = this.pending;
    if (p === NO_PENDING) p = this.pending = [];
    let i = p.length;
    while (i > 0 && seqDiff(p[i - 1]!.seq, seq) > 0) i--;
    const prev = p[i - 1];
    if (prev && prev.seq === seq && prev.bytes.length >= bytes.length) {
      if (!sameBytes(prev.bytes, bytes, bytes.length)) this.sink.anomaly('tcp.overlap-mismatch', ts);
      this.retransmits++;
      this.sink.reserve?.(-bytes.length, ts);
      return;
    }
    p.splice(i, 0, { seq, bytes });
    this.buffered += bytes.length;
  }

  private deliver(bytes: Uint8Array, ts: number): void {
    if (bytes.length === 0) return;
    this.nextSeq = (this.nextSeq + bytes.length) | 0;
    this.delivered += bytes.length;
    this.sink.data(bytes, ts, this.dir);
  }

  /** Deliver pending segments that are now in order. */
  private drain(ts: number): void {
    const p = this.pending;
    while (p.length > 0) {
      const head = p[0]!;
      const d = seqDiff(head.seq, this.nextSeq);
      if (d > 0) return;
      p.shift();
      this.buffered -= head.bytes.length;
      this.sink.reserve?.(-head.bytes.length, ts);
      const overlap = -d;
      if (overlap >= head.bytes.length) continue;
      if (overlap > 0) this.sink.anomaly('tcp.overlap', ts);
      this.deliver(head.bytes.subarray(overlap), ts);
    }
  }

  /** Declare the bytes up to `seq` lost and continue from there. */
  private skipTo(seq: number, ts: number): void {
    const hole = seqDiff(seq, this.nextSeq);
    if (hole <= 0) {
      this.drain(ts);
      return;
    }
    this.gapBytes += hole;
    this.nextSeq = seq;
    this.sink.gap(hole, ts, this.dir);
    this.drain(ts);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
