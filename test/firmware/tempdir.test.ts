// kill -9 during an unpack leaves its temp dir behind (no handler runs). Unpack dirs live under
// one per-user parent with the owner's pid in the name, and the next unpack sweeps those whose
// owner is gone — and only those.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditFirmware } from '../../src/firmware/audit.js';
import { tarArchive } from './images.js';

const base = mkdtempSync(join(tmpdir(), 'ww-fw-sweep-'));
const savedTmp = process.env.TMPDIR;
beforeAll(() => {
  process.env.TMPDIR = base;
});
afterAll(() => {
  process.env.TMPDIR = savedTmp;
  rmSync(base, { recursive: true, force: true });
});

describe('unpack temp dirs', () => {
  it('a dir left by a killed run (pid gone) is removed by the next unpack; a live run’s is kept', async () => {
    const parent = join(base, `wardwatch-${process.getuid?.() ?? 0}`);
    const deadPid = spawnSync('true').pid!; // exited: its pid names no process now
    const stale = join(parent, `fw-${deadPid}-AbCdEf`);
    const liveRun = join(parent, `fw-${process.ppid}-GhIjKl`); // a process that exists
    for (const d of [stale, liveRun]) {
      mkdirSync(join(d, 'root'), { recursive: true, mode: 0o700 });
      writeFileSync(join(d, 'root/big'), 'x'.repeat(4096));
    }
    const image = join(base, 'fw.tar');
    writeFileSync(image, tarArchive([{ name: 'etc/rc', data: 'ifconfig eth0 up\n' }]));
    const report = await auditFirmware(image, {
      onTempDir: (dir) => expect(dir.startsWith(`${parent}/fw-${process.pid}-`)).toBe(true),
    });
    expect(report.warnings).toContain('removed 1 unpack dir(s) left by killed runs');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(liveRun)).toBe(true);
    expect(readdirSync(parent)).toEqual([`fw-${process.ppid}-GhIjKl`]); // its own dir is gone too
  });
});
