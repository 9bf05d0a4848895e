// Golden files and baselines: a person reads one before it is committed (test/fixtures/PROVENANCE.md
// says who made each, from what, and what was checked). The one switch is UPDATE_GOLDEN=1: it
// rewrites every golden file and baseline a test compares with, after a reviewed change.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { FIXTURES_DIR } from './paths.js';

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

/** Compare `actual` with test/fixtures/<rel>; a missing file is written and the test fails once. */
export function golden(rel: string, actual: string): void {
  const p = join(FIXTURES_DIR, rel);
  if (UPDATE_GOLDEN || !existsSync(p)) {
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, actual);
    if (!UPDATE_GOLDEN) throw new Error(`golden file ${p} was missing and has been written: read it, then rerun`);
  }
  expect(actual).toBe(readFileSync(p, 'utf8'));
}
