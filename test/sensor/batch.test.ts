// A file run's batches (`analyze FILE --to`, no record stream): the rows go out at each
// capture-time cut, the alerts and devices — final, as `analyze FILE` prints them — in the last
// batch; the same file cut again gives the same batch ids and the same contents.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SensorBatcher } from '../../src/cli/sensor-batch.js';
import { type IngestBatch, IngestBatch as IngestBatchSchema } from '../../src/contract/ingest.js';
import { alertKey } from '../../src/contract/records.js';
import { type AnalyzeResult, Pipeline } from '../../src/engine/analyze.js';
import { writeScenario } from '../../src/sim/scenarios.js';

let dir: string;
let ward: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ww-shipcpu-batch-'));
  ward = join(dir, 'ward.pcap');
  await writeScenario('cms8000', { durationSec: 120, seed: 7, out: ward });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(): Promise<{ batches: IngestBatch[]; result: AnalyzeResult }> {
  const batches: IngestBatch[] = [];
  const batcher = new SensorBatcher({ sensor: 's1', source: 'src', zones: [], onBatch: (b) => batches.push(b) });
  const pipeline = new Pipeline({ salt: 'ab'.repeat(32), onEvent: batcher.onEvent });
  await pipeline.readFile(ward);
  const result = await pipeline.end();
  batcher.settle(result.alerts, result.devices);
  batcher.cut();
  return { batches, result };
}

describe('SensorBatcher on a file run', () => {
  it('sends rows as they come and every final alert and device once, in the last batch', async () => {
    const { batches, result } = await run();
    expect(batches.length).toBeGreaterThan(5);
    const last = batches.at(-1)!;
    for (const b of batches.slice(0, -1)) expect(b.records).toEqual([]);
    const rows = (b: IngestBatch) => Object.values(b.rows).reduce((n, r) => n + r.length, 0);
    expect(batches.slice(0, -1).every((b) => rows(b) > 0)).toBe(true);
    const alerts = last.records.filter((r) => r.type === 'alert');
    const devices = last.records.filter((r) => r.type === 'device');
    expect(result.alerts.length).toBeGreaterThan(0);
    expect(new Map(alerts.map((a) => [alertKey(a), a.count]))).toEqual(
      new Map(result.alerts.map((a) => [alertKey(a), a.count])),
    );
    expect(devices.map((d) => [d.id, d.packets, d.bytes])).toEqual(
      result.devices.map((d) => [d.id, d.packets, d.bytes]),
    );
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
  });

  it('cuts the same file into the same batch ids and contents again', async () => {
    const a = await run();
    const b = await run();
    const strip = (x: IngestBatch) => ({ ...x, sentAt: '' });
    expect(b.batches.map((x) => x.batch)).toEqual(a.batches.map((x) => x.batch));
    expect(b.batches.map(strip)).toEqual(a.batches.map(strip));
  });
});

describe("SensorBatcher and a live capture's counts", () => {
  it('sends the counts once each time they change: with the next batch, or alone when nothing else is new', () => {
    const batches: IngestBatch[] = [];
    const batcher = new SensorBatcher({ sensor: 's1', source: 'eth1@t', zones: [], onBatch: (b) => batches.push(b) });
    batcher.cut();
    expect(batches).toEqual([]); // nothing new, no counts
    batcher.noteCapture({ received: 100, dropped: 0, interfaceDropped: 0 });
    batcher.cut();
    expect(batches.map((b) => [b.seq, b.capture, b.records.length])).toEqual([
      [0, { received: 100, dropped: 0, interfaceDropped: 0 }, 0],
    ]);
    batcher.noteCapture({ received: 100, dropped: 0, interfaceDropped: 0 }); // the same again
    batcher.cut();
    expect(batches.length).toBe(1);
    batcher.noteCapture({ received: 900, dropped: 40, interfaceDropped: 2 });
    batcher.settle(
      [],
      [
        {
          type: 'device',
          id: '00:00:5e:00:53:01',
          ips: ['10.1.1.1'],
          advisories: [],
          first: 'a',
          last: 'b',
          packets: 5,
          bytes: 50,
        },
      ],
    );
    batcher.cut();
    expect(batches.map((b) => [b.seq, b.capture, b.records.length])).toEqual([
      [0, { received: 100, dropped: 0, interfaceDropped: 0 }, 0],
      [1, { received: 900, dropped: 40, interfaceDropped: 2 }, 1],
    ]);
    // TCP gaps: read from the run's counters at each cut, sent when they grew.
    const st = { tcpAcks: 0, tcpGaps: 0, tcpGapBytes: 0 };
    batcher.gapsFrom(() => st);
    batcher.cut();
    expect(batches.length).toBe(2); // no gap yet: nothing to send
    Object.assign(st, { tcpAcks: 500, tcpGaps: 12, tcpGapBytes: 9000 });
    batcher.cut();
    batcher.cut(); // unchanged
    Object.assign(st, { tcpAcks: 900 }); // more acknowledgements, no new gap: the share changed
    batcher.cut();
    batcher.cut();
    expect(batches.map((b) => b.tcpGaps)).toEqual([
      undefined,
      undefined,
      { acks: 500, gaps: 12, bytes: 9000 },
      { acks: 900, gaps: 12, bytes: 9000 },
    ]);
    // Every batch is one the console accepts.
    for (const b of batches) expect(IngestBatchSchema.safeParse(b).success).toBe(true);
  });
});
