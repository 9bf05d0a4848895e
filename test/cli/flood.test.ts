// A flood of spoofed sources (every SYN from a new MAC and address) fills every table to its bound
// at once: the flow table, the devices, the detector's address tables. The installed entry, with
// its default heap cap, must read it to the end and report, not run out of heap and print nothing
// (it did at 300 000 such packets, before the bounds were made to fit the cap).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../src/capture/writer.js';
import { SummaryRecord } from '../../src/contract/records.js';
import { MAX_AGGREGATES, MAX_AGGREGATES_PER_RULE } from '../../src/detect/aggregate.js';
import { DEFAULT_MAX_FLOWS } from '../../src/flow/engine.js';
import { FrameBuilder, type Host, SYN } from '../../src/sim/wire.js';
import { jsonl, wardwatch } from '../helpers/cli.js';
import { writeFtpClients } from '../helpers/floods.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-flood-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PACKETS = 300_000;

/** `n` SYNs to one ward server, each from a new site address and MAC (10.0.0.0/8, locally administered MACs). */
function writeFlood(file: string, n: number): void {
  const w = new CaptureFileWriter(file, {});
  const fb = new FrameBuilder();
  let s = 0x2545f491;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const hostOf = (ip: number): Host => ({
    name: 'spoofed',
    mac: new Uint8Array([0x02, (ip >>> 24) & 255, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255, 0x07]),
    ip,
  });
  const server = hostOf(0x0a280c14); // 10.40.12.20
  const t0 = Date.UTC(2025, 0, 30, 8) * 1000;
  for (let i = 0; i < n; i++) {
    const src = hostOf((0x0a000000 | (rand() & 0xffffff)) >>> 0);
    w.write(
      t0 + i * 10,
      fb.tcp(src, server, 1024 + (rand() % 60000), 1 + (rand() % 65534), rand(), 0, SYN, 1024, null),
    );
  }
  w.close();
}

describe('a flood of spoofed sources', () => {
  it('is read to the end within the default heap cap, with the bounds said in the summary', () => {
    const file = join(tmp, 'flood.pcap');
    writeFlood(file, PACKETS);
    const r = wardwatch(['analyze', file, '--format', 'jsonl']);
    expect(r.stderr).not.toMatch(/heap out of memory/i);
    expect(r.status).toBe(0);
    const summary = SummaryRecord.parse(jsonl(r.stdout).at(-1));
    expect(summary.packets).toBe(PACKETS);
    expect(summary.flows).toBe(PACKETS);
    expect(summary.devices).toBe(20_000);
    expect(summary.warnings).toContain(
      `flow table full: ${PACKETS - DEFAULT_MAX_FLOWS} flows evicted before they ended`,
    );
    expect(summary.warnings.some((w) => w.includes('the DNS warm-up clock of the oldest restarts'))).toBe(true);
  }, 120_000);
});

describe('a flood of alerts', () => {
  it("an FTP server used by 150 000 clients: read to the end within the heap cap, one rule's alerts bounded and the rest counted", () => {
    const file = join(tmp, 'ftp-clients.pcap');
    writeFtpClients(file, 150_000, 0x0b000000); // 11.0.0.0 on: outside the site ranges, as an internet scan
    const r = wardwatch(['analyze', file, '--format', 'jsonl']);
    expect(r.stderr).not.toMatch(/heap out of memory/i);
    expect(r.status).toBe(0);
    const recs = jsonl(r.stdout);
    const summary = SummaryRecord.parse(recs.at(-1));
    expect(summary.packets).toBe(450_000);
    const insecure = recs.filter((x) => x.type === 'alert' && x.rule === 'service.insecure');
    expect(insecure).toHaveLength(MAX_AGGREGATES_PER_RULE);
    expect(summary.warnings).toContain(
      `service.insecure: ${150_000 - MAX_AGGREGATES_PER_RULE} alerts dropped past ${MAX_AGGREGATES_PER_RULE} distinct (source, destination, port) keys a rule, ${MAX_AGGREGATES} in all`,
    );
  }, 120_000);
});
