// The `sim` command as a user runs it: a scenario file with its one-line summary on stderr,
// and the refusal of the real indicator range with exit code 1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function wardwatch(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/vite-node/vite-node.mjs'), join(REPO_ROOT, 'src/cli/main.ts'), ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('wardwatch sim', () => {
  it('writes a scenario and prints a one-line summary', () => {
    const out = join(dir, 'ward.pcapng');
    const r = wardwatch('sim', 'ward', '--out', out, '--duration', '2m', '--seed', '4');
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(r.stderr).toMatch(/^sim ward: \d+ packets, \d+ bytes, 120s simulated → .*ward\.pcapng/m);
  });

  it('rejects bad arguments and the real indicator range with exit 1', () => {
    expect(wardwatch('sim', 'nosuch').code).toBe(1);
    expect(wardwatch('sim', 'ward', '--duration', 'soon').code).toBe(1);
    const r = wardwatch('sim', 'monitor', '--to', '127.0.0.1:2575', '--copy-to', '202.114.4.120:515');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/202\.114\.4\.120 is in 202\.114\.4\.0\/24/);
  });
});
