import { describe, expect, it } from 'vitest';
import {
  bestWardwatch,
  type BenchTool,
  coreCeiling,
  cpuSeconds,
  peersTable,
  type ScalePoint,
} from '../../src/bench/run.js';

// The report `/usr/bin/time -v` prints (GNU time 1.9), trimmed to the lines around the ones read.
const REPORT = [
  '\tCommand being timed: "node dist/cli/bin.js analyze x.pcap"',
  '\tUser time (seconds): 3.89',
  '\tSystem time (seconds): 0.18',
  '\tPercent of CPU this job got: 138%',
  '\tMaximum resident set size (kbytes): 173348',
].join('\n');

describe('bench accounting', () => {
  it('reads user + system seconds from time -v', () => {
    expect(cpuSeconds(REPORT)).toBeCloseTo(4.07, 6);
    expect(cpuSeconds('no report')).toBe(0);
  });

  it('bounds what a split over N cores can gain by the CPU the one-worker run already uses', () => {
    // 2.94 s wall, 4.07 s CPU: on 2 cores the split run needs ≥ 2.035 s, so ≤ 1.445× faster.
    expect(coreCeiling(2.94, 4.07, 2)).toBeCloseTo(1.4447, 3);
    // A strictly single-threaded run could reach the core count, never more.
    expect(coreCeiling(3, 3, 2)).toBe(2);
    expect(coreCeiling(3, 1, 2)).toBe(2);
    // Without a CPU figure nothing is known: the core count.
    expect(coreCeiling(3, 0, 2)).toBe(2);
  });
});

describe('bench tables at further sizes', () => {
  const point = (workers: number, wallSec: number): ScalePoint => ({
    packets: 5_000_000,
    fileBytes: 1_284_083_321,
    workers,
    wallSec,
    cpuSec: wallSec * 1.2,
    peakRssMb: 190 + workers,
    pps: Math.round(5_000_000 / wallSec),
  });
  const tool = (name: string, wallSec: number, exit = 0): BenchTool => ({
    name,
    cmd: [name],
    wallSec,
    cpuSec: wallSec,
    peakRssMb: 600,
    pps: Math.round(5_000_000 / wallSec),
    mbps: 1,
    exit,
  });

  it("compares the tools with the faster of wardwatch's runs at that size", () => {
    const scaling = [point(1, 20), point(2, 25), { ...point(1, 8), packets: 2_000_000 }];
    expect(bestWardwatch(scaling.filter((p) => p.packets === 5_000_000))?.workers).toBe(1);
    const lines = peersTable(
      { packets: 5_000_000, fileBytes: 1_284_083_321, tools: [tool('ndpiReader', 30), tool('tshark', 10, 137)] },
      scaling,
    );
    expect(lines[1]).toBe('The same tools on the 5,000,000-packet capture (1284 MB, same run):');
    // Both wardwatch runs of that size (not the 2 M one), then the tools with wardwatch's speed over theirs.
    expect(lines.filter((l) => l.startsWith('| wardwatch'))).toEqual([
      '| wardwatch | 20 | 24 | 0.250 | 191 | — |',
      '| wardwatch --workers 2 | 25 | 30 | 0.200 | 192 | — |',
    ]);
    expect(lines).toContain('| ndpiReader | 30 | 30 | 0.167 | 600 | 1.50× |');
    expect(lines).toContain('| tshark | 10 | 10 | 0.500 | 600 | failed (exit 137) |');
  });

  it('writes nothing for a size without wardwatch runs or without tools', () => {
    expect(peersTable({ packets: 1, fileBytes: 1, tools: [tool('tshark', 1)] }, [point(1, 20)])).toEqual([]);
    expect(peersTable({ packets: 5_000_000, fileBytes: 1, tools: [] }, [point(1, 20)])).toEqual([]);
    expect(bestWardwatch([])).toBeUndefined();
  });
});
