// Reading a capture from a file, stdin or any stream (tcpdump's stdout for live capture),
// streamed in large chunks through the push parser: memory stays flat whatever the size.
// A gzip-compressed capture is decompressed on the fly.

import { type FileHandle, open } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { WardwatchError } from '../errors.js';
import { CaptureParser } from './parser.js';
import type { CaptureInfo, PacketCallback } from './types.js';

export { CaptureParser } from './parser.js';

/** Large reads keep per-chunk overhead (and record carries across chunks) negligible. */
export const READ_CHUNK = 1 << 20;

export interface ReadOptions {
  /** Called once per chunk read: bytes of the source read so far, and its size (0 if unknown). */
  onProgress?: (offset: number, total: number) => void;
  /** Aborting stops reading; what was read is kept and a warning says so. */
  signal?: AbortSignal;
  /** Awaited after each chunk is parsed: a consumer's back-pressure (src/engine/workers.ts). */
  afterChunk?: () => Promise<void> | undefined;
}

export interface StreamReadOptions extends ReadOptions {
  /** Size of the source for progress, when known. */
  total?: number;
  /**
   * Called once, before the first packet, with the info the parser fills as it reads (its `format`
   * and `linktypes` are known by the first packet): a tee that writes the packets out uses it.
   */
  onInfo?: (info: CaptureInfo) => void;
}

type ChunkSource = AsyncIterable<Uint8Array | string>;

function asBytes(c: Uint8Array | string): Uint8Array {
  if (typeof c === 'string') throw new WardwatchError('WW_CAPTURE_IO', 'capture stream delivers text, not bytes');
  // A plain Uint8Array view keeps the `data` handed to decoders one shape (not Buffer).
  return c.constructor === Uint8Array ? c : new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
}

function ioError(name: string, err: unknown): WardwatchError {
  if (err instanceof WardwatchError) return err;
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === 'ENOENT'
      ? 'no such file'
      : e.code === 'EACCES'
        ? 'permission denied'
        : e.code === 'EISDIR'
          ? 'is a directory'
          : (e.message ?? String(err));
  return new WardwatchError('WW_CAPTURE_IO', `${name}: cannot read capture: ${why}`, { cause: err, file: name });
}

/** Reads a capture file ('-' = stdin) and calls onPacket for every packet, in file order. */
export async function readCapture(
  path: string,
  onPacket: PacketCallback,
  opts: ReadOptions = {},
): Promise<CaptureInfo> {
  if (path === '-') return readCaptureStream(process.stdin, 'stdin', onPacket, opts);
  let fh: FileHandle | undefined;
  let size: number;
  try {
    fh = await open(path, 'r');
    const s = await fh.stat();
    if (s.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = s.isFile() ? s.size : 0;
  } catch (err) {
    await fh?.close();
    throw ioError(path, err);
  }
  try {
    return await readCaptureStream(fileChunks(fh), path, onPacket, { ...opts, total: size });
  } finally {
    await fh.close();
  }
}

/**
 * The file in chunks read into two alternating buffers: the next read runs in the thread pool
 * while the current chunk is parsed, and no memory is allocated per chunk. A chunk is valid
 * until the next one is requested (packets are views valid only during their callback).
 */
async function* fileChunks(fh: FileHandle): AsyncGenerator<Uint8Array> {
  const bufs = [new Uint8Array(READ_CHUNK), new Uint8Array(READ_CHUNK)];
  let i = 0;
  let pending = fh.read(bufs[0]!, 0, READ_CHUNK, null);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      const cur = bufs[i]!;
      i ^= 1;
      pending = fh.read(bufs[i]!, 0, READ_CHUNK, null);
      yield cur.subarray(0, bytesRead);
    }
  } finally {
    // Never close the file under an outstanding read.
    await pending.catch(() => undefined);
  }
}

/** Reads a capture from any byte stream (stdin, tcpdump's stdout, a socket). */
export async function readCaptureStream(
  stream: NodeJS.ReadableStream | ChunkSource,
  name: string,
  onPacket: PacketCallback,
  opts: StreamReadOptions = {},
): Promise<CaptureInfo> {
  const total = opts.total ?? 0;
  const { onProgress, signal } = opts;
  const it = (stream as ChunkSource)[Symbol.asyncIterator]();
  let read = 0;
  let aborted = false;
  let done = false;
  let inFlight = false;
  // An idle source (a quiet interface, stdin) must not keep an abort waiting for its next chunk:
  // each wait can be woken by the abort. Not a `Promise.race` with one long-lived abort promise —
  // every race adds a reaction to it that holds the race's result, so every chunk ever read stayed
  // reachable until the abort (a stream on stdin held the whole capture: 274 MB of a 273 MB file).
  let wake: ((v: null) => void) | undefined;
  const onAbort = signal === undefined ? undefined : () => wake?.(null);
  if (onAbort !== undefined && !signal!.aborted) signal!.addEventListener('abort', onAbort, { once: true });
  const next = async (): Promise<Uint8Array | null> => {
    if (signal?.aborted) {
      aborted = true;
      return null;
    }
    let r: IteratorResult<Uint8Array | string> | null;
    try {
      const pending = it.next();
      if (onAbort === undefined) r = await pending;
      else {
        inFlight = true;
        pending.then(
          () => {
            inFlight = false;
          },
          () => {
            inFlight = false; // it may fail after we stopped waiting for it
          },
        );
        r = await new Promise<IteratorResult<Uint8Array | string> | null>((resolve, reject) => {
          wake = resolve;
          pending.then(resolve, reject);
        });
        wake = undefined;
      }
    } catch (err) {
      wake = undefined;
      throw ioError(name, err);
    }
    if (r === null) {
      aborted = true;
      return null;
    }
    if (r.done) {
      done = true;
      return null;
    }
    const c = asBytes(r.value);
    read += c.length;
    onProgress?.(read, total);
    return c;
  };
  try {
    const first = await next();
    if (first !== null && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) {
      return await readGzip(first, next, () => aborted, name, onPacket, opts.afterChunk, opts.onInfo);
    }
    const parser = new CaptureParser(onPacket, name);
    opts.onInfo?.(parser.info);
    for (let c = first; c !== null; c = await next()) {
      parser.push(c);
      if (parser.info.damaged) break; // nothing after damage is read: stop pulling the source
      const wait = opts.afterChunk?.();
      if (wait !== undefined) await wait;
    }
    return finish(parser, aborted);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // Stopped before the end (damage, abort, error): release the source (closes the file).
    // An iterator's return() waits for a pending next(): destroy an idle stream to end that.
    if (!done) {
      const s = stream as { destroy?: () => void };
      if (inFlight && typeof s.destroy === 'function') s.destroy();
      await it.return?.()?.catch(() => undefined);
    }
  }
}

function finish(parser: CaptureParser, aborted: boolean): CaptureInfo {
  const info = aborted ? parser.abandon() : parser.end();
  if (aborted && !info.damaged) info.warnings.push(`reading stopped early at offset ${parser.consumed} (aborted)`);
  return info;
}

async function readGzip(
  first: Uint8Array,
  next: () => Promise<Uint8Array | null>,
  isAborted: () => boolean,
  name: string,
  onPacket: PacketCallback,
  afterChunk: ReadOptions['afterChunk'],
  onInfo: ((info: CaptureInfo) => void) | undefined,
): Promise<CaptureInfo> {
  // Copies: the pipeline queues chunks, and file chunks are reused buffers.
  async function* compressed(): AsyncGenerator<Uint8Array> {
    for (let c: Uint8Array | null = first; c !== null; c = await next()) yield c.slice();
  }
  const gunzip = createGunzip({ chunkSize: READ_CHUNK });
  let zerr: Error | null = null;
  pipeline(Readable.from(compressed()), gunzip, (err) => {
    if (err) zerr = err;
  });
  const parser = new CaptureParser(onPacket, `${name} (gunzipped)`);
  parser.info.compression = 'gzip';
  onInfo?.(parser.info);
  try {
    for await (const c of gunzip) {
      parser.push(asBytes(c as Uint8Array));
      if (parser.info.damaged) break;
      const wait = afterChunk?.();
      if (wait !== undefined) await wait;
    }
  } catch (err) {
    zerr ??= err as Error;
  }
  gunzip.destroy();
  if (parser.info.damaged || isAborted()) return finish(parser, isAborted());
  const e = zerr as (Error & { code?: string }) | null;
  if (e instanceof WardwatchError) throw e;
  if (e && !(e.code ?? '').startsWith('Z_')) throw ioError(name, e);
  // A cut gzip stream usually also cuts a record: prefer the gzip cause, it says why.
  if (e) parser.markDamaged(`broken gzip stream (${e.message})`);
  return finish(parser, false);
}
