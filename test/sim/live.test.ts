// Live mode over real loopback sockets: the monitor sends N messages, the central station
// ACKs N; the copy receiver gets the same N; the real indicator range is refused.
import { afterEach, describe, expect, it } from 'vitest';
import { WardwatchError } from '../../src/errors.js';
import { type CentralServer, startCentral } from '../../src/sim/live/central.js';
import { parseHostPort } from '../../src/sim/live/guard.js';
import { runLiveMonitor } from '../../src/sim/live/monitor.js';
import { nfsBoot } from '../../src/sim/live/rpc-client.js';
import { answer, startRpcResponder } from '../../src/sim/live/rpc-server.js';
import * as rpc from '../../src/decode/rpc/encode.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
});

async function central(): Promise<CentralServer> {
  const c = await startCentral({ host: '127.0.0.1', port: 0 });
  servers.push(c);
  return c;
}

describe('live central station and monitor (loopback)', () => {
  it('ACKs every message the monitor sends, and keeps the latest vitals per bed', async () => {
    const c = await central();
    const lines: string[] = [];
    const logged = await startCentral({ host: '127.0.0.1', port: 0, log: (l) => lines.push(l) });
    servers.push(logged);
    const res = await runLiveMonitor({
      to: { host: '127.0.0.1', port: c.port },
      copyTo: { host: '127.0.0.1', port: logged.port },
      count: 6,
      intervalMs: 10,
      bed: 'ICU^07^A',
    });
    expect(res.sent).toBe(6);
    expect(res.acked).toBe(6);
    expect(res.copies).toBe(6);
    expect(c.logic.received).toBe(6);
    const bed = c.logic.beds.get('ICU^07^A');
    expect(bed?.messages).toBe(6);
    expect(Number(bed?.vitals.spo2)).toBeGreaterThanOrEqual(70);
    expect(Number(bed?.vitals.hr)).toBeGreaterThan(20);
    // The copy receiver logs one line per message, with vitals but without the patient's name.
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/ADT\^A01 bed=ICU\^07\^A/);
    expect(lines[5]).toMatch(/ORU\^R01 bed=ICU\^07\^A .*spo2=\d+/);
    for (const l of lines) expect(l).not.toMatch(/DOE|ROE|POE|MOE|LOE|COE|TESTPATIENT|SAMPLE|SIM\d{7}/);
  });

  it('reconnects when the central station goes away and comes back', async () => {
    const c = await central();
    const port = c.port;
    const run = runLiveMonitor({ to: { host: '127.0.0.1', port }, count: 8, intervalMs: 60 });
    await new Promise((r) => setTimeout(r, 150));
    await servers.pop()!.close(); // drops the connection
    const again = await startCentral({ host: '127.0.0.1', port });
    servers.push(again);
    const res = await run;
    expect(res.acked).toBe(8);
    expect(res.reconnects).toBeGreaterThanOrEqual(1);
    expect(c.logic.received + again.logic.received).toBeGreaterThanOrEqual(8);
  });

  it('refuses the real indicator addresses before opening any socket', async () => {
    await expect(
      runLiveMonitor({ to: { host: '202.114.4.120', port: 515 }, count: 1, intervalMs: 1 }),
    ).rejects.toBeInstanceOf(WardwatchError);
    await expect(
      runLiveMonitor({
        to: { host: '127.0.0.1', port: 1 },
        copyTo: { host: '202.114.4.120', port: 515 },
        count: 1,
        intervalMs: 1,
      }),
    ).rejects.toThrow(/202\.114\.4/);
    await expect(
      runLiveMonitor({ to: { host: '127.0.0.1', port: 1 }, nfsFrom: '202.114.4.119', count: 1, intervalMs: 1 }),
    ).rejects.toThrow(/never sends/);
  });

  it('parses HOST:PORT strictly', () => {
    expect(parseHostPort('127.0.0.1:2575', 'x')).toEqual({ host: '127.0.0.1', port: 2575 });
    expect(parseHostPort('10.40.12.20', 'x', 2575)).toEqual({ host: '10.40.12.20', port: 2575 });
    expect(() => parseHostPort('127.0.0.1:99999', 'x')).toThrow(WardwatchError);
  });
});

describe('RPC responder and the live mount sequence', () => {
  it('answers GETPORT for MOUNT and NFS, MNT with a file handle', () => {
    const gp = answer(rpc.getportCall(7, rpc.MOUNT, 3, 17))!;
    const dv = new DataView(gp.buffer);
    expect(dv.getUint32(0)).toBe(7);
    expect(dv.getUint32(gp.length - 4)).toBe(20048);
    const mnt = answer(rpc.mntCall(8, '/export/cms8000', 'CMS8000'))!;
    expect(new DataView(mnt.buffer).getUint32(24)).toBe(0); // MNT3_OK
    expect(answer(new Uint8Array(10))).toBeNull();
  });

  it('runs portmap GETPORT → MOUNT → NFS GETATTR against the responder on loopback', async () => {
    const r = startRpcResponder('127.0.0.1');
    servers.push(r);
    await new Promise((res) => setTimeout(res, 100));
    const out = await nfsBoot('127.0.0.1', '/export/cms8000', 'CMS8000', undefined, () => {});
    expect(out).toEqual({ mountPort: 20048, mounted: true, getattr: true });
  });
});
