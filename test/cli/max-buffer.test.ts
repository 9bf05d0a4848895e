// `--max-buffer SIZE` (analyze, watch): the run's budget for bytes held across flows. A capture
// whose flows all wait on holes is read within it, with the warning and the anomaly counted;
// sizes outside 1 MiB – 4 GiB are refused before anything runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../src/capture/writer.js';
import { SummaryRecord } from '../../src/contract/records.js';
import { ACK, FrameBuilder, host, SYN } from '../../src/sim/wire.js';
import { jsonl, wardwatch } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-max-buffer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 40 HL7 flows, each losing its first segment and sending 60 more after the hole (3.4 MB out of order in all). */
function writeHoles(file: string): void {
  const w = new CaptureFileWriter(file, {});
  const fb = new FrameBuilder();
  const server = host('lis', '02:00:00:00:00:01', '10.40.12.20');
  const filler = new Uint8Array(1400).fill(0x41);
  let t = Date.UTC(2025, 0, 30, 8) * 1000;
  const c = (i: number) => host(`m${i}`, `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`, `10.40.13.${i + 10}`);
  for (let i = 0; i < 40; i++) {
    w.write(t++, fb.tcp(c(i), server, 20000 + i, 2575, 1000, 0, SYN, 65535, null));
    w.write(t++, fb.tcp(server, c(i), 2575, 20000 + i, 5000, 1001, SYN | ACK, 65535, null));
  }
  for (let k = 1; k <= 60; k++)
    for (let i = 0; i < 40; i++)
      w.write(t++, fb.tcp(c(i), server, 20000 + i, 2575, 1001 + k * 1400, 5001, ACK, 65535, filler));
  w.close();
}

describe('--max-buffer', () => {
  const file = join(tmp, 'holes.pcap');
  writeHoles(file);

  it.each([['1'], ['2']])('a run past it (%s worker) warns, counts stream.memcap and reads to the end', (workers) => {
    const r = wardwatch([
      'analyze',
      file,
      '--max-buffer',
      '1MiB',
      '--workers',
      workers,
      '--format',
      'jsonl',
      '--no-progress',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const s = SummaryRecord.parse(jsonl(r.stdout).at(-1));
    expect(s.packets).toBe(80 + 40 * 60);
    expect(s.anomalies['stream.memcap']).toBeGreaterThan(0);
    expect(s.warnings.some((w) => w.startsWith('buffer budget spent (1 MiB held across flows)'))).toBe(true);
  });

  it('the default (64 MiB) holds this capture: no warning, no stream.memcap', () => {
    const r = wardwatch(['analyze', file, '--format', 'jsonl', '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
    const s = SummaryRecord.parse(jsonl(r.stdout).at(-1));
    expect(s.anomalies['stream.memcap']).toBeUndefined();
    expect(s.warnings.filter((w) => w.startsWith('buffer budget'))).toEqual([]);
  });

  it.each([
    ['analyze', '10', 'between 1MiB and 4GiB'],
    ['analyze', '5GiB', 'between 1MiB and 4GiB'],
    ['analyze', 'lots', 'expected a size like'],
    ['watch', '512kB', 'between 1MiB and 4GiB'],
  ])('%s --max-buffer %s is refused (exit 1): %s', (cmd, size, why) => {
    const args = cmd === 'analyze' ? ['analyze', file] : ['watch', '-r', file];
    const r = wardwatch([...args, '--max-buffer', size, '--format', 'jsonl']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`--max-buffer: `);
    expect(r.stderr).toContain(why);
    expect(r.stdout).toBe('');
  });
});
