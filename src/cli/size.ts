// Sizes on the command line (`--keep-size 2GB`): one parser, decimal SI units (kB, MB, GB, TB: powers of
// 1000, as disks are sold) and binary IEC units (KiB, MiB, GiB, TiB: powers of 1024), a bare number is
// bytes. Written here rather than taken from `bytes`/`filesize`: those read "KB" as 1024, which would make
// "500MB" mean something other than what `df -H` and the disk label say.
import { WardwatchError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `500MB`, `2GB`, `1.5GiB`, `65536` → bytes (an integer, rounded down). `what` names the option in errors. */
export function parseSize(text: string, what = 'size'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m === null ? undefined : UNITS[(m[2] ?? '').toLowerCase() || 'b'];
  if (m === null || unit === undefined)
    throw new WardwatchError(
      'WW_ARGS',
      `${what}: expected a size like 500MB, 2GB or 1.5GiB (units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), got '${text}'`,
      { field: what },
    );
  const n = Math.floor(Number(m[1]) * unit);
  if (!(n > 0) || !Number.isSafeInteger(n))
    throw new WardwatchError('WW_ARGS', `${what}: '${text}' is not a usable size (more than 0 bytes)`, {
      field: what,
    });
  return n;
}

/** A size option bounded to 1 MiB – 4 GiB (`--max-buffer`, `--capture-buffer`) → bytes; `what` names it in errors. */
export function sizeBetween1MiBAnd4GiB(text: string, what: string): number {
  const n = parseSize(text, what);
  if (n < 2 ** 20 || n > 4 * 2 ** 30)
    throw new WardwatchError('WW_ARGS', `${what}: between 1MiB and 4GiB, got '${text}'`, { field: what });
  return n;
}

/** `--max-buffer SIZE` of analyze and watch: the run's budget for bytes held across flows (flow/budget.ts); 1 MiB to 4 GiB. */
export function maxBufferBytes(text: string | undefined): number | undefined {
  return text === undefined ? undefined : sizeBetween1MiBAnd4GiB(text, '--max-buffer');
}

export const MAX_BUFFER_HELP =
  'bytes all flows may hold at once (out-of-order TCP, HL7 frames, DICOM PDUs); past it holes are skipped (default 64MiB)';
