// The push parser: accepts a capture in chunks of any size and delivers packets as soon as
// their record is complete. Records inside a chunk are handed out as views of the chunk (no
// copy); only a record that spans chunks is copied, into one reused carry buffer.

import { type Engine, ParseState } from './engine.js';
import { PcapEngine } from './pcap.js';
import { PcapngEngine } from './pcapng.js';
import { magicOf, notACapture } from './sniff.js';
import type { CaptureInfo, PacketCallback } from './types.js';

/** Bytes of the start of a non-capture looked at to guess what it is. */
const SNIFF_LEN = 512;

export class CaptureParser {
  private readonly st: ParseState;
  private engine: Engine | null = null;
  private carry = new Uint8Array(65536);
  private carryDv = new DataView(this.carry.buffer);
  private carryLen = 0;
  /** File offset of carry[0]. */
  private carryStart = 0;
  /** File offset of the first byte of the next chunk. */
  private base = 0;
  private ended = false;

  constructor(onPacket: PacketCallback, sourceName: string) {
    this.st = new ParseState(onPacket, sourceName);
  }

  get info(): CaptureInfo {
    return this.st.info;
  }

  /** Bytes pushed so far (the file offset of the next chunk). */
  get consumed(): number {
    return this.base;
  }

  /** Throws WardwatchError('WW_CAPTURE_FORMAT') if the first bytes are not a capture. */
  push(chunk: Uint8Array): void {
    const st = this.st;
    if (st.stopped || this.ended || chunk.length === 0) {
      this.base += chunk.length;
      return;
    }
    let pos = 0;
    if (this.carryLen > 0 || this.engine === null) {
      pos = this.fromCarry(chunk);
      if (pos < 0) {
        this.base += chunk.length;
        return;
      }
    }
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    pos = this.engine!.run(dv, chunk, pos, chunk.length, this.base);
    if (!st.stopped && pos < chunk.length) {
      this.carryStart = this.base + pos;
      this.fill(chunk, pos, chunk.length - pos);
    }
    this.base += chunk.length;
  }

  /** Input is over: a partial record left over means the file was cut short. */
  end(): CaptureInfo {
    const st = this.st;
    if (this.ended || st.stopped) {
      this.ended = true;
      return st.info;
    }
    this.ended = true;
    const e = this.engine;
    if (e === null) throw notACapture(st.sourceName, this.carry.subarray(0, this.carryLen));
    if (this.carryLen > 0) {
      let need = e.headerLen;
      if (this.carryLen >= e.headerLen) need = e.unitLength(this.carryDv, this.carry, 0, this.carryStart);
      if (need >= 0) st.damage(`truncated ${e.unitName} (${this.carryLen} of ${need} bytes present)`, this.carryStart);
    }
    return st.info;
  }

  /** Reading was stopped on purpose (abort, live stop): a partial record left over is not damage. */
  abandon(): CaptureInfo {
    this.ended = true;
    return this.st.info;
  }

  /** Records damage found outside the format (e.g. a broken gzip stream); first damage wins. */
  markDamaged(what: string): void {
    this.st.damage(what, this.base);
  }

  /**
   * Completes the unit waiting in the carry buffer from the start of `chunk`.
   * Returns where the fast path continues in `chunk`, or -1 when the chunk was used up.
   */
  private fromCarry(chunk: Uint8Array): number {
    let pos = 0;
    if (this.engine === null) {
      pos = this.fill(chunk, pos, 4 - this.carryLen);
      if (this.carryLen < 4) return -1;
      this.detect(chunk, pos);
    }
    const e = this.engine!;
    if (this.carryLen < e.headerLen) {
      pos = this.fill(chunk, pos, e.headerLen - this.carryLen);
      if (this.carryLen < e.headerLen) return -1;
    }
    const total = e.unitLength(this.carryDv, this.carry, 0, this.carryStart);
    if (total < 0) return -1;
    if (this.carryLen < total) {
      pos = this.fill(chunk, pos, total - this.carryLen);
      if (this.carryLen < total) return -1;
    }
    this.carryLen = 0;
    e.unit(this.carryDv, this.carry, 0, total, this.carryStart);
    return this.st.stopped ? -1 : pos;
  }

  /** Appends up to `want` bytes of chunk[pos…] to the carry; returns the new position. */
  private fill(chunk: Uint8Array, pos: number, want: number): number {
    const n = Math.min(want, chunk.length - pos);
    const need = this.carryLen + n;
    if (need > this.carry.length) {
      const grown = new Uint8Array(Math.max(need, this.carry.length * 2));
      grown.set(this.carry.subarray(0, this.carryLen));
      this.carry = grown;
      this.carryDv = new DataView(grown.buffer);
    }
    this.carry.set(chunk.subarray(pos, pos + n), this.carryLen);
    this.carryLen += n;
    return pos + n;
  }

  private detect(chunk: Uint8Array, pos: number): void {
    const st = this.st;
    const m = magicOf(this.carry);
    if (m !== null && m !== 'pcapng' && m !== 'gzip') {
      this.engine = new PcapEngine(st, m.endsWith('-le'), m.startsWith('nsec'), m.startsWith('modpcap'));
    } else if (m === 'pcapng') {
      this.engine = new PcapngEngine(st);
    } else {
      const start = new Uint8Array(Math.min(SNIFF_LEN, this.carryLen + chunk.length - pos));
      start.set(this.carry.subarray(0, Math.min(this.carryLen, start.length)));
      if (start.length > this.carryLen)
        start.set(chunk.subarray(pos, pos + start.length - this.carryLen), this.carryLen);
      throw notACapture(st.sourceName, start);
    }
  }
}
