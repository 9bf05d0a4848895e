// The main thread of `--workers N` maps each shard's flow ids to run-wide ones. It keeps that map
// for open flows and for ended control flows something may still name (an FTP control flow whose
// announced data connection comes after it closed, a TFTP request whose transfer is still going;
// dispatch.ts `ControlRefs`) — not one entry per flow of the run, which grew without bound over a
// long watch. The worker threads run the built dist/engine/shard-worker.js, so the run is built
// from dist too; its events are compared with one engine's, ids and control ids included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../src/capture/writer.js';
import { tftpData, tftpRequest } from '../../src/decode/tftp/encode.js';
import type { WardEvent } from '../../src/events.js';
import { ACK, FIN, FrameBuilder, type Host, host, PSH, RST, SYN } from '../../src/sim/wire.js';
import { REPO_ROOT } from '../helpers/paths.js';

type AnalyzeModule = typeof import('../../src/engine/analyze.js');
type ShardedEngine = import('../../src/engine/workers.js').ShardedEngine;

const tmp = mkdtempSync(join(tmpdir(), 'ww-worker-ids-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SERVER = host('srv', '02:00:00:00:00:22', '10.40.12.5');
const TFTP_SERVER = host('tftp', '02:00:00:00:00:23', '10.40.12.6');
const client = (i: number): Host =>
  host(
    `c${i}`,
    `02:00:00:01:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    `10.40.13.${i % 250}`,
  );

/** Refused connections between an FTP control flow's end and its data connection's start. */
const MIDDLE = 40_000;

/**
 * `shortFlows` refused connections (SYN, RST) from 250 clients; an FTP control flow that announces
 * a passive data port and closes, MIDDLE more refused ones, its data connection; a TFTP request answered from
 * a new port, its transfer going on after the request flow went quiet; more refused connections.
 */
function writeCapture(file: string, shortFlows: number): void {
  const w = new CaptureFileWriter(file, {});
  const fb = new FrameBuilder();
  const text = (s: string) => new TextEncoder().encode(s);
  let t = Date.UTC(2026, 11, 6, 9) * 1000;
  // Packets `gap` µs apart: closed flows end 5 s after their last packet, at a sweep (each second).
  const refused = (from: number, n: number, gap: number) => {
    for (let i = from; i < from + n; i++) {
      const c = client(i);
      const port = 20000 + (i % 40000);
      w.write((t += gap), fb.tcp(c, SERVER, port, 8080, 100, 0, SYN, 65535, null));
      w.write((t += gap), fb.tcp(SERVER, c, 8080, port, 0, 101, RST | ACK, 0, null));
    }
  };
  /** A whole TCP conversation: handshake, the segments, FIN both ways. */
  const conversation = (c: Host, cport: number, sport: number, segs: [0 | 1, string][]) => {
    let cs = 1000;
    let ss = 9000;
    w.write((t += 10), fb.tcp(c, SERVER, cport, sport, cs++, 0, SYN, 65535, null));
    w.write((t += 10), fb.tcp(SERVER, c, sport, cport, ss++, cs, SYN | ACK, 65535, null));
    w.write((t += 10), fb.tcp(c, SERVER, cport, sport, cs, ss, ACK, 65535, null));
    for (const [dir, s] of segs) {
      const p = text(s);
      if (dir === 0) w.write((t += 10), fb.tcp(c, SERVER, cport, sport, cs, ss, PSH | ACK, 65535, p));
      else w.write((t += 10), fb.tcp(SERVER, c, sport, cport, ss, cs, PSH | ACK, 65535, p));
      if (dir === 0) cs += p.length;
      else ss += p.length;
    }
    w.write((t += 10), fb.tcp(c, SERVER, cport, sport, cs, ss, FIN | ACK, 65535, null));
    w.write((t += 10), fb.tcp(SERVER, c, sport, cport, ss, cs + 1, FIN | ACK, 65535, null));
    w.write((t += 10), fb.tcp(c, SERVER, cport, sport, cs + 1, ss + 1, ACK, 65535, null));
  };
  refused(0, shortFlows / 2, 5000);
  const ftp = client(7);
  conversation(ftp, 40001, 21, [
    [1, '220 ward file server\r\n'],
    [0, 'USER biomed\r\n'],
    [1, '331 password please\r\n'],
    [0, 'PASV\r\n'],
    [1, '227 Entering Passive Mode (10,40,12,5,195,80)\r\n'],
    [0, 'QUIT\r\n'],
    [1, '221 bye\r\n'],
  ]);
  // 8 s: the control flow has ended (its flow-end told, ~6 s in) before its data connection opens;
  // and 5.6 MB, so that more than a read chunk (1 MiB) lies between its end and the data flow's:
  // they are merged in different batches.
  refused(shortFlows / 2, MIDDLE, 100);
  conversation(ftp, 40002, 50000, [[1, 'trend-2026-12-06.csv\r\n']]);
  const tftp = client(8);
  w.write((t += 10), fb.udp(tftp, TFTP_SERVER, 3000, 69, tftpRequest(1, 'monitor.cfg')));
  for (let b = 1; b <= 3; b++)
    w.write((t += 1000), fb.udp(TFTP_SERVER, tftp, 4000, 3000, tftpData(b, new Uint8Array(512))));
  refused(shortFlows / 2 + MIDDLE, shortFlows / 2, 5000);
  t += 6_000_000; // every refused connection has ended by the next packets
  for (let b = 4; b <= 5; b++)
    w.write((t += 1000), fb.udp(TFTP_SERVER, tftp, 4000, 3000, tftpData(b, new Uint8Array(100))));
  w.close();
}

async function run(file: string, workers: number): Promise<{ events: string[]; mapped: number; open: number }> {
  const { Pipeline } = (await import(pathToFileURL(join(REPO_ROOT, 'dist/engine/analyze.js')).href)) as AnalyzeModule;
  const events: string[] = [];
  const keep = (ev: WardEvent) => {
    if (ev.type === 'flow-start' || ev.type === 'flow-end') events.push(JSON.stringify(ev));
  };
  const p = new Pipeline({ salt: 'cd'.repeat(32), workers, onEvent: keep });
  await p.readFile(file);
  const engine = p.engine as ShardedEngine;
  const mapped = workers > 1 ? engine.mappedFlows : -1;
  const open = engine.openFlows;
  await p.end();
  return { events, mapped, open };
}

describe('the run-wide flow ids of --workers', () => {
  it('are mapped for open flows and named control flows only, and match one engine with control ids', async () => {
    const file = join(tmp, 'many-flows.pcap');
    writeCapture(file, 4000);
    const one = await run(file, 1);
    const two = await run(file, 2);
    expect(two.events).toEqual(one.events);
    const ends = one.events.map((e) => JSON.parse(e) as WardEvent).filter((e) => e.type === 'flow-end');
    expect(ends.length).toBe(4000 + MIDDLE + 2 + 2);
    // The data connection names its control flow, which had ended before it began; so does the transfer.
    const control = ends.find((e) => e.type === 'flow-end' && e.dst.port === 21);
    const data = ends.find((e) => e.type === 'flow-end' && e.app === 'ftp-data');
    const request = ends.find((e) => e.type === 'flow-end' && e.dst.port === 69);
    const transfer = ends.find(
      (e) => e.type === 'flow-end' && e.app === 'tftp' && e.src.port !== 3000 && e.dst.port !== 69,
    );
    expect(control?.type === 'flow-end' && control.reason).toBe('fin');
    const at = (pred: (e: WardEvent) => boolean) => one.events.findIndex((e) => pred(JSON.parse(e) as WardEvent));
    const controlEnd = at((e) => e.type === 'flow-end' && e.dst.port === 21);
    const dataStart = at((e) => e.type === 'flow-start' && e.dst.port === 50000);
    expect(controlEnd).toBeGreaterThan(0);
    expect(dataStart).toBeGreaterThan(controlEnd);
    expect(data?.type === 'flow-end' && data.controlFlowId).toBe(control?.type === 'flow-end' && control.flowId);
    expect(transfer?.type === 'flow-end' && transfer.controlFlowId).toBe(
      request?.type === 'flow-end' && request.flowId,
    );
    // After the file, before the end: the two UDP flows are open; the TFTP request, still announced,
    // is one of them. 44 004 flows ran; the map holds what is open.
    expect(two.open).toBe(2);
    expect(two.mapped).toBe(2);
  });
});
