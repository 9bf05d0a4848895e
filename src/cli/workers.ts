// `--workers N|auto` of analyze and watch (src/engine/workers.ts). "auto" is 1 today: measured on
// this project's 2-core machine the sharded run is slower than one engine at every size tried
// (with the binary event batches the main thread is no longer the bottleneck, but N shards cost
// ~1.6× one engine's CPU — each thread compiles the engine again, events are encoded, merged and
// decoded — and 2 cores cannot hide that; ARCHITECTURE.md "Workers"). N ≥ 2 gives the same records.
import { WardwatchError } from '../errors.js';

const MAX_WORKERS = 64;

export function workerCount(value: string | undefined): number {
  if (value === undefined || value === 'auto') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new WardwatchError(
      'WW_ARGS',
      `--workers must be "auto" or an integer from 1 to ${MAX_WORKERS}, got ${value}`,
    );
  return n;
}
