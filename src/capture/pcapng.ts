// pcapng (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/): a sequence of blocks
// `type u32, length u32, body, length u32`. A Section Header Block sets the byte order and
// resets the interface list; packets (EPB, SPB, obsolete PB) refer to interfaces by index.

import { type Engine, MAX_CAPLEN, noteLinktype, type ParseState } from './engine.js';
import { notACapture, PCAPNG_BOM } from './sniff.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const PB = 2; // obsolete Packet Block
const SPB = 3;
const NRB = 4;
const ISB = 5;
const EPB = 6;
const DSB = 0x0a;
const CUSTOM = 0x00000bad;
const CUSTOM_NOCOPY = 0x40000bad;
const SYSTEMD_JOURNAL = 9;
const IGNORED_BLOCKS: ReadonlySet<number> = new Set([NRB, ISB, DSB, CUSTOM, CUSTOM_NOCOPY, SYSTEMD_JOURNAL]);

/** Blocks bigger than this are taken as damage rather than allocated (no real packet needs it). */
export const MAX_BLOCK_LEN = 64 * 1024 * 1024;
const TWO32 = 4294967296;

interface Iface {
  linktype: number;
  snaplen: number;
  /** Timestamp units per µs when an exact integer division works (1 = already µs), else 0. */
  div: number;
  divQ: number; // floor(2^32 / div)
  divR: number; // 2^32 mod div
  /** µs per timestamp unit when `div` is 0 (coarser or binary resolutions). */
  factor: number;
  offsetUs: number;
}

function makeIface(linktype: number, snaplen: number): Iface {
  return { linktype, snaplen, div: 1, divQ: TWO32, divR: 0, factor: 1, offsetUs: 0 };
}

/** if_tsresol: high bit clear = 10^-n s, set = 2^-n s (pcapng spec, section 4.2). */
function setResolution(ifc: Iface, tsresol: number): void {
  const n = tsresol & 0x7f;
  if (tsresol & 0x80) {
    ifc.div = 0;
    ifc.factor = 1e6 / 2 ** n;
  } else if (n >= 6 && n <= 12) {
    // Exact split keeps ns timestamps (≈1.7e18 units, past 2^53) right to the µs.
    const div = 10 ** (n - 6);
    ifc.div = div;
    ifc.divQ = Math.floor(TWO32 / div);
    ifc.divR = TWO32 % div;
  } else {
    ifc.div = 0;
    ifc.factor = 10 ** (6 - n);
  }
}

export class PcapngEngine implements Engine {
  readonly headerLen = 12;
  readonly unitName = 'block';
  private le = true;
  private ifaces: Iface[] = [];
  private sections = 0;
  private readonly warnedIfaces = new Set<number>();

  constructor(private readonly st: ParseState) {
    st.info.format = 'pcapng';
  }

  unitLength(dv: DataView, buf: Uint8Array, off: number, fileOff: number): number {
    let le = this.le;
    if (dv.getUint32(off, false) === SHB) {
      const bom = dv.getUint32(off + 8, true);
      if (bom === PCAPNG_BOM) le = true;
      else if (dv.getUint32(off + 8, false) === PCAPNG_BOM) le = false;
      else {
        // At offset 0 the file was never a pcapng (e.g. text that starts with "\n\r\r\n").
        if (fileOff === 0) throw notACapture(this.st.sourceName, buf.subarray(off, off + 12));
        this.st.damage('section header with a bad byte-order magic', fileOff);
        return -1;
      }
    }
    const len = dv.getUint32(off + 4, le);
    let bad = '';
    if (len < 12) bad = `block length ${len} below the minimum of 12`;
    else if (len % 4 !== 0) bad = `block length ${len} not a multiple of 4`;
    else if (len > MAX_BLOCK_LEN) bad = `block length ${len} above 64 MiB`;
    if (bad) {
      this.st.damage(bad, fileOff);
      return -1;
    }
    return len;
  }

  run(dv: DataView, buf: Uint8Array, off: number, end: number, base: number): number {
    const st = this.st;
    while (off + 12 <= end) {
      const len = this.unitLength(dv, buf, off, base + off);
      if (len < 0 || off + len > end) break;
      this.unit(dv, buf, off, len, base + off);
      if (st.stopped) break;
      off += len;
    }
    return off;
  }

  unit(dv: DataView, buf: Uint8Array, off: number, len: number, fileOff: number): void {
    const st = this.st;
    const type = dv.getUint32(off, this.le);
    if (type === SHB) {
      this.le = dv.getUint32(off + 8, true) === PCAPNG_BOM;
    }
    const le = this.le;
    if (dv.getUint32(off + len - 4, le) !== len) {
      st.damage(`trailing block length ${dv.getUint32(off + len - 4, le)} differs from ${len}`, fileOff);
      return;
    }
    if (type === EPB) {
      if (len < 32) {
        st.damage(`enhanced packet block of ${len} bytes too short`, fileOff);
        return;
      }
      this.packet(dv, buf, off, len, fileOff, dv.getUint32(off + 8, le), 28, dv.getUint32(off + 20, le));
    } else if (type === SHB) {
      this.section(dv, off, len, fileOff);
    } else if (type === IDB) {
      this.iface(dv, off, len, fileOff);
    } else if (type === SPB) {
      this.simple(dv, buf, off, len, fileOff);
    } else if (type === PB) {
      if (len < 32) {
        st.damage(`packet block of ${len} bytes too short`, fileOff);
        return;
      }
      this.packet(dv, buf, off, len, fileOff, dv.getUint16(off + 8, le), 28, dv.getUint32(off + 20, le));
    } else if (!IGNORED_BLOCKS.has(type)) {
      st.warn(`unknown pcapng block type 0x${type.toString(16)} skipped`);
    }
    st.info.offset = fileOff + len;
  }

  private section(dv: DataView, off: number, len: number, fileOff: number): void {
    if (len < 28) {
      this.st.damage(`section header block of ${len} bytes too short`, fileOff);
      return;
    }
    const major = dv.getUint16(off + 12, this.le);
    if (major !== 1) {
      this.st.damage(`pcapng version ${major} not supported`, fileOff);
      return;
    }
    this.ifaces = [];
    this.sections++;
  }

  private iface(dv: DataView, off: number, len: number, fileOff: number): void {
    const st = this.st;
    if (len < 20) {
      st.damage(`interface description block of ${len} bytes too short`, fileOff);
      return;
    }
    const le = this.le;
    const ifc = makeIface(dv.getUint16(off + 8, le), dv.getUint32(off + 12, le));
    const end = off + len - 4;
    for (let o = off + 16; o + 4 <= end; ) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === 0 || o + 4 + olen > end) break; // opt_endofopt, or an option overrunning the block
      if (code === 9 && olen >= 1) setResolution(ifc, dv.getUint8(o + 4));
      else if (code === 14 && olen >= 8) {
        // if_tsoffset: signed seconds added to every timestamp of this interface.
        ifc.offsetUs = (dv.getInt32(o + 4 + (le ? 4 : 0), le) * TWO32 + dv.getUint32(o + 4 + (le ? 0 : 4), le)) * 1e6;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.ifaces.push(ifc);
    noteLinktype(st, ifc.linktype);
    if (this.sections <= 1) {
      st.info.linktypes.push(ifc.linktype);
      if (st.info.linktypes.length === 1) st.info.snaplen = ifc.snaplen;
    }
  }

  /** EPB and PB share a layout after the interface id: ts hi, ts lo, caplen, origlen, data at +28. */
  private packet(
    dv: DataView,
    buf: Uint8Array,
    off: number,
    len: number,
    fileOff: number,
    ifIndex: number,
    dataAt: number,
    caplen: number,
  ): void {
    const st = this.st;
    if (caplen > len - dataAt - 4 || caplen > MAX_CAPLEN) {
      st.damage(`absurd caplen ${caplen} in packet block`, fileOff);
      return;
    }
    const ifc = this.ifaces[ifIndex];
    if (ifc === undefined) {
      // Warn once per interface: a file can hold millions of such packets.
      if (!this.warnedIfaces.has(ifIndex) && this.warnedIfaces.size < 16) {
        this.warnedIfaces.add(ifIndex);
        st.warn(`packets for undeclared interface ${ifIndex} skipped (first at offset ${fileOff})`);
      }
      return;
    }
    const le = this.le;
    const hi = dv.getUint32(off + 12, le);
    const lo = dv.getUint32(off + 16, le);
    const orig = dv.getUint32(off + 24, le);
    this.deliver(ifc, ifIndex, this.tsOf(ifc, hi, lo), buf, off + dataAt, caplen, orig);
  }

  /** Simple Packet Block: no timestamp (the previous packet's is kept), interface 0, caplen implied by the block and snaplen. */
  private simple(dv: DataView, buf: Uint8Array, off: number, len: number, fileOff: number): void {
    const st = this.st;
    if (len < 16) {
      st.damage(`simple packet block of ${len} bytes too short`, fileOff);
      return;
    }
    const ifc = this.ifaces[0];
    if (ifc === undefined) {
      if (!this.warnedIfaces.has(-1)) {
        this.warnedIfaces.add(-1);
        st.warn(`simple packet blocks without an interface skipped (first at offset ${fileOff})`);
      }
      return;
    }
    const orig = dv.getUint32(off + 8, this.le);
    let caplen = Math.min(orig, len - 16);
    if (ifc.snaplen > 0 && caplen > ifc.snaplen) caplen = ifc.snaplen;
    // No timestamp on the wire: the packet takes the time of the one before (0 at the start).
    this.deliver(ifc, 0, st.pkt.ts, buf, off + 12, caplen, orig);
  }

  private tsOf(ifc: Iface, hi: number, lo: number): number {
    let ts: number;
    if (ifc.div === 1) ts = hi * TWO32 + lo;
    else if (ifc.div > 1) ts = hi * ifc.divQ + Math.floor((hi * ifc.divR + lo) / ifc.div);
    else ts = Math.floor((hi * TWO32 + lo) * ifc.factor);
    return this.st.checkTs(ts + ifc.offsetUs, 'pcapng.bad-timestamp');
  }

  /** The packet is buf[at, at + caplen): handed out in place (see ReaderPacket). */
  private deliver(
    ifc: Iface,
    ifIndex: number,
    ts: number,
    buf: Uint8Array,
    at: number,
    caplen: number,
    orig: number,
  ): void {
    const st = this.st;
    const pkt = st.pkt;
    pkt.ts = ts;
    pkt.linktype = ifc.linktype;
    pkt.ifIndex = ifIndex;
    pkt.frame = buf;
    pkt.frameStart = at;
    pkt.frameEnd = at + caplen;
    pkt.origLen = Math.max(orig, caplen);
    st.info.packets++;
    st.info.bytes += caplen;
    st.onPacket(pkt);
  }
}
