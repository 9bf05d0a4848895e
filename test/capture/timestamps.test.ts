// A capture's clock is wire data: timestamps no Date can hold (if_tsresol 0 or 2^-0 with
// ordinary words, a high word of 0xffffffff, a huge or negative if_tsoffset, a pcap fraction
// of a second past one second) are counted as `*.bad-timestamp`, the packets are still
// analysed, and every time printed is a valid ISO time. A time of 0 (1970) is a real time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isoTime } from '../../src/contract/records.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { concat, epb, frames, idb, pcap, shb } from './build.js';
import { FIXTURES_DIR } from '../helpers/paths.js';
import { parseBytes } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-ts-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SALT = '00'.repeat(32);
const F = frames();
const ISO = /^(19[7-9]\d|[2-9]\d{3})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function analyze(bytes: Uint8Array, name: string) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return analyzeCaptures([file], { salt: SALT });
}

function expectValidTimes(r: Awaited<ReturnType<typeof analyze>>): void {
  expect(r.summary.first).toMatch(ISO);
  expect(r.summary.last).toMatch(ISO);
  expect(r.devices.length).toBeGreaterThan(0);
  for (const d of r.devices) {
    expect(d.first).toMatch(ISO);
    expect(d.last).toMatch(ISO);
  }
}

const GOOD_HI = 0x5f5e1; // µs words of a 2019 time
const cases: { name: string; opts: Parameters<typeof idb>[0]; hi: number }[] = [
  { name: 'if_tsresol 0 (seconds)', opts: { tsresol: 0 }, hi: GOOD_HI },
  { name: 'if_tsresol 0x80 (2^-0 s)', opts: { tsresol: 0x80 }, hi: GOOD_HI },
  { name: 'EPB high word 0xffffffff', opts: {}, hi: 0xffffffff },
  { name: 'huge if_tsoffset', opts: { tsoffset: 1n << 40n }, hi: GOOD_HI },
  { name: 'negative if_tsoffset', opts: { tsoffset: -(1n << 40n) }, hi: GOOD_HI },
];

describe('out-of-range capture times', () => {
  for (const c of cases) {
    it(`${c.name}: counted as pcapng.bad-timestamp, packets kept, times valid`, async () => {
      const bytes = concat([shb(), idb(c.opts), ...F.map((f, i) => epb(c.hi, 1000 * i, f))]);
      const r = await analyze(bytes, 'bad.pcapng');
      expect(r.summary.packets).toBe(F.length);
      expect(r.summary.anomalies['pcapng.bad-timestamp']).toBe(F.length);
      expect(r.summary.warnings.join('\n')).toContain('pcapng.bad-timestamp');
      expectValidTimes(r);
    });
  }

  it('a bad time takes the time of the packet before it', () => {
    const good = concat([shb(), idb(), epb(GOOD_HI, 5, F[0]!)]);
    const bad = epb(0xffffffff, 0, F[1]!);
    const { pkts, info } = parseBytes(concat([good, bad]));
    expect(pkts.map((p) => p.ts)).toEqual([GOOD_HI * 2 ** 32 + 5, GOOD_HI * 2 ** 32 + 5]);
    expect(info.anomalies).toEqual({ 'pcapng.bad-timestamp': 1 });
  });

  it('a pcap fraction of a second at or past 1 s is pcap.bad-timestamp', async () => {
    const recs = F.map((data, i) => ({ sec: 1_600_000_000 + i, frac: i === 1 ? 1_000_000 : 7, data }));
    const r = await analyze(pcap(recs), 'frac.pcap');
    expect(r.summary.anomalies['pcap.bad-timestamp']).toBe(1);
    expect(r.summary.packets).toBe(F.length);
    expectValidTimes(r);
  });

  it('isoTime clamps what no Date holds instead of throwing', () => {
    expect(isoTime(2 ** 64)).toBe('9999-12-31T23:59:59.999Z');
    expect(isoTime(-1e18)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoTime(Number.NaN)).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('a time of 0 is a time', () => {
  it('devices whose packets are at 0 are listed, and the summary starts at 1970', async () => {
    const recs = F.map((data, i) => ({ sec: i === 0 ? 0 : 1_600_000_000 + i, frac: 0, data }));
    const r = await analyze(pcap(recs), 'zero.pcap');
    expect(r.summary.first).toBe('1970-01-01T00:00:00.000Z');
    const allZero = await analyze(pcap(F.map((data) => ({ sec: 0, frac: 0, data }))), 'allzero.pcap');
    expect(allZero.devices.length).toBe(r.devices.length);
    expect(allZero.devices.length).toBeGreaterThan(0);
    for (const d of allZero.devices) expect(d.first).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('modified pcap (0xa1b2cd34)', () => {
  it('reads the records (8 bytes longer headers) like the plain pcap they were', () => {
    const recs = F.map((data, i) => ({ sec: 1_600_000_000, frac: i, data }));
    const plain = parseBytes(pcap(recs));
    const modified = parseBytes(pcap(recs, true), [7, 100, 3]);
    expect(modified.info.damaged).toBe(false);
    expect(modified.pkts.length).toBe(F.length);
    expect(modified.pkts).toEqual(plain.pkts);
  });
});

describe('crashes the fuzz run found (test/fixtures/fuzz)', () => {
  for (const [name, bad] of [
    ['epb-timestamp-high.pcapng', 2],
    ['idb-tsresol-tsoffset.pcapng', 6],
  ] as const) {
    it(`${name}: analysed, ${bad} bad timestamps counted, every time valid`, async () => {
      const r = await analyzeCaptures([join(FIXTURES_DIR, 'fuzz', name)], { salt: SALT });
      expect(r.summary.packets).toBe(6);
      expect(r.summary.anomalies['pcapng.bad-timestamp']).toBe(bad);
      expectValidTimes(r);
    });
  }
});
