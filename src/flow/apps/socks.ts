// SOCKS 4/4a/5 analyzer (decode/socks.ts): where the client asks the proxy to go, and whether the
// proxy said yes — one `proxy-request` per connection, told at the proxy's reply (or at the end,
// unanswered), with the request's time. A granted CONNECT turns the connection into a tunnel whose
// bytes go to the TLS analyzer when they are TLS (`tunnel.ts`, as for an HTTP CONNECT): the SNI
// and JA4 of what a device reaches through the proxy. The client's messages are read in order
// (greeting, RFC 1929 login when the proxy chose it, request); the proxy's likewise (method
// choice, login answer, reply). Bytes a side sends ahead of the other's answer are held, bounded.
// GSSAPI (method 1) wraps what follows: the request is not read. BIND and UDP ASSOCIATE are told,
// not followed. Logins are skipped by length; no user id, user name or password is read.
import {
  decodeSocks4Reply,
  decodeSocks4Request,
  decodeSocks5Auth,
  decodeSocks5AuthReply,
  decodeSocks5Choice,
  decodeSocks5Greeting,
  decodeSocks5Reply,
  decodeSocks5Request,
  type SocksRequest,
  type SocksResult,
  socksStart,
} from '../../decode/socks.js';
import type { ProxyRequest } from '../../events.js';
import { holdBytes } from '../app.js';
import type { Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory } from '../app.js';
import { concatBytes, MAX_TUNNEL_HOLD, TunnelFollower } from './tunnel.js';

const EMPTY = new Uint8Array(0);

// Client stages.
const Hello = 0;
const AwaitChoice = 1;
const Login = 2;
const Request = 3;
const Sent = 4;
// Server stages.
const Choice = 0;
const LoginReply = 1;
const Reply = 2;
const Replied = 3;

const COMMANDS = ['connect', 'connect', 'bind', 'udp-associate'] as const;

class SocksStream implements StreamApp {
  private client = Hello;
  private server = Choice;
  private method = -1;
  private readonly held: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];
  /** Of the run's budget for held bytes (holdBytes): what `held` keeps. */
  private had = 0;
  private request: { readonly ts: number; readonly r: SocksRequest } | null = null;
  private told = false;
  /** Framing lost, refused, or nothing more to read; the request (if any) is still told at the end. */
  private dead = false;
  private tunnel: TunnelFollower | null = null;

  constructor(private readonly ctx: FlowContext) {}

  get finished(): boolean {
    return this.tunnel?.finished === true;
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (this.tunnel !== null) {
      this.tunnel.data(dir, bytes, ts);
      return;
    }
    if (this.dead) return;
    const b = concatBytes(this.held[dir], bytes);
    if (b.length > MAX_TUNNEL_HOLD) this.stop();
    else {
      this.held[dir] = b;
      // Each pass reads at most one message per side; stop when neither side moved.
      for (let moved = true; moved && !this.dead && this.tunnel === null; )
        moved = this.clientStep(ts) || this.serverStep(ts);
    }
    this.hold(ts);
  }

  /** What `held` keeps against the run's budget; refused, the flow is given up as past its hold bound. */
  private hold(ts: number): void {
    const now = this.held[0].length + this.held[1].length;
    const h = holdBytes(this.ctx, this.had, now, ts);
    this.had = Math.max(h, 0);
    if (h < 0) this.stop();
  }

  /** Read the client's next message, if its turn has come and its bytes are in. */
  private clientStep(ts: number): boolean {
    const b = this.held[0];
    if (this.client === Hello) {
      if (b.length === 0) return false;
      if (b[0] === 4) {
        const r = this.take(0, decodeSocks4Request(b, 0, b.length), ts);
        if (r === null) return false;
        this.requested(r, ts);
        this.server = Reply;
        return true;
      }
      const g = this.take(0, decodeSocks5Greeting(b, 0, b.length), ts);
      if (g === null) return false;
      this.client = AwaitChoice;
      return true;
    }
    if (this.client === AwaitChoice) {
      if (this.method < 0) return false;
      if (this.method === 0) this.client = Request;
      else if (this.method === 2) this.client = Login;
      else this.stop(); // GSSAPI or a private method wraps the rest; 0xFF: none acceptable
      return true;
    }
    if (this.client === Login) {
      if (this.take(0, decodeSocks5Auth(b, 0, b.length), ts) === null) return false;
      this.client = Request;
      return true;
    }
    if (this.client === Request) {
      const r = this.take(0, decodeSocks5Request(b, 0, b.length), ts);
      if (r === null) return false;
      this.requested(r, ts);
      return true;
    }
    return false;
  }

  /** Read the proxy's next message, if its turn has come and its bytes are in. */
  private serverStep(ts: number): boolean {
    const b = this.held[1];
    if (this.server === Choice) {
      if (this.client === Hello) return false;
      const c = this.take(1, decodeSocks5Choice(b, 0, b.length), ts);
      if (c === null) return false;
      this.method = c.method;
      this.server = c.method === 2 ? LoginReply : Reply;
      return true;
    }
    if (this.server === LoginReply) {
      const a = this.take(1, decodeSocks5AuthReply(b, 0, b.length), ts);
      if (a === null) return false;
      if (!a.ok)
        this.stop(); // login refused: the proxy closes
      else this.server = Reply;
      return true;
    }
    if (this.server === Reply && this.request !== null) {
      const rq = this.request.r;
      const r = this.take(
        1,
        rq.version === 4 ? decodeSocks4Reply(b, 0, b.length) : decodeSocks5Reply(b, 0, b.length),
        ts,
      );
      if (r === null) return false;
      this.server = Replied;
      this.tell(r.code, r.granted);
      if (r.granted && rq.command === 1) this.startTunnel(ts);
      else this.stop();
      return true;
    }
    return false;
  }

  /** The decoded message, consumed from the side's held bytes; null when more are needed or it failed (then stopped). */
  private take<T extends { len: number }>(dir: Dir, r: SocksResult<T>, ts: number): T | null {
    if (r.kind === 'more') return null;
    if (r.kind !== 'ok') {
      if (r.kind === 'anomaly') this.ctx.anomaly(r.code, ts);
      this.stop();
      return null;
    }
    this.held[dir] = this.held[dir].subarray(r.value.len);
    return r.value;
  }

  private requested(r: SocksRequest, ts: number): void {
    this.request = { ts, r };
    this.client = Sent;
    this.ctx.env.countApp('socks');
  }

  private tell(status: number | undefined, granted: boolean | undefined): void {
    const q = this.request;
    if (q === null || this.told) return;
    this.told = true;
    const c = this.ctx;
    const r = q.r;
    const ev: ProxyRequest = {
      type: 'proxy-request',
      ts: q.ts,
      flowId: c.flowId,
      src: c.client,
      dst: c.server,
      vlan: c.vlan,
      protocol: r.version === 5 ? 'socks5' : r.v4a ? 'socks4a' : 'socks4',
      command: COMMANDS[r.command],
      method: undefined,
      targetHost: r.target.host,
      targetIp: r.target.ip,
      targetPort: r.target.port,
      answered: status !== undefined,
      granted,
      status,
    };
    c.emit(ev);
  }

  private startTunnel(ts: number): void {
    const t = (this.tunnel = new TunnelFollower(this.ctx));
    const target = this.request?.r.target;
    if (target?.ip !== undefined) t.aim({ ip: target.ip, port: target.port });
    const [early, server] = this.held;
    this.held[0] = this.held[1] = EMPTY;
    if (early.length > 0) t.data(0, early, ts);
    if (server.length > 0) t.data(1, server, ts);
  }

  private stop(): void {
    this.dead = true;
    this.held[0] = this.held[1] = EMPTY;
  }

  gap(dir: Dir, length: number, ts: number): void {
    if (this.tunnel !== null) this.tunnel.gap(dir, length, ts);
    else {
      this.stop();
      this.hold(ts);
    }
  }

  end(ts: number): void {
    this.tell(undefined, undefined);
    this.tunnel?.end(ts);
  }
}

export const socksApp: TcpAppFactory = {
  name: 'socks',
  ports: [1080],
  probe(dir: Dir, b: Uint8Array): ProbeResult {
    // The client speaks first; a proxy's bytes alone never say SOCKS.
    return dir === 0 ? socksStart(b) : 'no';
  },
  create(ctx: FlowContext): StreamApp {
    return new SocksStream(ctx);
  },
};
