// rpc.outbound-nfs — portmapper/MOUNT/NFS calls from a site device to an outside address:
// the CMS8000 mounts a share from a hard-coded public address at boot and runs what it finds.
// NFS calls carry only file handles, so the rule remembers which export each handle came from
// (MOUNT MNT hands out the export's root, LOOKUP a handle under it) and names the export on the
// NFS alert: "what did it mount?" is the first question of whoever answers it.
import type { RpcCall, WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';

const PROGRAMS: Readonly<Record<number, string>> = { 100000: 'portmap', 100005: 'mount', 100003: 'nfs' };
/** Handles and client/server pairs remembered; the maps start over when full (bounded memory). */
const MAX_HANDLES = 8192;

/** Which export each file handle belongs to, per client and server. */
class Exports {
  private readonly byHandle = new Map<string, string>();
  private readonly byPair = new Map<string, string>();

  /** A MOUNT or LOOKUP reply handed out a handle: the export it lies in. */
  learn(ev: RpcCall, prog: string): void {
    const pair = `${ev.src.ip}|${ev.dst.ip}`;
    const refused = ev.reply !== undefined && (!ev.reply.accepted || ev.reply.status !== 0);
    if (prog === 'mount' && ev.path !== undefined && !refused) {
      // The fallback for calls whose handle we never saw handed out (a reply lost, a capture
      // begun after the mount): the pair's last export asked for.
      if (this.byPair.size >= MAX_HANDLES) this.byPair.clear();
      this.byPair.set(pair, ev.path);
    }
    const fh = ev.reply?.fh;
    if (fh === undefined) return;
    const path = prog === 'mount' ? ev.path : ev.fh !== undefined ? this.byHandle.get(`${pair}|${ev.fh}`) : undefined;
    if (path === undefined) return;
    if (this.byHandle.size >= MAX_HANDLES) this.byHandle.clear();
    this.byHandle.set(`${pair}|${fh}`, path);
  }

  /** The export an NFS call works in: by its handle, else the pair's last mount. */
  of(ev: RpcCall): string | undefined {
    const pair = `${ev.src.ip}|${ev.dst.ip}`;
    return (ev.fh !== undefined ? this.byHandle.get(`${pair}|${ev.fh}`) : undefined) ?? this.byPair.get(pair);
  }
}

export function createRpcOutboundNfs(): Rule {
  const exports = new Exports();
  return {
    id: 'rpc.outbound-nfs',
    types: ['rpc-call'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type !== 'rpc-call') return;
      const prog = PROGRAMS[ev.prog];
      if (prog === undefined) return;
      if (!ctx.zones.isSite(ev.src.ip) || !ctx.zones.isOutside(ev.dst.ip)) return;
      exports.learn(ev, prog);
      const mounted = prog === 'nfs' ? exports.of(ev) : undefined;
      const proc = `${prog}.${ev.procName ?? `proc${ev.proc}`}`;
      const what =
        prog === 'mount' && ev.path !== undefined
          ? `mounts ${ev.path} from`
          : mounted !== undefined
            ? `uses the NFS export ${mounted} (${proc}) of`
            : `makes ${proc} calls to`;
      const paths = mounted !== undefined ? [mounted] : [];
      if (ev.path !== undefined && ev.path !== mounted) paths.push(ev.path);
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
          paths,
          ...(mounted !== undefined ? { exports: [mounted] } : {}),
          ...(ev.reply !== undefined
            ? { replies: [ev.reply.accepted && ev.reply.status === 0 ? 'ok' : `status ${ev.reply.status}`] }
            : {}),
          transport: ev.transport,
        },
      });
    },
  };
}
