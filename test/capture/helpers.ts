// Test helpers for the capture readers: collect packets as plain copies, and digest them so
// two reads of the same capture can be compared packet by packet.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { CaptureParser } from '../../src/capture/reader.js';
import type { CaptureInfo, RawPacket } from '../../src/capture/types.js';

/** Deterministic PRNG so fuzz and random-chunk tests are reproducible. */
export { rng } from '../helpers/rng.js';

export interface Pkt {
  ts: number;
  linktype: number;
  ifIndex: number;
  origLen: number;
  data: Uint8Array;
}

export function copyPkt(p: RawPacket): Pkt {
  return { ts: p.ts, linktype: p.linktype, ifIndex: p.ifIndex, origLen: p.origLen, data: p.data.slice() };
}

/** Parses `bytes` pushed in the given chunk sizes (cycled); default one chunk. */
export function parseBytes(bytes: Uint8Array, chunkSizes: number[] = [bytes.length || 1], name = 'test.pcap') {
  const pkts: Pkt[] = [];
  const parser = new CaptureParser((p) => pkts.push(copyPkt(p)), name);
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const n = Math.max(1, chunkSizes[i % chunkSizes.length]!);
    // Copy each chunk into its own buffer, as a stream would deliver it.
    parser.push(bytes.slice(off, off + n));
    off += n;
  }
  const info: CaptureInfo = parser.end();
  return { pkts, info };
}

export function parseFile(path: string, chunkSizes?: number[]) {
  return parseBytes(new Uint8Array(readFileSync(path)), chunkSizes, path);
}

export function digest(pkts: Pkt[]): string {
  const h = createHash('sha256');
  for (const p of pkts) {
    h.update(`${p.ts}/${p.linktype}/${p.ifIndex}/${p.origLen}/${p.data.length}:`);
    h.update(p.data);
  }
  return h.digest('hex');
}
