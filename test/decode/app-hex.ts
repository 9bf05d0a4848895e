// Test-only helpers for the application decoder tests: commented hex fixtures and a seeded PRNG
// (both shared with the other test areas, from test/helpers), text as bytes, a mutator.
export { hex } from '../helpers/hex.js';
export { rng } from '../helpers/rng.js';

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
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
