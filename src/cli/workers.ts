// `--workers N|auto` of analyze and watch (src/engine/workers.ts). "auto": the machine's cores
// for files of at least AUTO_MIN_BYTES together, else 1 — below that the threads' start-up and
// the merge cost more than they save (measured: ARCHITECTURE.md "Workers"); a stream (stdin,
// a live interface) has no size, so "auto" is 1 there.
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { WardwatchError } from '../errors.js';

export const AUTO_MIN_BYTES = 64 * 1024 * 1024;
const MAX_WORKERS = 64;

export function workerCount(value: string | undefined, captures: readonly string[]): number {
  if (value === undefined || value === 'auto') {
    if (captures.length === 0 || captures.includes('-')) return 1;
    let total = 0;
    for (const c of captures) {
      try {
        total += statSync(c).size;
      } catch {
        return 1; // the reader says what is wrong with it
      }
    }
    return total >= AUTO_MIN_BYTES ? Math.min(availableParallelism(), MAX_WORKERS) : 1;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new WardwatchError(
      'WW_ARGS',
      `--workers must be "auto" or an integer from 1 to ${MAX_WORKERS}, got ${value}`,
    );
  return n;
}
