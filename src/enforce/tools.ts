// The only place that runs nft and conntrack. Every call names its network namespace (or
// explicitly the host), so nothing reaches the host's own ruleset by accident.
import { spawnSync } from 'node:child_process';
import { WardwatchError } from '../errors.js';

/** Where rules go: a named network namespace, or (only when asked for in so many words) the host. */
export type Target = { readonly netns: string } | { readonly host: true };

export function describeTarget(t: Target): string {
  return 'netns' in t ? `namespace ${t.netns}` : 'this host';
}

function run(t: Target, cmd: string, args: readonly string[], input?: string, env?: Record<string, string>) {
  const argv = 'netns' in t ? ['ip', ['netns', 'exec', t.netns, cmd, ...args]] : [cmd, [...args]];
  const r = spawnSync(argv[0] as string, argv[1] as string[], {
    input,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  if (r.error !== undefined)
    throw new WardwatchError(
      'WW_TOOL_MISSING',
      `cannot run ${cmd}: ${r.error.message} (apt-get install ${cmd === 'nft' ? 'nftables' : cmd})`,
    );
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Run `nft`, throwing with nft's own message on failure. */
export function nft(t: Target, args: readonly string[], input?: string, tz?: string): string {
  const r = run(t, 'nft', args, input, tz !== undefined ? { TZ: tz } : undefined);
  if (r.status !== 0)
    throw new WardwatchError(
      'WW_POLICY_INVALID',
      `nft ${args.join(' ')} in ${describeTarget(t)} failed: ${r.stderr.trim()}`,
      { exitCode: 1 },
    );
  return r.stdout;
}

/** Check a ruleset without applying it (`nft -c -f -`). */
export function nftCheck(t: Target, text: string, tz: string): void {
  nft(t, ['-c', '-f', '-'], text, tz);
}

/** Apply a ruleset file atomically (`nft -f -`: all of it or nothing). */
export function nftApply(t: Target, text: string, tz: string): void {
  nft(t, ['-f', '-'], text, tz);
}

export function nftRuleset(t: Target): string {
  return nft(t, ['list', 'ruleset']);
}

/**
 * Forget the conntrack entries of these addresses (both directions), so connections the new
 * rules block stop now instead of living on as "established". Returns the entries deleted.
 */
export function conntrackFlush(t: Target, addresses: readonly string[]): number {
  let n = 0;
  for (const a of addresses)
    for (const side of ['-s', '-d']) {
      const r = run(t, 'conntrack', ['-D', side, a]);
      // conntrack exits 1 when nothing matched; the count is on stderr.
      const m = /(\d+) flow entries have been deleted/.exec(r.stderr);
      if (m) n += Number(m[1]);
      else if (r.status !== 0 && !/0 flow entries/.test(r.stderr))
        throw new WardwatchError(
          'WW_TOOL_MISSING',
          `conntrack -D ${side} ${a} failed: ${r.stderr.trim()} (apt-get install conntrack)`,
        );
    }
  return n;
}
