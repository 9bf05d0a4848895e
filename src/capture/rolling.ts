// A bounded rolling capture (`watch --keep DIR --keep-size SIZE [--keep-files N]`): every packet read
// is written, in the input's link type (pcapng when the input is pcapng, else pcap), into files of at
// most SIZE/N bytes in DIR (`keep-dir.ts` names them and keeps the index). Before a file is opened the
// oldest are deleted until the kept files plus a whole new one fit in SIZE, so the directory's
// captures never exceed SIZE (a single record longer than SIZE/N gets a file of its own).
//
// Keeping is a side duty of a watch: nothing here throws once constructed. A failed write (disk full,
// the directory gone) drops the buffer, warns once until writing works again, counts, and retries in
// a new file a second later; the watch goes on.
import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { osReason, WardwatchError } from '../errors.js';
import { type KeptFile, keptName, listKept, writeIndex } from './keep-dir.js';
import { PcapngWriter } from './pcapng-writer.js';
import type { CaptureInfo, RawPacket } from './types.js';
import { PcapWriter } from './writer.js';

/** The file operations a rolling capture makes; tests swap in a disk that fills up. */
export interface KeepIo {
  open(path: string): number;
  write(fd: number, buf: Uint8Array, off: number, len: number): number;
  close(fd: number): void;
  unlink(path: string): void;
}

const nodeIo: KeepIo = {
  open: (path) => openSync(path, 'wx'),
  write: (fd, buf, off, len) => writeSync(fd, buf, off, len),
  close: (fd) => closeSync(fd),
  unlink: (path) => unlinkSync(path),
};

export interface RollingOptions {
  readonly dir: string;
  /** Bound of the directory's kept captures, bytes. */
  readonly maxBytes: number;
  /** Files the bound is split into (default 10): each at most maxBytes / files. */
  readonly files?: number;
  readonly io?: KeepIo;
  /** Wall clock in ms (retry pacing). */
  readonly now?: () => number;
  /** A failure or recovery, in words (the CLI prints it on stderr). */
  readonly warn?: (msg: string) => void;
}

export interface RollingStats {
  /** Packets written (or buffered to be). */
  packets: number;
  /** Packets not kept because writing failed. */
  dropped: number;
  writeErrors: number;
  filesOpened: number;
  /** Oldest files deleted to stay within the bound. */
  deleted: number;
}

/** Smallest file the bound may be split into: a header and a few packets. */
export const MIN_KEEP_FILE = 4096;
export const DEFAULT_KEEP_FILES = 10;
// Holds the largest record (32 + MAX_CAPLEN bytes) with room to spare.
const BUF = 1 << 19;
const RETRY_MS = 1000;

interface Open {
  readonly file: KeptFile;
  readonly fd: number;
  readonly format: 'pcap' | 'pcapng';
  readonly linktypes: number[];
  readonly pcap: PcapWriter | null;
  readonly ng: PcapngWriter | null;
  /** Bytes that reached the file. */
  written: number;
}

export class RollingCapture {
  readonly dir: string;
  readonly maxBytes: number;
  readonly perFile: number;
  readonly stats: RollingStats = { packets: 0, dropped: 0, writeErrors: 0, filesOpened: 0, deleted: 0 };
  private readonly io: KeepIo;
  private readonly now: () => number;
  private readonly warn: (msg: string) => void;
  /** Closed files, oldest first. */
  private readonly kept: KeptFile[];
  private nextSeq: number;
  private cur: Open | null = null;
  private info: CaptureInfo | null = null;
  private readonly buf = new Uint8Array(BUF);
  private readonly dv = new DataView(this.buf.buffer);
  private used = 0;
  private bufPackets = 0;
  private retryAt = 0;
  private failing = false;
  private lastError = '';
  private indexFailed = false;

  /** Creates DIR if needed and takes in the kept files already there (a previous run's). Throws on bad options. */
  constructor(opts: RollingOptions) {
    const files = opts.files ?? DEFAULT_KEEP_FILES;
    if (!Number.isInteger(files) || files < 1)
      throw new WardwatchError('WW_ARGS', `--keep-files: expected an integer ≥ 1, got ${files}`);
    this.perFile = Math.floor(opts.maxBytes / files);
    if (this.perFile < MIN_KEEP_FILE)
      throw new WardwatchError(
        'WW_ARGS',
        `--keep-size ${opts.maxBytes} bytes in ${files} files gives ${this.perFile}-byte files; give at least ${MIN_KEEP_FILE * files} bytes or fewer --keep-files`,
      );
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    this.io = opts.io ?? nodeIo;
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? (() => undefined);
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (err) {
      throw new WardwatchError('WW_ARGS', `--keep ${opts.dir}: cannot create the directory: ${osReason(err)}`, {
        cause: err,
        field: '--keep',
      });
    }
    this.kept = listKept(opts.dir);
    this.nextSeq = (this.kept[this.kept.length - 1]?.seq ?? 0) + 1;
  }

  /** A new input begins (its header read): the next packet opens a new file in its format. */
  start(info: CaptureInfo): void {
    this.info = info;
    this.closeCurrent();
  }

  packet(p: RawPacket): void {
    if (this.retryAt > 0) {
      if (this.now() < this.retryAt) {
        this.stats.dropped++;
        return;
      }
      this.retryAt = 0;
    }
    const data = p.data;
    let cur = this.cur;
    if (cur !== null && !this.fits(cur, p)) cur = this.closeCurrent();
    if (cur !== null) {
      const len = cur.ng !== null ? cur.ng.recordLength(data, p.ifIndex) : cur.pcap!.recordLength(data);
      if (cur.file.packets > 0 && cur.file.bytes + len > this.perFile) cur = this.closeCurrent();
    }
    if (cur === null) cur = this.open(p);
    if (cur === null) {
      this.stats.dropped++;
      return;
    }
    if (this.used + 36 + data.length > BUF && !this.flushBuffer()) {
      this.stats.dropped++;
      return;
    }
    const n =
      cur.ng !== null
        ? cur.ng.recordInto(this.dv, this.buf, this.used, p.ts, data, p.ifIndex, p.origLen)
        : cur.pcap!.recordInto(this.dv, this.buf, this.used, p.ts, data, p.origLen);
    this.used += n;
    this.bufPackets++;
    const f = cur.file;
    f.bytes += n;
    f.packets++;
    if (p.ts < f.firstUs) f.firstUs = p.ts;
    if (p.ts > f.lastUs) f.lastUs = p.ts;
    this.stats.packets++;
  }

  /** Writes what is buffered and the index (the CLI calls it every second, so a live alert's packets are on disk). */
  flush(): void {
    if (this.cur === null) return;
    if (this.flushBuffer()) this.saveIndex();
  }

  close(): void {
    this.closeCurrent();
  }

  /** The kept files now (closed ones and the open one), oldest first. */
  files(): readonly KeptFile[] {
    return this.cur === null ? [...this.kept] : [...this.kept, this.cur.file];
  }

  /** One line for the run's summary when keeping failed, else undefined. */
  failureSummary(): string | undefined {
    if (this.stats.writeErrors === 0) return undefined;
    return `--keep ${this.dir}: ${this.stats.writeErrors} write failure(s) (last: ${this.lastError}); ${this.stats.dropped} packets not kept`;
  }

  private fits(cur: Open, p: RawPacket): boolean {
    return cur.format === 'pcap' ? cur.linktypes[0] === p.linktype : cur.linktypes[p.ifIndex] === p.linktype;
  }

  private open(p: RawPacket): Open | null {
    const format = this.info?.format === 'pcapng' ? 'pcapng' : 'pcap';
    let linktypes: number[];
    if (format === 'pcap') linktypes = [p.linktype];
    else {
      linktypes = [...(this.info?.linktypes ?? [])];
      for (let i = linktypes.length; i < p.ifIndex; i++) linktypes.push(p.linktype);
      linktypes[p.ifIndex] = p.linktype;
    }
    this.prune();
    const name = keptName(p.ts, this.nextSeq++, format);
    const pcap = format === 'pcap' ? new PcapWriter({ linktype: p.linktype }) : null;
    const ng =
      format === 'pcapng' ? new PcapngWriter({ interfaces: linktypes.map((linktype) => ({ linktype })) }) : null;
    const header = pcap !== null ? pcap.header() : ng!.header();
    let fd: number;
    try {
      fd = this.io.open(join(this.dir, name));
    } catch (err) {
      this.fail(err, `creating ${name}`);
      return null;
    }
    this.stats.filesOpened++;
    const file: KeptFile = {
      name,
      seq: this.nextSeq - 1,
      firstUs: p.ts,
      lastUs: p.ts,
      packets: 0,
      bytes: header.length,
    };
    this.cur = { file, fd, format, linktypes, pcap, ng, written: 0 };
    this.buf.set(header, 0);
    this.used = header.length;
    this.bufPackets = 0;
    this.saveIndex();
    return this.cur;
  }

  /** Deletes the oldest kept files until they and one more whole file fit in the bound. */
  private prune(): void {
    let total = 0;
    for (const f of this.kept) total += f.bytes;
    while (this.kept.length > 0 && total + this.perFile > this.maxBytes) {
      const old = this.kept.shift()!;
      total -= old.bytes;
      try {
        this.io.unlink(join(this.dir, old.name));
        this.stats.deleted++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          this.warn(`--keep ${this.dir}: cannot delete ${old.name}: ${osReason(err)}`);
      }
    }
  }

  private flushBuffer(): boolean {
    const cur = this.cur;
    if (cur === null || this.used === 0) return true;
    let off = 0;
    try {
      while (off < this.used) {
        const n = this.io.write(cur.fd, this.buf, off, this.used - off);
        off += n;
        cur.written += n;
      }
    } catch (err) {
      this.fail(err, `writing ${cur.file.name}`);
      return false;
    }
    this.used = 0;
    this.bufPackets = 0;
    if (this.failing) {
      this.failing = false;
      this.warn(`--keep ${this.dir}: writing again (${this.stats.dropped} packets were not kept)`);
    }
    return true;
  }

  /** A failed write: drop what is buffered, close the file as far as it got, retry in a new file later. */
  private fail(err: unknown, what: string): void {
    this.stats.writeErrors++;
    this.lastError = `${what}: ${osReason(err)}`;
    if (!this.failing) {
      this.failing = true;
      this.warn(
        `--keep ${this.dir}: ${this.lastError}; packets are not kept until writing works again (the watch goes on)`,
      );
    }
    const lost = this.bufPackets;
    this.stats.dropped += lost;
    this.stats.packets -= lost;
    this.used = 0;
    this.bufPackets = 0;
    const cur = this.cur;
    this.cur = null;
    if (cur !== null) {
      cur.file.packets -= lost;
      try {
        this.io.close(cur.fd);
      } catch {
        // the descriptor is gone either way
      }
      cur.file.bytes = cur.written;
      if (cur.written > 0) this.kept.push(cur.file);
      else this.unlinkQuietly(cur.file.name);
    }
    this.retryAt = this.now() + RETRY_MS;
    this.saveIndex();
  }

  private closeCurrent(): null {
    const cur = this.cur;
    if (cur === null) return null;
    if (!this.flushBuffer()) return null; // fail() already closed it
    this.cur = null;
    try {
      this.io.close(cur.fd);
    } catch (err) {
      this.fail(err, `closing ${cur.file.name}`);
    }
    cur.file.bytes = cur.written;
    this.kept.push(cur.file);
    this.saveIndex();
    return null;
  }

  private unlinkQuietly(name: string): void {
    try {
      this.io.unlink(join(this.dir, name));
    } catch {
      // an empty file left behind holds no packets; the next prune takes it
    }
  }

  private saveIndex(): void {
    try {
      writeIndex(this.dir, this.files());
      this.indexFailed = false;
    } catch (err) {
      if (!this.indexFailed)
        this.warn(
          `--keep ${this.dir}: cannot write the index: ${osReason(err)} (extract falls back to the file names)`,
        );
      this.indexFailed = true;
    }
  }
}
