// A summary of a run that goes on (`watch`, `--summary-every`) carries the warnings of the bounds
// the rules' tables reached so far — alerts dropped past a rule's bound, a table full — not only
// the final summary: a week-long watch must not keep them until it stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../src/capture/writer.js';
import { MAX_AGGREGATES_PER_RULE } from '../../src/detect/aggregate.js';
import { Pipeline } from '../../src/engine/analyze.js';
import { ACK, FrameBuilder, type Host, SYN } from '../../src/sim/wire.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-interim-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A ward FTP server and `n` site clients, one USER command each. */
function writeFtpClients(file: string, n: number): void {
  const w = new CaptureFileWriter(file, {});
  const fb = new FrameBuilder();
  const server: Host = { name: 'ftp', mac: new Uint8Array([2, 0, 0, 0, 0, 1]), ip: 0x0a280c14 };
  const user = new TextEncoder().encode('USER anonymous\r\n');
  let t = Date.UTC(2025, 0, 30, 8) * 1000;
  for (let i = 0; i < n; i++) {
    const c: Host = {
      name: 'c',
      mac: new Uint8Array([2, 1, 0, (i >>> 8) & 255, i & 255, 9]),
      ip: (0x0a290000 + i) >>> 0,
    };
    const sport = 20000 + i;
    w.write(t++, fb.tcp(c, server, sport, 21, 1000, 0, SYN, 65535, null));
    w.write(t++, fb.tcp(server, c, 21, sport, 5000, 1001, SYN | ACK, 65535, null));
    w.write(t++, fb.tcp(c, server, sport, 21, 1001, 5001, ACK, 65535, user));
  }
  w.close();
}

describe('interim summaries', () => {
  it("say the alerts a rule's bound dropped so far, as the final summary does", async () => {
    const file = join(tmp, 'ftp.pcap');
    writeFtpClients(file, MAX_AGGREGATES_PER_RULE + 50);
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
