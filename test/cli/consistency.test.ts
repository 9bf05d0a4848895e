// CLI consistency: json is jsonl wherever jsonl is accepted, record commands share one set of
// options (watch has analyze's), list options are repeated and never swallow positionals, and
// the record commands' --help ends with examples.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wardwatch } from '../helpers/cli.js';
import { capture } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-cli-consistency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI consistency', () => {
  it('--format json is jsonl for analyze and watch', () => {
    const pcap = capture('rpc-mount-base.pcap');
    const jsonl = wardwatch(['analyze', '--format', 'jsonl', pcap]);
    const json = wardwatch(['analyze', '--format', 'json', pcap]);
    expect(jsonl.status).toBe(0);
    expect(json.status).toBe(0);
    expect(json.stdout).toBe(jsonl.stdout);
    expect(json.stdout.split('\n')[0]).toMatch(/^\{"type":/);
    const bad = wardwatch(['analyze', '--format', 'xml', pcap]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('jsonl');
  });

  it('watch takes the record options analyze takes', () => {
    const watch = wardwatch(['watch', '--help']).stdout;
    const analyze = wardwatch(['analyze', '--help']).stdout;
    for (const opt of ['--format', '--out', '--config', '--policy', '--fail-on', '--syslog', '--summary-every']) {
      expect(watch).toContain(opt);
      expect(analyze).toContain(opt);
    }
  });

  it('watch --out writes the streamed records to the file, not stdout', () => {
    const out = join(dir, 'watch.jsonl');
    const r = wardwatch(['watch', '-r', '-', '--format', 'jsonl', '--out', out], {
      input: readFileSync(capture('rpc-mount-base.pcap')),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const last = readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '';
    expect(JSON.parse(last)).toMatchObject({ type: 'summary' });
  });

  it('firmware audit --capture a.pcap IMAGE takes IMAGE as the image, not a second capture', () => {
    const image = join(dir, 'fw');
    mkdirSync(join(image, 'etc'), { recursive: true });
    writeFileSync(join(image, 'etc/motd'), 'hello\n');
    const r = wardwatch(['firmware', 'audit', '--format', 'json', '--capture', capture('rpc-mount-base.pcap'), image]);
    expect(r.stderr).not.toContain('missing required argument');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('contacted');
  });

  it('analyze and watch --help end with examples', () => {
    for (const cmd of ['analyze', 'watch']) {
      const help = wardwatch([cmd, '--help']).stdout;
      expect(help).toMatch(/Examples:\n {2}(sudo )?(tcpdump .*\| )?wardwatch /);
    }
  });
});
