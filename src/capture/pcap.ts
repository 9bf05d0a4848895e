// Classic libpcap files (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/):
// a 24-byte file header, then records of a 16-byte header + caplen bytes. The "modified pcap"
// of Kuznetzov's patched libpcap (magic 0xa1b2cd34, µs) adds 8 bytes to each record header
// (ifindex u32, protocol u16, pkt_type u8, pad u8), which we skip, as tshark does.
// This is the benchmark's hot path: one DataView per chunk and no allocation per record (the
// packet points into the chunk; a view is made only if a consumer reads `data`).

import { type Engine, MAX_CAPLEN, noteLinktype, type ParseState } from './engine.js';

export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const MODIFIED_PCAP_RECORD_HEADER_LEN = 24;

export class PcapEngine implements Engine {
  headerLen = PCAP_HEADER_LEN;
  unitName = 'file header';
  private inHeader = true;
  private linktype = 0;
  private readonly recLen: number;

  constructor(
    private readonly st: ParseState,
    private readonly le: boolean,
    private readonly nanos: boolean,
    modified = false,
  ) {
    st.info.format = nanos ? 'nsecpcap' : 'pcap';
    this.recLen = modified ? MODIFIED_PCAP_RECORD_HEADER_LEN : PCAP_RECORD_HEADER_LEN;
  }

  unitLength(dv: DataView, _buf: Uint8Array, off: number, fileOff: number): number {
    if (this.inHeader) return PCAP_HEADER_LEN;
    const caplen = dv.getUint32(off + 8, this.le);
    if (caplen > MAX_CAPLEN) {
      this.st.damage(`absurd caplen ${caplen} in record`, fileOff);
      return -1;
    }
    return this.recLen + caplen;
  }

  unit(dv: DataView, buf: Uint8Array, off: number, len: number, fileOff: number): void {
    if (this.inHeader) this.header(dv, off);
    else this.run(dv, buf, off, off + len, fileOff - off);
  }

  private header(dv: DataView, off: number): void {
    const le = this.le;
    const major = dv.getUint16(off + 4, le);
    const minor = dv.getUint16(off + 6, le);
    if (major !== 2 || minor !== 4) this.st.warn(`pcap version ${major}.${minor} (expected 2.4)`);
    const info = this.st.info;
    info.snaplen = dv.getUint32(off + 16, le);
    // Upper bits carry FCS length flags (pcap draft, LinkType and additional information).
    this.linktype = dv.getUint32(off + 20, le) & 0xffff;
    info.linktypes = [this.linktype];
    noteLinktype(this.st, this.linktype);
    this.inHeader = false;
    this.headerLen = this.recLen;
    this.unitName = 'record';
    info.offset = PCAP_HEADER_LEN;
  }

  run(dv: DataView, buf: Uint8Array, off: number, end: number, base: number): number {
    if (this.inHeader) {
      if (off + PCAP_HEADER_LEN > end) return off;
      this.header(dv, off);
      off += PCAP_HEADER_LEN;
    }
    const st = this.st;
    const info = st.info;
    const pkt = st.pkt;
    const cb = st.onPacket;
    const le = this.le;
    const nanos = this.nanos;
    const recLen = this.recLen;
    // A fraction of a second at or past one second is not a time (pcap draft, Timestamp).
    const fracMax = nanos ? 1e9 : 1e6;
    pkt.linktype = this.linktype;
    pkt.ifIndex = 0;
    while (off + recLen <= end) {
      const caplen = dv.getUint32(off + 8, le);
      if (caplen > MAX_CAPLEN) {
        st.damage(`absurd caplen ${caplen} in record`, base + off);
        return off;
      }
      const next = off + recLen + caplen;
      if (next > end) break;
      const sec = dv.getUint32(off, le);
      const frac = dv.getUint32(off + 4, le);
      if (frac < fracMax) pkt.ts = nanos ? sec * 1e6 + Math.floor(frac / 1000) : sec * 1e6 + frac;
      else pkt.ts = st.badTs('pcap.bad-timestamp');
      const orig = dv.getUint32(off + 12, le);
      pkt.origLen = Math.max(orig, caplen);
      pkt.frame = buf;
      pkt.frameStart = off + recLen;
      pkt.frameEnd = next;
      info.packets++;
      info.bytes += caplen;
      info.offset = base + next;
      cb(pkt);
      off = next;
    }
    return off;
  }
}
