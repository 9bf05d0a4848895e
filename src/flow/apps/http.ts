// HTTP/1.x analyzer: every request and response head on a connection (keep-alive, pipelining),
// skipping bodies by Content-Length or chunked framing (RFC 9112 §6.3) without copying them.
// Only heads, chunk-size lines and trailers are buffered, each bounded; a response without
// framing runs to the end of the connection. Responses pair with requests in order (a queue of
// request methods) because a response to HEAD has no body whatever its headers say.

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

// Per-direction parser state (plain numbers: no enum object on the hot path).
const Head = 0;
const Body = 1;
const ChunkSize = 2;
const ChunkData = 3;
const Trailer = 4;
const UntilClose = 5;
const Dead = 6;
type Mode = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const EMPTY = new Uint8Array(0);
const MAX_PENDING_METHODS = 64;

class Side {
  mode: Mode = Head;
  remaining = 0;
  pending: Uint8Array = EMPTY;
}

class HttpStream implements StreamApp {
  private readonly side0 = new Side();
  private readonly side1 = new Side();
  private readonly methods: string[] = [];

  constructor(private readonly ctx: FlowContext) {}

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    const s = dir === 0 ? this.side0 : this.side1;
    if (s.mode === Dead || s.mode === UntilClose) return;
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
      if (this.bodyComplete(dir)) return;
    }
    if (p < b.length) s.pending = b.slice(p);
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
      if (h.status === 101 || (method === 'CONNECT' && h.status < 300 && h.status >= 200)) {
        // The connection now carries another protocol in both directions.
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

  gap(dir: Dir, length: number, _ts: number): void {
    const s = dir === 0 ? this.side0 : this.side1;
    // A hole inside a counted body is harmless; anywhere else the framing is lost.
    if ((s.mode === Body || s.mode === ChunkData) && length < s.remaining) s.remaining -= length;
    else if (s.mode !== UntilClose) {
      s.mode = Dead;
      s.pending = EMPTY;
    }
  }

  end(_ts: number): void {}
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
