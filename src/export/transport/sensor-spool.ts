// The sensor's disk spool: every batch is written (and fsynced) here before it is sent, and
// deleted when the console acks it, so a console that is down or slow costs nothing but disk and
// `kill -9` of the sensor loses at most the batch it was building. Files are named by a counter
// (`<16 digits>.batch`): sending goes oldest first, in the order batches were cut, across restarts.
// Each file is a header line `wwspool1 <sha256 hex> <bytes>` and the body (the IngestBatch JSON);
// a file whose header or digest does not match is a named warning (`spool.corrupt`), moved
// aside to `corrupt/`, and skipped — never a crash. The spool is bounded (`maxBytes`): when a new
// batch does not fit, the oldest are dropped, counted (`dropped`) and warned about.
// `state.json` keeps the counters and the last ack for `wardwatch sensor status`.
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { WardwatchError } from '../../errors.js';

const MAGIC = 'wwspool1';
const NAME = /^(\d{16})\.batch$/;

export type SpoolWarningCode = 'spool.corrupt' | 'spool.full';

export interface SpoolWarning {
  readonly code: SpoolWarningCode;
  readonly message: string;
  readonly file?: string;
}

export interface SpoolEntry {
  readonly name: string;
  readonly bytes: number;
}

export interface LastAck {
  readonly at: string;
  readonly batch: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface SpoolState {
  /** Batches written into the spool, ever. */
  spooled: number;
  /** Batches the console acked (stored, or a duplicate of one stored before). */
  acked: number;
  duplicates: number;
  /** Oldest batches dropped because the spool was full. */
  dropped: number;
  /** Batches the console refused for good (400, 413): dropped, counted. */
  rejected: number;
  corrupt: number;
  /** Records + rows the console accepted. */
  accepted: number;
  lastAck?: LastAck;
  /** Recent acks (time in ms, accepted) for the rate in `sensor status`: the last minute's. */
  recent: [number, number][];
  updatedAt?: string;
}

export interface SpoolOptions {
  readonly dir: string;
  /** Bound on the batch files' total size (default 1 GiB). */
  readonly maxBytes?: number;
  readonly onWarning?: (w: SpoolWarning) => void;
}

export function emptyState(): SpoolState {
  return { spooled: 0, acked: 0, duplicates: 0, dropped: 0, rejected: 0, corrupt: 0, accepted: 0, recent: [] };
}

/** Reads `state.json` of a spool dir (for `sensor status`); missing or unreadable: empty counters. */
export function readSpoolState(dir: string): SpoolState {
  try {
    const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Partial<SpoolState>;
    return { ...emptyState(), ...s, recent: Array.isArray(s.recent) ? s.recent : [] };
  } catch {
    return emptyState();
  }
}

export class Spool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly state: SpoolState;
  private readonly entries: SpoolEntry[] = [];
  private total = 0;
  private next = 0;
  private readonly onWarning: (w: SpoolWarning) => void;

  constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes ?? 1024 ** 3;
    this.onWarning = opts.onWarning ?? (() => undefined);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new WardwatchError('WW_ARGS', `cannot create the spool directory ${this.dir}: ${(err as Error).message}`, {
        field: '--spool',
        cause: err,
      });
    }
    this.state = readSpoolState(this.dir);
    const names: string[] = [];
    for (const f of readdirSync(this.dir)) {
      if (NAME.test(f)) names.push(f);
      else if (f.startsWith('.tmp-')) unlinkQuiet(join(this.dir, f)); // a write cut by kill -9: never renamed in
    }
    names.sort();
    for (const name of names) {
      const bytes = statSync(join(this.dir, name)).size;
      this.entries.push({ name, bytes });
      this.total += bytes;
    }
    const last = names.at(-1);
    this.next = last === undefined ? 0 : Number(NAME.exec(last)?.[1]) + 1;
  }

  /** Batch files waiting, oldest first. */
  get files(): readonly SpoolEntry[] {
    return this.entries;
  }

  get bytes(): number {
    return this.total;
  }

  /** Write one batch (fsync file and directory) before it is sent; drops the oldest when full. */
  put(body: string): string {
    const digest = createHash('sha256').update(body, 'utf8').digest('hex');
    const data = `${MAGIC} ${digest} ${Buffer.byteLength(body, 'utf8')}\n${body}`;
    const size = Buffer.byteLength(data, 'utf8');
    if (size > this.maxBytes)
      throw new WardwatchError('WW_ARGS', `a batch of ${size} bytes does not fit a spool of ${this.maxBytes} bytes`, {
        field: '--spool-size',
      });
    while (this.total + size > this.maxBytes && this.entries.length > 0) {
      const old = this.entries[0]!;
      this.remove(old.name);
      this.state.dropped++;
      this.onWarning({
        code: 'spool.full',
        message: `spool full (${this.maxBytes} bytes): dropped the oldest batch ${old.name} (${this.state.dropped} dropped so far)`,
        file: old.name,
      });
    }
    const name = `${String(this.next++).padStart(16, '0')}.batch`;
    const tmp = join(this.dir, `.tmp-${name}`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name));
    syncDir(this.dir);
    this.entries.push({ name, bytes: size });
    this.total += size;
    this.state.spooled++;
    return name;
  }

  /**
   * The oldest batch that reads back intact, with its file name; corrupt files on the way are
   * moved to `corrupt/`, counted and warned about. Undefined when the spool is empty.
   */
  peek(): { name: string; body: string } | undefined {
    while (this.entries.length > 0) {
      const { name } = this.entries[0]!;
      const body = this.read(name);
      if (body !== undefined) return { name, body };
      this.state.corrupt++;
      this.quarantine(name);
    }
    return undefined;
  }

  private read(name: string): string | undefined {
    let raw: Buffer;
    try {
      raw = readFileSync(join(this.dir, name));
    } catch (err) {
      this.warnCorrupt(name, `cannot read: ${(err as Error).message}`);
      return undefined;
    }
    const nl = raw.indexOf(0x0a);
    const m = nl < 0 ? null : /^wwspool1 ([0-9a-f]{64}) (\d+)$/.exec(raw.subarray(0, nl).toString('latin1'));
    if (m === null) {
      this.warnCorrupt(name, 'no spool header');
      return undefined;
    }
    const bodyBuf = raw.subarray(nl + 1);
    if (bodyBuf.length !== Number(m[2])) {
      this.warnCorrupt(name, `truncated: ${bodyBuf.length} of ${m[2]} bytes`);
      return undefined;
    }
    if (createHash('sha256').update(bodyBuf).digest('hex') !== m[1]) {
      this.warnCorrupt(name, 'digest does not match');
      return undefined;
    }
    return bodyBuf.toString('utf8');
  }

  private warnCorrupt(name: string, why: string): void {
    this.onWarning({
      code: 'spool.corrupt',
      message: `spool file ${name} is corrupt (${why}): moved to corrupt/, skipped`,
      file: name,
    });
  }

  private quarantine(name: string): void {
    const aside = join(this.dir, 'corrupt');
    try {
      mkdirSync(aside, { recursive: true, mode: 0o700 });
      renameSync(join(this.dir, name), join(aside, name));
    } catch {
      unlinkQuiet(join(this.dir, name));
    }
    this.forget(name);
  }

  /** The console acked `name` (or refused it for good): delete it. */
  remove(name: string): void {
    unlinkQuiet(join(this.dir, name));
    this.forget(name);
  }

  private forget(name: string): void {
    const i = this.entries.findIndex((e) => e.name === name);
    if (i < 0) return;
    this.total -= this.entries[i]!.bytes;
    this.entries.splice(i, 1);
  }

  /** Note an ack in the counters (kept to the last minute's for rates) and save them. */
  acked(ack: LastAck, accepted: number, now = Date.now()): void {
    const s = this.state;
    s.acked++;
    if (ack.duplicate) s.duplicates++;
    s.accepted += accepted;
    s.lastAck = ack;
    s.recent.push([now, accepted]);
    while (s.recent.length > 0 && s.recent[0]![0] < now - 60_000) s.recent.shift();
    this.save();
  }

  /** Save the counters (not fsynced: they are statistics, the batches are the data). */
  save(): void {
    this.state.updatedAt = new Date().toISOString();
    try {
      const tmp = join(this.dir, '.state.json.tmp');
      writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
      renameSync(tmp, join(this.dir, 'state.json'));
    } catch {
      // statistics only; the next save tries again
    }
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on a directory; the file itself is synced
  }
}
