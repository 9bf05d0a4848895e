// The binary form in which a shard (src/engine/shard-worker.ts) hands its events to the main
// thread: one ArrayBuffer a batch, transferred, instead of one JSON text (JSON.stringify in the
// worker and JSON.parse on the main thread were most of the sharded run's overhead).
//
// Schemaless but shape-coded, so every event type — and any field added later — is encoded field
// by field without a hand-written case: an object's key list is its *shape*, told once per stream
// (keys in order) and then named by number; each object is its shape's number and its values in
// order. The decoder turns each shape into a function returning one object literal with every key
// (V8 gives all objects of a shape one hidden class, as the engine's own literals have). Strings
// up to 64 UTF-16 units are told once per batch and then named by number (IPs, MACs, host names,
// HL7 field names repeat); longer ones are written inline. Shapes persist from batch to batch of
// one stream (an encoder and its decoder see the same batches in the same order) and restart
// past MAX_SHAPES.
//
// What round-trips exactly: strings (as UTF-16 code units, so lone surrogates too), numbers
// (integers in [0, 2³²) as varints, every other number as a float64: −0, NaN, ±∞, 2⁵³+), booleans,
// null, undefined (a key present with the value undefined stays present; JSON would drop it),
// bigints, arrays, plain objects (null-prototype ones come back with Object's). Anything else (a
// Date, a Map, a class instance) goes through JSON as it used to: rare, and events are plain data.
//
// Batch layout: varint flags (1 = shapes restart), varint count, then per event two float64 order
// keys (k1, k2) and the event value.

const T_UNDEF = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_UINT = 4;
const T_F64 = 5;
const T_STR_ASCII = 6; // new string in this batch's table: varint length, one byte a unit
const T_STR_U16 = 7; // new string in this batch's table: varint length, two bytes a unit (LE)
const T_STR_REF = 8; // varint index into this batch's table
const T_STR_LONG = 9; // inline, not in the table: varint length, two bytes a unit
const T_ARRAY = 10; // varint length, values
const T_SHAPE_NEW = 11; // varint key count, keys (string values), then the values
const T_SHAPE_REF = 12; // varint shape id, then the values
const T_BIGINT = 13; // its decimal text as a string value
const T_JSON = 14; // JSON text as a string value (what is not plain data)

/** Strings at most this long (UTF-16 units) are told once a batch; longer ones inline. */
const INTERN_MAX = 64;
/** Shapes an encoder remembers before it restarts its numbering (bounds both sides). */
export const MAX_SHAPES = 4096;

interface ShapeNode {
  readonly next: Map<string, ShapeNode>;
  id: number;
  /** The keys, in order (set once the node is a shape). */
  keys: string[];
  /** Per key: the shape its last object value (or array element) had, the first guess for the next. */
  child: (ShapeNode | undefined)[];
  /** Writes an object's values of this shape (compiled once the node is a shape). */
  write: WriteValues;
}

type WriteValues = (enc: EventEncoder, shape: ShapeNode, o: Record<string, unknown>) => void;

const NO_WRITE: WriteValues = () => {};

function node(): ShapeNode {
  return { next: new Map(), id: -1, keys: [], child: [], write: NO_WRITE };
}

/**
 * A shape's value writer: one named property read per key (each site learns its objects' hidden
 * class), where a loop over `o[k]` would be one megamorphic keyed read per value.
 */
function writer(keys: readonly string[]): WriteValues {
  if (keys.includes('__proto__'))
    return (enc, shape, o) => {
      for (let i = 0; i < keys.length; i++) enc.value(Object.getOwnPropertyDescriptor(o, keys[i]!)?.value, shape, i);
    };
  const body = keys.map((k, i) => `e.value(o[${JSON.stringify(k)}], s, ${i});`).join('\n');
  return new Function('e', 's', 'o', body) as WriteValues;
}

export class EventEncoder {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private len = 0;
  private count = 0;
  private readonly strings = new Map<string, number>();
  private root = node();
  private shapes = 0;
  /** Per event type: the shape its last event had (most events of a type share one). */
  private readonly byType = new Map<unknown, ShapeNode>();
  private restart = false;

  /** Events in the batch under way. */
  get size(): number {
    return this.count;
  }

  add(k1: number, k2: number, ev: object): void {
    this.reserve(16);
    this.view.setFloat64(this.len, k1, true);
    this.view.setFloat64(this.len + 8, k2, true);
    this.len += 16;
    this.value(ev, null, 0);
    this.count++;
  }

  /** The batch so far as its own ArrayBuffer (to transfer); the encoder starts the next batch. */
  take(): ArrayBuffer {
    const head = new Uint8Array(10);
    let h = 0;
    h = putVarint(head, h, this.restart ? 1 : 0);
    h = putVarint(head, h, this.count);
    const out = new Uint8Array(h + this.len);
    out.set(head.subarray(0, h));
    out.set(this.buf.subarray(0, this.len), h);
    this.len = 0;
    this.count = 0;
    this.strings.clear();
    this.restart = false;
    if (this.shapes >= MAX_SHAPES) {
      this.root = node();
      this.shapes = 0;
      this.byType.clear();
      this.restart = true;
    }
    return out.buffer;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  private tag(t: number): void {
    this.reserve(1);
    this.buf[this.len++] = t;
  }

  private varint(x: number): void {
    this.reserve(5);
    this.len = putVarint(this.buf, this.len, x);
  }

  /** `v`, found at key `at` of an object of shape `parent` (null: an event itself). For the writers. */
  value(v: unknown, parent: ShapeNode | null, at: number): void {
    switch (typeof v) {
      case 'string':
        this.string(v);
        return;
      case 'number':
        // −0 is no varint: (−0 >>> 0) === −0 holds, so it is told apart by 1/v.
        if (v >>> 0 === v && (v !== 0 || 1 / v > 0)) {
          this.reserve(6);
          this.buf[this.len++] = T_UINT;
          this.len = putVarint(this.buf, this.len, v);
        } else {
          this.reserve(9);
          this.buf[this.len++] = T_F64;
          this.view.setFloat64(this.len, v, true);
          this.len += 8;
        }
        return;
      case 'boolean':
        this.tag(v ? T_TRUE : T_FALSE);
        return;
      case 'undefined':
        this.tag(T_UNDEF);
        return;
      case 'bigint':
        this.tag(T_BIGINT);
        this.string(v.toString());
        return;
      case 'object':
        if (v === null) this.tag(T_NULL);
        else if (Array.isArray(v)) {
          this.tag(T_ARRAY);
          this.varint(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i], parent, at);
        } else {
          const proto = Object.getPrototypeOf(v) as unknown;
          if (proto === Object.prototype || proto === null) this.object(v as Record<string, unknown>, parent, at);
          else {
            this.tag(T_JSON);
            this.string(JSON.stringify(v) ?? 'null');
          }
        }
        return;
      default:
        // Functions and symbols are no event data: told as undefined.
        this.tag(T_UNDEF);
    }
  }

  private object(o: Record<string, unknown>, parent: ShapeNode | null, at: number): void {
    const guess = parent === null ? this.byType.get(o.type) : parent.child[at];
    let shape: ShapeNode;
    if (guess !== undefined && fits(o, guess.keys)) {
      shape = guess;
      this.reserve(6);
      this.buf[this.len++] = T_SHAPE_REF;
      this.len = putVarint(this.buf, this.len, shape.id);
    } else shape = this.shapeOf(o);
    if (parent === null) this.byType.set(o.type, shape);
    else parent.child[at] = shape;
    shape.write(this, shape, o);
  }

  /** The object's shape from the tree of key lists; a new one is told in full. */
  private shapeOf(o: Record<string, unknown>): ShapeNode {
    let n = this.root;
    // for…in of a plain object: its own keys in order (nothing enumerable is inherited from Object).
    for (const k in o) {
      let next = n.next.get(k);
      if (next === undefined) {
        next = node();
        n.next.set(k, next);
      }
      n = next;
    }
    if (n.id >= 0) {
      this.tag(T_SHAPE_REF);
      this.varint(n.id);
      return n;
    }
    n.id = this.shapes++;
    for (const k in o) n.keys.push(k);
    n.write = writer(n.keys);
    this.tag(T_SHAPE_NEW);
    this.varint(n.keys.length);
    for (const k of n.keys) this.string(k);
    return n;
  }

  private string(s: string): void {
    const n = s.length;
    if (n > INTERN_MAX) {
      this.reserve(6 + 2 * n);
      this.buf[this.len++] = T_STR_LONG;
      this.len = putVarint(this.buf, this.len, n);
      this.units(s);
      return;
    }
    const known = this.strings.get(s);
    if (known !== undefined) {
      this.reserve(6);
      this.buf[this.len++] = T_STR_REF;
      this.len = putVarint(this.buf, this.len, known);
      return;
    }
    this.strings.set(s, this.strings.size);
    this.reserve(6 + 2 * n);
    const at = this.len++;
    this.len = putVarint(this.buf, this.len, n);
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        b[at] = T_STR_U16;
        this.units(s);
        return;
      }
      b[p++] = c;
    }
    b[at] = T_STR_ASCII;
    this.len = p;
  }

  /** `s` as little-endian UTF-16 units at `len` (room reserved by the caller). */
  private units(s: string): void {
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      b[p++] = c & 0xff;
      b[p++] = c >>> 8;
    }
    this.len = p;
  }
}

/** The object's keys are exactly `keys`, in order. */
function fits(o: Record<string, unknown>, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in o) if (k !== keys[i++]) return false;
  return i === keys.length;
}

function putVarint(b: Uint8Array, at: number, x: number): number {
  let v = x >>> 0;
  while (v >= 0x80) {
    b[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[at++] = v;
  return at;
}

/** One decoded batch: order keys (k1, k2 interleaved) and the events, in emission order. */
export interface DecodedBatch<E> {
  readonly k: Float64Array;
  readonly e: E[];
}

type Build = (r: EventDecoder) => object;

export class EventDecoder {
  private b = new Uint8Array(0);
  private view = new DataView(this.b.buffer);
  private p = 0;
  private readonly strings: string[] = [];
  private readonly shapes: Build[] = [];

  decode<E = object>(buf: ArrayBuffer): DecodedBatch<E> {
    this.b = new Uint8Array(buf);
    this.view = new DataView(buf);
    this.p = 0;
    this.strings.length = 0;
    if ((this.varint() & 1) !== 0) this.shapes.length = 0;
    const n = this.varint();
    const k = new Float64Array(2 * n);
    const e = new Array<E>(n);
    for (let i = 0; i < n; i++) {
      k[2 * i] = this.view.getFloat64(this.p, true);
      k[2 * i + 1] = this.view.getFloat64(this.p + 8, true);
      this.p += 16;
      e[i] = this.v() as E;
    }
    if (this.p !== this.b.length)
      throw new Error(`event batch: ${this.b.length - this.p} bytes left after ${n} events`);
    this.b = new Uint8Array(0);
    return { k, e };
  }

  /** The next value (the shapes' builders call it once per key, in key order). */
  v(): unknown {
    const b = this.b;
    const t = b[this.p++];
    switch (t) {
      case T_UNDEF:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_UINT:
        return this.varint();
      case T_F64: {
        const x = this.view.getFloat64(this.p, true);
        this.p += 8;
        return x;
      }
      case T_STR_ASCII: {
        const n = this.varint();
        const s = ascii(b, this.p, n);
        this.p += n;
        this.strings.push(s);
        return s;
      }
      case T_STR_U16: {
        const s = this.units(this.varint());
        this.strings.push(s);
        return s;
      }
      case T_STR_REF:
        return this.strings[this.varint()];
      case T_STR_LONG:
        return this.units(this.varint());
      case T_ARRAY: {
        const n = this.varint();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.v();
        return a;
      }
      case T_SHAPE_NEW: {
        const n = this.varint();
        const keys: string[] = [];
        for (let i = 0; i < n; i++) keys.push(this.v() as string);
        const build = builder(keys);
        this.shapes.push(build);
        return build(this);
      }
      case T_SHAPE_REF: {
        const build = this.shapes[this.varint()];
        if (build === undefined) throw new Error('event batch: unknown shape');
        return build(this);
      }
      case T_BIGINT:
        return BigInt(this.v() as string);
      case T_JSON:
        return JSON.parse(this.v() as string) as unknown;
      default:
        throw new Error(`event batch: bad tag ${t} at ${this.p - 1}`);
    }
  }

  private varint(): number {
    // Encoders write values below 2³² (at most 5 bytes): bit operations for the first four.
    const b = this.b;
    let p = this.p;
    let c = b[p++]!;
    let x = c & 0x7f;
    if (c >= 0x80) {
      c = b[p++]!;
      x |= (c & 0x7f) << 7;
      if (c >= 0x80) {
        c = b[p++]!;
        x |= (c & 0x7f) << 14;
        if (c >= 0x80) {
          c = b[p++]!;
          x |= (c & 0x7f) << 21;
          if (c >= 0x80) x += (b[p++]! & 0x0f) * 2 ** 28;
        }
      }
    }
    this.p = p;
    return x;
  }

  private units(n: number): string {
    const b = this.b;
    let s = '';
    let p = this.p;
    // In slices: fromCharCode's argument count is bounded.
    const codes = new Array<number>(Math.min(n, 4096));
    for (let done = 0; done < n; ) {
      const m = Math.min(n - done, 4096);
      codes.length = m;
      for (let i = 0; i < m; i++, p += 2) codes[i] = b[p]! | (b[p + 1]! << 8);
      s += String.fromCharCode(...codes);
      done += m;
    }
    this.p = p;
    return s;
  }
}

function ascii(b: Uint8Array, at: number, n: number): string {
  // One call: a string built by += a character at a time is a rope of n pieces (kept as such in
  // the device table and detection state that hold on to it).
  return String.fromCharCode.apply(null, b.subarray(at, at + n) as unknown as number[]);
}

/** A shape's builder: one object literal with every key, values read in key order. */
function builder(keys: readonly string[]): Build {
  if (keys.includes('__proto__')) {
    // A literal's "__proto__": sets the prototype instead of a key: define each key instead.
    return (r) => {
      const o: Record<string, unknown> = {};
      for (const k of keys)
        Object.defineProperty(o, k, { value: r.v(), writable: true, enumerable: true, configurable: true });
      return o;
    };
  }
  const body = keys.map((k) => `${JSON.stringify(k)}: r.v()`).join(', ');
  return new Function('r', `return { ${body} };`) as Build;
}
