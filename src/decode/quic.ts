// QUIC Initial packets (RFC 9000 §17.2, RFC 9001 §5, QUIC v2 per RFC 9369): the long header,
// header protection removal, the Initial's frames and the reassembly of CRYPTO data into the
// TLS ClientHello (decoded by tls.ts).
//
// The cryptography (HKDF, AES-ECB for the header-protection mask, AES-128-GCM) is not here:
// decode/ stays pure, so the caller injects it as a `QuicInitialCrypto` over its own key type
// (src/flow/apps/quic.ts does it with node:crypto). Nothing here throws on wire data, and every
// length is checked against the datagram.

export const QUIC_ANOMALIES = [
  'quic.bad-initial', // a v1/v2 long header whose connection ids, token or Length run past the datagram, or an Initial too short to sample
  'quic.decrypt-failed', // a client Initial whose AEAD tag does not verify with the keys of its Destination Connection ID
  'quic.bad-frame', // a decrypted Initial holds a frame that runs past the payload or is not allowed in Initial packets
  'quic.crypto-overflow', // CRYPTO data past QUIC_MAX_CRYPTO bytes: the ClientHello is not reassembled
  'quic.hello-incomplete', // the flow ended (or sent QUIC_MAX_INITIALS Initials) before the ClientHello was whole
] as const;
export type QuicAnomaly = (typeof QUIC_ANOMALIES)[number];

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
/** Bytes of CRYPTO stream kept per flow: a ClientHello with post-quantum key shares is ~2 KB. */
export const QUIC_MAX_CRYPTO = 16 * 1024;
/** Client Initials looked at per flow before giving up on the ClientHello. */
export const QUIC_MAX_INITIALS = 16;

/** Long packet types, normalised to v1's numbering (v2 rotates them, RFC 9369 §3.2). */
export const QUIC_INITIAL = 0;
export const QUIC_0RTT = 1;
export const QUIC_HANDSHAKE = 2;
export const QUIC_RETRY = 3;

/** The crypto a caller hands in, over its own key object `K` (derived from the DCID). */
export interface QuicInitialCrypto<K> {
  /** The first 5 bytes of AES-ECB(hp, sample) (RFC 9001 §5.4.3); `sample` is 16 bytes. */
  hpMask(keys: K, sample: Uint8Array): Uint8Array;
  /** AEAD-open `sealed` (ciphertext + 16-byte tag) for packet number `pn`; null when the tag fails. */
  open(keys: K, pn: number, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

/** One long header's fields, offsets into the datagram (a reader object: reused, no module state). */
export class QuicHeader {
  version = 0;
  type = 0;
  start = 0;
  dcidOff = 0;
  dcidLen = 0;
  scidOff = 0;
  scidLen = 0;
  tokenLen = 0;
  /** Offset of the (protected) packet number; the packet ends at `end`. */
  pnOff = 0;
  end = 0;
}

/** A varint reader (RFC 9000 §16); `pos` advances, -1 on a value that runs past `end`. */
export class Varint {
  pos = 0;
  read(d: Uint8Array, end: number): number {
    const p = this.pos;
    if (p >= end) return -1;
    const n = 1 << (d[p]! >> 6);
    if (p + n > end) return -1;
    let v = d[p]! & 0x3f;
    for (let i = 1; i < n; i++) v = v * 256 + d[p + i]!;
    this.pos = p + n;
    return v;
  }
}

/** True when `d[off]` starts a v1/v2 long header (the fixed bit set): worth a full parse. */
export function isQuicLongHeader(d: Uint8Array, off: number, end: number): boolean {
  if (end - off < 7 || (d[off]! & 0xc0) !== 0xc0) return false;
  const v = ((d[off + 1]! << 24) | (d[off + 2]! << 16) | (d[off + 3]! << 8) | d[off + 4]!) >>> 0;
  return v === QUIC_V1 || v === QUIC_V2;
}

/**
 * Parse the v1/v2 long header at `off`: 'ok' (fields in `h`), 'not' (a short header, another
 * version, version negotiation), or 'bad' (lengths past `end`).
 */
export function parseLongHeader(
  d: Uint8Array,
  off: number,
  end: number,
  h: QuicHeader,
  v: Varint,
): 'ok' | 'not' | 'bad' {
  if (!isQuicLongHeader(d, off, end)) return 'not';
  const b0 = d[off]!;
  const version = ((d[off + 1]! << 24) | (d[off + 2]! << 16) | (d[off + 3]! << 8) | d[off + 4]!) >>> 0;
  const raw = (b0 >> 4) & 3;
  h.version = version;
  h.type = version === QUIC_V2 ? (raw + 3) & 3 : raw; // v2: Initial 1, 0-RTT 2, Handshake 3, Retry 0
  h.start = off;
  const dl = d[off + 5]!;
  if (dl > 20 || off + 6 + dl + 1 > end) return 'bad';
  h.dcidOff = off + 6;
  h.dcidLen = dl;
  const sl = d[off + 6 + dl]!;
  h.scidOff = off + 7 + dl;
  h.scidLen = sl;
  if (sl > 20 || h.scidOff + sl > end) return 'bad';
  v.pos = h.scidOff + sl;
  h.tokenLen = 0;
  if (h.type === QUIC_RETRY) {
    h.pnOff = v.pos;
    h.end = end;
    return 'ok';
  }
  if (h.type === QUIC_INITIAL) {
    const tl = v.read(d, end);
    if (tl < 0 || v.pos + tl > end) return 'bad';
    h.tokenLen = tl;
    v.pos += tl;
  }
  const len = v.read(d, end);
  if (len < 0 || v.pos + len > end) return 'bad';
  h.pnOff = v.pos;
  h.end = v.pos + len;
  return 'ok';
}

/** RFC 9000 Appendix A.3: the full packet number nearest to the largest seen + 1. */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const half = win / 2;
  const candidate = Math.floor(expected / win) * win + truncated;
  if (candidate <= expected - half && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + half && candidate >= win) return candidate - win;
  return candidate;
}

export type OpenResult =
  | { readonly kind: 'ok'; readonly pn: number; readonly payload: Uint8Array }
  | { readonly kind: 'anomaly'; readonly code: QuicAnomaly };

/**
 * Remove header protection and decrypt the packet `h` describes. The datagram is not written
 * to: the unprotected header is rebuilt in a copy (it is the AEAD's associated data).
 */
export function openPacket<K>(
  d: Uint8Array,
  h: QuicHeader,
  keys: K,
  c: QuicInitialCrypto<K>,
  largest: number,
): OpenResult {
  // The sample starts 4 bytes after the packet number's start, whatever its length (§5.4.2).
  const sampleOff = h.pnOff + 4;
  if (sampleOff + 16 > h.end) return { kind: 'anomaly', code: 'quic.bad-initial' };
  const mask = c.hpMask(keys, d.subarray(sampleOff, sampleOff + 16));
  const first = d[h.start]! ^ (mask[0]! & 0x0f);
  const pnLen = (first & 3) + 1;
  const hdrLen = h.pnOff - h.start + pnLen;
  const aad = d.slice(h.start, h.start + hdrLen);
  aad[0] = first;
  let truncated = 0;
  for (let i = 0; i < pnLen; i++) {
    const b = aad[hdrLen - pnLen + i]! ^ mask[1 + i]!;
    aad[hdrLen - pnLen + i] = b;
    truncated = truncated * 256 + b;
  }
  const pn = decodePacketNumber(largest, truncated, pnLen * 8);
  const sealed = d.subarray(h.pnOff + pnLen, h.end);
  if (sealed.length < 16) return { kind: 'anomaly', code: 'quic.bad-initial' };
  const payload = c.open(keys, pn, aad, sealed);
  if (payload === null) return { kind: 'anomaly', code: 'quic.decrypt-failed' };
  return { kind: 'ok', pn, payload };
}

/**
 * The frames of a decrypted Initial (RFC 9000 §17.2.2: PADDING, PING, ACK, CRYPTO and
 * CONNECTION_CLOSE only). Each CRYPTO frame goes to `crypto`; returns an anomaly or null.
 */
export function initialFrames(p: Uint8Array, v: Varint, crypto: CryptoStream): QuicAnomaly | null {
  const end = p.length;
  v.pos = 0;
  // Each iteration consumes at least the frame's type byte.
  while (v.pos < end) {
    const type = p[v.pos]!;
    if (type === 0x00 || type === 0x01) {
      v.pos++;
      continue;
    }
    v.pos++;
    if (type === 0x02 || type === 0x03) {
      v.read(p, end); // largest acknowledged
      v.read(p, end); // ack delay
      const ranges = v.read(p, end);
      if (v.read(p, end) < 0 || ranges < 0 || ranges > end) return 'quic.bad-frame';
      for (let i = 0; i < ranges; i++) if (v.read(p, end) < 0 || v.read(p, end) < 0) return 'quic.bad-frame';
      if (type === 0x03) for (let i = 0; i < 3; i++) if (v.read(p, end) < 0) return 'quic.bad-frame';
    } else if (type === 0x06) {
      const off = v.read(p, end);
      const len = v.read(p, end);
      if (off < 0 || len < 0 || v.pos + len > end) return 'quic.bad-frame';
      const r = crypto.add(off, p.subarray(v.pos, v.pos + len));
      v.pos += len;
      if (r !== null) return r;
    } else if (type === 0x1c) {
      v.read(p, end); // error code
      v.read(p, end); // frame type
      const rl = v.read(p, end);
      if (rl < 0 || v.pos + rl > end) return 'quic.bad-frame';
      v.pos += rl;
    } else return 'quic.bad-frame';
  }
  return null;
}

/**
 * The client's Initial CRYPTO stream, reassembled from frames in any order into one bounded
 * buffer (QUIC_MAX_CRYPTO) with a byte map of what arrived; grown only as far as data goes.
 */
export class CryptoStream {
  buf = new Uint8Array(0);
  private have = new Uint8Array(0);
  /** Bytes from offset 0 that are all present. */
  contiguous = 0;

  add(off: number, data: Uint8Array): QuicAnomaly | null {
    const end = off + data.length;
    if (end > QUIC_MAX_CRYPTO) return 'quic.crypto-overflow';
    if (end > this.buf.length) {
      const size = Math.min(QUIC_MAX_CRYPTO, Math.max(2048, this.buf.length * 2, end));
      const nb = new Uint8Array(size);
      nb.set(this.buf);
      const nh = new Uint8Array(size);
      nh.set(this.have);
      this.buf = nb;
      this.have = nh;
    }
    // Bytes already present are kept (first copy wins, as in TCP reassembly).
    for (let i = 0; i < data.length; i++) {
      if (this.have[off + i] === 0) {
        this.buf[off + i] = data[i]!;
        this.have[off + i] = 1;
      }
    }
    let c = this.contiguous;
    while (c < this.buf.length && this.have[c] === 1) c++;
    this.contiguous = c;
    return null;
  }

  /** Length of the first handshake message once it is whole (type byte first), else -1. */
  firstMessage(): number {
    if (this.contiguous < 4) return -1;
    const n = 4 + ((this.buf[1]! << 16) | (this.buf[2]! << 8) | this.buf[3]!);
    if (n > QUIC_MAX_CRYPTO) return -2;
    return this.contiguous >= n ? n : -1;
  }
}
