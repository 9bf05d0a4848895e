// Remote-access analyzers: RDP (TCP 3389: X.224 connection request and confirm), VNC (RFB on
// 5900–5903: versions, the server's security types and the client's choice) and TeamViewer
// (5938: its framing). Each emits one `remote-access` per flow and then stops reading. SSH is
// named by the banner analyzer and AnyDesk by its TLS handshake; the inventory folds those in.

import {
  decodeRdp,
  decodeVncSecurity,
  isTeamViewer,
  type RdpHandshake,
  rfbVersion,
  vncSecurityName,
} from '../../decode/remote.js';
import type { RemoteAccess } from '../../events.js';
import { type Dir, type FlowContext, holdBytes, type ProbeResult, type StreamApp, type TcpAppFactory } from '../app.js';

const KEEP = 1024;
const EMPTY = new Uint8Array(0);

/** Appends to a bounded per-direction buffer. */
function append(prev: Uint8Array, bytes: Uint8Array): Uint8Array {
  const keep = Math.min(bytes.length, KEEP - prev.length);
  if (keep <= 0) return prev;
  const next = new Uint8Array(prev.length + keep);
  next.set(prev);
  next.set(bytes.subarray(0, keep), prev.length);
  return next;
}

function emit(
  ctx: FlowContext,
  ts: number,
  f: Pick<RemoteAccess, 'service' | 'version' | 'security' | 'unauthenticated' | 'userHint'>,
): void {
  ctx.env.countApp(f.service);
  const ev: RemoteAccess = {
    type: 'remote-access',
    ts,
    flowId: ctx.flowId,
    src: ctx.client,
    dst: ctx.server,
    vlan: ctx.vlan,
    service: f.service,
    version: f.version,
    security: f.security,
    unauthenticated: f.unauthenticated,
    userHint: f.userHint,
  };
  ctx.emit(ev);
}

/**
 * What the RDP and VNC readers keep: each direction's first KEEP bytes, whether the one event is
 * out (then nothing more is read), and the last packet's time for an event at flow end.
 */
abstract class HandshakeStream implements StreamApp {
  protected readonly buf: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];
  protected done = false;
  protected lastTs = 0;
  constructor(protected readonly ctx: FlowContext) {}
  get finished(): boolean {
    return this.done;
  }
  abstract data(dir: Dir, bytes: Uint8Array, ts: number): void;
  gap(): void {}
  /**
   * Appends to a direction's kept bytes, from the run's budget (65 536 flows × 1 KiB a direction
   * would be 128 MiB). Refused (stream.memcap): nothing more of the handshake is read.
   */
  protected keep(dir: Dir, bytes: Uint8Array, ts: number): boolean {
    const prev = this.buf[dir];
    const next = append(prev, bytes);
    if (next !== prev && holdBytes(this.ctx, prev.length, next.length, ts) < 0) {
      this.buf[dir] = EMPTY; // given back by holdBytes
      this.done = true;
      this.letGo();
      return false;
    }
    this.buf[dir] = next;
    return true;
  }
  /** The handshake is read (or given up): what it kept goes back. */
  protected letGo(): void {
    holdBytes(this.ctx, this.buf[0].length + this.buf[1].length, 0, 0);
    this.buf[0] = this.buf[1] = EMPTY;
  }
  abstract end(ts: number): void;
}

class RdpStream extends HandshakeStream {
  private request: RdpHandshake | undefined;
  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    this.lastTs = ts;
    if (dir === 0 && this.request !== undefined) return;
    if (!this.keep(dir, bytes, ts)) return;
    const r = decodeRdp(this.buf[dir], 0, this.buf[dir].length);
    if (r.kind === 'more' && this.buf[dir].length < KEEP) return;
    if (r.kind === 'anomaly') this.ctx.anomaly(r.code, ts);
    if (r.kind !== 'ok') {
      if (dir === 1) this.finish(ts, undefined);
      else this.request = { pdu: 'request', userHint: false, routingToken: false };
      return;
    }
    if (r.msg.pdu === 'request') this.request = r.msg;
    else this.finish(ts, r.msg);
  }
  private finish(ts: number, confirm: RdpHandshake | undefined): void {
    if (this.done) return;
    this.done = true;
    this.letGo();
    const security = confirm?.protocols ?? this.request?.protocols ?? [];
    emit(this.ctx, ts, {
      service: 'rdp',
      version: undefined,
      security,
      unauthenticated: false,
      userHint: this.request?.userHint ?? false,
    });
  }
  end(ts: number): void {
    if (!this.done && this.request !== undefined) this.finish(this.lastTs || ts, undefined);
    this.done = true;
    this.letGo();
  }
}

class VncStream extends HandshakeStream {
  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    this.lastTs = ts;
    if (!this.keep(dir, bytes, ts)) return;
    const cv = this.buf[0].length >= 12 ? rfbVersion(this.buf[0], 0, 12) : null;
    const s = this.buf[1];
    const sv = s.length >= 12 ? rfbVersion(s, 0, 12) : null;
    if (typeof sv !== 'string') {
      if (s.length >= 12) this.finish(ts, null, [], undefined);
      return;
    }
    // 3.3: the server picks the type; 3.7+: the client answers the list with one byte after its version.
    const version = typeof cv === 'string' && cv < sv ? cv : sv;
    const sec = decodeVncSecurity(s, 12, s.length, version === '3.3' ? '3.3' : version);
    if (sec.kind !== 'ok') {
      if (s.length >= KEEP) this.finish(ts, version, [], undefined);
      return;
    }
    if (version === '3.3' || sec.msg.failed) {
      this.finish(ts, version, sec.msg.types, sec.msg.types[0]);
      return;
    }
    if (typeof cv === 'string' && this.buf[0].length >= 13)
      this.finish(ts, version, sec.msg.types, vncSecurityName(this.buf[0][12]!));
    else if (sec.msg.types.length === 1 && sec.msg.types[0] === 'none' && typeof cv !== 'string') return;
  }
  private finish(ts: number, version: string | null, offered: readonly string[], chosen: string | undefined): void {
    if (this.done) return;
    this.done = true;
    this.letGo();
    const security = chosen !== undefined && !offered.includes(chosen) ? [...offered, chosen] : [...offered];
    emit(this.ctx, ts, {
      service: 'vnc',
      version: version ?? undefined,
      security,
      // Let in without a password: None chosen, or None the only type offered.
      unauthenticated: chosen === 'none' || (offered.length === 1 && offered[0] === 'none'),
      userHint: undefined,
    });
  }
  end(ts: number): void {
    if (this.done) return;
    const s = this.buf[1];
    const sv = s.length >= 12 ? rfbVersion(s, 0, 12) : null;
    const version = typeof sv === 'string' ? sv : null;
    const sec = version === null ? null : decodeVncSecurity(s, 12, s.length, version);
    const offered = sec?.kind === 'ok' ? sec.msg.types : [];
    this.finish(this.lastTs || ts, version, offered, undefined);
  }
}

export const rdpApp: TcpAppFactory = {
  name: 'rdp',
  ports: [3389],
  probe(dir: Dir, b: Uint8Array): ProbeResult {
    if (dir !== 0) return 'no';
    const r = decodeRdp(b, 0, b.length);
    if (r.kind === 'ok') return r.msg.pdu === 'request' ? 'yes' : 'no';
    // A TPKT header that is an X.224 CR is enough; the rest may come in the next segment.
    if (r.kind === 'more') return b.length >= 6 ? ((b[5]! & 0xf0) === 0xe0 ? 'yes' : 'no') : 'more';
    return r.kind === 'anomaly' ? 'yes' : 'no';
  },
  create(ctx: FlowContext): StreamApp {
    return new RdpStream(ctx);
  },
};

export const vncApp: TcpAppFactory = {
  name: 'vnc',
  ports: [5900, 5901, 5902, 5903],
  probe(_dir: Dir, b: Uint8Array): ProbeResult {
    const v = rfbVersion(b, 0, b.length);
    return v === null ? 'no' : v === 'more' ? 'more' : 'yes';
  },
  create(ctx: FlowContext): StreamApp {
    return new VncStream(ctx);
  },
};

export const teamviewerApp: TcpAppFactory = {
  name: 'teamviewer',
  ports: [5938],
  probe(_dir: Dir, b: Uint8Array): ProbeResult {
    const t = isTeamViewer(b, 0, b.length);
    return t === 'more' ? 'more' : t ? 'yes' : 'no';
  },
  create(ctx: FlowContext): StreamApp {
    let done = false;
    return {
      get finished(): boolean {
        return done;
      },
      data(_dir: Dir, _b: Uint8Array, ts: number): void {
        if (done) return;
        done = true;
        emit(ctx, ts, {
          service: 'teamviewer',
          version: undefined,
          security: [],
          unauthenticated: false,
          userHint: undefined,
        });
      },
      gap(): void {},
      end(): void {
        done = true;
      },
    };
  },
};
