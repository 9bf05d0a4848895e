// `watch --keep DIR --keep-size SIZE` and `extract --keep DIR`: a quiet ward (an hour earlier) and then
// the simulated CMS8000 backdoor piped into watch with a tiny bound, so files rotate and the oldest are
// deleted; the directory stays within the bound, every kept file reads back (ours and tshark), and the
// NFS alert cut from the kept files is byte for byte the slice cut from the original capture.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listKept } from '../../src/capture/keep-dir.js';
import { readCapture } from '../../src/capture/reader.js';
import { CaptureFileWriter } from '../../src/capture/writer.js';
import { CLI, jsonl, wardwatch } from '../helpers/cli.js';
import { IN_CI, REPO_ROOT } from '../helpers/paths.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-keep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEEP_SIZE = 640_000; // "640kB": 8 files of 80 kB
const HOUR = 3600e6;

/** ward (shifted an hour back) then cms8000, as one capture in `format`. */
async function combined(out: string): Promise<void> {
  const ward = join(dir, 'ward.pcap');
  const cms = join(dir, 'cms8000.pcap');
  expect(wardwatch(['sim', 'ward', '--out', ward, '--duration', '60s', '--seed', '5']).status).toBe(0);
  expect(wardwatch(['sim', 'cms8000', '--out', cms, '--duration', '60s', '--seed', '3']).status).toBe(0);
  const w = new CaptureFileWriter(out, { linktype: 1 });
  await readCapture(ward, (p) => w.write(p.ts - HOUR, p.data, p.origLen));
  await readCapture(cms, (p) => w.write(p.ts, p.data, p.origLen));
  w.close();
}

/** Packets and their times, as our reader sees a file. */
async function packets(file: string): Promise<{ n: number; damaged: boolean }> {
  let n = 0;
  const info = await readCapture(file, () => n++);
  return { n, damaged: info.damaged };
}

describe('watch --keep: a bounded rolling capture, and extract --keep', () => {
  const input = join(dir, 'input.pcap');
  const keep = join(dir, 'keep');
  const alerts = join(dir, 'alerts.jsonl');

  it('rotates and deletes within the bound; every kept file is a valid capture', async () => {
    await combined(input);
    const total = statSync(input).size;
    expect(total).toBeGreaterThan(KEEP_SIZE * 1.2); // so the oldest must go
    const r = wardwatch(
      [
        'watch',
        '-r',
        '-',
        '--format',
        'jsonl',
        '-o',
        alerts,
        '--keep',
        keep,
        '--keep-size',
        '640kB',
        '--keep-files',
        '8',
      ],
      { input: readFileSync(input) },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/kept \d+ packets in \d+ file\(s\)/);
    const kept = readdirSync(keep).filter((f) => f.endsWith('.pcap'));
    const bytes = kept.reduce((n, f) => n + statSync(join(keep, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(KEEP_SIZE);
    for (const f of kept) expect(statSync(join(keep, f)).size).toBeLessThanOrEqual(KEEP_SIZE / 8);
    // Deleted: the sequence no longer starts at 1, and the newest files hold the tail of the input.
    const list = listKept(keep);
    expect(list.length).toBe(kept.length);
    expect(list[0]!.seq).toBeGreaterThan(1);
    expect(list.map((f) => f.name)).toEqual([...kept].sort());
    expect(kept.every((f) => /^wardwatch-\d{8}T\d{6}Z-\d{4}\.pcap$/.test(f))).toBe(true);
    let sum = 0;
    for (const f of list) {
      const p = await packets(join(keep, f.name));
      expect(p.damaged, f.name).toBe(false);
      expect(p.n).toBe(f.packets); // the index agrees with the file
      sum += p.n;
      if (HAVE_TSHARK) expect(tshark(join(keep, f.name), []).length, f.name).toBe(p.n);
      else if (IN_CI) throw new Error('tshark missing in CI (scripts/setup-system.sh installs it)');
    }
    // The kept files are the input's last `sum` packets, in order.
    const tail: number[] = [];
    await readCapture(input, (p) => tail.push(p.ts));
    const keptTs: number[] = [];
    for (const f of list) await readCapture(join(keep, f.name), (p) => keptTs.push(p.ts));
    expect(keptTs).toEqual(tail.slice(tail.length - sum));
  });

  it('extract --keep DIR: the NFS alert from the kept files equals the slice of the original capture', () => {
    const nfs = jsonl(readFileSync(alerts, 'utf8')).filter(
      (a) => a.type === 'alert' && a.rule === 'rpc.outbound-nfs' && (a.dst as { port: number }).port === 2049,
    );
    expect(nfs.length).toBe(2);
    for (const a of nfs) {
      const id = a.id as string;
      const fromKeep = join(dir, `${id}-keep.pcap`);
      const fromOriginal = join(dir, `${id}-orig.pcap`);
      const k = wardwatch(['extract', '--keep', keep, '--alerts', alerts, '--alert', id, '-o', fromKeep]);
      expect(k.status, k.stderr).toBe(0);
      const o = wardwatch(['extract', input, '--alerts', alerts, '--alert', id, '-o', fromOriginal]);
      expect(o.status, o.stderr).toBe(0);
      const slice = readFileSync(fromKeep);
      expect(slice.length).toBeGreaterThan(24 + 10 * 16);
      expect(slice.equals(readFileSync(fromOriginal))).toBe(true);
      expect(k.stderr).toContain(`of 1 flow(s) of rpc.outbound-nfs ${id}`);
      if (HAVE_TSHARK) expect(tshark(fromKeep, ['-Y', 'nfs']).length).toBeGreaterThan(0);
    }
    // Without --alerts the kept files are analysed again: the alert's start is kept, so its id is the same.
    const again = join(dir, 'again.pcap');
    const r = wardwatch(['extract', '--keep', keep, '--alert', nfs[0]!.id as string, '-o', again]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(again).equals(readFileSync(join(dir, `${nfs[0]!.id as string}-orig.pcap`)))).toBe(true);
  });

  it('extract --keep: an alert whose packets were deleted is a clear error (exit 1), not an empty slice', () => {
    // The NFS alert as it would read had it fired two hours earlier, before anything kept.
    const nfs = jsonl(readFileSync(alerts, 'utf8')).find((a) => a.type === 'alert' && a.rule === 'rpc.outbound-nfs')!;
    const shift = (t: unknown) => new Date(Date.parse(t as string) - (2 * HOUR) / 1000).toISOString();
    const old = { ...nfs, id: 'feedfacefeedface', first: shift(nfs.first), last: shift(nfs.last) };
    const oldAlerts = join(dir, 'old.jsonl');
    writeFileSync(oldAlerts, `${JSON.stringify(old)}\n`);
    expect(Date.parse(old.last) * 1000).toBeLessThan(listKept(keep)[0]!.firstUs);
    const r = wardwatch([
      'extract',
      '--keep',
      keep,
      '--alerts',
      oldAlerts,
      '--alert',
      old.id,
      '-o',
      join(dir, 'gone.pcap'),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/none covers alert feedfacefeedface .*deleted to stay within --keep-size/);
  });

  it('a pcapng input is kept as pcapng', () => {
    const ng = join(dir, 'cms.pcapng');
    expect(wardwatch(['sim', 'cms8000', '--out', ng, '--duration', '20s', '--seed', '3']).status).toBe(0);
    const k = join(dir, 'keep-ng');
    const r = wardwatch(
      [
        'watch',
        '-r',
        '-',
        '--format',
        'jsonl',
        '-o',
        join(dir, 'ng.jsonl'),
        '--keep',
        k,
        '--keep-size',
        '200KB',
        '--keep-files',
        '4',
      ],
      {
        input: readFileSync(ng),
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const files = readdirSync(k).filter((f) => f.startsWith('wardwatch-'));
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      expect(f.endsWith('.pcapng')).toBe(true);
      expect(readFileSync(join(k, f)).readUInt32LE(0)).toBe(0x0a0d0d0a); // section header block
    }
  });

  it('bad --keep options are exit 1 with the reason', () => {
    const bad = (args: string[], re: RegExp) => {
      const r = wardwatch(['watch', '-r', '-', ...args], { input: '' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(re);
    };
    bad(['--keep', join(dir, 'x'), '--keep-size', '2 parsecs'], /--keep-size: expected a size like 500MB/);
    bad(['--keep', join(dir, 'x'), '--keep-size', '10kB', '--keep-files', '10'], /gives 1000-byte files/);
    bad(['--keep-size', '2GB'], /need --keep DIR/);
    bad(['--keep', join(dir, 'x'), '--keep-files', '0'], /--keep-files: expected an integer/);
    const file = join(dir, 'input.pcap');
    bad(['--keep', join(file, 'sub')], /--keep .*cannot create the directory/);
  });

  // A real full disk: a 200 kB tmpfs in a private mount namespace (root; CI must have it).
  const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
  (canMount || IN_CI ? it : it.skip)(
    'disk full: warnings and a count in the summary, the watch analyses every packet and exits 0',
    () => {
      const mnt = join(dir, 'small');
      mkdirSync(mnt);
      const script = `mount -t tmpfs -o size=200k ww-keep-full "$1" && exec "$2" "$3" watch -r - --format jsonl --keep "$1/k" --keep-size 1MB --keep-files 4`;
      const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', mnt, process.execPath, CLI], {
        input: readFileSync(input),
        encoding: 'utf8',
        env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
        maxBuffer: 64 << 20,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/warning: --keep .*ENOSPC \(no space left on device\).*the watch goes on/);
      const summary = jsonl(r.stdout).at(-1)!;
      let n = 0;
      return readCapture(input, () => n++).then(() => {
        expect(summary.packets).toBe(n); // analysis saw every packet
        const w = (summary.warnings as string[]).find((x) => x.includes('--keep'));
        expect(w).toMatch(/write failure\(s\) .*ENOSPC.*; \d+ packets not kept/);
        expect(r.stderr).toMatch(/kept \d+ packets .* \d+ not kept\)/);
      });
    },
  );
});
