// `--workers N|auto` of analyze and watch (src/engine/workers.ts). "auto" is 1 today: measured on
// this project's 2-core machine the sharded run is slower than one engine at every size tried
// (with the binary event batches the main thread is no longer the bottleneck, but N shards cost
// ~1.6× one engine's CPU — each thread compiles the engine again, events are encoded, merged and
// decoded — and 2 cores cannot hide that; ARCHITECTURE.md "Workers"). N ≥ 2 gives the same records.
import { availableParallelism } from 'node:os';
import { WardwatchError } from '../errors.js';

const MAX_WORKERS = 64;

/**
 * The worker count of `--workers`. More workers than cores is allowed (the records are the same)
 * but told on stderr through `warn`: it is slower, and past 2 workers peak memory grows with the
 * count (~30 MB an isolate; 4 workers reached 332 MB on 5 M packets, over the 300 MB bound).
 */
export function workerCount(
  value: string | undefined,
  warn: (message: string) => void = (m) => process.stderr.write(`wardwatch: ${m}\n`),
  cores: number = availableParallelism(),
): number {
  if (value === undefined || value === 'auto') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new WardwatchError(
      'WW_ARGS',
      `--workers must be "auto" or an integer from 1 to ${MAX_WORKERS}, got ${value}`,
    );
  if (n > cores)
    warn(
      `--workers ${n} is more than this machine's ${cores} core${cores === 1 ? '' : 's'}: the records are the same, but the run is slower and uses more memory (each worker holds its own engine)`,
    );
  return n;
}
