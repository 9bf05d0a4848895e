// Test-only: the records of a classic pcap file as an array (small shared captures only).
// The product's streaming readers are in src/capture; this exists so decoder tests can take
// real packets without depending on the reader under test.
import { readFileSync } from 'node:fs';

export interface TestRecord {
  ts: number; // µs
  linktype: number;
  data: Uint8Array;
}

export function pcapRecords(path: string): TestRecord[] {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a classic pcap`);
  }
  const nanos = (le ? magic : b.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linktype = u32(20) & 0xffff;
  const out: TestRecord[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const caplen = u32(off + 8);
    if (off + 16 + caplen > b.length) break;
    const ts = u32(off) * 1e6 + (nanos ? Math.floor(u32(off + 4) / 1000) : u32(off + 4));
    out.push({ ts, linktype, data: new Uint8Array(b.subarray(off + 16, off + 16 + caplen)) });
    off += 16 + caplen;
  }
  return out;
}
