// TLS decoder: record header (RFC 5246 §6.2.1), ClientHello / ServerHello (RFC 5246 §7.4.1,
// RFC 8446 §4.1.2-3) with server_name (RFC 6066 §3), ALPN (RFC 7301) and supported_versions
// (RFC 8446 §4.2.1), the subject CN of the first certificate of a TLS ≤ 1.2 Certificate message
// (a bounded DER walk, X.509 per RFC 5280 §4.1), and the SSLv2-compatible ClientHello
// (RFC 5246 Appendix E.2) — recognised for its version only.
//
// Handshake functions take one whole handshake message (type byte first), already joined from
// however many records carried it; that joining is the analyzer's job (src/flow/apps/tls.ts).
// GREASE values (RFC 8701, 0x?A?A) are skipped wherever versions are listed.
//
// A ClientHello also yields its JA3 string and JA4 parts (tls-fingerprint.ts; hashed by the
// analyzer); a Certificate message its chain's subjects, issuers and validity (x509.ts).
import { type ClientFingerprint, clientFingerprint, isGrease } from './tls-fingerprint.js';
import { DerReader } from './x509.js';

export const TLS_ANOMALIES = [
  'tls.bad-record', // a record header with a length beyond TLS_MAX_RECORD (RFC 5246 §6.2.1 allows 2^14 + 2048)
  'tls.bad-handshake', // a ClientHello/ServerHello shorter than its fixed fields, or a handshake message too long to be real
  'tls.bad-extension', // an extension (or a list inside SNI, ALPN, supported_versions) running past its container
  'tls.bad-certificate', // the first certificate of a Certificate message is not the DER a bounded X.509 walk expects
] as const;
export type TlsAnomaly = (typeof TLS_ANOMALIES)[number];

export type TlsResult<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'more' }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: TlsAnomaly };

const MORE = { kind: 'more' } as const;
const NOT = { kind: 'not' } as const;
function bad(code: TlsAnomaly): { readonly kind: 'anomaly'; readonly code: TlsAnomaly } {
  return { kind: 'anomaly', code };
}

export const TLS_CHANGE_CIPHER_SPEC = 20;
export const TLS_ALERT = 21;
export const TLS_HANDSHAKE = 22;
export const TLS_APPLICATION_DATA = 23;
/** A record's payload may not exceed 2^14 + 2048 bytes (RFC 5246 §6.2.3; RFC 8446 allows 2^14 + 256). */
export const TLS_MAX_RECORD = 16384 + 2048;

export interface TlsRecordHeader {
  readonly type: number;
  readonly version: number;
  readonly length: number;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u24(b: Uint8Array, o: number): number {
  return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
}

export function tlsRecordHeader(b: Uint8Array, off: number, end: number): TlsResult<TlsRecordHeader> {
  end = Math.min(end, b.length);
  if (end - off < 5) {
    if (end > off && (b[off]! < 20 || b[off]! > 24)) return NOT;
    if (end - off > 1 && b[off + 1] !== 3) return NOT;
    return MORE;
  }
  const type = b[off]!;
  if (type < 20 || type > 24 || b[off + 1] !== 3 || b[off + 2]! > 4) return NOT;
  const length = u16(b, off + 3);
  if (length > TLS_MAX_RECORD) return bad('tls.bad-record');
  return { kind: 'ok', value: { type, version: u16(b, off + 1), length } };
}

export function tlsVersionName(v: number): string {
  switch (v) {
    case 0x0002:
      return 'SSL 2.0';
    case 0x0300:
      return 'SSL 3.0';
    case 0x0301:
      return 'TLS 1.0';
    case 0x0302:
      return 'TLS 1.1';
    case 0x0303:
      return 'TLS 1.2';
    case 0x0304:
      return 'TLS 1.3';
  }
  // Pre-RFC 8446 drafts advertised 0x7f00 + draft number.
  if (v >> 8 === 0x7f) return 'TLS 1.3';
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/** Orders versions so that drafts of 1.3 rank as 1.3. */
function rank(v: number): number {
  return v >> 8 === 0x7f ? 0x0304 : v;
}

function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = o; i < o + n; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

export interface ClientHello {
  readonly legacyVersion: number;
  /** Highest version offered, by name: from supported_versions when present. */
  readonly version: string;
  readonly sni?: string;
  readonly alpn?: readonly string[];
  /** supported_versions without GREASE, in offered order (empty when the extension is absent). */
  readonly versions: readonly number[];
  readonly sslv2: boolean;
  /** JA3 string and JA4 parts (absent for the SSLv2-compatible hello, which JA3/JA4 do not cover). */
  readonly fingerprint?: ClientFingerprint;
}

export interface ServerHello {
  readonly legacyVersion: number;
  /** Negotiated version: supported_versions' selection when present (TLS 1.3), else the legacy field. */
  readonly version: number;
  readonly alpn?: string;
}

interface Ext {
  sni?: string;
  alpn?: string[];
  versions: number[];
  /** ClientHello only, for the fingerprints: every non-GREASE extension type in order, and three lists. */
  types?: number[];
  groups?: number[];
  pointFormats?: number[];
  sigAlgs?: number[];
  alpnFirst?: number;
  alpnLast?: number;
}

/** A u16 list behind a 2-byte length at v (inside [v, e)), GREASE removed, into `out`; false when it overruns. */
function u16List(b: Uint8Array, v: number, e: number, out: number[]): boolean {
  if (v + 2 > e) return false;
  const end = v + 2 + u16(b, v);
  if (end > e) return false;
  // Each iteration consumes 2 bytes.
  for (let q = v + 2; q + 2 <= end; q += 2) {
    const x = u16(b, q);
    if (!isGrease(x)) out.push(x);
  }
  return true;
}

/** Extension block b[p, end); returns an anomaly code or null. `server` selects ServerHello forms. */
function extensions(b: Uint8Array, p: number, end: number, server: boolean, out: Ext): TlsAnomaly | null {
  // Each iteration consumes ≥4 bytes.
  while (p + 4 <= end) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    const v = p + 4;
    const e = v + len;
    if (e > end) return 'tls.bad-extension';
    if (!server && out.types !== undefined && !isGrease(type)) {
      out.types.push(type);
      // Malformed lists here only shorten the fingerprint's lists: tshark and the JA4 tools do the same.
      if (type === 10) u16List(b, v, e, out.groups!);
      else if (type === 13) u16List(b, v, e, out.sigAlgs!);
      else if (type === 11 && len >= 1)
        for (let q = v + 1; q < Math.min(e, v + 1 + b[v]!); q++) out.pointFormats!.push(b[q]!);
    }
    if (type === 0 && !server && len >= 2) {
      // server_name: list of (name_type, opaque name); only host_name (0) is defined
      const listEnd = Math.min(e, v + 2 + u16(b, v));
      for (let q = v + 2; q + 3 <= listEnd; ) {
        const n = u16(b, q + 1);
        if (q + 3 + n > listEnd) return 'tls.bad-extension';
        if (b[q] === 0 && out.sni === undefined) out.sni = ascii(b, q + 3, n);
        q += 3 + n;
      }
    } else if (type === 16 && len >= 2) {
      const listEnd = v + 2 + u16(b, v);
      if (listEnd > e) return 'tls.bad-extension';
      const names: string[] = [];
      for (let q = v + 2; q < listEnd; ) {
        const n = b[q]!;
        if (q + 1 + n > listEnd) return 'tls.bad-extension';
        if (names.length === 0 && n > 0 && out.types !== undefined) {
          out.alpnFirst = b[q + 1]!;
          out.alpnLast = b[q + n]!;
        }
        names.push(ascii(b, q + 1, n));
        q += 1 + n;
      }
      out.alpn = names;
    } else if (type === 43) {
      if (server) {
        if (len !== 2) return 'tls.bad-extension';
        out.versions.push(u16(b, v));
      } else {
        if (len < 1 || v + 1 + b[v]! > e) return 'tls.bad-extension';
        for (let q = v + 1; q + 2 <= v + 1 + b[v]!; q += 2) {
          const ver = u16(b, q);
          if (!isGrease(ver)) out.versions.push(ver);
        }
      }
    }
    p = e;
  }
  return p === end ? null : 'tls.bad-extension';
}

/** Common prefix of both hellos: returns the offset after the random (or an anomaly). */
function helloBody(b: Uint8Array, off: number, end: number, type: number): TlsResult<number> {
  end = Math.min(end, b.length);
  if (end - off < 4) return end > off && b[off] !== type ? NOT : MORE;
  if (b[off] !== type) return NOT;
  const mend = off + 4 + u24(b, off + 1);
  if (mend > end) return mend - off > TLS_MAX_RECORD * 4 ? bad('tls.bad-handshake') : MORE;
  if (mend - off < 4 + 2 + 32 + 1) return bad('tls.bad-handshake');
  return { kind: 'ok', value: mend };
}

/** Decode a ClientHello handshake message starting at its type byte. */
export function decodeClientHello(b: Uint8Array, off: number, end: number): TlsResult<ClientHello> {
  const h = helloBody(b, off, end, 1);
  if (h.kind !== 'ok') return h;
  const mend = h.value;
  const legacyVersion = u16(b, off + 4);
  let p = off + 4 + 2 + 32;
  p += 1 + b[p]!; // session_id
  if (p + 2 > mend) return bad('tls.bad-handshake');
  const ciphers: number[] = [];
  const cend = Math.min(mend, p + 2 + u16(b, p));
  // Each iteration consumes 2 bytes.
  for (let q = p + 2; q + 2 <= cend; q += 2) {
    const c = u16(b, q);
    if (!isGrease(c)) ciphers.push(c);
  }
  p += 2 + u16(b, p); // cipher_suites
  if (p + 1 > mend) return bad('tls.bad-handshake');
  p += 1 + b[p]!; // compression_methods
  if (p > mend) return bad('tls.bad-handshake');
  const ext: Ext = { versions: [], types: [], groups: [], pointFormats: [], sigAlgs: [] };
  if (p + 2 <= mend) {
    const eend = p + 2 + u16(b, p);
    if (eend > mend) return bad('tls.bad-extension');
    const e = extensions(b, p + 2, eend, false, ext);
    if (e) return bad(e);
  }
  let best = legacyVersion;
  for (const v of ext.versions) if (rank(v) > rank(best)) best = v;
  return {
    kind: 'ok',
    value: {
      legacyVersion,
      version: tlsVersionName(best),
      sni: ext.sni,
      alpn: ext.alpn,
      versions: ext.versions,
      sslv2: false,
      fingerprint: clientFingerprint({
        legacyVersion,
        ciphers,
        extensions: ext.types!,
        groups: ext.groups!,
        pointFormats: ext.pointFormats!,
        sigAlgs: ext.sigAlgs!,
        versions: ext.versions,
        alpnFirst: ext.alpnFirst ?? -1,
        alpnLast: ext.alpnLast ?? -1,
      }),
    },
  };
}

/** Decode a ServerHello handshake message starting at its type byte. */
export function decodeServerHello(b: Uint8Array, off: number, end: number): TlsResult<ServerHello> {
  const h = helloBody(b, off, end, 2);
  if (h.kind !== 'ok') return h;
  const mend = h.value;
  const legacyVersion = u16(b, off + 4);
  let p = off + 4 + 2 + 32;
  p += 1 + b[p]!; // session_id
  p += 2 + 1; // cipher_suite, compression_method
  if (p > mend) return bad('tls.bad-handshake');
  const ext: Ext = { versions: [] };
  if (p + 2 <= mend) {
    const eend = p + 2 + u16(b, p);
    if (eend > mend) return bad('tls.bad-extension');
    const e = extensions(b, p + 2, eend, true, ext);
    if (e) return bad(e);
  }
  return { kind: 'ok', value: { legacyVersion, version: ext.versions[0] ?? legacyVersion, alpn: ext.alpn?.[0] } };
}

/**
 * SSLv2-compatible ClientHello (2-byte header with the high bit set, msg_type 1): recognised so
 * old clients are counted; it carries no extensions, hence no SNI.
 */
export function decodeSslv2Hello(b: Uint8Array, off: number, end: number): TlsResult<ClientHello> {
  end = Math.min(end, b.length);
  if (end - off < 5) return MORE;
  if ((b[off]! & 0x80) === 0 || b[off + 2] !== 1) return NOT;
  const v = u16(b, off + 3);
  if (v !== 0x0002 && b[off + 3] !== 3) return NOT;
  return { kind: 'ok', value: { legacyVersion: v, version: tlsVersionName(v), versions: [], sslv2: true } };
}

// --- Certificate subject (TLS ≤ 1.2: the Certificate message is in the clear) -------------

const CN_OID = [0x06, 0x03, 0x55, 0x04, 0x03];

/** The subject CN of the first certificate in a Certificate message (type 11) at `off`. */
export function decodeCertificateCn(b: Uint8Array, off: number, end: number): TlsResult<string | undefined> {
  end = Math.min(end, b.length);
  if (end - off < 4) return end > off && b[off] !== 11 ? NOT : MORE;
  if (b[off] !== 11) return NOT;
  if (end - off < 10) return MORE;
  const certLen = u24(b, off + 7);
  const cEnd = off + 10 + certLen;
  if (cEnd > end) return MORE; // only the first certificate has to be present
  const BAD = bad('tls.bad-certificate');
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, sigAlg, issuer, validity, subject, … } }
  const t = new DerReader();
  if (t.tag(b, off + 10, cEnd) !== 0x30) return BAD;
  if (t.tag(b, t.start, t.end) !== 0x30) return BAD;
  let p = t.start;
  const tbsEnd = t.end;
  const first = t.tag(b, p, tbsEnd);
  if (first < 0) return BAD;
  if (first === 0xa0) p = t.end;
  for (let i = 0; i < 4; i++) {
    if (t.tag(b, p, tbsEnd) < 0) return BAD; // serial, signature, issuer, validity
    p = t.end;
  }
  if (t.tag(b, p, tbsEnd) !== 0x30) return BAD;
  const subjEnd = t.end;
  // RDNSequence: SET { SEQUENCE { OID, value } }; bounded by the subject's own length.
  for (let s = t.start; s < subjEnd; ) {
    if (t.tag(b, s, subjEnd) !== 0x31) return BAD;
    const setEnd = t.end;
    s = t.end;
    for (let a = t.start; a < setEnd; ) {
      if (t.tag(b, a, setEnd) !== 0x30) return BAD;
      const attrEnd = t.end;
      a = t.end;
      const o = t.start;
      if (o + 5 <= attrEnd && CN_OID.every((x, i) => b[o + i] === x) && t.tag(b, o + 5, attrEnd) >= 0) {
        return { kind: 'ok', value: ascii(b, t.start, Math.min(t.end - t.start, 200)) };
      }
    }
  }
  return { kind: 'ok', value: undefined };
}
