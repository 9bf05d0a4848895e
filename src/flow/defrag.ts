// IP reassembly (IPv4 RFC 791 §3.2, IPv6 RFC 8200 §4.5) with hard bounds: a table of at most
// `maxDatagrams` datagrams, each at most `maxDatagramBytes`, all together at most
// `maxTotalBytes`, dropped after `timeoutUs`. Overlaps keep the bytes seen first (the BSD and
// Linux policy for differing overlaps is contested; we name them instead of choosing a victim).
import { ip6Key } from '../net/addr.js';
import { skipIpv6ExtHeaders } from '../decode/ipv6.js';
import type { Layers } from '../decode/layers.js';
import type { L2L4Anomaly } from '../decode/l2l4-anomaly.js';

export interface DefragOptions {
  /** Datagrams in reassembly at once (default 1024); when full the oldest is evicted. */
  maxDatagrams?: number;
  /** Largest reassembled upper-layer datagram (default 65535, the IP maximum). */
  maxDatagramBytes?: number;
  /** Bytes held by all datagrams together (default 32 MiB). */
  maxTotalBytes?: number;
  /** Give up on a datagram this long after its first fragment (default 30 s, like Linux ipfrag_time). */
  timeoutUs?: number;
  onAnomaly?: (code: L2L4Anomaly) => void;
}

export interface DefragStats {
  fragments: number;
  reassembled: number;
  /** Datagrams given up: timed out, evicted, too big, truncated by the capture, malformed. */
  dropped: number;
  overlaps: number;
}

/** Coalesced covered ranges per datagram; sequential fragments merge, so only holes cost. */
const MAX_RANGES = 256;
const MIN_BUFFER = 2048;

class Datagram {
  buf: Uint8Array;
  /** Sorted, disjoint, non-adjacent covered ranges as [start0, end0, start1, end1, …]. */
  ranges: number[] = [];
  /** End of the datagram once the last fragment (MF = 0) is seen, else -1. */
  total = -1;
  /** IPv4: the protocol; IPv6: the Next Header of the first fragment's fragment header. */
  next = -1;
  constructor(
    readonly firstTs: number,
    capacity: number,
  ) {
    this.buf = new Uint8Array(capacity);
  }
}

export class IpDefragmenter {
  readonly stats: DefragStats = { fragments: 0, reassembled: 0, dropped: 0, overlaps: 0 };
  private readonly table = new Map<string, Datagram>();
  private readonly maxDatagrams: number;
  private readonly maxDatagramBytes: number;
  private readonly maxTotalBytes: number;
  private readonly timeoutUs: number;
  private readonly onAnomaly: (code: L2L4Anomaly) => void;
  private heldBytes = 0;

  constructor(opts: DefragOptions = {}) {
    this.maxDatagrams = Math.max(1, opts.maxDatagrams ?? 1024);
    this.maxDatagramBytes = Math.max(8, opts.maxDatagramBytes ?? 65535);
    this.maxTotalBytes = Math.max(this.maxDatagramBytes, opts.maxTotalBytes ?? 32 * 1024 * 1024);
    this.timeoutUs = opts.timeoutUs ?? 30_000_000;
    this.onAnomaly = opts.onAnomaly ?? (() => {});
  }

  /** Datagrams waiting for more fragments. */
  get pending(): number {
    return this.table.size;
  }

  /** Bytes currently held for reassembly. */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  /**
   * Add the fragment `out` describes (filled by decodePacket from `data`). Returns the complete
   * upper-layer datagram (L4 header + payload, for `decodeL4(out.ipProto, bytes, 0, bytes.length, out)`)
   * when this fragment completes it, else null. On completion `out.ipProto` is set to the
   * datagram's upper-layer protocol. Non-fragments return null. The returned bytes are the
   * caller's: the defragmenter keeps no reference.
   */
  add(out: Layers, data: Uint8Array, ts: number): Uint8Array | null {
    if (!out.isFragment || (out.ipVersion !== 4 && out.ipVersion !== 6) || out.ipPayloadOff < 0) return null;
    this.stats.fragments++;
    this.expire(ts);
    // RFC 791 keys by (src, dst, protocol, id); RFC 8200 by (src, dst, id) — in IPv6 the
    // protocol is only known from the first fragment.
    const key =
      out.ipVersion === 4
        ? `4 ${out.ip4Src} ${out.ip4Dst} ${out.ipProto} ${out.fragId}`
        : `6 ${ip6Key(data, out.ip6SrcOff)}${ip6Key(data, out.ip6DstOff)} ${out.fragId}`;
    const start = out.fragOffset;
    let end = start + out.ipPayloadLen;
    let dg = this.table.get(key);
    if (out.ipPayloadLen < out.ipPayloadClaimed) {
      // The capture cut this fragment: the datagram can never be whole.
      if (dg !== undefined) this.drop(key, dg);
      else this.stats.dropped++;
      this.onAnomaly('ipfrag.truncated');
      return null;
    }
    if (end > this.maxDatagramBytes) {
      if (dg !== undefined) this.drop(key, dg);
      else this.stats.dropped++;
      this.onAnomaly('ipfrag.too-big');
      return null;
    }
    if (dg === undefined) {
      if (this.table.size >= this.maxDatagrams) this.evictOldest();
      const cap = Math.min(this.maxDatagramBytes, Math.max(MIN_BUFFER, end));
      this.makeRoom(cap);
      dg = new Datagram(ts, cap);
      this.heldBytes += cap;
      this.table.set(key, dg);
    }
    if (start === 0) {
      dg.next = out.ipVersion === 4 ? out.ipProto : data[out.ipPayloadOff - 8];
    }
    if (!out.fragMore) {
      const covered = dg.ranges.length > 0 ? dg.ranges[dg.ranges.length - 1] : 0;
      if (dg.total < 0) {
        dg.total = end;
        if (covered > end) this.onAnomaly('ipfrag.past-end');
      } else if (dg.total !== end) {
        this.onAnomaly('ipfrag.past-end');
      }
    }
    if (dg.total >= 0 && end > dg.total) {
      if (out.fragMore) this.onAnomaly('ipfrag.past-end');
      end = dg.total; // keep what lies inside the datagram, as tshark does
    }
    if (end > start) {
      if (end > dg.buf.length && !this.grow(key, dg, end)) return null;
      if (!this.insert(dg, data, out.ipPayloadOff, start, end)) {
        this.drop(key, dg);
        this.onAnomaly('ipfrag.too-many-fragments');
        return null;
      }
    }
    if (dg.total < 0 || dg.next < 0) return null;
    const r = dg.ranges;
    if (dg.total > 0 && !(r.length >= 2 && r[0] === 0 && r[1] >= dg.total)) return null;
    // Complete.
    this.table.delete(key);
    this.heldBytes -= dg.buf.length;
    let bytes = dg.buf.subarray(0, dg.total);
    if (out.ipVersion === 6) {
      const packed = skipIpv6ExtHeaders(bytes, 0, bytes.length, dg.next);
      if (packed < 0) {
        this.stats.dropped++;
        this.onAnomaly('ipv6.bad-ext-header');
        return null;
      }
      out.ipProto = packed & 0xff;
      bytes = bytes.subarray(Math.floor(packed / 256));
    } else {
      out.ipProto = dg.next;
    }
    this.stats.reassembled++;
    return bytes;
  }

  /** Drop every datagram whose first fragment is older than the timeout. Returns how many. */
  expire(nowUs: number): number {
    let n = 0;
    // Insertion order is arrival order, so only the head can be the oldest.
    for (const [key, dg] of this.table) {
      if (nowUs - dg.firstTs <= this.timeoutUs) break;
      this.drop(key, dg);
      this.onAnomaly('ipfrag.timeout');
      n++;
    }
    return n;
  }

  /** Copy [start, end) of the datagram from `data`, keeping bytes already held; false when too fragmented. */
  private insert(dg: Datagram, data: Uint8Array, payloadOff: number, start: number, end: number): boolean {
    const r = dg.ranges;
    const base = payloadOff - start; // data index of datagram offset 0
    let cur = start;
    let conflict = false;
    for (let k = 0; k < r.length && cur < end; k += 2) {
      const rs = r[k];
      const re = r[k + 1];
      if (re <= cur) continue;
      if (rs >= end) break;
      if (rs > cur) dg.buf.set(data.subarray(base + cur, base + rs), cur);
      const os = Math.max(rs, cur);
      const oe = Math.min(re, end);
      for (let i = os; i < oe && !conflict; i++) if (dg.buf[i] !== data[base + i]) conflict = true;
      cur = re;
    }
    if (cur < end) dg.buf.set(data.subarray(base + cur, base + end), cur);
    if (conflict) {
      this.stats.overlaps++;
      this.onAnomaly('ipfrag.overlap');
    }
    // Merge [start, end) into the range list.
    const merged: number[] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (let k = 0; k < r.length; k += 2) {
      if (r[k + 1] < s) merged.push(r[k], r[k + 1]);
      else if (r[k] > e) {
        if (!placed) {
          merged.push(s, e);
          placed = true;
        }
        merged.push(r[k], r[k + 1]);
      } else {
        s = Math.min(s, r[k]);
        e = Math.max(e, r[k + 1]);
      }
    }
    if (!placed) merged.push(s, e);
    dg.ranges = merged;
    return merged.length <= 2 * MAX_RANGES;
  }

  private grow(key: string, dg: Datagram, need: number): boolean {
    const cap = Math.min(this.maxDatagramBytes, Math.max(need, dg.buf.length * 2));
    this.makeRoom(cap - dg.buf.length, dg);
    if (!this.table.has(key)) return false;
    const buf = new Uint8Array(cap);
    buf.set(dg.buf);
    this.heldBytes += cap - dg.buf.length;
    dg.buf = buf;
    return true;
  }

  /** Evict the oldest datagrams (never `keep`) until `need` more bytes fit under maxTotalBytes. */
  private makeRoom(need: number, keep?: Datagram): void {
    for (const [key, dg] of this.table) {
      if (this.heldBytes + need <= this.maxTotalBytes) return;
      if (dg === keep) continue;
      this.drop(key, dg);
      this.onAnomaly('ipfrag.evicted');
    }
  }

  private evictOldest(): void {
    for (const [key, dg] of this.table) {
      this.drop(key, dg);
      this.onAnomaly('ipfrag.evicted');
      return;
    }
  }

  private drop(key: string, dg: Datagram): void {
    this.table.delete(key);
    this.heldBytes -= dg.buf.length;
    this.stats.dropped++;
  }
}
