// The directory of a rolling capture (`watch --keep DIR`): its file names, its index, and which of its
// files cover a time range (`extract --keep DIR`). The writer is `rolling.ts`.
//
// Files are `wardwatch-YYYYMMDDTHHMMSSZ-NNNN.pcap|.pcapng`: the capture time (UTC) of the file's first
// packet and a sequence number that only grows in a directory, also across runs, so the sequence is the
// order of writing. `index.json` lists the files with their first and last packet times (µs) and counts;
// the writer rewrites it (write then rename) when a file is opened, flushed or closed. Without a readable
// index the names alone still order the files and bound them: a file ends before the next one begins.
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WardwatchError } from '../errors.js';

export const KEEP_INDEX = 'index.json';
const NAME = /^wardwatch-(\d{8}T\d{6}Z)-(\d{4,})\.(pcap|pcapng)$/;

export interface KeptFile {
  readonly name: string;
  readonly seq: number;
  /** Capture time of the first packet, µs since the epoch. */
  firstUs: number;
  /** Of the last packet written; for a file known only by its name, the next file's first (or +∞). */
  lastUs: number;
  packets: number;
  /** Bytes on disk (written). */
  bytes: number;
}

interface IndexFile {
  readonly version: 1;
  readonly files: readonly KeptFile[];
}

function stamp(us: number): string {
  return new Date(Math.floor(us / 1000))
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export function keptName(firstUs: number, seq: number, format: 'pcap' | 'pcapng'): string {
  return `wardwatch-${stamp(firstUs)}-${String(seq).padStart(4, '0')}.${format}`;
}

/** The time in a kept file's name (whole seconds, µs), or undefined when it is not one of ours. */
function parseName(name: string): { seq: number; firstUs: number } | undefined {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  const t = m[1]!;
  const ms = Date.UTC(
    +t.slice(0, 4),
    +t.slice(4, 6) - 1,
    +t.slice(6, 8),
    +t.slice(9, 11),
    +t.slice(11, 13),
    +t.slice(13, 15),
  );
  return { seq: Number(m[2]), firstUs: ms * 1000 };
}

function isKept(v: unknown): v is KeptFile {
  const f = v as KeptFile;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.name === 'string' &&
    NAME.test(f.name) &&
    [f.seq, f.firstUs, f.lastUs, f.packets, f.bytes].every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}

function readIndex(dir: string): Map<string, KeptFile> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(dir, KEEP_INDEX), 'utf8'));
  } catch {
    return undefined;
  }
  const files = (v as IndexFile | null)?.files;
  if (!Array.isArray(files)) return undefined;
  return new Map(files.filter(isKept).map((f) => [f.name, { ...f }]));
}

/**
 * The kept files now in `dir`, oldest first (by sequence), with their times from the index where it
 * has them and from the names otherwise; sizes from the directory. Throws only when `dir` is unreadable.
 */
export function listKept(dir: string): KeptFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new WardwatchError('WW_CAPTURE_IO', `--keep ${dir}: cannot read the directory: ${e.code ?? e.message}`, {
      cause: err,
      file: dir,
    });
  }
  const index = readIndex(dir);
  const out: KeptFile[] = [];
  for (const name of names) {
    const n = parseName(name);
    if (n === undefined) continue;
    let bytes = 0;
    try {
      bytes = statSync(join(dir, name)).size;
    } catch {
      continue; // deleted while we looked
    }
    const known = index?.get(name);
    out.push(
      known !== undefined
        ? { ...known, seq: n.seq, bytes }
        : { name, seq: n.seq, firstUs: n.firstUs, lastUs: Number.POSITIVE_INFINITY, packets: -1, bytes },
    );
  }
  out.sort((a, b) => a.seq - b.seq);
  // A file known only by its name ends no later than the second after the next file's name says it begins.
  for (let i = 0; i < out.length; i++) {
    const f = out[i]!;
    if (f.packets < 0 && i + 1 < out.length) f.lastUs = out[i + 1]!.firstUs + 999_999;
  }
  // The newest may still be written to (or its last flush outran the index): open-ended.
  const newest = out[out.length - 1];
  if (newest !== undefined) newest.lastUs = Number.POSITIVE_INFINITY;
  return out;
}

/** Rewrites the index (write, then rename: a reader never sees half of one). */
export function writeIndex(dir: string, files: readonly KeptFile[]): void {
  const tmp = join(dir, `${KEEP_INDEX}.tmp`);
  const body: IndexFile = {
    version: 1,
    files: files.map((f) => ({ ...f, lastUs: Number.isFinite(f.lastUs) ? f.lastUs : f.firstUs })),
  };
  writeFileSync(tmp, `${JSON.stringify(body, null, 1)}\n`);
  renameSync(tmp, join(dir, KEEP_INDEX));
}

/**
 * The kept files whose packets may fall in [fromUs, toUs], in writing order. A file known only by its
 * name starts at its name's whole second (its first packet may be up to a second later).
 */
export function keptCovering(files: readonly KeptFile[], fromUs: number, toUs: number): KeptFile[] {
  return files.filter((f) => f.firstUs <= toUs && f.lastUs >= fromUs);
}
