// Bidirectional flow table keyed by (VLAN, outermost tunnel, protocol, address pair, port pair), bounded.
//
// Keys are numeric: each address is four 32-bit words (IPv4 uses the first), hashed
// symmetrically so both directions land in the same bucket, then compared field by field.
// No string is built per packet. Flows sit on one LRU list per timeout class so that expiry
// is O(1) per flow: the head of each list is always the flow idle the longest.

import type { Endpoint, FlowTunnel } from '../events.js';
import type { Dir, DatagramApp, StreamApp } from './app.js';
import type { FlowCtx } from './engine-apps.js';
import type { FlowKey } from './ports.js';
import type { TcpStream } from './tcp-stream.js';

export const TimeoutClass = {
  Tcp: 0,
  Udp: 1,
  Other: 2,
  /** TCP after FIN both ways or RST: kept briefly so late packets still attach. */
  Closed: 3,
} as const;
export type TimeoutClass = (typeof TimeoutClass)[keyof typeof TimeoutClass];

export interface FlowTimeouts {
  /** µs of inactivity before a flow ends, per class. */
  tcp: number;
  udp: number;
  other: number;
  /** µs a TCP flow stays after FIN both ways or RST (late packets still attach to it). */
  tcpClosed: number;
}

export const DEFAULT_TIMEOUTS: FlowTimeouts = {
  tcp: 300e6, // Zeek's tcp_inactivity_timeout is 5 min
  udp: 60e6,
  other: 60e6,
  tcpClosed: 5e6,
};

export class Flow {
  id = 0;
  proto = 0;
  ipVersion = 0;
  vlan = -1;
  /** FlowKey.tun: the outermost tunnel's identity, 0 when untunnelled. */
  tun = 0;
  // Originator (client) and responder (server) addresses as words, and ports.
  c0 = 0;
  c1 = 0;
  c2 = 0;
  c3 = 0;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  cPort = 0;
  sPort = 0;
  hash = 0;
  first = 0;
  last = 0;
  /** Packet number (engine `stats.packets`) of the last packet: its place in the LRU order across shards. */
  lastSeq = 0;
  pkts0 = 0;
  pkts1 = 0;
  bytes0 = 0;
  bytes1 = 0;
  syn = false;
  /** Bit 0: FIN from client, bit 1: FIN from server, bit 2: RST. */
  closeFlags = 0;
  /**
   * Capture-loss tracking (engine `trackAck`): the sequence number after the last byte seen from
   * each direction (end0/end1) and the highest acknowledgement each sent (ack0/ack1), as signed
   * 32-bit values; `ackBits` says which are known (1 end0, 2 end1, 4 ack0, 8 ack1).
   */
  end0 = 0;
  end1 = 0;
  ack0 = 0;
  ack1 = 0;
  ackBits = 0;
  /**
   * Bytes of each direction acknowledged by the other before the capture held them (hole0/hole1),
   * where that hole starts (holeAt0/1) and when it was seen (holeTs0/1): counted as a TCP gap
   * only if they do not come after all within HOLE_WAIT — a mirror port may deliver an
   * acknowledgement before the data it acknowledges.
   */
  hole0 = 0;
  hole1 = 0;
  holeAt0 = 0;
  holeAt1 = 0;
  holeTs0 = 0;
  holeTs1 = 0;
  tclass: TimeoutClass = TimeoutClass.Other;
  client!: Endpoint;
  server!: Endpoint;

  // Application state, owned by the engine.
  /** Made at the first payload (flows without one never need it). */
  ctx: FlowCtx | null = null;
  /** 0 undecided, 1 decided (app may be null: nothing to analyse), */
  appDecided = false;
  appName: string | undefined = undefined;
  /** The outer endpoints when the flow's first packet came through a tunnel. */
  tunnel: FlowTunnel | undefined = undefined;
  /** The app was named from the port table alone (flow/port-names.ts), no analyzer read it. */
  appByPort = false;
  /** The app was named by a heuristic analyzer's guess (RTP without SDP). */
  appByHeuristic = false;
  /** The control (FTP) or request (TFTP) flow that announced this data flow, or -1. */
  controlFlowId = -1;
  stream: StreamApp | null = null;
  dgram: DatagramApp | null = null;
  /** Reassembly per direction, made at that direction's first SYN, data or FIN. */
  tcp0: TcpStream | null = null;
  tcp1: TcpStream | null = null;
  /**
   * Bytes kept while probing which application this is, per direction: between packets as latin1
   * text (a 16-byte copy is 32 bytes of heap so, 216 as a Uint8Array with its ArrayBuffer), while
   * the probes read them as bytes (engine-apps.ts `probeData`).
   */
  probe0: Uint8Array | string | null = null;
  probe1: Uint8Array | string | null = null;
  probeTs = 0;
  /** Of `held`, the bytes the probe copies above keep (given back when probing ends). */
  probeHeld = 0;
  /** Bytes this flow's holders took from the run's BufferBudget (flow/budget.ts), given back at its end. */
  held = 0;

  // Intrusive links: hash bucket chain and LRU list.
  nextInBucket: Flow | null = null;
  lruPrev: Flow | null = null;
  lruNext: Flow | null = null;

  /** Client is (c…, cp) and server is (s…, sp). */
  matches(
    c0: number,
    c1: number,
    c2: number,
    c3: number,
    cp: number,
    s0: number,
    s1: number,
    s2: number,
    s3: number,
    sp: number,
  ): boolean {
    return (
      this.c0 === c0 &&
      this.c1 === c1 &&
      this.c2 === c2 &&
      this.c3 === c3 &&
      this.cPort === cp &&
      this.s0 === s0 &&
      this.s1 === s1 &&
      this.s2 === s2 &&
      this.s3 === s3 &&
      this.sPort === sp
    );
  }

  /** Take the ends from the packet key: its source is the client when `srcIsClient`. */
  setEnds(k: FlowKey, srcIsClient: boolean): void {
    if (srcIsClient) {
      this.c0 = k.a0;
      this.c1 = k.a1;
      this.c2 = k.a2;
      this.c3 = k.a3;
      this.cPort = k.aPort;
      this.s0 = k.b0;
      this.s1 = k.b1;
      this.s2 = k.b2;
      this.s3 = k.b3;
      this.sPort = k.bPort;
    } else {
      this.c0 = k.b0;
      this.c1 = k.b1;
      this.c2 = k.b2;
      this.c3 = k.b3;
      this.cPort = k.bPort;
      this.s0 = k.a0;
      this.s1 = k.a1;
      this.s2 = k.a2;
      this.s3 = k.a3;
      this.sPort = k.aPort;
    }
  }

  /** Direction of a packet whose source words/port are given. */
  dirOf(w0: number, w1: number, w2: number, w3: number, port: number): Dir {
    return w0 === this.c0 && w1 === this.c1 && w2 === this.c2 && w3 === this.c3 && port === this.cPort ? 0 : 1;
  }
}

class LruList {
  head: Flow | null = null;
  tail: Flow | null = null;
  size = 0;

  push(f: Flow): void {
    f.lruPrev = this.tail;
    f.lruNext = null;
    if (this.tail) this.tail.lruNext = f;
    else this.head = f;
    this.tail = f;
    this.size++;
  }

  remove(f: Flow): void {
    if (f.lruPrev) f.lruPrev.lruNext = f.lruNext;
    else this.head = f.lruNext;
    if (f.lruNext) f.lruNext.lruPrev = f.lruPrev;
    else this.tail = f.lruPrev;
    f.lruPrev = f.lruNext = null;
    this.size--;
  }

  touch(f: Flow): void {
    if (this.tail === f) return;
    this.remove(f);
    this.push(f);
  }
}

/** Bucket count bounds: ≥ 2 buckets a flow up to the cap, so chains stay about one flow long. */
const MIN_BUCKETS = 1 << 10;
const MAX_BUCKETS = 1 << 22;

export class FlowTable {
  // A power-of-two array of chain heads indexed by hash bits: no Map hashing or entry
  // allocation per lookup/insert, and its size is fixed by maxFlows (bounded).
  private readonly buckets: (Flow | null)[];
  private readonly mask: number;
  private readonly lists = [new LruList(), new LruList(), new LruList(), new LruList()];
  size = 0;
  evicted = 0;

  constructor(readonly maxFlows: number) {
    let n = MIN_BUCKETS;
    while (n < MAX_BUCKETS && n < maxFlows * 2) n *= 2;
    this.buckets = new Array<Flow | null>(n).fill(null);
    this.mask = n - 1;
  }

  /** Find the flow of a packet (either direction). `h` = the key's symmetric hash. */
  find(h: number, k: FlowKey): Flow | null {
    for (let f = this.buckets[h & this.mask] as Flow | null; f !== null; f = f.nextInBucket) {
      if (f.hash !== h || f.proto !== k.proto || f.vlan !== k.vlan || f.tun !== k.tun) continue;
      if (f.matches(k.a0, k.a1, k.a2, k.a3, k.aPort, k.b0, k.b1, k.b2, k.b3, k.bPort)) return f;
      if (f.matches(k.b0, k.b1, k.b2, k.b3, k.bPort, k.a0, k.a1, k.a2, k.a3, k.aPort)) return f;
    }
    return null;
  }

  insert(f: Flow): void {
    const i = f.hash & this.mask;
    f.nextInBucket = this.buckets[i] as Flow | null;
    this.buckets[i] = f;
    this.lists[f.tclass]!.push(f);
    this.size++;
  }

  touch(f: Flow): void {
    this.lists[f.tclass]!.touch(f);
  }

  remove(f: Flow): void {
    const i = f.hash & this.mask;
    let prev: Flow | null = null;
    for (let g = this.buckets[i] as Flow | null; g !== null; prev = g, g = g.nextInBucket) {
      if (g !== f) continue;
      if (prev) prev.nextInBucket = g.nextInBucket;
      else this.buckets[i] = g.nextInBucket;
      break;
    }
    f.nextInBucket = null;
    this.lists[f.tclass]!.remove(f);
    this.size--;
  }

  /** Move a flow to another timeout class (e.g. TCP → Closed). */
  reclass(f: Flow, c: TimeoutClass): void {
    if (f.tclass === c) return;
    this.lists[f.tclass]!.remove(f);
    f.tclass = c;
    this.lists[c]!.push(f);
  }

  /** Flows idle past their timeout at time `now`, oldest first (removed from the table). */
  expire(now: number, timeouts: FlowTimeouts, onExpired: (f: Flow) => void): void {
    for (let c = 0; c < 4; c++) {
      const list = this.lists[c]!;
      const limit = c === 0 ? timeouts.tcp : c === 1 ? timeouts.udp : c === 2 ? timeouts.other : timeouts.tcpClosed;
      for (let f = list.head; f !== null; f = list.head) {
        if (now - f.last < limit) break;
        this.remove(f);
        onExpired(f);
      }
    }
  }

  /** The least recently active flow of all classes: the one to evict when full. */
  oldest(): Flow | null {
    let best: Flow | null = null;
    for (const l of this.lists) if (l.head && (best === null || l.head.last < best.last)) best = l.head;
    return best;
  }

  /** Every flow still in the table (end of input). */
  *all(): Iterable<Flow> {
    for (const l of this.lists) for (let f = l.head; f !== null; f = f.lruNext) yield f;
  }
}
