// HTTP/1.x analyzer: every request and response head on a connection (keep-alive, pipelining),
// skipping bodies by Content-Length or chunked framing (RFC 9112 §6.3) without copying them.
// Only heads, chunk-size lines and trailers are buffered, each bounded; a response without
// framing runs to the end of the connection. Responses pair with requests in order (a queue of
// request methods) because a response to HEAD has no body whatever its headers say.
// A CONNECT answered 2xx turns the connection into a tunnel (a device behind a web proxy): its
// bytes then go to the TLS analyzer when they are TLS (the SNI and JA4 of what the device reaches
// through the proxy), else nowhere. The client's bytes sent before the proxy's answer are held.

import {
  type HttpAnomaly,
  decodeChunkSize,
  decodeHttpHead,
  HTTP_MAX_HEAD,
  type HttpHead,
  httpStart,
  trailerEnd,
} from '../../decode/http.js';
import type { HttpRequest, HttpResponse } from '../../events.js';
import type { Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory } from '../app.js';
import { tlsApp } from './tls.js';

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
/** Bytes held per direction: the client's early bytes after CONNECT, or a tunnel's before its probe decides. */
const MAX_TUNNEL_HOLD = 16 * 1024;

class Side {
  mode: Mode = Head;
  remaining = 0;
  pending: Uint8Array = EMPTY;
}

class HttpStream implements StreamApp {
  private readonly side0 = new Side();
  private readonly side1 = new Side();
  private readonly methods: string[] = [];
  /** After a CONNECT 2xx: the analyzer of what the tunnel carries, once its first bytes said. */
  private tunnel: StreamApp | null = null;
  private tunnelled = false;
  private readonly held: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];

  constructor(private readonly ctx: FlowContext) {}

  get finished(): boolean {
    return this.tunnel?.finished === true;
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
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
    if (this.tunnel !== null) {
      this.tunnel.data(dir, bytes, ts);
      return;
    }
    if (this.held[0] === DEAD) return;
    // The client speaks first in TLS; hold each side's bytes until the client's say what they are.
    const b = (this.held[dir] = concat(this.held[dir], bytes));
    if (dir === 1) {
      if (b.length > MAX_TUNNEL_HOLD) this.held[0] = this.held[1] = DEAD;
      return;
    }
    const r = tlsApp.probe(0, b);
    if (r === 'more' && b.length <= MAX_TUNNEL_HOLD) return;
    if (r !== 'yes') {
      this.held[0] = this.held[1] = DEAD;
      return;
    }
    const t = (this.tunnel = tlsApp.create(this.ctx));
    const server = this.held[1];
    this.held[0] = this.held[1] = EMPTY;
    t.data(0, b, ts);
    if (server.length > 0) t.data(1, server, ts);
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
      if (this.methods.length < MAX_PENDING_METHODS) this.methods.push(h.method);
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
      const method = h.status >= 200 || h.status === 101 ? this.methods.shift() : this.methods[0];
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
      if (this.tunnel !== null) this.tunnel.gap(dir, length, ts);
      else this.held[0] = this.held[1] = DEAD;
      return;
    }
    const s = dir === 0 ? this.side0 : this.side1;
    // A hole inside a counted body is harmless; anywhere else the framing is lost.
    if ((s.mode === Body || s.mode === ChunkData) && length < s.remaining) s.remaining -= length;
    else if (s.mode !== UntilClose) {
      s.mode = Dead;
      s.pending = EMPTY;
    }
  }

  end(ts: number): void {
    this.tunnel?.end(ts);
  }
}

/** Marks a tunnel whose bytes are not TLS (or were lost): nothing more is looked at. */
const DEAD = new Uint8Array(0);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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
