// Root, nft, conntrack and dnsmasq for the tests that need them: in CI a missing one fails the
// test loudly; elsewhere the suite says what it skips and why.
import { spawnSync } from 'node:child_process';
import { IN_CI } from '../helpers/paths.js';

const has = (cmd: string, arg = '--version') => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;

/** Why the namespace tests cannot run here, or undefined when they can. */
export function missing(tools: readonly string[] = ['nft', 'ip']): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const t of tools)
    if (!has(t, t === 'ip' ? '-V' : t === 'conntrack' ? '--version' : '--version')) return `${t} missing`;
  return undefined;
}

/** For describe.skipIf: true only outside CI when something is missing (and says so). */
export function skipUnless(tools?: readonly string[]): boolean {
  const why = missing(tools);
  if (why === undefined) return false;
  if (IN_CI) return false; // run, and fail on the first tool call: CI must have them
  process.stderr.write(`test/policy: skipping namespace tests: ${why}\n`);
  return true;
}

export function ipns(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

export function inNs(ns: string, cmd: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', input });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
