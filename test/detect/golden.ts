// Golden-file comparison: a person reads a golden file before it is committed. Set
// UPDATE_GOLDEN=1 to rewrite them after a reviewed change.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FIXTURES_DIR } from '../helpers/paths.js';

export function golden(name: string, actual: string): void {
  const p = join(FIXTURES_DIR, 'detect', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(p)) {
    writeFileSync(p, actual);
    if (process.env.UPDATE_GOLDEN !== '1')
      throw new Error(`golden file ${p} was missing and has been written: read it, then rerun`);
  }
  expect(actual).toBe(readFileSync(p, 'utf8'));
}
