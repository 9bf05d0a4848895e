// mulberry32: a small, fast, seeded PRNG. The simulator never uses Math.random, so the same
// seed always produces the same capture, byte for byte.
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  /** Roughly normal (sum of uniforms), mean 0, sd 1. */
  gauss(): number {
    return this.next() + this.next() + this.next() + this.next() - 2;
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (this.next() * 256) | 0;
    return b;
  }

  /** An independent stream derived from this one (per device), so adding a device keeps others stable. */
  fork(salt: number): Rng {
    return new Rng(Math.imul(this.u32() ^ salt, 0x9e3779b1) >>> 0);
  }
}
