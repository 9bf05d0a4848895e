// What a proxy's tunnel carries, once the proxy said yes (an HTTP CONNECT answered 2xx, a SOCKS
// request granted): both directions' bytes from then on are the tunnelled connection's. The TLS
// analyzer reads them when they are TLS (the SNI and JA4 of what a device reaches through the
// proxy), the HL7 analyzer when they are MLLP (patient data sent through a proxy is still patient
// data in cleartext); anything else is left alone. The client speaks first in both, so each side's
// bytes are held (bounded) until the client's say what they are. Shared by `http.ts` and `socks.ts`.
import type { Endpoint } from '../../events.js';
import { holdBytes } from '../app.js';
import type { Dir, FlowContext, StreamApp, TcpAppFactory } from '../app.js';
import { hl7App } from './hl7.js';
import { tlsApp } from './tls.js';

/** What a tunnel is read as, in probe order. */
const INNER: readonly TcpAppFactory[] = [tlsApp, hl7App];

const EMPTY = new Uint8Array(0);
/** Bytes held per direction before the probe decides. */
export const MAX_TUNNEL_HOLD = 16 * 1024;

export class TunnelFollower {
  /** The analyzer of what the tunnel carries, once its first bytes said. */
  private app: StreamApp | null = null;
  /** The tunnel is not TLS (or its bytes were lost): nothing more is looked at. */
  private dead = false;
  private readonly held: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];
  /** Of the run's budget for held bytes (holdBytes): what `held` keeps. */
  private had = 0;

  private ctx: FlowContext;

  constructor(private readonly outer: FlowContext) {
    this.ctx = outer;
  }

  /**
   * The tunnel goes to this address (the proxy was asked for it): what the analyzers inside tell
   * carries it (`hl7-message.proxied`). Called before the tunnel's first bytes.
   */
  aim(target: Endpoint): void {
    const o = this.outer;
    this.ctx = {
      flowId: o.flowId,
      proto: o.proto,
      client: o.client,
      server: o.server,
      vlan: o.vlan,
      controlFlowId: o.controlFlowId,
      env: o.env,
      tunnel: { target, proxy: o.server },
      emit: (ev) => o.emit(ev),
      anomaly: (code, ts, detail) => o.anomaly(code, ts, detail),
      reserve: (bytes, ts) => o.reserve?.(bytes, ts) ?? true,
    };
  }

  /** The tunnel's analyzer wants no more bytes (a tunnel that is not TLS still gets them, unread). */
  get finished(): boolean {
    return this.app?.finished === true;
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (this.app !== null) {
      this.app.data(dir, bytes, ts);
      return;
    }
    this.feed(dir, bytes, ts);
    this.hold(ts);
  }

  /** What `held` keeps against the run's budget; refused, the tunnel is given up as past its hold bound. */
  private hold(ts: number): void {
    const now = this.held[0].length + this.held[1].length;
    const h = holdBytes(this.outer, this.had, now, ts);
    this.had = Math.max(h, 0);
    if (h < 0) this.die();
  }

  private feed(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (this.dead || bytes.length === 0) return;
    const b = (this.held[dir] = concatBytes(this.held[dir], bytes));
    if (dir === 1) {
      if (b.length > MAX_TUNNEL_HOLD) this.die();
      return;
    }
    let inner: TcpAppFactory | undefined;
    let more = false;
    for (const a of INNER) {
      const r = a.probe(0, b);
      if (r === 'yes') {
        inner = a;
        break;
      }
      if (r === 'more') more = true;
    }
    if (inner === undefined) {
      if (!more || b.length > MAX_TUNNEL_HOLD) this.die();
      return;
    }
    const t = (this.app = inner.create(this.ctx));
    const server = this.held[1];
    this.held[0] = this.held[1] = EMPTY;
    t.data(0, b, ts);
    if (server.length > 0) t.data(1, server, ts);
  }

  gap(dir: Dir, length: number, ts: number): void {
    if (this.app !== null) this.app.gap(dir, length, ts);
    else {
      this.die();
      this.hold(ts);
    }
  }

  end(ts: number): void {
    this.app?.end(ts);
  }

  private die(): void {
    this.dead = true;
    this.held[0] = this.held[1] = EMPTY;
  }
}

/** `a` then `b` in a new array (a copy of `b` when `a` is empty: views passed in are the caller's). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
