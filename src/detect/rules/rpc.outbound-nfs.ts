// rpc.outbound-nfs — portmapper/MOUNT/NFS calls from a site device to an outside address:
// the CMS8000 mounts a share from a hard-coded public address at boot and runs what it finds.
import type { WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';

const PROGRAMS: Readonly<Record<number, string>> = { 100000: 'portmap', 100005: 'mount', 100003: 'nfs' };

export function createRpcOutboundNfs(): Rule {
  return {
    id: 'rpc.outbound-nfs',
    types: ['rpc-call'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type !== 'rpc-call') return;
      const prog = PROGRAMS[ev.prog];
      if (prog === undefined) return;
      if (!ctx.zones.isSite(ev.src.ip) || !ctx.zones.isOutside(ev.dst.ip)) return;
      const proc = `${prog}.${ev.procName ?? `proc${ev.proc}`}`;
      const what = prog === 'mount' && ev.path !== undefined ? `mounts ${ev.path} from` : `makes ${proc} calls to`;
      ctx.raise({
        rule: 'rpc.outbound-nfs',
        ts: ev.ts,
        src: ev.src,
        dst: ev.dst,
        deviceId: ctx.deviceId(ev.src.ip, ev.src.mac),
        message: `${what} outside address ${ev.dst.ip} (ONC-RPC ${prog} over ${ev.transport})`,
        evidence: {
          programs: [prog],
          procedures: [proc],
          paths: ev.path !== undefined ? [ev.path] : [],
          ...(ev.reply !== undefined
            ? { replies: [ev.reply.accepted && ev.reply.status === 0 ? 'ok' : `status ${ev.reply.status}`] }
            : {}),
          transport: ev.transport,
        },
      });
    },
  };
}
