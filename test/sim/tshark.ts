// Test helper: run tshark on a capture and return its stdout lines (tshark is a system
// dependency installed by scripts/setup-system.sh; tests fail in CI without it, else skip).
import { execFileSync, spawnSync } from 'node:child_process';

export const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

export function tshark(file: string, args: readonly string[]): string[] {
  const out = execFileSync('tshark', ['-r', file, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.split('\n').filter((l) => l.length > 0);
}
