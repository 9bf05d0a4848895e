// pcapng writer: one section, the given interfaces, Enhanced Packet Blocks. Byte-exact with
// what the reader reads back (timestamps are µs in the API, scaled to each if_tsresol).

import { WardwatchError } from '../errors.js';
import { MAX_CAPLEN } from './engine.js';
import { PCAPNG_BOM } from './sniff.js';

const TWO32 = 4294967296;

export interface PcapngInterface {
  linktype: number;
  snaplen?: number;
  name?: string;
  /** Decimal exponent of the timestamp unit (if_tsresol): 6 = µs (default), 9 = ns. */
  tsresol?: number;
}

export interface PcapngWriterOptions {
  interfaces: PcapngInterface[];
  /** The section's opt_comment (e.g. the alert a slice was cut for); Wireshark shows it under capture file properties. */
  comment?: string;
  bigEndian?: boolean;
}

interface Iface {
  linktype: number;
  snaplen: number;
  tsresol: number;
  name?: string;
}

const USER_APPL = 'wardwatch';
const pad4 = (n: number) => (n + 3) & ~3;

/** Writes pcapng options (code, length, value padded to 4) and opt_endofopt; returns the end. */
function writeOptions(dv: DataView, b: Uint8Array, off: number, le: boolean, opts: [number, Uint8Array][]): number {
  if (opts.length === 0) return off;
  for (const [code, value] of opts) {
    dv.setUint16(off, code, le);
    dv.setUint16(off + 2, value.length, le);
    b.set(value, off + 4);
    off += 4 + pad4(value.length);
  }
  return off + 4; // opt_endofopt: code 0, length 0 (already zero)
}

function optionsLength(opts: [number, Uint8Array][]): number {
  return opts.length === 0 ? 0 : opts.reduce((n, [, v]) => n + 4 + pad4(v.length), 4);
}

export class PcapngWriter {
  private readonly ifaces: Iface[];
  private readonly le: boolean;
  /** Per interface: µs → its unit is × mul (finer units) or ÷ div (coarser units). */
  private readonly mul: number[];
  private readonly div: number[];
  private readonly comment: string | undefined;

  constructor(opts: PcapngWriterOptions) {
    if (opts.interfaces.length === 0) throw new WardwatchError('WW_ARGS', 'pcapng writer needs at least one interface');
    this.le = !opts.bigEndian;
    this.comment = opts.comment;
    this.ifaces = opts.interfaces.map((i) => ({
      linktype: i.linktype,
      snaplen: i.snaplen ?? MAX_CAPLEN,
      tsresol: i.tsresol ?? 6,
      name: i.name,
    }));
    for (const i of this.ifaces) {
      if (!Number.isInteger(i.tsresol) || i.tsresol < 0 || i.tsresol > 12) {
        throw new WardwatchError('WW_ARGS', `pcapng tsresol ${i.tsresol} not supported (0..12)`);
      }
    }
    this.mul = this.ifaces.map((i) => (i.tsresol >= 6 ? 10 ** (i.tsresol - 6) : 1));
    this.div = this.ifaces.map((i) => (i.tsresol < 6 ? 10 ** (6 - i.tsresol) : 1));
  }

  /** Section Header Block followed by one Interface Description Block per interface. */
  header(): Uint8Array {
    const enc = new TextEncoder();
    const shbOpts: [number, Uint8Array][] = [[4, enc.encode(USER_APPL)]]; // shb_userappl
    // opt_comment; an option length is 16 bits, so a longer comment is cut.
    if (this.comment !== undefined) shbOpts.unshift([1, enc.encode(this.comment).subarray(0, 65532)]);
    const idbOpts = this.ifaces.map((i) => {
      const o: [number, Uint8Array][] = [];
      if (i.name !== undefined) o.push([2, enc.encode(i.name)]); // if_name
      if (i.tsresol !== 6) o.push([9, new Uint8Array([i.tsresol])]); // if_tsresol
      return o;
    });
    const shbLen = 28 + optionsLength(shbOpts);
    const idbLens = idbOpts.map((o) => 20 + optionsLength(o));
    const b = new Uint8Array(shbLen + idbLens.reduce((a, n) => a + n, 0));
    const dv = new DataView(b.buffer);
    const le = this.le;
    dv.setUint32(0, 0x0a0d0d0a, le);
    dv.setUint32(4, shbLen, le);
    dv.setUint32(8, PCAPNG_BOM, le);
    dv.setUint16(12, 1, le);
    dv.setUint16(14, 0, le);
    // Section length -1: unknown, so a streaming writer need not seek back.
    dv.setUint32(16, 0xffffffff, le);
    dv.setUint32(20, 0xffffffff, le);
    writeOptions(dv, b, 24, le, shbOpts);
    dv.setUint32(shbLen - 4, shbLen, le);
    let off = shbLen;
    this.ifaces.forEach((i, n) => {
      const len = idbLens[n]!;
      dv.setUint32(off, 1, le);
      dv.setUint32(off + 4, len, le);
      dv.setUint16(off + 8, i.linktype, le);
      dv.setUint32(off + 12, i.snaplen, le);
      writeOptions(dv, b, off + 16, le, idbOpts[n]!);
      dv.setUint32(off + len - 4, len, le);
      off += len;
    });
    return b;
  }

  recordLength(data: Uint8Array, ifIndex = 0): number {
    return 32 + pad4(Math.min(data.length, this.iface(ifIndex).snaplen));
  }

  /** One Enhanced Packet Block; `ts` in µs since the epoch. */
  record(ts: number, data: Uint8Array, ifIndex = 0, origLen?: number): Uint8Array {
    const b = new Uint8Array(this.recordLength(data, ifIndex));
    this.recordInto(new DataView(b.buffer), b, 0, ts, data, ifIndex, origLen);
    return b;
  }

  /** Encodes one EPB at `off` (padding zeroed, the buffer may be reused); returns its length. */
  recordInto(
    dv: DataView,
    buf: Uint8Array,
    off: number,
    ts: number,
    data: Uint8Array,
    ifIndex = 0,
    origLen?: number,
  ): number {
    const le = this.le;
    const ifc = this.iface(ifIndex);
    const caplen = Math.min(data.length, ifc.snaplen);
    const len = 32 + pad4(caplen);
    // Split before multiplying so ns timestamps (past 2^53) stay exact.
    const mul = this.mul[ifIndex]!;
    const units = mul === 1 ? Math.floor(ts / this.div[ifIndex]!) : ts;
    const tsHi = Math.floor(units / TWO32);
    const lo = (units - tsHi * TWO32) * mul;
    const hi = tsHi * mul + Math.floor(lo / TWO32);
    dv.setUint32(off, 6, le);
    dv.setUint32(off + 4, len, le);
    dv.setUint32(off + 8, ifIndex, le);
    dv.setUint32(off + 12, hi, le);
    dv.setUint32(off + 16, lo % TWO32, le);
    dv.setUint32(off + 20, caplen, le);
    dv.setUint32(off + 24, Math.max(origLen ?? data.length, caplen), le);
    buf.set(caplen === data.length ? data : data.subarray(0, caplen), off + 28);
    for (let p = off + 28 + caplen; p < off + len - 4; p++) buf[p] = 0;
    dv.setUint32(off + len - 4, len, le);
    return len;
  }

  private iface(ifIndex: number): Iface {
    const i = this.ifaces[ifIndex];
    if (i === undefined) throw new WardwatchError('WW_ARGS', `pcapng writer has no interface ${ifIndex}`);
    return i;
  }
}
