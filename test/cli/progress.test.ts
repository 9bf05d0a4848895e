// Progress bars: on a terminal stderr every long command (reading captures, unpacking an image)
// draws one; the records (--out, or json on stdout) never hold one; --no-progress and a
// non-terminal stderr draw none. A terminal comes from util-linux `script` (a pty).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, wardwatch } from '../helpers/cli.js';
import { capture, REPO_ROOT } from '../helpers/paths.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript && process.env.CI === 'true') throw new Error('progress tests need util-linux `script` (a pty)');
if (!hasScript) console.warn('SKIPPED progress-on-a-terminal tests: util-linux `script` is missing');

const dir = mkdtempSync(join(tmpdir(), 'ww-cli-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pcap = capture('rpc-mount-base.pcap');
const image = join(dir, 'fw');
mkdirSync(join(image, 'etc'), { recursive: true });
writeFileSync(join(image, 'etc/motd'), 'hello\n');
const policy = join(dir, 'p.yaml');

/** Runs the CLI with stdin, stdout and stderr on one pty; returns what the terminal showed. */
function onTerminal(args: string[]): { status: number | null; screen: string } {
  const r = spawnSync('script', ['-qec', [process.execPath, CLI, ...args].join(' '), '/dev/null'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
    timeout: 120_000,
  });
  return { status: r.status, screen: r.stdout };
}

describe.skipIf(!hasScript)('progress on a terminal', () => {
  it.each([
    ['inventory', ['inventory', '-o', join(dir, 'inv.txt'), pcap], 'rpc-mount-base.pcap ['],
    ['report', ['report', '-o', join(dir, 'r.md'), pcap], 'rpc-mount-base.pcap ['],
    ['policy learn', ['policy', 'learn', '-o', policy, pcap], 'rpc-mount-base.pcap ['],
    ['firmware audit', ['firmware', 'audit', '-o', join(dir, 'fw.txt'), image], 'firmware audit ['],
  ])('%s draws a bar on stderr, none in the output file; --no-progress none', (_name, args, bar) => {
    const r = onTerminal(args);
    expect(r.status).toBe(0);
    expect(r.screen).toContain(bar);
    const out = args[args.indexOf('-o') + 1]!;
    expect(readFileSync(out, 'utf8')).not.toContain('\u001b[');
    const quiet = onTerminal([...args, '--no-progress']);
    expect(quiet.status).toBe(0);
    expect(quiet.screen).not.toContain(bar);
  });

  it('policy simulate --format json on a terminal: the bar before the JSON, the JSON whole', () => {
    const r = onTerminal(['policy', 'simulate', '--format', 'json', '-o', join(dir, 's.json'), policy, pcap]);
    expect(r.status).toBe(0);
    expect(r.screen).toContain('rpc-mount-base.pcap [');
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toHaveProperty('devices');
  });
});

describe('progress off a terminal', () => {
  it.each([
    ['inventory', pcap],
    ['report', pcap],
    ['firmware audit', image],
  ])('%s with stderr not a terminal writes nothing to stderr', (cmd, input) => {
    const r = wardwatch([...cmd.split(' '), input]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('\u001b[');
  });
});
