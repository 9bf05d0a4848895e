// A stream opens each device's incident when its first alert goes out. That used to judge every
// device of the inventory for each one (`Inventory.records()`, ~4 ms for 400 devices): on the
// bench traffic 134 full judgements, a quarter of `analyze -`'s time, and a burst of alerts on a
// large ward would have stalled a live capture into dropping packets. Now only the records an
// incident reads are judged (its device, its feed's devices): full judgements happen at ticks and
// at the end only — and what is sent is the same (test/engine/stream.test.ts folds it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeBenchCapture } from '../../src/bench/gen.js';
import type { IncidentRecord } from '../../src/contract/records.js';
import { analyzeCaptures, Pipeline } from '../../src/engine/analyze.js';
import { Inventory } from '../../src/inventory/inventory.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-stream-cost-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SALT = 'ef'.repeat(32);

describe('a stream opening incidents', () => {
  it('judges every device only at ticks and at the end, not once per opened incident', async () => {
    const file = join(tmp, 'bench.pcap');
    writeBenchCapture(file, 30_000, 7);
    const spy = vi.spyOn(Inventory.prototype, 'records');
    const incidents: IncidentRecord[] = [];
    const p = new Pipeline({
      salt: SALT,
      stream: { sink: { alert() {}, incident: (i) => incidents.push(i), device() {} }, updateSeconds: 10 },
    });
    await p.readFile(file);
    const during = spy.mock.calls.length;
    const result = await p.end();
    spy.mockRestore();
    const ticks = p.stream!.stats.ticks;
    expect(new Set(incidents.map((i) => i.id)).size).toBeGreaterThan(100); // many incidents opened
    expect(during).toBeLessThanOrEqual(ticks + 1); // the first devices, then one per tick
    // The incidents opened mid-stream read the same device words as the run's final ones.
    const final = new Map(result.incidents.map((i) => [i.id, i]));
    const again = await analyzeCaptures([file], { salt: SALT });
    expect(again.incidents.map((i) => i.id).sort()).toEqual([...final.keys()].sort());
    for (const i of incidents) expect(final.has(i.id) || i.withdrawn === true, i.id).toBe(true);
  });

  it('looks each record up as the list would: by id, and the first device in id order holding an address', async () => {
    const file = join(tmp, 'bench-small.pcap');
    writeBenchCapture(file, 5_000, 7);
    const r = await analyzeCaptures([file], { salt: SALT });
    const inv = r.inventory;
    const list = inv.records();
    expect(list.length).toBeGreaterThan(50);
    for (const d of list) expect(inv.recordOf(d.id)).toEqual(d);
    const ips = new Set(list.flatMap((d) => d.ips));
    for (const ip of [...ips, '203.0.113.99', '10.255.255.254'])
      expect(inv.recordWithIp(ip), ip).toEqual(list.find((d) => d.ips.includes(ip)));
    expect(inv.recordOf('00:00:5e:00:53:ff')).toBeUndefined();
  });
});
