// Capture loss seen in the traffic itself (as Zeek's capture_loss): TCP acknowledgements of bytes
// the capture never held. A capture that lost a tenth of a download's segments says so in its
// summary, whatever the capture tool counted; the same capture whole — or cut to 96 bytes a
// packet by a snaplen, which is not loss — has no gap; a few lost segments among many do not warn.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../src/capture/writer.js';
import { SummaryRecord } from '../../src/contract/records.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { summaryText } from '../../src/export/tables.js';
import { ACK, FrameBuilder, type Host, PSH, SYN } from '../../src/sim/wire.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-tcp-gaps-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const host = (last: number): Host => ({
  name: `h${last}`,
  mac: new Uint8Array([0x00, 0x00, 0x5e, 0x00, 0x53, last]),
  ip: (10 << 24) | (1 << 16) | (1 << 8) | last,
});

/**
 * `flows` downloads of `segments` × 1000 bytes each, every segment acknowledged; the segments
 * `lost(flow, i)` says are left out of the capture (their acknowledgements stay); a segment
 * `late(flow, i)` µs is captured that long after its acknowledgement (a mirror port's directions
 * out of step), 0 in order.
 */
function download(
  file: string,
  flows: number,
  segments: number,
  lost: (f: number, i: number) => boolean,
  snaplen?: number,
  late: (f: number, i: number) => number = () => 0,
) {
  const w = new CaptureFileWriter(file, snaplen === undefined ? {} : { snaplen });
  const fb = new FrameBuilder();
  const server = host(2);
  const body = new Uint8Array(1000).fill(0x41);
  let t = Date.UTC(2026, 11, 4) * 1000;
  for (let f = 0; f < flows; f++) {
    const client = host(10 + (f % 200));
    const cport = 40000 + f;
    const cisn = 1000 * f;
    const sisn = 7_000_000 + f;
    w.write((t += 10), fb.tcp(client, server, cport, 8080, cisn, 0, SYN, 65535, null));
    w.write((t += 10), fb.tcp(server, client, 8080, cport, sisn, cisn + 1, SYN | ACK, 65535, null));
    w.write((t += 10), fb.tcp(client, server, cport, 8080, cisn + 1, sisn + 1, ACK, 65535, null));
    for (let i = 0; i < segments; i++) {
      const seq = sisn + 1 + i * 1000;
      const data = () => fb.tcp(server, client, 8080, cport, seq, cisn + 1, ACK | PSH, 65535, body);
      const delay = late(f, i);
      if (!lost(f, i) && delay === 0) w.write((t += 10), data());
      w.write((t += 10), fb.tcp(client, server, cport, 8080, cisn + 1, seq + 1000, ACK, 65535, null));
      if (!lost(f, i) && delay > 0) w.write((t += delay), data());
    }
  }
  w.close();
}

async function summaryOf(file: string): Promise<SummaryRecord> {
  return SummaryRecord.parse((await analyzeCaptures([file], { salt: 'ab'.repeat(32) })).summary);
}

describe('capture loss seen in TCP', () => {
  it('counts acknowledgements of bytes never captured, and warns from 1 % of them', async () => {
    const file = join(tmp, 'lossy.pcap');
    download(file, 20, 50, (_f, i) => i % 10 === 3); // every tenth segment lost
    const s = await summaryOf(file);
    // Per flow 52 acknowledgements of new data (the SYN-ACK's, the client's of it, one per segment), 5 of them gaps.
    expect(s.tcpGaps).toEqual({ acks: 20 * 52, gaps: 20 * 5, bytes: 20 * 5 * 1000 });
    expect(s.warnings).toContain(
      "capture loss: 9.6 % of TCP acknowledgements (100 of 1040) covered data this capture never held (100000 bytes) — the tap, mirror port or capture dropped packets (estimated as Zeek's capture_loss), so flows and alerts may be missing",
    );
  });

  it('finds none in the same capture whole, nor in one cut by a snaplen (the IP header says how long a segment was)', async () => {
    const whole = join(tmp, 'whole.pcap');
    download(whole, 20, 50, () => false);
    expect((await summaryOf(whole)).tcpGaps).toBeUndefined();
    const snapped = join(tmp, 'snapped.pcap');
    download(snapped, 20, 50, () => false, 96);
    const s = await summaryOf(snapped);
    expect(s.tcpGaps).toBeUndefined();
    expect(s.warnings.some((w) => w.includes('capture loss'))).toBe(false);
  });

  it('an acknowledgement captured before its data is order, not loss; data a second late or never is loss', async () => {
    const file = join(tmp, 'ack-first.pcap');
    // Every fifth segment is captured 200 µs after its acknowledgement (two mirrored directions
    // out of step): no gap. In flows 0 and 1 segment 9 comes 2 s late, past the wait: two gaps.
    download(
      file,
      20,
      50,
      () => false,
      undefined,
      (f, i) => (f < 2 && i === 9 ? 2_000_000 : i % 5 === 0 ? 200 : 0),
    );
    const s = await summaryOf(file);
    expect(s.tcpGaps).toEqual({ acks: 1040, gaps: 2, bytes: 2000 });
    // The same out of step without the late ones: nothing.
    const fine = join(tmp, 'ack-first-fine.pcap');
    download(
      fine,
      20,
      50,
      () => false,
      undefined,
      (_f, i) => (i % 5 === 0 ? 200 : 0),
    );
    expect((await summaryOf(fine)).tcpGaps).toBeUndefined();
    // A hole whose data never comes is counted at the flow's end, with an acknowledgement of it
    // the last packet of the capture.
    const end = join(tmp, 'ack-last.pcap');
    download(end, 1, 10, (_f, i) => i === 9);
    expect((await summaryOf(end)).tcpGaps).toEqual({ acks: 12, gaps: 1, bytes: 1000 });
  });

  it('segments that come after their acknowledgement in any order, the last first, fill the hole', async () => {
    // One acknowledgement of `n` segments captured before any of them; then the segments, in the
    // order `order` gives (indexes), the ones it leaves out never.
    const write = (file: string, n: number, order: number[]) => {
      const w = new CaptureFileWriter(file, {});
      const fb = new FrameBuilder();
      const [client, server] = [host(10), host(2)];
      const body = new Uint8Array(1000).fill(0x42);
      let t = Date.UTC(2026, 11, 6) * 1000;
      w.write((t += 10), fb.tcp(client, server, 40000, 8080, 100, 0, SYN, 65535, null));
      w.write((t += 10), fb.tcp(server, client, 8080, 40000, 5000, 101, SYN | ACK, 65535, null));
      w.write((t += 10), fb.tcp(client, server, 40000, 8080, 101, 5001, ACK, 65535, null));
      w.write((t += 10), fb.tcp(client, server, 40000, 8080, 101, 5001 + n * 1000, ACK, 65535, null));
      for (const i of order)
        w.write((t += 10), fb.tcp(server, client, 8080, 40000, 5001 + i * 1000, 101, ACK | PSH, 65535, body));
      w.close();
    };
    const reversed = join(tmp, 'reversed.pcap');
    write(reversed, 3, [2, 1, 0]);
    expect((await summaryOf(reversed)).tcpGaps).toBeUndefined();
    const shuffled = join(tmp, 'shuffled.pcap');
    write(shuffled, 4, [3, 0, 2, 1]);
    expect((await summaryOf(shuffled)).tcpGaps).toBeUndefined();
    // The first of three never comes: one gap of its 1000 bytes (the last two filled it from its end).
    const firstLost = join(tmp, 'first-lost.pcap');
    write(firstLost, 3, [2, 1]);
    expect((await summaryOf(firstLost)).tcpGaps).toEqual({ acks: 3, gaps: 1, bytes: 1000 });
    // The last never comes: the first two fill it from its start.
    const lastLost = join(tmp, 'last-lost.pcap');
    write(lastLost, 3, [0, 1]);
    expect((await summaryOf(lastLost)).tcpGaps).toEqual({ acks: 3, gaps: 1, bytes: 1000 });
  });

  it('a few lost segments among many are counted without a warning', async () => {
    const file = join(tmp, 'few.pcap');
    download(file, 20, 50, (f, i) => f < 4 && i === 7); // 4 of 1040
    const s = await summaryOf(file);
    expect(s.tcpGaps).toEqual({ acks: 1040, gaps: 4, bytes: 4000 });
    expect(s.warnings.some((w) => w.includes('capture loss'))).toBe(false);
  });

  it("the table's summary says the numbers, below the warning's threshold too", async () => {
    const file = join(tmp, 'few-table.pcap');
    download(file, 20, 50, (f, i) => f < 4 && i === 7);
    const s = await summaryOf(file);
    expect(summaryText(s)).toContain(
      '  TCP gaps: 4 of 1040 acknowledgements covered data never captured (0.38 %, 4.0 kB)',
    );
    const live = summaryText({
      ...s,
      capture: { source: 'live:eth1', received: 480_000, dropped: 1200, interfaceDropped: 3 },
    });
    expect(live).toContain(
      '  capture (live:eth1): 480000 packets passed the filter, 1200 dropped by the kernel, 3 by the interface',
    );
  });
});
