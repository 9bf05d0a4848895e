// --out on the commands that print records (inventory, policy learn/simulate/compile/status,
// firmware audit, report): the records go to the file and nothing to stdout; a path that cannot
// be opened is exit 1 before the run; no progress bar when stderr is not a terminal.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wardwatch } from '../helpers/cli.js';
import { capture } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-cli-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pcap = capture('rpc-mount-base.pcap');

describe('--out', () => {
  it('inventory --format json -o FILE: the inventory in the file, stdout and stderr empty (no bar off a TTY)', () => {
    const out = join(dir, 'inv.json');
    const r = wardwatch(['inventory', '--format', 'json', '-o', out, pcap]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    const inv = JSON.parse(readFileSync(out, 'utf8')) as { devices: unknown[] };
    expect(inv.devices.length).toBeGreaterThan(0);
    // The same as stdout gives.
    expect(wardwatch(['inventory', '--format', 'json', pcap]).stdout).toBe(readFileSync(out, 'utf8'));
  });

  it('policy learn -o, then policy simulate --format json -o and compile -o', () => {
    const policy = join(dir, 'policy.yaml');
    const learn = wardwatch(['policy', 'learn', '-o', policy, pcap]);
    expect(learn.status).toBe(0);
    expect(learn.stdout).toBe('');
    expect(readFileSync(policy, 'utf8')).toMatch(/^# Proposed by `wardwatch policy learn`/);
    const simOut = join(dir, 'sim.json');
    const sim = wardwatch(['policy', 'simulate', '--format', 'json', '-o', simOut, policy, pcap]);
    expect(sim.status).toBe(0);
    expect(sim.stdout).toBe('');
    expect(JSON.parse(readFileSync(simOut, 'utf8'))).toHaveProperty('devices');
    const nft = join(dir, 'ward.nft');
    const comp = wardwatch(['policy', 'compile', policy, '-o', nft]);
    expect(comp.status).toBe(0);
    expect(readFileSync(nft, 'utf8')).toMatch(/table inet/);
  });

  it('firmware audit --format json -o FILE', () => {
    const image = join(dir, 'fw');
    mkdirSync(join(image, 'etc'), { recursive: true });
    writeFileSync(join(image, 'etc/motd'), 'hello\n');
    const out = join(dir, 'audit.json');
    const r = wardwatch(['firmware', 'audit', '--format', 'json', '-o', out, image]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ image });
  });

  it.each([
    ['inventory', pcap],
    ['report', pcap],
    ['policy learn', pcap],
    ['firmware audit', dir],
  ])('%s -o into a missing directory is exit 1 before the run, naming the path', (cmd, input) => {
    const bad = join(dir, 'no-such-dir', 'x.out');
    const r = wardwatch([...cmd.split(' '), '-o', bad, input]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`--out ${bad}: cannot write there: ENOENT`);
    expect(r.stdout).toBe('');
    expect(existsSync(bad)).toBe(false);
  });

  it('--format jsonl where the output is one document: exit 1 naming json', () => {
    const r = wardwatch(['inventory', '--format', 'jsonl', pcap]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('use --format json');
    expect(r.stdout).toBe('');
  });
});
