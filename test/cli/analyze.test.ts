// `wardwatch analyze` as a user runs it: the output contract, exit codes, stdin, damaged input.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputRecord, SummaryRecord } from '../../src/contract/records.js';
import { startsThreads } from '../../src/cli/launch-flags.js';
import { jsonl, wardwatch } from '../helpers/cli.js';
import { capture, REPO_ROOT } from '../helpers/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('analyze --format jsonl (the output contract)', () => {
  it('prints alerts, then devices, then one summary last; every line validates', () => {
    const r = wardwatch(['analyze', capture('dhcp-dhcp.pcap'), '--format', 'jsonl']);
    expect(r.status).toBe(0);
    const recs = jsonl(r.stdout);
    for (const rec of recs) expect(OutputRecord.safeParse(rec).success).toBe(true);
    const types = recs.map((x) => x.type);
    expect(types[types.length - 1]).toBe('summary');
    expect(types.filter((t) => t === 'summary')).toHaveLength(1);
    const order = types.map((t) => ({ alert: 0, device: 1, summary: 2 })[t as string]!);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const summary = SummaryRecord.parse(recs[recs.length - 1]);
    expect(summary.packets).toBe(9);
    expect(summary.flows).toBe(4);
    expect(summary.damaged).toBe(false);
    expect(summary.apps.dhcp).toBe(9);
    const dev = recs.find((x) => x.type === 'device' && x.id === '90:b1:1c:99:49:29') as Record<string, unknown>;
    expect(dev).toBeDefined();
    expect(dev.hostname).toBe('btest.is.cool');
    // 'ArubaAP' (option 60) in this capture is sent by the server, so it describes the server,
    // not this client: the client's record carries none (tshark lists it per message).
    expect(dev.vendorClass).toBeUndefined();
    expect(dev.vendor).toBe('Dell Inc.');
    expect(r.stderr).toBe('');
  });

  it('reads a capture from stdin with "-"', () => {
    const r = wardwatch(['analyze', '-', '--format', 'jsonl'], { input: readFileSync(capture('http-get.pcapng')) });
    expect(r.status).toBe(0);
    const summary = SummaryRecord.parse(jsonl(r.stdout).at(-1));
    expect(summary.packets).toBe(14);
    expect(summary.apps.http).toBe(1);
  });

  it('analyses several files as one run', () => {
    const r = wardwatch(['analyze', capture('http-get.pcap'), capture('dns53.pcap'), '--format', 'jsonl']);
    const summary = SummaryRecord.parse(jsonl(r.stdout).at(-1));
    expect(summary.packets).toBe(15);
    expect(summary.files).toHaveLength(2);
  });

  it('writes to --out and keeps stdout empty', () => {
    const out = join(tmp, 'out.jsonl');
    const r = wardwatch(['analyze', capture('http-get.pcap'), '--format', 'jsonl', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(SummaryRecord.parse(jsonl(readFileSync(out, 'utf8')).at(-1)).packets).toBe(14);
  });

  it('prints a readable table by default', () => {
    const r = wardwatch(['analyze', capture('dhcp-dhcp.pcap')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Devices (');
    expect(r.stdout).toContain('btest.is.cool');
    expect(r.stdout).toMatch(/Summary: 9 packets/);
  });
});

describe('analyze exit codes', () => {
  it('exits 2 naming the file and what is at offset 0 when the input is not a capture', () => {
    const f = join(tmp, 'notes.txt');
    writeFileSync(f, 'hello, this is text\n');
    const r = wardwatch(['analyze', f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(f);
    expect(r.stderr).toMatch(/offset 0/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for a missing file', () => {
    const r = wardwatch(['analyze', join(tmp, 'nope.pcap')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope.pcap');
  });

  it('exits 1 for a bad format or option', () => {
    expect(wardwatch(['analyze', capture('dns53.pcap'), '--format', 'xml']).status).toBe(1);
    expect(wardwatch(['analyze', capture('dns53.pcap'), '--max-flows', 'many']).status).toBe(1);
    expect(wardwatch(['analyze']).status).toBe(1);
  });

  it('exits 1 naming the file for a broken config', () => {
    const cfg = join(tmp, 'bad.yaml');
    writeFileSync(cfg, 'site:\n  - 10.0.0.0/8\nsitez: []\n');
    const r = wardwatch(['analyze', capture('dns53.pcap'), '--config', cfg]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad.yaml');
  });

  it('exits 0 on a damaged capture, says so, and keeps what came before the damage', () => {
    const whole = readFileSync(capture('http-bro.org.pcap'));
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const r = wardwatch(['analyze', cut, '--format', 'jsonl']);
    expect(r.status).toBe(0);
    const s = SummaryRecord.parse(jsonl(r.stdout).at(-1));
    expect(s.damaged).toBe(true);
    expect(s.packets).toBeGreaterThan(100);
    expect(s.packets).toBeLessThan(751);
    expect(s.warnings.join(' ')).toMatch(/damaged/);
  });

  it('exits 3 when an alert reaches --fail-on, 0 when none does', () => {
    const ward = join(tmp, 'cms8000.pcap');
    expect(wardwatch(['sim', 'cms8000', '--out', ward, '--duration', '60s', '--seed', '3']).status).toBe(0);
    expect(wardwatch(['analyze', ward, '--fail-on', 'critical', '--format', 'jsonl']).status).toBe(3);
    // dhcp-dhcp.pcap raises nothing at medium or above.
    expect(wardwatch(['analyze', capture('dhcp-dhcp.pcap'), '--fail-on', 'medium']).status).toBe(0);
  });
});

describe('the installed entry', () => {
  it('npx wardwatch runs the CLI in the repo after install', () => {
    const r = spawnSync('npx', ['--no-install', 'wardwatch', '--version'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
  });

  /** `watch -r -` through the installed entry: the analysis child's command line, then its records of dns53.pcap. */
  async function launched(extra: string[]): Promise<{ cmdline: string; summary: SummaryRecord }> {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'dist/cli/bin.js'), 'watch', '-r', '-', '--format', 'jsonl', ...extra],
      {
        env: { ...process.env, WARDWATCH_HEAP_MB: '150', WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((res) => child.on('close', res));
    let cmdline = '';
    for (let i = 0; i < 50 && cmdline === ''; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const kid = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')[0];
      if (kid) cmdline = readFileSync(`/proc/${kid}/cmdline`, 'utf8').split('\0').join(' ');
    }
    child.stdin.end(readFileSync(capture('dns53.pcap')));
    expect(await done).toBe(0);
    return { cmdline, summary: SummaryRecord.parse(jsonl(out).at(-1)) };
  }

  it('runs the analysis in a child whose heap is capped (bounded memory whatever the capture size)', async () => {
    const { cmdline, summary } = await launched([]);
    expect(cmdline).toContain('--max-old-space-size=150');
    expect(cmdline).toContain('--max-semi-space-size=8');
    expect(summary.packets).toBe(1);
  });

  it("caps no young generation for a run with worker threads: the flag would override each thread's own limit", async () => {
    const { cmdline, summary } = await launched(['--workers', '2']);
    expect(cmdline).toContain('--max-old-space-size=150');
    expect(cmdline).not.toContain('--max-semi-space-size');
    expect(summary.packets).toBe(1);
  });

  it("gives no young-generation flag to a run with threads of its own (it would override each thread's limit)", () => {
    expect(startsThreads(['analyze', 'x.pcap'])).toBe(false);
    expect(startsThreads(['analyze', 'x.pcap', '--workers', '1'])).toBe(false);
    expect(startsThreads(['analyze', 'x.pcap', '--workers', 'auto'])).toBe(false);
    expect(startsThreads(['analyze', 'x.pcap', '--workers', '2'])).toBe(true);
    expect(startsThreads(['analyze', 'x.pcap', '--workers=4'])).toBe(true);
    expect(startsThreads(['watch', '-i', 'eth1', '--to', 'https://console:8080'])).toBe(true);
    expect(startsThreads(['watch', '-i', 'eth1', '--to=https://console:8080'])).toBe(true);
  });
});
