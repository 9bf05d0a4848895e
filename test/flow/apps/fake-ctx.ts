// Test-only: a FlowContext that records what an analyzer emits, counts and flags.
import { Hl7Reader } from '../../../src/decode/hl7/hl7.js';
import type { WardEvent } from '../../../src/events.js';
import type { Dir, FlowContext, TcpAppFactory } from '../../../src/flow/app.js';
import type { TcpConn } from '../../decode/app-payloads.js';

export interface Recorder {
  ctx: FlowContext;
  events: WardEvent[];
  anomalies: string[];
  apps: Record<string, number>;
}

export function fakeCtx(
  proto: 'tcp' | 'udp',
  client: { ip: string; port: number },
  server: { ip: string; port: number },
  flowId = 1,
): Recorder {
  const events: WardEvent[] = [];
  const anomalies: string[] = [];
  const apps: Record<string, number> = {};
  const ctx: FlowContext = {
    flowId,
    proto,
    client,
    server,
    env: {
      hashPatientId: (id) => `h(${id})`,
      learnRpcPort: () => {},
      countApp: (name) => {
        apps[name] = (apps[name] ?? 0) + 1;
      },
      hl7: new Hl7Reader(),
    },
    emit: (ev) => events.push(ev),
    anomaly: (code) => anomalies.push(code),
  };
  return { ctx, events, anomalies, apps };
}

/** Feed one TCP connection's chunks in capture order to a new analyzer, then end it. */
export function runTcp(factory: TcpAppFactory, conn: TcpConn, flowId = 1): Recorder {
  const rec = fakeCtx('tcp', conn.client, conn.server, flowId);
  const app = factory.create(rec.ctx);
  let last = 0;
  for (const c of conn.chunks) {
    if (c.gap) app.gap(c.dir as Dir, c.gap, c.ts);
    else app.data(c.dir as Dir, c.bytes, c.ts);
    last = c.ts;
  }
  app.end(last);
  return rec;
}

/** Feed `bytes` one byte at a time (the worst segmentation). */
export function feedBytewise(
  app: { data(dir: Dir, b: Uint8Array, ts: number): void },
  dir: Dir,
  bytes: Uint8Array,
): void {
  for (let i = 0; i < bytes.length; i++) app.data(dir, bytes.subarray(i, i + 1), 0);
}
