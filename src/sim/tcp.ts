// A TCP connection as it looks on the wire: handshake, data segmented at the MSS with
// seq/ack progression, the receiver's (delayed) ACKs, FIN teardown, RST on refusal.
// No loss or retransmission: the simulator shows protocol behaviour, not congestion.
// Every method takes the time to start at and returns the time the exchange is over.
import type { Sim } from './sched.js';
import { ACK, FIN, type Host, PSH, RST, SYN } from './wire.js';

export interface TcpOptions {
  /** Maximum segment size both ends announce (1460 on Ethernet). */
  readonly mss?: number;
  /** Round-trip time in µs; the peer's answer appears half of it later. */
  readonly rttUs?: number;
  readonly window?: number;
}

/** 100 Mbit/s: 0.08 µs a byte on the wire, plus a little host time per segment. */
function wireTime(len: number): number {
  return 6 + len * 0.08;
}

export class TcpConn {
  readonly mss: number;
  readonly rtt: number;
  private readonly window: number;
  /** Next sequence number each side will send. */
  private cseq: number;
  private sseq: number;
  open = false;

  constructor(
    private readonly sim: Sim,
    readonly client: Host,
    readonly server: Host,
    readonly cport: number,
    readonly sport: number,
    isn: number,
    opts: TcpOptions = {},
  ) {
    this.mss = opts.mss ?? 1460;
    this.rtt = opts.rttUs ?? 400;
    this.window = opts.window ?? 64240;
    this.cseq = isn >>> 0;
    // The server's ISN derives from the client's so one seeded number fixes both.
    this.sseq = Math.imul(isn ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
  }

  private seg(t: number, fromClient: boolean, flags: number, data: Uint8Array | null, off: number, len: number): void {
    const fb = this.sim.fb;
    const f = fromClient
      ? fb.tcp(
          this.client,
          this.server,
          this.cport,
          this.sport,
          this.cseq,
          this.sseq,
          flags,
          this.window,
          data,
          off,
          len,
          this.mss,
        )
      : fb.tcp(
          this.server,
          this.client,
          this.sport,
          this.cport,
          this.sseq,
          this.cseq,
          flags,
          this.window,
          data,
          off,
          len,
          this.mss,
        );
    this.sim.emit(t, f);
  }

  private advance(fromClient: boolean, n: number): void {
    if (fromClient) this.cseq = (this.cseq + n) >>> 0;
    else this.sseq = (this.sseq + n) >>> 0;
  }

  /** SYN, SYN-ACK, ACK. */
  connect(t: number): number {
    this.seg(t, true, SYN, null, 0, 0);
    this.advance(true, 1);
    t += this.rtt / 2;
    this.seg(t, false, SYN | ACK, null, 0, 0);
    this.advance(false, 1);
    t += this.rtt / 2;
    this.seg(t, true, ACK, null, 0, 0);
    this.open = true;
    return t + 1;
  }

  /** SYN answered by RST-ACK: nothing listens on the port. */
  refused(t: number): number {
    this.seg(t, true, SYN, null, 0, 0);
    this.advance(true, 1);
    t += this.rtt / 2;
    this.seg(t, false, RST | ACK, null, 0, 0);
    this.open = false;
    return t + 1;
  }

  /**
   * `data` from one side, cut at the MSS (so an MLLP frame longer than one segment is split
   * across segments); the receiver ACKs every second segment and the last one.
   */
  send(t: number, fromClient: boolean, data: Uint8Array): number {
    const n = data.length;
    let ackT = t;
    let segs = 0;
    for (let off = 0; off < n; off += this.mss) {
      const len = Math.min(this.mss, n - off);
      const last = off + len >= n;
      this.seg(t, fromClient, last ? ACK | PSH : ACK, data, off, len);
      this.advance(fromClient, len);
      segs++;
      t += wireTime(len + 54);
      if (last || segs % 2 === 0) {
        ackT = Math.max(ackT, t) + this.rtt / 2;
        this.seg(ackT, !fromClient, ACK, null, 0, 0);
      }
    }
    return Math.max(t, ackT) + 1;
  }

  /**
   * Data from one side answered by data from the other (request/response); the answer carries
   * the ACK of the request's last segment, as a real stack piggybacks it.
   */
  exchange(t: number, fromClient: boolean, request: Uint8Array, answer: Uint8Array | null, thinkUs = 200): number {
    const n = request.length;
    let segs = 0;
    for (let off = 0; off < n; off += this.mss) {
      const len = Math.min(this.mss, n - off);
      const last = off + len >= n;
      this.seg(t, fromClient, last ? ACK | PSH : ACK, request, off, len);
      this.advance(fromClient, len);
      segs++;
      t += wireTime(len + 54);
      if (!last && segs % 2 === 0) this.seg(t + this.rtt / 2, !fromClient, ACK, null, 0, 0);
    }
    t += this.rtt / 2 + thinkUs;
    if (answer && answer.length > 0) return this.send(t, !fromClient, answer);
    this.seg(t, !fromClient, ACK, null, 0, 0);
    return t + 1;
  }

  /** FIN from `fromClient`'s side, FIN-ACK back, final ACK. */
  close(t: number, fromClient = true): number {
    this.seg(t, fromClient, FIN | ACK, null, 0, 0);
    this.advance(fromClient, 1);
    t += this.rtt / 2;
    this.seg(t, !fromClient, FIN | ACK, null, 0, 0);
    this.advance(!fromClient, 1);
    t += this.rtt / 2;
    this.seg(t, fromClient, ACK, null, 0, 0);
    this.open = false;
    return t + 1;
  }

  /** An abortive close (RST) from one side, e.g. the central station dropping a connection. */
  reset(t: number, fromClient: boolean): number {
    this.seg(t, fromClient, RST | ACK, null, 0, 0);
    this.open = false;
    return t + 1;
  }
}
