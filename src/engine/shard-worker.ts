// One shard of `--workers N` (src/engine/workers.ts): a worker thread with its own FlowEngine
// for the flows whose address pair hashes to it. Packets come in batches (a transferred
// ArrayBuffer: per record six float64s — seq, ts, the run's latest ts, origLen, linktype,
// caplen — then the frame, padded to 8); events go back as one binary batch (event-codec.ts) in
// a transferred ArrayBuffer, encoded as they are emitted (so they die young in this thread's
// heap), each with its place in the single engine's order (two numbers: packet/sweep position,
// then the flow's LRU place within a sweep or finish).
import { parentPort } from 'node:worker_threads';
import { ReaderPacket } from '../capture/engine.js';
import { FlowEngine } from '../flow/engine.js';
import type { Flow } from '../flow/table.js';
import { EventEncoder } from './event-codec.js';
import { patientHasher } from './salt.js';

const EMPTY = new Uint8Array(0);
export const REC_WORDS = 6;
export const REC_BYTES = REC_WORDS * 8;
/** A sweep record has seq -1; its origLen slot holds the packet number it precedes. */
export const SWEEP = -1;
/** Sort key of what a finish ends: after every packet. */
export const FINISH_K1 = 2 ** 52;
/** Within a sweep, the fragment table's expiry after every flow's end (classes are 0–3). */
export const DEFRAG_K2 = 4 * 2 ** 40;

export type ToShard =
  | { t: 'init'; salt: string; maxFlows: number | undefined; maxBuffered: number | undefined }
  | { t: 'batch'; buf: ArrayBuffer; len: number }
  | { t: 'finish'; last: number };

export interface ShardStats {
  flows: number;
  flowsByProto: Record<string, number>;
  evicted: number;
  apps: Record<string, number>;
  anomalies: Record<string, number>;
  tcpAcks: number;
  tcpGaps: number;
  tcpGapBytes: number;
}

/**
 * `events`: the batch's keyed events (event-codec.ts); `buf`: the packet buffer, back for reuse;
 * `released`: ended flows nothing can name any more as control flow (dispatch.ts `ControlRefs`),
 * whose run-wide ids the main thread forgets after the batch.
 */
export type FromShard = {
  t: 'out';
  events: ArrayBuffer;
  buf: ArrayBuffer | null;
  stats: ShardStats;
  released: number[];
};

function run(): void {
  const port = parentPort;
  if (port === null) return;
  let engine: FlowEngine | undefined;
  let k1 = 0;
  let k2 = 0;
  const enc = new EventEncoder();
  const pkt = new ReaderPacket();
  const beforeEnd = (f: Flow | null): void => {
    k2 = f === null ? DEFRAG_K2 : f.tclass * 2 ** 40 + f.lastSeq;
  };
  const send = (buf: ArrayBuffer | null): void => {
    const events = enc.take();
    const st = engine!.stats;
    const stats: ShardStats = {
      flows: st.flows,
      flowsByProto: st.flowsByProto,
      evicted: st.evicted,
      apps: st.apps,
      anomalies: st.anomalies as Record<string, number>,
      tcpAcks: st.tcpAcks,
      tcpGaps: st.tcpGaps,
      tcpGapBytes: st.tcpGapBytes,
    };
    const released = engine!.dispatcher.refs!.take();
    port.postMessage(
      { t: 'out', events, buf, stats, released } satisfies FromShard,
      buf === null ? [events] : [events, buf],
    );
  };
  port.on('message', (m: ToShard) => {
    if (m.t === 'init') {
      engine = new FlowEngine((ev) => enc.add(k1, k2, ev), {
        hashPatientId: patientHasher(m.salt),
        maxFlows: m.maxFlows,
        maxBuffered: m.maxBuffered,
        shard: { beforeEnd },
      });
      return;
    }
    const e = engine!;
    if (m.t === 'finish') {
      e.stats.last = m.last;
      k1 = FINISH_K1;
      k2 = 0;
      e.finish();
      send(null);
      return;
    }
    const bytes = new Uint8Array(m.buf, 0, m.len);
    const head = new Float64Array(m.buf, 0, m.len >> 3);
    pkt.frame = bytes;
    for (let off = 0; off < m.len; ) {
      const w = off >> 3;
      const seq = head[w]!;
      const caplen = head[w + 5]!;
      e.stats.last = head[w + 2]!;
      if (seq === SWEEP) {
        k1 = head[w + 3]! * 2;
        k2 = 0;
        e.sweepNow(head[w + 1]!);
      } else {
        k1 = seq * 2 + 1;
        k2 = 0;
        e.stats.packets = seq - 1; // the engine counts this one: flows learn their global place
        pkt.ts = head[w + 1]!;
        pkt.origLen = head[w + 3]!;
        pkt.linktype = head[w + 4]!;
        pkt.frameStart = off + REC_BYTES;
        pkt.frameEnd = off + REC_BYTES + caplen;
        e.packet(pkt);
      }
      off += REC_BYTES + ((caplen + 7) & ~7);
    }
    pkt.frame = EMPTY;
    send(m.buf);
  });
}

run();
