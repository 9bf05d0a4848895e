// SIP analyzer (UDP 5060): the software each end names (User-Agent, Server) and, for a
// REGISTER, the registrar (its responder offers 'sip-registrar'), as `host-identity` events.
// Nurse-call and VoIP phones show up here. An SDP body announces the call's RTP and RTCP
// flows (apps/rtp.ts names and counts them; media is never decoded).
import { decodeSip, sipStart } from '../../decode/sip.js';
import type { Endpoint, HostIdentity } from '../../events.js';
import { type Dir, datagramApp, type FlowContext, type ProbeResult, type UdpAppFactory } from '../app.js';

/** Identities emitted per flow: a phone re-registers every few minutes with the same words. */
const MAX_PER_FLOW = 4;

function emitIdentity(
  ctx: FlowContext,
  flow: { emitted: number },
  host: Endpoint,
  ts: number,
  software: string | undefined,
  services: string[],
): void {
  if (flow.emitted >= MAX_PER_FLOW) return;
  flow.emitted++;
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
}

export const sipApp: UdpAppFactory = {
  name: 'sip',
  ports: [5060],
  probe(_dir: Dir, payload: Uint8Array): ProbeResult {
    return sipStart(payload, 0, payload.length) !== null && decodeSip(payload, 0, payload.length).kind === 'ok'
      ? 'yes'
      : 'no';
  },
  create: datagramApp(
    'sip',
    (payload) => decodeSip(payload, 0, payload.length),
    (r, ctx, ts, sender, receiver, _dir, flow) => {
      const m = r.msg;
      const software = m.userAgent ?? m.server;
      if (software !== undefined) emitIdentity(ctx, flow, sender, ts, software, []);
      if (m.method === 'REGISTER') emitIdentity(ctx, flow, receiver, ts, undefined, ['sip-registrar']);
      // The SDP offer/answer says where the call's media will flow: RTP there, RTCP one port up.
      for (const md of m.media ?? []) {
        if (md.port < 1024 || !md.proto.startsWith('RTP/')) continue;
        ctx.env.expectFlow?.(md.ip, md.port, 'udp', 'rtp', ctx.flowId);
        if (md.port < 65535) ctx.env.expectFlow?.(md.ip, md.port + 1, 'udp', 'rtcp', ctx.flowId);
      }
    },
    () => ({ emitted: 0 }),
  ),
};
