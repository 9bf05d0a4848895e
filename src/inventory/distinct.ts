// Distinct values beyond a BoundedSet's kept ones, in bounded memory: exact (by 32-bit hash)
// up to EXACT_CAP values, then a HyperLogLog sketch (Flajolet et al. 2007, with the small-range
// correction of Heule et al. 2013's "HyperLogLog in practice") of 2^11 registers, about 2.3 %
// standard error. Reasons that print a count say "about" once it is an estimate.

/** Distinct values counted exactly (as 32-bit hashes: a collision below this is ~1 in 500). */
export const EXACT_CAP = 4096;
const P = 11;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** FNV-1a over the UTF-16 code units, then a murmur3 finaliser so every bit avalanches. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class DistinctCount {
  private exact: Set<number> | undefined = new Set();
  private registers: Uint8Array | undefined;

  /** Count `v`; true when the count may have changed (a new hash, or a register raised). */
  add(v: string): boolean {
    // Kept as int32, the same 32 bits (put() reads bits only): a uint32 of 2^31 or more is a heap
    // number, allocated and hashed as a double in the Set; an int32 is a small integer (about
    // 1.5× faster adds, 4000 distinct addresses: 440 → 290 ns median).
    const h = hash32(v) | 0;
    if (this.exact !== undefined) {
      if (this.exact.has(h)) return false;
      this.exact.add(h);
      if (this.exact.size > EXACT_CAP) this.toSketch();
      return true;
    }
    return this.put(h);
  }

  /** Whether `count` is exact (no sketch yet). */
  get isExact(): boolean {
    return this.exact !== undefined;
  }

  get count(): number {
    if (this.exact !== undefined) return this.exact.size;
    const r = this.registers as Uint8Array;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      sum += 2 ** -r[i]!;
      if (r[i] === 0) zeros++;
    }
    const e = (ALPHA * M * M) / sum;
    // Linear counting while many registers are empty (the estimate's small range).
    return Math.round(zeros > 0 && e <= 2.5 * M ? M * Math.log(M / zeros) : e);
  }

  private toSketch(): void {
    this.registers = new Uint8Array(M);
    for (const h of this.exact as Set<number>) this.put(h);
    this.exact = undefined;
  }

  private put(h: number): boolean {
    const r = this.registers as Uint8Array;
    const idx = h >>> (32 - P);
    const rest = (h << P) >>> 0;
    // Position of the first 1 bit in the remaining 21 bits (22 when they are all zero).
    const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
    if (rank <= r[idx]!) return false;
    r[idx] = rank;
    return true;
  }
}
