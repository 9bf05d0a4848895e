// Test-only helpers for the application decoder tests: commented hex fixtures and a seeded PRNG.

/** Hex fixture: one field a line, `//` comments allowed, whitespace ignored. */
export function hex(text: string): Uint8Array {
  const clean = text
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex fixture: ${clean}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}

/** mulberry32: small, fast, seeded; good enough to shake a decoder. */
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

/** A mutated copy of `base`: a few random byte flips, sometimes cut short or extended. */
export function mutate(base: Uint8Array, rnd: () => number): Uint8Array {
  const extra = rnd() < 0.2 ? Math.floor(rnd() * 64) : 0;
  const out = new Uint8Array(base.length + extra);
  out.set(base);
  for (let i = base.length; i < out.length; i++) out[i] = Math.floor(rnd() * 256);
  const flips = 1 + Math.floor(rnd() * 8);
  for (let i = 0; i < flips; i++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
  return rnd() < 0.3 ? out.subarray(0, Math.floor(rnd() * out.length)) : out;
}
