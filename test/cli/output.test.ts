// Output is never lost without a word: a --out / --sbom / --policy-out path that cannot be
// written is exit 1 before the run (naming the path and the OS reason); a write that fails after
// the run is exit 74; a bad --syslog is refused before the run, an unreachable one is exit 74.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, wardwatch } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { capture } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-out-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PCAP = capture('dhcp-dhcp.pcap');
const aFile = join(dir, 'plain-file');
writeFileSync(aFile, 'x');

const unwritable: [string, string, string][] = [
  ['a directory', dir, 'EISDIR'],
  ['a missing directory', join(dir, 'no/such/dir/out.jsonl'), 'ENOENT'],
  ['below a file', join(aFile, 'out.jsonl'), 'ENOTDIR'],
];

describe('analyze/watch --out', () => {
  for (const [what, path, code] of unwritable) {
    it(`to ${what}: exit 1 before the run, naming the path and ${code}`, () => {
      const r = wardwatch(['analyze', PCAP, '--format', 'jsonl', '--out', path, '--fail-on', 'info']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(path);
      expect(r.stderr).toContain(code);
      expect(r.stdout).toBe('');
    });
  }

  it('watch -r - --out to a directory: exit 1, naming it', () => {
    const r = wardwatch(['watch', '-r', '-', '--out', dir], { input: Buffer.alloc(0) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`--out ${dir}`);
    expect(r.stderr).toContain('EISDIR');
  });

  it('report --out to a missing directory: exit 1 before the run, naming it', () => {
    const path = join(dir, 'no/such/dir/report.html');
    const r = wardwatch(['report', PCAP, '--format', 'html', '--out', path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`--out ${path}`);
    expect(r.stderr).toContain('ENOENT');
  });

  it('a reader that closes the pipe under watch -r - (`| head`) is exit 74 in one line, not a crash', async () => {
    const child = spawn(process.execPath, [CLI, 'watch', '-r', '-', '--format', 'jsonl', '--update-every', '1s'], {
      cwd: REPO_ROOT,
      env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const firstLine = new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The capture, then stdin stays open: the stream prints its devices at the next tick.
    child.stdin.write(readFileSync(PCAP));
    const line = await firstLine;
    expect(line).toContain('"type"');
    child.stdout.destroy(); // the reader goes away, as `head -1` does
    child.stdin.end(); // the end of input: the final records meet the closed pipe
    const code = await exited;
    expect(stderr).toContain('broken pipe');
    expect(stderr).not.toContain('Unhandled');
    expect(stderr).not.toContain('    at ');
    expect(code).toBe(74);
  });

  it('a write that fails after the run (disk full) is exit 74, never success', () => {
    const r = wardwatch(['analyze', PCAP, '--format', 'jsonl', '--out', '/dev/full']);
    expect(r.status).toBe(74);
    expect(r.stderr).toContain('/dev/full');
    expect(r.stderr).toContain('ENOSPC');
  });
});

describe('analyze --syslog', () => {
  it('a bad URL is refused before the run (nothing printed)', () => {
    const r = wardwatch(['analyze', PCAP, '--format', 'jsonl', '--syslog', 'http://nowhere']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("bad syslog address 'http://nowhere'");
    expect(r.stdout).toBe('');
  });
  // An unreachable collector after the run: exit 74, in test/cli/exports.test.ts.
});

describe('firmware audit output paths', () => {
  const fw = join(dir, 'fw');
  mkdirSync(join(fw, 'etc'), { recursive: true });
  writeFileSync(join(fw, 'etc/rc'), 'mount -t nfs 202.114.4.119:/share /mnt\n');
  const cases: [string, string, string][] = [
    ['--sbom', dir, 'EISDIR'],
    ['--policy-out', join(dir, 'no/such/dir/policy.yaml'), 'ENOENT'],
  ];
  for (const [opt, path, code] of cases) {
    it(`${opt} ${path}: exit 1, naming the path and ${code}, no stack`, () => {
      const r = wardwatch(['firmware', 'audit', fw, opt, path]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${opt} ${path}`);
      expect(r.stderr).toContain(code);
      expect(r.stderr).not.toContain('    at ');
    });
  }
});
