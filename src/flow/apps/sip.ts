// SIP analyzer (UDP 5060): the software each end names (User-Agent, Server) and, for a
// REGISTER, the registrar (its responder offers 'sip-registrar'), as `host-identity` events.
// Nurse-call and VoIP phones show up here. RTP media is not followed yet.
import { decodeSip, sipStart } from '../../decode/sip.js';
import type { Endpoint, HostIdentity } from '../../events.js';
import type { DatagramApp, Dir, FlowContext, ProbeResult, UdpAppFactory } from '../app.js';

/** Identities emitted per flow: a phone re-registers every few minutes with the same words. */
const MAX_PER_FLOW = 4;

export const sipApp: UdpAppFactory = {
  name: 'sip',
  ports: [5060],
  probe(_dir: Dir, payload: Uint8Array): ProbeResult {
    return sipStart(payload, 0, payload.length) !== null && decodeSip(payload, 0, payload.length).kind === 'ok'
      ? 'yes'
      : 'no';
  },
  create(ctx: FlowContext): DatagramApp {
    let emitted = 0;
    const emit = (host: Endpoint, ts: number, software: string | undefined, services: string[]): void => {
      if (emitted >= MAX_PER_FLOW) return;
      emitted++;
      const ev: HostIdentity = {
        type: 'host-identity',
        ts,
        flowId: ctx.flowId,
        src: ctx.client,
        dst: ctx.server,
        vlan: ctx.vlan,
        via: 'sip',
        host,
        names: [],
        workgroup: undefined,
        os: undefined,
        software,
        services,
        location: undefined,
      };
      ctx.emit(ev);
    };
    return {
      datagram(dir: Dir, payload: Uint8Array, ts: number): void {
        const r = decodeSip(payload, 0, payload.length);
        if (r.kind === 'not') return;
        if (r.kind === 'anomaly') {
          ctx.anomaly(r.code, ts);
          return;
        }
        ctx.env.countApp('sip');
        const m = r.msg;
        const sender = dir === 0 ? ctx.client : ctx.server;
        const receiver = dir === 0 ? ctx.server : ctx.client;
        const software = m.userAgent ?? m.server;
        if (software !== undefined) emit(sender, ts, software, []);
        if (m.method === 'REGISTER') emit(receiver, ts, undefined, ['sip-registrar']);
      },
      end(): void {},
    };
  },
};
