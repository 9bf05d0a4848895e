// HTTP/1.x analyzer: every request and response head on a connection (keep-alive, pipelining),
// skipping bodies by Content-Length or chunked framing (RFC 9112 §6.3) without copying them.
// Only heads, chunk-size lines and trailers are buffered, each bounded; a response without
// framing runs to the end of the connection. Responses pair with requests in order (a queue of
// request methods) because a response to HEAD has no body whatever its headers say.
// A CONNECT answered 2xx turns the connection into a tunnel (a device behind a web proxy): its
// bytes then go to the TLS analyzer when they are TLS (the SNI and JA4 of what the device reaches
// through the proxy; `tunnel.ts`), else nowhere. The client's bytes sent before the proxy's answer
// are held. A CONNECT and an absolute-form request (`GET http://host/…`) name where the proxy is
// to go: each is told as a `proxy-request` at the proxy's answer (or at the end, unanswered).

import {
  type HttpAnomaly,
  decodeChunkSize,
  decodeHttpHead,
  HTTP_MAX_HEAD,
  type HttpHead,
  httpStart,
  trailerEnd,
} from '../../decode/http.js';
import { httpProxyTarget, type ProxyTarget } from '../../decode/proxy-target.js';
import type { HttpRequest, HttpResponse, ProxyRequest } from '../../events.js';
import { holdBytes } from '../app.js';
import type { Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory } from '../app.js';
import { concatBytes as concat, MAX_TUNNEL_HOLD, TunnelFollower } from './tunnel.js';

// Per-direction parser state (plain numbers: no enum object on the hot path).
const Head = 0;
const Body = 1;
const ChunkSize = 2;
const ChunkData = 3;
const Trailer = 4;
const UntilClose = 5;
const Dead = 6;
/** The client's side after a CONNECT: held (pending) until the proxy answers. */
const AwaitConnect = 7;
type Mode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

const EMPTY = new Uint8Array(0);
const MAX_PENDING_METHODS = 64;

/** A request naming a proxy's destination, waiting for the proxy's answer. */
interface Proxied {
  readonly ts: number;
  readonly method: string;
  readonly target: ProxyTarget;
}

class Side {
  mode: Mode = Head;
  remaining = 0;
  pending: Uint8Array = EMPTY;
  /** Of the run's budget for held bytes (holdBytes). */
  had = 0;
}

class HttpStream implements StreamApp {
  private readonly side0 = new Side();
  private readonly side1 = new Side();
  private readonly methods: string[] = [];
  /** In step with `methods`: the proxy target each request named (null for an origin-form one). */
  private readonly proxied: (Proxied | null)[] = [];
  /** After a CONNECT 2xx: what the tunnel carries. */
  private readonly tunnel: TunnelFollower;
  private tunnelled = false;

  constructor(private readonly ctx: FlowContext) {
    this.tunnel = new TunnelFollower(ctx);
  }

  get finished(): boolean {
    return this.tunnel.finished;
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    this.feed(dir, bytes, ts);
    this.hold(0, this.side0, ts);
    this.hold(1, this.side1, ts);
  }

  /** A side's kept bytes against the run's budget; refused, the side is given up as past its head bound. */
  private hold(dir: Dir, s: Side, ts: number): void {
    const h = holdBytes(this.ctx, s.had, s.pending.length, ts);
    s.had = Math.max(h, 0);
    if (h < 0) this.kill(dir, null, ts);
  }

  private feed(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (this.tunnelled) {
      this.tunnelData(dir, bytes, ts);
      return;
    }
    const s = dir === 0 ? this.side0 : this.side1;
    if (s.mode === Dead || s.mode === UntilClose) return;
    if (s.mode === AwaitConnect) {
      if (s.pending.length + bytes.length > MAX_TUNNEL_HOLD) this.kill(dir, null, ts);
      else s.pending = concat(s.pending, bytes);
      return;
    }
    let b = bytes;
    if (s.pending.length > 0) {
      b = new Uint8Array(s.pending.length + bytes.length);
      b.set(s.pending);
      b.set(bytes, s.pending.length);
      s.pending = EMPTY;
    }
    let p = 0;
    // Each iteration consumes bytes, changes mode, or leaves (keeping the rest as pending).
    while (p < b.length) {
      if (s.mode === Body || s.mode === ChunkData) {
        const n = Math.min(s.remaining, b.length - p);
        p += n;
        s.remaining -= n;
        if (s.remaining === 0) s.mode = s.mode === Body ? Head : ChunkSize;
        continue;
      }
      if (s.mode === ChunkSize) {
        const r = decodeChunkSize(b, p, b.length);
        if (r.kind === 'more') break;
        if (r.kind !== 'ok') {
          this.kill(dir, r.kind === 'anomaly' ? r.code : null, ts);
          return;
        }
        p += r.value.len;
        s.remaining = r.value.size;
        s.mode = r.value.size === 0 ? Trailer : ChunkData;
        continue;
      }
      if (s.mode === Trailer) {
        const e = trailerEnd(b, p, b.length);
        if (e < 0) {
          if (b.length - p > HTTP_MAX_HEAD) {
            this.kill(dir, 'http.header-too-long', ts);
            return;
          }
          break;
        }
        p = e;
        s.mode = Head;
        continue;
      }
      if (s.mode !== Head) return;
      const r = decodeHttpHead(b, p, b.length);
      if (r.kind === 'more') break;
      if (r.kind === 'not') {
        // Not a message start where one must be: the framing was lost (or it never was HTTP).
        this.kill(dir, null, ts);
        return;
      }
      if (r.kind === 'anomaly') {
        this.kill(dir, r.code, ts);
        return;
      }
      p += r.value.headLen;
      this.head(dir, r.value, ts);
      if (this.tunnelled) {
        if (p < b.length) this.tunnelData(dir, b.subarray(p), ts);
        return;
      }
      if (this.awaitingConnect(dir)) {
        if (p < b.length) s.pending = b.slice(p);
        return;
      }
      if (this.bodyComplete(dir)) return;
    }
    if (p < b.length) s.pending = b.slice(p);
  }

  /** A CONNECT was answered 2xx: from here both directions are the tunnel's bytes. */
  private startTunnel(ts: number): void {
    this.tunnelled = true;
    this.side0.mode = Dead;
    this.side1.mode = Dead;
    const early = this.side0.pending;
    this.side0.pending = EMPTY;
    this.side1.pending = EMPTY;
    if (early.length > 0) this.tunnelData(0, early, ts);
  }

  private tunnelData(dir: Dir, bytes: Uint8Array, ts: number): void {
    this.tunnel.data(dir, bytes, ts);
  }

  /** Tell a proxy request, with the proxy's answer when one came (`status` undefined: none seen). */
  private tellProxied(p: Proxied, status: number | undefined): void {
    const c = this.ctx;
    const ev: ProxyRequest = {
      type: 'proxy-request',
      ts: p.ts,
      flowId: c.flowId,
      src: c.client,
      dst: c.server,
      vlan: c.vlan,
      protocol: 'http',
      command: p.method === 'CONNECT' ? 'connect' : 'forward',
      method: p.method === 'CONNECT' ? undefined : p.method,
      targetHost: p.target.host,
      targetIp: p.target.ip,
      targetPort: p.target.port,
      answered: status !== undefined,
      granted: status === undefined ? undefined : status >= 200 && status < 300,
      status,
    };
    c.emit(ev);
  }

  private head(dir: Dir, h: HttpHead, ts: number): void {
    const s = dir === 0 ? this.side0 : this.side1;
    const c = this.ctx;
    if (h.anomaly !== null) c.anomaly(h.anomaly, ts);
    // Each event is one literal with every key (undefined where absent), in its key order.
    let bodyless = false;
    if (h.isRequest) {
      c.env.countApp('http');
      const ev: HttpRequest = {
        type: 'http-request',
        ts,
        flowId: c.flowId,
        src: c.client,
        dst: c.server,
        vlan: c.vlan,
        method: h.method,
        uri: h.uri,
        version: h.version,
        host: h.host,
        userAgent: h.userAgent,
      };
      c.emit(ev);
      let target = httpProxyTarget(h.method, h.uri);
      // An absolute-form request to the very server it names went to an origin, not a proxy.
      if (target !== undefined && h.method !== 'CONNECT' && target.ip === c.server.ip) target = undefined;
      const p: Proxied | null = target === undefined ? null : { ts, method: h.method, target };
      if (this.methods.length < MAX_PENDING_METHODS) {
        this.methods.push(h.method);
        this.proxied.push(p);
      } else if (p !== null) this.tellProxied(p, undefined);
      if (h.method === 'CONNECT') {
        s.mode = AwaitConnect;
        return;
      }
    } else {
      const ev: HttpResponse = {
        type: 'http-response',
        ts,
        flowId: c.flowId,
        src: c.client,
        dst: c.server,
        vlan: c.vlan,
        status: h.status,
        reason: h.reason,
        version: h.version,
        server: h.server,
      };
      c.emit(ev);
      // Interim 1xx responses precede the real one for the same request (RFC 9110 §15.2).
      const final = h.status >= 200 || h.status === 101;
      const method = final ? this.methods.shift() : this.methods[0];
      if (final) {
        const p = this.proxied.shift();
        if (p != null) {
          this.tellProxied(p, h.status);
          if (p.method === 'CONNECT' && p.target.ip !== undefined && h.status >= 200 && h.status < 300)
            this.tunnel.aim({ ip: p.target.ip, port: p.target.port });
        }
      }
      if (method === 'CONNECT' && h.status < 300 && h.status >= 200) {
        this.startTunnel(ts);
        return;
      }
      if (method === 'CONNECT' && h.status >= 200 && this.side0.mode === AwaitConnect) this.side0.mode = Head; // refused: back to requests
      if (h.status === 101) {
        // The connection now carries another protocol (WebSocket, h2c) in both directions.
        this.side0.mode = Dead;
        this.side1.mode = Dead;
        return;
      }
      bodyless = method === 'HEAD' || h.status < 200 || h.status === 204 || h.status === 304;
    }
    if (bodyless) s.mode = Head;
    else if (h.chunked) s.mode = ChunkSize;
    else if (h.contentLength > 0) {
      s.mode = Body;
      s.remaining = h.contentLength;
    } else if (h.contentLength === 0 || h.isRequest) s.mode = Head;
    else s.mode = UntilClose;
  }

  /** Past the last message head this direction will carry (read through a method call so
   * that the compiler does not keep the mode narrowed from before `head` changed it). */
  private awaitingConnect(dir: Dir): boolean {
    return (dir === 0 ? this.side0 : this.side1).mode === AwaitConnect;
  }

  private bodyComplete(dir: Dir): boolean {
    const m = (dir === 0 ? this.side0 : this.side1).mode;
    return m === UntilClose || m === Dead;
  }

  private kill(dir: Dir, code: HttpAnomaly | null, ts: number): void {
    if (code !== null) this.ctx.anomaly(code, ts);
    const s = dir === 0 ? this.side0 : this.side1;
    s.mode = Dead;
    s.pending = EMPTY;
  }

  gap(dir: Dir, length: number, ts: number): void {
    if (this.tunnelled) {
      this.tunnel.gap(dir, length, ts);
      return;
    }
    const s = dir === 0 ? this.side0 : this.side1;
    // A hole inside a counted body is harmless; anywhere else the framing is lost.
    if ((s.mode === Body || s.mode === ChunkData) && length < s.remaining) s.remaining -= length;
    else if (s.mode !== UntilClose) {
      s.mode = Dead;
      s.pending = EMPTY;
    }
    this.hold(dir, s, ts);
  }

  end(ts: number): void {
    for (const p of this.proxied) if (p !== null) this.tellProxied(p, undefined);
    this.proxied.length = 0;
    this.tunnel.end(ts);
  }
}

export const httpApp: TcpAppFactory = {
  name: 'http',
  ports: [80, 8080, 8000, 8008, 8081, 8888, 3128, 591],
  probe(dir: Dir, b: Uint8Array): ProbeResult {
    const k = httpStart(b, 0, b.length);
    if (k === 'more') return 'more';
    // The originator speaks requests; a response is conclusive only from the responder.
    return (k === 'request' && dir === 0) || (k === 'response' && dir === 1) ? 'yes' : 'no';
  },
  create(ctx: FlowContext): StreamApp {
    return new HttpStream(ctx);
  },
};
