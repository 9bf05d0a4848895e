// Scenario → capture file, streamed: records go through a 4 MiB buffer straight to the file.
// TODO(capture writer): switch to src/capture/writer.ts once it lands (this is a stopgap).
import { closeSync, openSync, writeSync } from 'node:fs';

const LINKTYPE_ETHERNET = 1;
const CHUNK = 4 << 20;

/** A .pcap or .pcapng (by extension) Ethernet capture written through a large buffer. */
export class BufferedPcap {
  private readonly fd: number;
  private readonly buf = new Uint8Array(CHUNK);
  private readonly dv = new DataView(this.buf.buffer);
  private n = 0;
  private readonly ng: boolean;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
    this.ng = path.toLowerCase().endsWith('.pcapng');
    if (this.ng) {
      // SHB (v1.0, section length unknown) + one Ethernet IDB with µs resolution (default).
      this.put32(0x0a0d0d0a, 28, 0x1a2b3c4d, 0x00000001, 0xffffffff, 0xffffffff, 28);
      this.put32(1, 20);
      this.dv.setUint16(this.n, LINKTYPE_ETHERNET, true);
      this.dv.setUint16(this.n + 2, 0, true);
      this.n += 4;
      this.put32(65535, 20);
    } else {
      this.put32(0xa1b2c3d4);
      this.dv.setUint16(this.n, 2, true);
      this.dv.setUint16(this.n + 2, 4, true);
      this.n += 4;
      this.put32(0, 0, 65535, LINKTYPE_ETHERNET);
    }
  }

  private put32(...vs: number[]): void {
    for (const v of vs) {
      this.dv.setUint32(this.n, v >>> 0, true);
      this.n += 4;
    }
  }

  record(ts: number, frame: Uint8Array): void {
    const need = frame.length + 32;
    if (this.n + need > CHUNK) this.flush();
    if (this.ng) {
      const pad = (4 - (frame.length % 4)) % 4;
      const total = 32 + frame.length + pad;
      const hi = Math.floor(ts / 4294967296);
      this.put32(6, total, 0, hi, ts - hi * 4294967296, frame.length, frame.length);
      this.buf.set(frame, this.n);
      this.n += frame.length;
      this.buf.fill(0, this.n, this.n + pad);
      this.n += pad;
      this.put32(total);
    } else {
      const sec = Math.floor(ts / 1e6);
      this.put32(sec, ts - sec * 1e6, frame.length, frame.length);
      this.buf.set(frame, this.n);
      this.n += frame.length;
    }
  }

  flush(): void {
    let off = 0;
    while (off < this.n) off += writeSync(this.fd, this.buf, off, this.n - off);
    this.n = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
