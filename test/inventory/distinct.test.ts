// Distinct counts behind the inventory's reasons ("collects from N devices"): exact while small,
// a HyperLogLog estimate (said as "about N") past EXACT_CAP, and never a count of repeats. The
// capture test compares the central station's reason with the distinct HL7 senders on the wire.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import type { WardEvent } from '../../src/events.js';
import { BoundedSet } from '../../src/inventory/device.js';
import { DistinctCount, EXACT_CAP, hash32 } from '../../src/inventory/distinct.js';
import { writeScenario } from '../../src/sim/scenarios.js';

describe('DistinctCount', () => {
  it('is exact up to its cap and ignores repeats', () => {
    const d = new DistinctCount();
    for (let r = 0; r < 3; r++) for (let i = 0; i < EXACT_CAP; i++) d.add(`10.0.${i >> 8}.${i & 255}`);
    expect(d.count).toBe(EXACT_CAP);
    expect(d.isExact).toBe(true);
  });

  it('estimates within 3 standard errors (2.3 %) past the cap, and repeats still add nothing', () => {
    for (const n of [EXACT_CAP + 1, 20_000, 200_000]) {
      const d = new DistinctCount();
      for (let i = 0; i < n; i++) d.add(`peer-${i}`);
      expect(d.isExact).toBe(false);
      const once = d.count;
      expect(Math.abs(once - n) / n).toBeLessThan(3 * 0.023);
      for (let i = 0; i < 1000; i++) d.add(`peer-${i}`);
      expect(d.count).toBe(once);
    }
  });

  it('hashes spread: 10,000 addresses give no more than a few collisions', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(hash32(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
    expect(seen.size).toBeGreaterThanOrEqual(9_995);
  });

  it('BoundedSet says "about" once its count is an estimate', () => {
    const s = new BoundedSet<string>(4);
    for (let i = 0; i < 4 + EXACT_CAP; i++) s.add(`v${i}`);
    expect(s.exact).toBe(true);
    expect(s.totalText).toBe(`${4 + EXACT_CAP}`);
    for (let i = 0; i < 10_000; i++) s.add(`w${i}`);
    expect(s.exact).toBe(false);
    expect(s.totalText).toMatch(/^about \d+$/);
    expect(s.values()).toEqual(['v0', 'v1', 'v2', 'v3']);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'ww-distinct-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a central station collecting from more monitors than the kept limit', () => {
  it('names the number of distinct senders on the wire, not the number of messages past the limit', async () => {
    const file = join(dir, 'mixed120.pcap');
    // 120 devices: ~77 monitors report every 2 s to one central station (kept limit: 64).
    await writeScenario('mixed', { durationSec: 12, seed: 3, devices: 120, out: file });
    const senders = new Map<string, Set<string>>();
    const r = await analyzeCaptures([file], {
      salt: '00'.repeat(32),
      onEvent: (ev: WardEvent) => {
        if (ev.type !== 'hl7-message' || ev.messageType.startsWith('ACK')) return;
        let s = senders.get(ev.dst.ip);
        if (s === undefined) senders.set(ev.dst.ip, (s = new Set()));
        s.add(ev.src.ip);
      },
    });
    const central = r.devices.find((d) => d.class === 'central-station')!;
    const onWire = senders.get(central.ips[0]!)!.size;
    expect(onWire).toBeGreaterThan(64);
    const reason = central.reasons!.find((x) => x.startsWith('collects from'));
    expect(reason).toBe(`collects from ${onWire} devices`);
  });
});
