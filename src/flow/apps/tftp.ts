// TFTP analyzer: on port 69 the requests (file names only, as `file-transfer`); the server
// answers from a new port, so each request announces its transfer flow (`env.expectFlow` on
// the client's port), which this analyzer then counts block by block, tied to the request.

import { decodeTftp, TFTP_DATA, TFTP_RRQ, TFTP_WRQ } from '../../decode/tftp/tftp.js';
import type { FileTransfer } from '../../events.js';
import type { DatagramApp, Dir, FlowContext, ProbeResult, UdpAppFactory } from '../app.js';

const MAX_REQUESTS = 64;

export const tftpApp: UdpAppFactory = {
  name: 'tftp',
  ports: [69],
  probe(_dir: Dir, payload: Uint8Array, _srcPort: number, dstPort: number): ProbeResult {
    if (dstPort !== 69) return 'no';
    const r = decodeTftp(payload, 0, payload.length);
    return r.kind === 'ok' && (r.packet.op === TFTP_RRQ || r.packet.op === TFTP_WRQ) ? 'yes' : 'no';
  },
  create(ctx: FlowContext): DatagramApp {
    let requests = 0;
    return {
      datagram(dir: Dir, payload: Uint8Array, ts: number): void {
        const r = decodeTftp(payload, 0, payload.length);
        if (r.kind === 'not') return;
        if (r.kind === 'anomaly') {
          ctx.anomaly(r.code, ts);
          return;
        }
        const p = r.packet;
        if (p.op === TFTP_DATA && p.block === 1) ctx.env.countApp('tftp');
        if ((p.op !== TFTP_RRQ && p.op !== TFTP_WRQ) || requests >= MAX_REQUESTS) return;
        requests++;
        ctx.env.countApp('tftp');
        const src = dir === 0 ? ctx.client : ctx.server;
        const dst = dir === 0 ? ctx.server : ctx.client;
        if (src.port !== undefined) ctx.env.expectFlow?.(src.ip, src.port, 'udp', 'tftp', ctx.flowId);
        const ev: FileTransfer = {
          type: 'file-transfer',
          ts,
          flowId: ctx.flowId,
          src,
          dst,
          vlan: ctx.vlan,
          protocol: 'tftp',
          op: p.op === TFTP_RRQ ? 'read' : 'write',
          fileName: p.fileName,
        };
        ctx.emit(ev);
      },
      end(): void {},
    };
  },
};
