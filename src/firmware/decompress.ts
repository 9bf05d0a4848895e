// gzip/xz streams decompressed into a file with a byte cap, so a compression bomb stops at
// the limit instead of filling the disk.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { WardwatchError } from '../errors.js';
import { haveTool } from './run.js';

function capper(src: string, maxBytes: number): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > maxBytes) {
        cb(
          new WardwatchError(
            'WW_FIRMWARE',
            `${src}: decompresses to more than ${maxBytes} bytes (compression bomb?); refusing to unpack`,
            { exitCode: 2 },
          ),
        );
      } else cb(null, chunk);
    },
  });
}

export async function decompress(
  kind: 'gzip' | 'xz',
  src: string,
  dest: string,
  maxBytes: number,
  deadline: number,
): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), Math.max(0, deadline - Date.now()));
  try {
    if (kind === 'gzip') {
      await pipeline(createReadStream(src), createGunzip(), capper(src, maxBytes), createWriteStream(dest), {
        signal: ac.signal,
      });
      return;
    }
    if (!(await haveTool('xz'))) throw new WardwatchError('WW_TOOL_MISSING', 'xz is not installed', { exitCode: 2 });
    const child = spawn('xz', ['-dc', '--', src], { stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      await pipeline(child.stdout, capper(src, maxBytes), createWriteStream(dest), { signal: ac.signal });
    } finally {
      child.kill('SIGKILL');
    }
    const code = await exited;
    if (code !== 0 && code !== null)
      throw new WardwatchError('WW_FIRMWARE', `${src}: xz could not decompress it`, { exitCode: 2 });
  } catch (err) {
    if (err instanceof WardwatchError) throw err;
    if (ac.signal.aborted)
      throw new WardwatchError('WW_FIRMWARE', `${src}: decompression took longer than the time limit`, { exitCode: 2 });
    const msg = err instanceof Error ? err.message : String(err);
    throw new WardwatchError('WW_FIRMWARE', `${src}: cannot decompress (${msg})`, { exitCode: 2, cause: err });
  } finally {
    clearTimeout(timer);
  }
}
