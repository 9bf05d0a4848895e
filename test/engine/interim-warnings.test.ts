// A summary of a run that goes on (`watch`, `--summary-every`) carries the warnings of the bounds
// the rules' tables reached so far — alerts dropped past a rule's bound, a table full — not only
// the final summary: a week-long watch must not keep them until it stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_AGGREGATES_PER_RULE } from '../../src/detect/aggregate.js';
import { Pipeline } from '../../src/engine/analyze.js';
import { writeFtpClients } from '../helpers/floods.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-interim-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('interim summaries', () => {
  it("say the alerts a rule's bound dropped so far, as the final summary does", async () => {
    const file = join(tmp, 'ftp.pcap');
    writeFtpClients(file, MAX_AGGREGATES_PER_RULE + 50, 0x0a290000); // site clients, 10.41.0.0 on
    const p = new Pipeline({ salt: 'ab'.repeat(32) });
    await p.readFile(file, {});
    const line = (n: number) => `service.insecure: ${n} alerts dropped past ${MAX_AGGREGATES_PER_RULE} distinct`;
    const interim = p.interimSummary();
    expect(interim.warnings.some((w) => w.startsWith(line(50)))).toBe(true);
    const { summary } = await p.end();
    expect(summary.warnings.some((w) => w.startsWith(line(50)))).toBe(true);
    // Each said once.
    expect(summary.warnings.filter((w) => w.startsWith('service.insecure:'))).toHaveLength(1);
  }, 60_000);
});
