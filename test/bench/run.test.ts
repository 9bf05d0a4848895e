import { describe, expect, it } from 'vitest';
import { coreCeiling, cpuSeconds } from '../../src/bench/run.js';

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
