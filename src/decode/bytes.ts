// A growable big-endian byte writer for building protocol payloads (not on the per-segment
// hot path: payloads are built once per message, then cut into segments).
const enc = new TextEncoder();

export class Bytes {
  private buf: Uint8Array;
  private dv: DataView;
  length = 0;

  /** `capacity`: expected size, so large payloads (images) are not regrown and copied. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.dv = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.dv.setUint16(this.length, v & 0xffff);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.dv.setUint32(this.length, v >>> 0);
    this.length += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  ascii(s: string): this {
    return this.bytes(enc.encode(s));
  }

  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  /** Reserve a big-endian length field of `size` bytes; returns a function that fills it. */
  lengthField(size: 1 | 2 | 3 | 4): () => void {
    const at = this.length;
    this.zeros(size);
    return () => {
      const n = this.length - at - size;
      for (let i = size - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) this.buf[at + i] = v & 0xff;
    };
  }

  /** The bytes written (a view: the writer is not used after this). */
  done(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export function ascii(s: string): Uint8Array {
  return enc.encode(s);
}

/**
 * `a` then `b` in one new array; `b` itself when `a` is empty (not a copy: a caller that keeps the
 * result past `b`'s lifetime copies it).
 */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
