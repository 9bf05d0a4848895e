// The shards' event transfer (src/engine/event-codec.ts) against the JSON it replaced: the events
// one engine emits over a capture, cut into batches as a shard would send them (by read chunk),
// encoded and decoded in this one thread. Prints CPU ms (the process's, GC threads included) and
// bytes for each direction.
// Run: npx vite-node bench/event-codec.ts <capture> [rounds]   (best of `rounds`, 5 by default)
import { readCapture } from '../src/capture/reader.js';
import { EventDecoder, EventEncoder } from '../src/engine/event-codec.js';
import { patientHasher } from '../src/engine/salt.js';
import type { WardEvent } from '../src/events.js';
import { FlowEngine } from '../src/flow/engine.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: bench/event-codec.ts <capture> [rounds]');
const ROUNDS = Math.max(1, Number(process.argv[3] ?? 5));

const batches: WardEvent[][] = [[]];
const engine = new FlowEngine((ev) => batches[batches.length - 1]!.push(ev), { hashPatientId: patientHasher('bench') });
await readCapture(file, (p) => engine.packet(p), {
  afterChunk: () => {
    batches.push([]);
    return undefined;
  },
});
engine.finish();
const events = batches.reduce((n, b) => n + b.length, 0);

function best(f: () => number): { ms: number; bytes: number } {
  let ms = Number.POSITIVE_INFINITY;
  let bytes = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // CPU time of the process, not wall time: on a shared machine the wall clock counts the
    // time other work had the core.
    const t0 = process.cpuUsage();
    bytes = f();
    const d = process.cpuUsage(t0);
    ms = Math.min(ms, (d.user + d.system) / 1000);
  }
  return { ms, bytes };
}

const texts = batches.map((b) => JSON.stringify({ k: b.flatMap((_, i) => [i, 0]), e: b }));
const enc = new EventEncoder();
const bufs = batches.map((b) => {
  for (let i = 0; i < b.length; i++) enc.add(2 * i + 1, 0, b[i]!);
  return enc.take();
});
const rows = {
  'JSON.stringify': best(() => {
    let n = 0;
    for (const b of batches) n += JSON.stringify({ k: b.flatMap((_, i) => [i, 0]), e: b }).length;
    return n;
  }),
  'JSON.parse': best(() => {
    for (const t of texts) JSON.parse(t);
    return texts.reduce((n, t) => n + t.length, 0);
  }),
  encode: best(() => {
    const e = new EventEncoder();
    let n = 0;
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) e.add(2 * i + 1, 0, b[i]!);
      n += e.take().byteLength;
    }
    return n;
  }),
  decode: best(() => {
    const d = new EventDecoder();
    for (const b of bufs) d.decode(b);
    return bufs.reduce((n, b) => n + b.byteLength, 0);
  }),
};
console.log(`${file}: ${events} events in ${batches.length} batches, best of ${ROUNDS}`);
for (const [name, r] of Object.entries(rows))
  console.log(`${name.padEnd(15)} ${r.ms.toFixed(1).padStart(8)} ms ${(r.bytes / 1e6).toFixed(1).padStart(7)} MB`);
