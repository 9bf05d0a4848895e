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
  /** Least time between two saves of `state.json` by `saveSoon` (default 0: every change; the sensor's thread: 1 s). */
  readonly saveEveryMs?: number;
  /**
   * Only look (`sensor status`, beside a running sensor): no directory made, nothing deleted —
   * a newest file that looks cut short may be the running sensor's write in progress.
   */
  readonly readOnly?: boolean;
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
  private readonly saveEveryMs: number;
  private lastSave = 0;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes ?? 1024 ** 3;
    this.onWarning = opts.onWarning ?? (() => undefined);
    this.saveEveryMs = opts.saveEveryMs ?? 0;
    try {
      if (opts.readOnly !== true) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
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
      else if (f.startsWith('.tmp-') && opts.readOnly !== true) unlinkQuiet(join(this.dir, f)); // an older version's write cut by kill -9
    }
    names.sort();
    // The newest file may be the write a kill cut short (shorter than its header says): that
    // batch was never spooled; drop it as a temp file was dropped (a damaged older one is corrupt).
    const newest = names.at(-1);
    if (newest !== undefined && opts.readOnly !== true && cutShort(join(this.dir, newest))) {
      unlinkQuiet(join(this.dir, newest));
      names.pop();
    }
    for (const name of names) {
      let bytes: number;
      try {
        bytes = statSync(join(this.dir, name)).size;
      } catch {
        continue; // acked and deleted by a running sensor since the listing
      }
      this.entries.push({ name, bytes });
      this.total += bytes;
    }
    const last = newest ?? names.at(-1);
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
    // Straight to its final name, one fsync: a write cut by kill -9 can only be the newest file,
    // and the header's length tells it at the next open (below); no temp file, rename or
    // directory fsync per batch.
    const name = `${String(this.next++).padStart(16, '0')}.batch`;
    const fd = openSync(join(this.dir, name), 'wx', 0o600);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
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

  /** Note an ack in the counters (kept to the last minute's for rates) and save them (soon). */
  acked(ack: LastAck, accepted: number, now = Date.now()): void {
    const s = this.state;
    s.acked++;
    if (ack.duplicate) s.duplicates++;
    s.accepted += accepted;
    s.lastAck = ack;
    s.recent.push([now, accepted]);
    while (s.recent.length > 0 && s.recent[0]![0] < now - 60_000) s.recent.shift();
    this.saveSoon();
  }

  /**
   * Save the counters at most once every `saveEveryMs`: now when the last save is that
   * old, else at the end of that second (a timer that keeps no process alive). `save()` at close
   * writes the final state.
   */
  saveSoon(): void {
    if (this.saveTimer !== undefined) return;
    const wait = this.lastSave + this.saveEveryMs - Date.now();
    if (wait <= 0) {
      this.save();
      return;
    }
    this.saveTimer = setTimeout(() => this.save(), wait);
    this.saveTimer.unref();
  }

  /** Save the counters (not fsynced: they are statistics, the batches are the data). */
  save(): void {
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.lastSave = Date.now();
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

/** A batch file shorter than its header promises (or without a whole header): a cut write. */
function cutShort(path: string): boolean {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch {
    return false;
  }
  const nl = raw.indexOf(0x0a);
  if (nl < 0) {
    // cut inside the header line (or right after open: empty)
    const t = raw.subarray(0, 128).toString('latin1');
    return raw.length < 128 && (`${MAGIC} `.startsWith(t) || /^wwspool1 [0-9a-f]{0,64}( \d*)?$/.test(t));
  }
  const m = /^wwspool1 [0-9a-f]{64} (\d+)$/.exec(raw.subarray(0, nl).toString('latin1'));
  return m !== null && raw.length - nl - 1 < Number(m[1]);
}
