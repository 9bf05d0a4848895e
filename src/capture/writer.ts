// pcap and pcapng writers, symmetric with the readers: reading what these write gives the
// same packets back, and writing what was read (with the same header) gives the same bytes.
// `record()` returns a fresh array for callers that want one; `recordInto()` encodes straight
// into a caller's buffer so CaptureFileWriter can write millions of packets without garbage.

import { closeSync, openSync, writeSync } from 'node:fs';
import { WardwatchError } from '../errors.js';
import { MAX_CAPLEN } from './engine.js';
import { type PcapngInterface, PcapngWriter } from './pcapng-writer.js';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US } from './sniff.js';

export { type PcapngInterface, PcapngWriter, type PcapngWriterOptions } from './pcapng-writer.js';

export interface PcapWriterOptions {
  linktype: number;
  snaplen?: number;
  /** Nanosecond-resolution pcap (magic a1b23c4d). */
  nanos?: boolean;
  bigEndian?: boolean;
}

export class PcapWriter {
  readonly linktype: number;
  readonly snaplen: number;
  private readonly nanos: boolean;
  private readonly le: boolean;

  constructor(opts: PcapWriterOptions) {
    this.linktype = opts.linktype;
    this.snaplen = opts.snaplen ?? MAX_CAPLEN;
    this.nanos = opts.nanos ?? false;
    this.le = !opts.bigEndian;
  }

  header(): Uint8Array {
    const b = new Uint8Array(24);
    const dv = new DataView(b.buffer);
    const le = this.le;
    dv.setUint32(0, this.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
    dv.setUint16(4, 2, le);
    dv.setUint16(6, 4, le);
    // thiszone and sigfigs stay 0: every modern reader ignores them (pcap draft, section 4).
    dv.setUint32(16, this.snaplen, le);
    dv.setUint32(20, this.linktype, le);
    return b;
  }

  /** Bytes `recordInto` will write for this packet. */
  recordLength(data: Uint8Array): number {
    return 16 + Math.min(data.length, this.snaplen);
  }

  /** One record (16-byte header + data cut to snaplen); `ts` in µs since the epoch. */
  record(ts: number, data: Uint8Array, origLen?: number): Uint8Array {
    const b = new Uint8Array(this.recordLength(data));
    this.recordInto(new DataView(b.buffer), b, 0, ts, data, origLen);
    return b;
  }

  /** Encodes one record at `off`; returns the bytes written. */
  recordInto(dv: DataView, buf: Uint8Array, off: number, ts: number, data: Uint8Array, origLen?: number): number {
    const le = this.le;
    const caplen = Math.min(data.length, this.snaplen);
    const sec = Math.floor(ts / 1e6);
    const us = ts - sec * 1e6;
    dv.setUint32(off, sec, le);
    dv.setUint32(off + 4, this.nanos ? us * 1000 : us, le);
    dv.setUint32(off + 8, caplen, le);
    dv.setUint32(off + 12, Math.max(origLen ?? data.length, caplen), le);
    buf.set(caplen === data.length ? data : data.subarray(0, caplen), off + 16);
    return 16 + caplen;
  }
}

export interface CaptureFileOptions {
  /** Link type of the only interface (pcap, or pcapng without `interfaces`). */
  linktype?: number;
  snaplen?: number;
  /** pcap only: nanosecond timestamps. */
  nanos?: boolean;
  /** pcapng only: several interfaces (records then name theirs by index). */
  interfaces?: PcapngInterface[];
  /** Overrides the choice by extension (.pcapng → pcapng, anything else → pcap). */
  format?: 'pcap' | 'pcapng';
  bigEndian?: boolean;
  /** pcapng only: the section header's comment. */
  comment?: string;
}

/** Batches of this size make writing millions of small records cost a few hundred syscalls. */
const BATCH = 1 << 20;

/** Writes a capture file, pcap or pcapng by extension, in large batched writes. */
export class CaptureFileWriter {
  readonly format: 'pcap' | 'pcapng';
  packets = 0;
  private fd: number;
  private readonly buf = new Uint8Array(BATCH);
  private readonly dv = new DataView(this.buf.buffer);
  private used = 0;
  private readonly pcap: PcapWriter | null = null;
  private readonly ng: PcapngWriter | null = null;

  constructor(
    readonly path: string,
    opts: CaptureFileOptions,
  ) {
    this.format = opts.format ?? (path.toLowerCase().endsWith('.pcapng') ? 'pcapng' : 'pcap');
    const linktype = opts.linktype ?? opts.interfaces?.[0]?.linktype ?? 1;
    let header: Uint8Array;
    if (this.format === 'pcapng') {
      const interfaces = opts.interfaces ?? [{ linktype, snaplen: opts.snaplen }];
      this.ng = new PcapngWriter({ interfaces, bigEndian: opts.bigEndian, comment: opts.comment });
      header = this.ng.header();
    } else {
      this.pcap = new PcapWriter({ linktype, snaplen: opts.snaplen, nanos: opts.nanos, bigEndian: opts.bigEndian });
      header = this.pcap.header();
    }
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new WardwatchError('WW_CAPTURE_IO', `${path}: cannot write capture: ${e.code ?? e.message}`, {
        cause: err,
      });
    }
    this.buf.set(header);
    this.used = header.length;
  }

  /** Appends one packet (`ts` in µs); `ifIndex` only for pcapng with several interfaces. */
  write(ts: number, data: Uint8Array, origLen?: number, ifIndex = 0): void {
    // A record is at most 32 + MAX_CAPLEN bytes, far below the batch size.
    if (this.used + 36 + data.length > BATCH) this.flush();
    if (this.ng !== null) this.used += this.ng.recordInto(this.dv, this.buf, this.used, ts, data, ifIndex, origLen);
    else this.used += this.pcap!.recordInto(this.dv, this.buf, this.used, ts, data, origLen);
    this.packets++;
  }

  flush(): void {
    if (this.fd < 0) throw new WardwatchError('WW_INTERNAL', `${this.path}: capture writer already closed`);
    let off = 0;
    try {
      while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    } catch (err) {
      throw new WardwatchError('WW_CAPTURE_IO', `${this.path}: write failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.used = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
