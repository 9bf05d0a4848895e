// Run the built CLI (npm test builds first) as a user would.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** The installed entry (heap-capped launcher around main.js), as `npx wardwatch` runs it. */
export const CLI = join(REPO_ROOT, 'dist/cli/bin.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function wardwatch(
  args: readonly string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): CliRun {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build (npm test does)`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input,
    encoding: 'utf8',
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home'), ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function jsonl(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
