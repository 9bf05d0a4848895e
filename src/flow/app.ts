// Interfaces between the flow engine (src/flow/engine.ts) and application analyzers
// (src/flow/apps/*.ts). An analyzer is stateful glue around a pure decoder in src/decode/.
//
// Direction: 0 = originator → responder (client → server), 1 = responder → originator.
// Byte views passed in are valid only during the call: copy what you keep.

import { concat } from '../decode/bytes.js';
import type { Hl7Reader } from '../decode/hl7/text.js';
import type { Endpoint, ProxiedTo, WardEvent } from '../events.js';
import type { AnomalyCode } from '../decode/anomalies.js';

export type Dir = 0 | 1;

/** Services shared by every flow of one analysis run. */
export interface AppEnv {
  /** Salted hash (hex) of a patient identifier; the salt never leaves the engine. */
  hashPatientId(id: string): string;
  /**
   * Teach the dispatcher that `ip:port/proto` serves an RPC program (from a portmapper GETPORT
   * reply), so later flows to that dynamic port are dispatched to the RPC analyzer.
   */
  learnRpcPort(ip: string, port: number, proto: 'tcp' | 'udp', prog: number): void;
  /**
   * A control flow announced a data flow to `ip:port/proto` (FTP PASV/PORT, a TFTP request's
   * client port): the next flow with that end is named `app` and tied to `controlFlowId`. Bounded.
   */
  expectFlow?(ip: string, port: number, proto: 'tcp' | 'udp', app: string, controlFlowId: number): void;
  /** Count one application message (the summary's `apps {name: count}`). */
  countApp(name: string): void;
  /**
   * The HL7 decoder's scratch, one per engine: decodes run one at a time and finish before their
   * message is emitted, so every HL7 flow can share it (a reader per flow cost two typed arrays each).
   */
  readonly hl7: Hl7Reader;
}

export interface FlowContext {
  readonly flowId: number;
  readonly proto: 'tcp' | 'udp';
  /** Originator (with MAC when the link has one). */
  readonly client: Endpoint;
  /** Responder. */
  readonly server: Endpoint;
  readonly vlan?: number;
  /** A data flow announced by a control flow (FTP, TFTP, SIP SDP): that flow's id. */
  readonly controlFlowId?: number;
  /** The context of a granted proxy tunnel's bytes (flow/apps/tunnel.ts): where the proxy was asked to connect. */
  readonly tunnel?: ProxiedTo;
  readonly env: AppEnv;
  emit(ev: WardEvent): void;
  /** Record a named anomaly on this flow (counted in the summary and emitted as an `anomaly` event). */
  anomaly(code: AnomalyCode, ts: number, detail?: string): void;
  /**
   * Take `bytes` from the run's budget for held bytes (flow/budget.ts) before keeping that many
   * more, or give them back (negative). False, with the anomaly `stream.memcap` on the flow, when
   * the budget is spent: keep nothing then (skip, drop). Whatever is not given back returns when
   * the flow ends. Absent in contexts without a budget (some tests): keep as if granted.
   */
  reserve?(bytes: number, ts: number): boolean;
}

export type ProbeResult = 'yes' | 'no' | 'more';

/** A TCP application analyzer fed with reassembled, in-order bytes per direction. */
export interface StreamApp {
  data(dir: Dir, bytes: Uint8Array, ts: number): void;
  /** `length` bytes are missing in `dir` (capture loss); resynchronise or give up quietly. */
  gap(dir: Dir, length: number, ts: number): void;
  /** The flow ended (FIN/RST/idle/eof): flush pending state (e.g. emit unanswered RPC calls). */
  end(ts: number): void;
  /**
   * True once the analyzer wants no more bytes (TLS after the handshake, a banner once read):
   * the engine then stops reassembling the flow and only counts it. `end` is still called.
   */
  readonly finished?: boolean;
}

export interface TcpAppFactory {
  readonly name: string;
  /** Well-known server ports, used when content is inconclusive (content first, port second). */
  readonly ports: readonly number[];
  /**
   * Look at the first bytes of a direction (up to a few hundred): 'yes' when they are certainly
   * this protocol, 'no' when certainly not, 'more' when more bytes are needed to tell.
   */
  probe(dir: Dir, bytes: Uint8Array): ProbeResult;
  create(ctx: FlowContext): StreamApp;
}

/** A UDP application analyzer, called for each datagram of a flow. */
export interface DatagramApp {
  datagram(dir: Dir, payload: Uint8Array, ts: number): void;
  end(ts: number): void;
  /**
   * A heuristic analyzer (`UdpAppFactory.heuristic`) found, after all, that the flow is not its
   * protocol: the engine then names the flow as if no analyzer had taken it (by port, or none).
   */
  readonly rejected?: boolean;
}

export interface UdpAppFactory {
  readonly name: string;
  readonly ports: readonly number[];
  /** Content check of one datagram (the first of the flow). */
  probe(dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult;
  create(ctx: FlowContext): DatagramApp;
  /**
   * The probe is a guess from one datagram (RTP's header has no magic): it is tried only after
   * every content probe and port said no, its flows end with `appBy: 'heuristic'`, and its
   * analyzer may still reject the flow (`DatagramApp.rejected`).
   */
  readonly heuristic?: boolean;
}

/** What a datagram decoder returns: the message, "not this protocol", or a named anomaly. */
export type DatagramDecode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: AnomalyCode };

/**
 * The prologue every UDP analyzer shared, once: decode the datagram, drop what is not the
 * protocol, record an anomaly on the flow, count the message under `name`, and hand the decoded
 * result to `onMessage` with the datagram's sender and receiver (the flow's ends, by `dir`).
 * `state` makes per-flow state (bounds such as "identities emitted so far"), passed on each call.
 * Returns the factory's `create`.
 */
export function datagramApp<R extends DatagramDecode, S = undefined>(
  name: string,
  decode: (payload: Uint8Array, ctx: FlowContext) => R,
  onMessage: (
    msg: Extract<R, { kind: 'ok' }>,
    ctx: FlowContext,
    ts: number,
    sender: Endpoint,
    receiver: Endpoint,
    dir: Dir,
    state: S,
  ) => void,
  state?: (ctx: FlowContext) => S,
): (ctx: FlowContext) => DatagramApp {
  return (ctx: FlowContext): DatagramApp => {
    const s = (state === undefined ? undefined : state(ctx)) as S;
    return {
      datagram(dir: Dir, payload: Uint8Array, ts: number): void {
        const r = decode(payload, ctx);
        if (r.kind === 'not') return;
        if (r.kind === 'anomaly') {
          ctx.anomaly((r as Extract<DatagramDecode, { kind: 'anomaly' }>).code, ts);
          return;
        }
        ctx.env.countApp(name);
        const sender = dir === 0 ? ctx.client : ctx.server;
        const receiver = dir === 0 ? ctx.server : ctx.client;
        onMessage(r as Extract<R, { kind: 'ok' }>, ctx, ts, sender, receiver, dir, s);
      },
      end(): void {},
    };
  };
}

const NOTHING = new Uint8Array(0);

/** What a framing decoder says about the header at a position (`mqttFrame`, `nbssFrame`). */
export type FrameHeader =
  | { readonly kind: 'frame' }
  | { readonly kind: 'more' }
  | { readonly kind: 'anomaly'; readonly code: AnomalyCode };

/**
 * The prologue and epilogue TCP analyzers that frame length-prefixed messages (MQTT, SMB) shared,
 * once, per direction: stop once the direction is dead, skip the rest of a message longer than
 * what is kept of it, join the bytes held from the last chunk with the new ones, read each frame
 * header's outcome (`frame`: stop on more, count an anomaly and give up), and hold an unfinished
 * message's start (bounded) for the next chunk. What the loop waits for and decodes between is
 * the analyzer's own.
 */
/**
 * An analyzer's buffers now hold `now` bytes where it had `had` of the run's budget for held bytes
 * (FlowContext.reserve, flow/budget.ts): take or give the difference. Returns what it has now —
 * `now`, or -1 when refused: it must then let its buffers go (what it had is given back here) and
 * do what its own bound does. Called where an analyzer's `data` keeps bytes for the next call.
 */
export function holdBytes(ctx: FlowContext, had: number, now: number, ts: number): number {
  const reserve = ctx.reserve;
  if (now === had || reserve === undefined) return now;
  if (now < had) {
    reserve.call(ctx, now - had, ts);
    return now;
  }
  if (reserve.call(ctx, now - had, ts)) return now;
  if (had > 0) reserve.call(ctx, -had, ts);
  return -1;
}

export class StreamFraming {
  /** A direction whose framing is lost (an anomaly, a gap) or that is done: nothing more is read. */
  readonly dead: [boolean, boolean] = [false, false];
  private readonly held: [Uint8Array, Uint8Array] = [NOTHING, NOTHING];
  /** Bytes of a long message still to skip (beyond what was kept of it), per direction. */
  private readonly skip: [number, number] = [0, 0];

  /** @param maxHeld bytes held between chunks at most: a longer unfinished message is dropped. */
  constructor(private readonly maxHeld: number) {}

  /** The bytes to frame now (held bytes, then `bytes` past any skip), or null when there are none. */
  take(dir: Dir, bytes: Uint8Array): Uint8Array | null {
    if (this.dead[dir]) return null;
    let b = bytes;
    if (this.skip[dir] > 0) {
      const n = Math.min(this.skip[dir], b.length);
      this.skip[dir] -= n;
      b = b.subarray(n);
      if (b.length === 0) return null;
    }
    return concat(this.held[dir], b);
  }

  /**
   * The frame header a decoder read at the loop's position, or null when the loop stops: the
   * header is not all there yet (`more`), or it is damaged (`anomaly`: counted, and the
   * direction's framing is lost).
   */
  frame<R extends FrameHeader>(dir: Dir, f: R, ctx: FlowContext, ts: number): Extract<R, { kind: 'frame' }> | null {
    const h: FrameHeader = f;
    if (h.kind === 'more') return null;
    if (h.kind === 'anomaly') {
      ctx.anomaly(h.code, ts);
      this.dead[dir] = true;
      return null;
    }
    return f as Extract<R, { kind: 'frame' }>;
  }

  /**
   * Where framing goes on after the message of `length` bytes whose body starts at `body`: past
   * it, or, when `buf` holds only its start, at the end of `buf`, skipping the rest as it comes.
   */
  past(dir: Dir, buf: Uint8Array, body: number, length: number): number {
    const have = buf.length - body;
    if (length <= have) return body + length;
    this.skip[dir] = length - have;
    return buf.length;
  }

  /**
   * Framing of `buf` stopped at `p`: hold the rest for the next chunk (dropped when dead or too
   * long), from the run's budget (`holdBytes`). Refused, the direction's framing is lost: the
   * flow's `stream.memcap` says why nothing more of it is read.
   */
  hold(dir: Dir, buf: Uint8Array, p: number, ctx: FlowContext, ts: number): void {
    const n = buf.length - p;
    const want = n <= 0 || n > this.maxHeld || this.dead[dir] ? 0 : n;
    if (holdBytes(ctx, this.held[dir].length, want, ts) < 0) {
      this.dead[dir] = true;
      this.held[dir] = NOTHING;
      return;
    }
    this.held[dir] = want === 0 ? NOTHING : buf.slice(p);
  }

  /** The direction's framing is lost for good (a gap in the capture); what it held goes back. */
  kill(dir: Dir, ctx: FlowContext): void {
    this.dead[dir] = true;
    holdBytes(ctx, this.held[dir].length, 0, 0);
    this.held[dir] = NOTHING;
  }
}
