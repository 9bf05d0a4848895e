// A bounded BER reader for SNMP (X.690 §8.1: definite lengths only, ≤ 4 length octets, tags in
// one octet — all SNMP uses). The reader holds the last element's bounds; nothing is returned
// through module state. Every length is checked against its container before it is used.

export class BerReader {
  /** Tag octet of the element just read. */
  tag = 0;
  /** Content bounds of the element just read. */
  start = 0;
  end = 0;

  constructor(public b: Uint8Array) {}

  /** Read the element header at `p` within `[p, limit)`; false when it does not fit. */
  read(p: number, limit: number): boolean {
    const b = this.b;
    if (p + 2 > limit) return false;
    this.tag = b[p]!;
    if ((this.tag & 0x1f) === 0x1f) return false; // multi-octet tags: not SNMP
    let len = b[p + 1]!;
    let q = p + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || q + n > limit) return false; // indefinite or absurd
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[q + i]!;
      q += n;
    }
    if (q + len > limit) return false;
    this.start = q;
    this.end = q + len;
    return true;
  }

  /** `read`, and the element has tag `tag`. */
  at(p: number, limit: number, tag: number): boolean {
    return this.read(p, limit) && this.tag === tag;
  }

  /** Unsigned value of an INTEGER up to 6 content octets (-1 when longer or empty). */
  int(): number {
    const n = this.end - this.start;
    if (n < 1 || n > 6) return -1;
    let v = 0;
    for (let i = this.start; i < this.end; i++) v = v * 256 + this.b[i]!;
    return v;
  }

  /** Dotted text of an OBJECT IDENTIFIER (X.690 §8.19); '' when malformed. At most 128 arcs. */
  oid(): string {
    const b = this.b;
    let s = '';
    let v = 0;
    let arcs = 0;
    for (let i = this.start; i < this.end; i++) {
      v = v * 128 + (b[i]! & 0x7f);
      if (v > Number.MAX_SAFE_INTEGER / 128) return '';
      if (b[i]! & 0x80) continue;
      if (arcs === 0) s = v < 80 ? `${Math.floor(v / 40)}.${v % 40}` : `2.${v - 80}`;
      else s += `.${v}`;
      if (++arcs > 128) return '';
      v = 0;
    }
    return this.end > this.start && !(b[this.end - 1]! & 0x80) ? s : '';
  }

  /** Printable text of an OCTET STRING (control characters as '.'), at most `max` characters. */
  text(max: number): string {
    let s = '';
    for (let i = this.start; i < this.end && s.length < max; i++) {
      const c = this.b[i]!;
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c === 0x0a || c === 0x0d || c === 0x09 ? ' ' : '.';
    }
    return s.trim();
  }

  /** The content equals the ASCII string `s`. */
  equals(s: string): boolean {
    if (this.end - this.start !== s.length) return false;
    for (let i = 0; i < s.length; i++) if (this.b[this.start + i] !== s.charCodeAt(i)) return false;
    return true;
  }
}
