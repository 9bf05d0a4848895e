// The contract between the chunk/carry machinery (reader.ts) and a format (pcap.ts, pcapng.ts).
// A capture file is a sequence of self-delimiting units (file header, record, block); the
// reader hands each format whole units, either straight out of the chunk (fast path) or out
// of the carry buffer when a unit spans chunks.

import type { CaptureAnomaly } from '../decode/capture-anomaly.js';
import type { CaptureInfo, PacketCallback, RawPacket } from './types.js';

/** Largest caplen we accept: libpcap's MAXIMUM_SNAPLEN for ordinary link types. */
export const MAX_CAPLEN = 262144;
const MAX_WARNINGS = 20;
/**
 * Latest capture time we accept (9999-12-31T23:59:59Z, in µs; exact in a double): every time the
 * output prints must be an ordinary ISO time. Earlier than the epoch is refused too.
 */
export const MAX_TS_US = 253402300799000000;

const EMPTY = new Uint8Array(0);

/**
 * The reused packet of a reader. `data` is made on demand from (frame, frameStart, frameEnd);
 * it is an own enumerable accessor, so `{ ...pkt }` and JSON see it like a plain field.
 */
export class ReaderPacket implements RawPacket {
  ts = 0;
  linktype = 0;
  origLen = 0;
  ifIndex = 0;
  frame: Uint8Array = EMPTY;
  frameStart = 0;
  frameEnd = 0;
  declare data: Uint8Array;

  constructor() {
    Object.defineProperty(this, 'data', {
      enumerable: true,
      get(this: ReaderPacket): Uint8Array {
        return this.frame.subarray(this.frameStart, this.frameEnd);
      },
      set(this: ReaderPacket, d: Uint8Array): void {
        this.frame = d;
        this.frameStart = 0;
        this.frameEnd = d.length;
      },
    });
  }
}

export class ParseState {
  readonly info: CaptureInfo = {
    format: null,
    linktypes: [],
    snaplen: 0,
    packets: 0,
    bytes: 0,
    offset: 0,
    damaged: false,
    warnings: [],
    anomalies: {},
  };
  /** The one packet object handed to every callback (see RawPacket: valid during the callback). */
  readonly pkt = new ReaderPacket();
  stopped = false;
  private suppressed = 0;

  constructor(
    readonly onPacket: PacketCallback,
    readonly sourceName: string,
  ) {}

  /** Stops reading: everything before `fileOffset` has been delivered, nothing after will be. */
  damage(what: string, fileOffset: number): void {
    if (this.stopped) return;
    this.stopped = true;
    this.info.damaged = true;
    this.info.damage = `${what} at offset ${fileOffset}`;
    this.info.offset = fileOffset;
  }

  /**
   * A packet's timestamp is wire data: one outside [epoch, year 9999] (or not a number) is counted
   * as the anomaly `code` (`pcap.bad-timestamp`, `pcapng.bad-timestamp`) and the packet keeps the
   * time of the packet before it (0 when none came before), so it is still analysed.
   */
  checkTs(ts: number, code: CaptureAnomaly): number {
    return ts >= 0 && ts <= MAX_TS_US ? ts : this.badTs(code);
  }

  /** Counts a timestamp known to be bad; returns the time that stands in for it (the reused packet's last). */
  badTs(code: CaptureAnomaly): number {
    const a = this.info.anomalies;
    if ((a[code] = (a[code] ?? 0) + 1) === 1) {
      this.warn(`${code}: packet timestamps outside what a clock can hold took the time of the packet before`);
    }
    return this.pkt.ts;
  }

  /** Non-fatal remark; bounded so a hostile file cannot grow the list without limit. */
  warn(msg: string): void {
    const w = this.info.warnings;
    if (w.includes(msg)) return;
    if (w.length < MAX_WARNINGS) w.push(msg);
    else if (++this.suppressed === 1) w.push('further warnings suppressed');
  }
}

export interface Engine {
  /** Bytes of a unit needed before `unitLength` can answer. */
  readonly headerLen: number;
  /** What a unit is called in damage messages ('record', 'block', 'file header'). */
  readonly unitName: string;
  /** Total length of the unit at `off` (headerLen bytes present), or -1 after calling state.damage. */
  unitLength(dv: DataView, buf: Uint8Array, off: number, fileOff: number): number;
  /** Handles one complete unit of `len` bytes at `off`. */
  unit(dv: DataView, buf: Uint8Array, off: number, len: number, fileOff: number): void;
  /**
   * Handles every complete unit in buf[off, end) and returns where the first incomplete one
   * starts (or where reading stopped). `base` is the file offset of buf[0].
   */
  run(dv: DataView, buf: Uint8Array, off: number, end: number, base: number): number;
}

/** Known link types; anything else is delivered but warned about (decoders will not know it). */
export const KNOWN_LINKTYPES: ReadonlySet<number> = new Set([0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276]);

export function noteLinktype(st: ParseState, linktype: number): void {
  if (!KNOWN_LINKTYPES.has(linktype)) st.warn(`link type ${linktype} is not decoded`);
}
