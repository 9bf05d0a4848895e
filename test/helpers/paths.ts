import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared beside the repository (CI puts it there); WARDWATCH_SHARED overrides. */
export const SHARED_DIR = process.env.WARDWATCH_SHARED ?? resolve(REPO_ROOT, '../shared');
export const CAPTURES_DIR = join(SHARED_DIR, 'testdata/captures');
export const GROUND_TRUTH = join(SHARED_DIR, 'testdata/ground-truth.json');
export const FIXTURES_DIR = join(REPO_ROOT, 'test/fixtures');

export function capture(name: string): string {
  const p = join(CAPTURES_DIR, name);
  if (!existsSync(p)) throw new Error(`shared capture missing: ${p} (is ../shared beside the repo?)`);
  return p;
}

/** True in CI: tests that need root or a tool must fail there instead of skipping. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
