// Test-only: the one seeded PRNG every fuzz loop and random-chunk test uses, so a seed names
// the same sequence in every file.

/** mulberry32: small, fast, seeded, reproducible; a float in [0, 1) per call. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
