// ONC-RPC v2 (RFC 5531): the call/reply header and, over TCP, record marking (§11: a 4-byte
// mark, high bit = last fragment, low 31 bits = fragment length). Program-specific arguments
// and results (portmapper, MOUNT, NFS) are in rpc-programs.ts. XDR is big-endian, 4-byte aligned.

export const RPC_ANOMALIES = [
  'rpc.fragment-too-long', // a TCP record-mark fragment longer than RPC_MAX_FRAGMENT; the stream is dropped
  'rpc.record-too-long', // fragments of one record adding up past RPC_MAX_RECORD; the stream is dropped
  'rpc.zero-fragment', // a record-mark fragment of length 0 that is not the last
  'rpc.bad-version', // a call whose rpcvers is not 2 (RFC 5531 §9)
  'rpc.auth-too-long', // a credential or verifier body over 400 bytes (RFC 5531 §8.2)
  'rpc.xid-reuse', // a call reuses the xid of a call still waiting for its reply (src/flow/apps/rpc.ts)
  'rpc.truncated', // a record ends inside the call or reply header
] as const;
export type RpcAnomaly = (typeof RPC_ANOMALIES)[number];

/** RFC 5531 §8.2: opaque_auth body is opaque<400>. */
export const RPC_MAX_AUTH = 400;
/** Longest fragment accepted over TCP; NFS with 1 MiB rsize/wsize stays well below. */
export const RPC_MAX_FRAGMENT = 16 << 20;
/** Longest reassembled record (several fragments). */
export const RPC_MAX_RECORD = 64 << 20;
/** Bytes of each record kept for decoding: header, credentials, and the arguments we read. */
export const RPC_HEAD_CAP = 8192;

export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export interface RpcCallHeader {
  readonly kind: 'call';
  readonly xid: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly credFlavor: number;
  /** Offset of the procedure arguments. */
  readonly argOff: number;
}

export interface RpcReplyHeader {
  readonly kind: 'reply';
  readonly xid: number;
  /** reply_stat MSG_ACCEPTED (0) or MSG_DENIED (1). */
  readonly accepted: boolean;
  /** accept_stat (0 SUCCESS … 5 SYSTEM_ERR) when accepted, reject_stat (0 RPC_MISMATCH, 1 AUTH_ERROR) when denied. */
  readonly stat: number;
  /** Offset of the procedure results (accepted + SUCCESS only; else the end). */
  readonly resOff: number;
}

export type RpcDecode =
  | { readonly kind: 'ok'; readonly msg: RpcCallHeader | RpcReplyHeader }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: RpcAnomaly };

const TRUNCATED = { kind: 'anomaly', code: 'rpc.truncated' } as const;

/** Skip an opaque_auth (flavor, body<400>) at o; returns the offset after it, or a negative error. */
function skipAuth(b: Uint8Array, o: number, end: number): number {
  if (o + 8 > end) return -1;
  const len = u32(b, o + 4);
  if (len > RPC_MAX_AUTH) return -2;
  const next = o + 8 + ((len + 3) & ~3);
  return next > end ? -1 : next;
}

/** Decode one whole RPC message (a UDP datagram or a reassembled TCP record) in b[off, end). */
export function decodeRpc(b: Uint8Array, off: number, end: number): RpcDecode {
  if (end > b.length) end = b.length;
  if (off + 8 > end) return TRUNCATED;
  const xid = u32(b, off);
  const type = u32(b, off + 4);
  if (type === 0) {
    if (off + 24 > end) return TRUNCATED;
    if (u32(b, off + 8) !== 2) return { kind: 'anomaly', code: 'rpc.bad-version' };
    const afterCred = skipAuth(b, off + 24, end);
    const afterVerf = afterCred < 0 ? afterCred : skipAuth(b, afterCred, end);
    if (afterVerf === -2) return { kind: 'anomaly', code: 'rpc.auth-too-long' };
    if (afterVerf < 0) return TRUNCATED;
    const msg: RpcCallHeader = {
      kind: 'call',
      xid,
      prog: u32(b, off + 12),
      vers: u32(b, off + 16),
      proc: u32(b, off + 20),
      credFlavor: u32(b, off + 24),
      argOff: afterVerf,
    };
    return { kind: 'ok', msg };
  }
  if (type !== 1) return { kind: 'not' };
  if (off + 12 > end) return TRUNCATED;
  const replyStat = u32(b, off + 8);
  if (replyStat > 1) return { kind: 'not' };
  if (replyStat === 1) {
    if (off + 16 > end) return TRUNCATED;
    return { kind: 'ok', msg: { kind: 'reply', xid, accepted: false, stat: u32(b, off + 12), resOff: end } };
  }
  const afterVerf = skipAuth(b, off + 12, end);
  if (afterVerf === -2) return { kind: 'anomaly', code: 'rpc.auth-too-long' };
  if (afterVerf < 0 || afterVerf + 4 > end) return TRUNCATED;
  const stat = u32(b, afterVerf);
  return { kind: 'ok', msg: { kind: 'reply', xid, accepted: true, stat, resOff: stat === 0 ? afterVerf + 4 : end } };
}

export type RecordMark =
  | { readonly kind: 'ok'; readonly last: boolean; readonly length: number }
  | { readonly kind: 'more' };

/** The record mark at b[off] (RFC 5531 §11). */
export function readRecordMark(b: Uint8Array, off: number, end: number): RecordMark {
  if (off + 4 > end) return { kind: 'more' };
  const w = u32(b, off);
  return { kind: 'ok', last: w >>> 31 === 1, length: w & 0x7fffffff };
}

export interface RecordSink {
  /** A whole record: its first bytes (≤ headCap) and its full length. Valid only during the call. */
  record(head: Uint8Array, total: number): void;
  anomaly(code: RpcAnomaly): void;
  /**
   * Take (or, negative, give back) bytes of the run's budget for held bytes before the head buffer
   * grows (flow/budget.ts); false: the budget is spent and the direction stops being parsed.
   */
  reserve?(bytes: number): boolean;
}

const NO_HEAD = new Uint8Array(0);

/**
 * Record-marking reassembler for one TCP direction. Keeps only the first `headCap` bytes of
 * each record (NFS WRITE data is skipped, not stored), so memory is bounded whatever the lengths
 * claim. A fragment longer than RPC_MAX_FRAGMENT means the stream cannot be trusted: the
 * direction stops being parsed until reset() (after a gap).
 */
export class RecordReassembler {
  private readonly mark = new Uint8Array(4);
  private markLen = 0;
  private need = 0;
  private inFragment = false;
  private fragLast = false;
  /** Grown on demand up to headCap (a call's head is a few hundred bytes; most flows never need 8 KiB). */
  private head: Uint8Array = NO_HEAD;
  private headLen = 0;
  private total = 0;
  private dead = false;
  private zeroReported = false;

  constructor(
    private readonly sink: RecordSink,
    private readonly headCap = RPC_HEAD_CAP,
  ) {}

  push(chunk: Uint8Array): void {
    let off = 0;
    const end = chunk.length;
    // Every pass consumes at least one byte or returns.
    while (off < end && !this.dead) {
      if (!this.inFragment) {
        const n = Math.min(4 - this.markLen, end - off);
        this.mark.set(chunk.subarray(off, off + n), this.markLen);
        this.markLen += n;
        off += n;
        if (this.markLen < 4) return;
        this.markLen = 0;
        this.startFragment(u32(this.mark, 0));
        continue;
      }
      const n = Math.min(this.need, end - off);
      const keep = Math.min(n, this.headCap - this.headLen);
      if (keep > 0) {
        if (this.headLen + keep > this.head.length && !this.grow(this.headLen + keep)) return;
        this.head.set(chunk.subarray(off, off + keep), this.headLen);
        this.headLen += keep;
      }
      this.need -= n;
      this.total += n;
      off += n;
      if (this.need === 0) this.endFragment();
    }
  }

  reset(): void {
    this.markLen = 0;
    this.need = 0;
    this.inFragment = false;
    this.headLen = 0;
    this.total = 0;
    this.dead = false;
  }

  /** Lost bytes make the record marks unfindable: ignore this direction from now on. */
  stop(): void {
    this.reset();
    this.dead = true;
    if (this.head.length > 0) this.sink.reserve?.(-this.head.length);
    this.head = NO_HEAD;
  }

  /** Room for `need` head bytes (doubling, 512 at least, headCap at most); false: refused, the direction stops. */
  private grow(need: number): boolean {
    const cap = Math.min(this.headCap, Math.max(need, this.head.length * 2, 512));
    if (this.sink.reserve !== undefined && !this.sink.reserve(cap - this.head.length)) {
      this.stop();
      return false;
    }
    const next = new Uint8Array(cap);
    next.set(this.head.subarray(0, this.headLen));
    this.head = next;
    return true;
  }

  private startFragment(w: number): void {
    const last = w >>> 31 === 1;
    const len = w & 0x7fffffff;
    if (len > RPC_MAX_FRAGMENT || this.total + len > RPC_MAX_RECORD) {
      this.kill(len > RPC_MAX_FRAGMENT ? 'rpc.fragment-too-long' : 'rpc.record-too-long');
      return;
    }
    if (len === 0 && !last && !this.zeroReported) {
      // Legal XDR but useless: only a desynchronised or hostile sender does it (reported once).
      this.zeroReported = true;
      this.sink.anomaly('rpc.zero-fragment');
    }
    this.fragLast = last;
    this.need = len;
    this.inFragment = len > 0;
    if (len === 0) this.endFragment();
  }

  private endFragment(): void {
    this.inFragment = false;
    if (!this.fragLast) return;
    const total = this.total;
    this.total = 0;
    const n = this.headLen;
    this.headLen = 0;
    if (total > 0) this.sink.record(this.head.subarray(0, n), total);
  }

  private kill(code: RpcAnomaly): void {
    this.dead = true;
    this.sink.anomaly(code);
  }
}
