// Interned address text. Every flow's endpoints become strings once; a ward has a few hundred
// addresses and MACs, so handing out the same string object each time saves the allocation and,
// because V8 keeps a string's hash in the string, every Map and Set downstream (inventory,
// detection) hashes each address once instead of once per event. Bounded: cleared when full.
import { ip4ToString, ip6ToString, macToString } from '../net/addr.js';

const LIMIT = 16_384;

export class AddressText {
  private readonly v4 = new Map<number, string>();
  private readonly mac = new Map<number, string>();
  private readonly v6 = new Map<string, string>();

  ip4(u32: number): string {
    let s = this.v4.get(u32);
    if (s === undefined) {
      s = ip4ToString(u32);
      if (this.v4.size >= LIMIT) this.v4.clear();
      this.v4.set(u32, s);
    }
    return s;
  }

  ip6(d: Uint8Array, off: number): string {
    // IPv6 text is built each time (rare on wards); only the result is shared.
    const t = ip6ToString(d, off);
    const s = this.v6.get(t);
    if (s !== undefined) return s;
    if (this.v6.size >= LIMIT) this.v6.clear();
    this.v6.set(t, t);
    return t;
  }

  /** The 6-byte MAC at `off` as text; 48 bits fit a double exactly, so the key is numeric. */
  macAt(d: Uint8Array, off: number): string {
    const key =
      ((d[off]! << 8) | d[off + 1]!) * 4294967296 +
      (((d[off + 2]! << 24) | (d[off + 3]! << 16) | (d[off + 4]! << 8) | d[off + 5]!) >>> 0);
    let s = this.mac.get(key);
    if (s === undefined) {
      s = macToString(d, off);
      if (this.mac.size >= LIMIT) this.mac.clear();
      this.mac.set(key, s);
    }
    return s;
  }
}
