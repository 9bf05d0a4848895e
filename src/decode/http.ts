// HTTP/1.x message heads (RFC 9112 §2-§5) and chunk-size lines (RFC 9112 §7.1).
//
// Only the head is decoded: start line, then the header fields wardwatch reports (Host,
// User-Agent, Server) and those needed to find the next message (Content-Length,
// Transfer-Encoding). The head must end (empty line) within `maxHead` bytes or it is
// 'http.header-too-long'. Bare LF line ends are accepted as RFC 9112 §2.2 allows.
// Strings are built only for those few fields, each capped at 512 characters. The request
// target and Host go through `uri-privacy.ts` first, read whole and cut after: no password, query
// value or identifier-like path segment leaves this file, not even one a cut would have separated
// from its '@' or '=' or shortened below what marks it.

import { authorityWithoutUserinfo, redactUri } from './uri-privacy.js';

export const HTTP_ANOMALIES = [
  'http.header-too-long', // no blank line within the head limit: the direction is no longer parsed
  'http.bad-start-line', // a request or status line that is not METHOD SP target SP HTTP/x.y (or HTTP/x.y SP code)
  'http.bad-content-length', // Content-Length that is not a number, or two that disagree (RFC 9112 §6.3)
  'http.bad-chunk', // a chunk-size line without hex digits, with more than 12 of them, or without its CRLF
] as const;
export type HttpAnomaly = (typeof HTTP_ANOMALIES)[number];

export type HttpResult<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'more' }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: HttpAnomaly };

export interface HttpHead {
  readonly isRequest: boolean;
  readonly method: string; // requests
  /** Requests: the target with userinfo, query and matrix values, identifier-like path segments
   * (`:id`) and fragment removed (`redactUri`; CONNECT's authority without userinfo). */
  readonly uri: string;
  readonly version: string; // 'HTTP/1.1'
  readonly status: number; // responses
  readonly reason: string; // responses
  /** Host without userinfo (`authorityWithoutUserinfo`). */
  readonly host?: string;
  readonly userAgent?: string;
  readonly server?: string;
  /** -1 when absent. */
  readonly contentLength: number;
  readonly chunked: boolean;
  /** Bytes of the head including the empty line. */
  readonly headLen: number;
  /** A header that could not be used as written (e.g. a non-numeric Content-Length). */
  readonly anomaly: HttpAnomaly | null;
}

export const HTTP_MAX_HEAD = 16 * 1024;
const MAX_VALUE = 512;
const MORE = { kind: 'more' } as const;
const NOT = { kind: 'not' } as const;

const METHODS = [
  'GET',
  'POST',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'CONNECT',
  'TRACE',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'REPORT',
  'SEARCH',
] as const;
const STARTS = [...METHODS.map((m) => `${m} `), 'HTTP/1.'];

/**
 * Does the data start like an HTTP request (a known method and a space) or response
 * ('HTTP/1.')? 'more' while the bytes are a prefix of one.
 */
export function httpStart(b: Uint8Array, off: number, end: number): 'request' | 'response' | 'more' | 'not' {
  end = Math.min(end, b.length);
  let more = false;
  for (const word of STARTS) {
    const n = Math.min(word.length, end - off);
    let i = 0;
    while (i < n && b[off + i] === word.charCodeAt(i)) i++;
    if (i === word.length) return word === 'HTTP/1.' ? 'response' : 'request';
    if (i === n) more = true;
  }
  return more ? 'more' : 'not';
}

function text(b: Uint8Array, from: number, to: number, max = MAX_VALUE): string {
  while (from < to && (b[from] === 0x20 || b[from] === 0x09)) from++;
  while (to > from && (b[to - 1] === 0x20 || b[to - 1] === 0x09 || b[to - 1] === 0x0d)) to--;
  let s = '';
  for (let i = from; i < to && s.length < max; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

// WHATWG's 'latin1' is windows-1252; it is used on printable ASCII only, where the two agree.
const ASCII = new TextDecoder('latin1');

/**
 * The request target as `text` reads it (trimmed, at most HTTP_MAX_HEAD characters), but built as one
 * flat string when it is printable: redactUri walks every character, and a string grown by `+=`
 * would first be flattened, costing more than the walk.
 */
function targetText(b: Uint8Array, from: number, to: number): string {
  while (from < to && (b[from] === 0x20 || b[from] === 0x09)) from++;
  while (to > from && (b[to - 1] === 0x20 || b[to - 1] === 0x09 || b[to - 1] === 0x0d)) to--;
  if (to - from > HTTP_MAX_HEAD) to = from + HTTP_MAX_HEAD;
  // Below this a call to the decoder costs more than the flattening it saves.
  if (to - from < 64) return text(b, from, to, HTTP_MAX_HEAD);
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c < 0x20 || c >= 0x7f) return text(b, from, to, HTTP_MAX_HEAD);
  }
  return ASCII.decode(b.subarray(from, to));
}

function capped(s: string): string {
  return s.length > MAX_VALUE ? s.slice(0, MAX_VALUE) : s;
}

/** Case-insensitive match of header name `name` (lowercase) followed by ':' at b[p]. */
function isField(b: Uint8Array, p: number, lineEnd: number, name: string): boolean {
  if (p + name.length >= lineEnd || b[p + name.length] !== 0x3a) return false;
  for (let i = 0; i < name.length; i++) if ((b[p + i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

function indexOf(b: Uint8Array, c: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === c) return i;
  return -1;
}

/** Offset just past the empty line ending the head, or -1 when not within [off, limit). */
function headEnd(b: Uint8Array, off: number, limit: number): number {
  for (let i = indexOf(b, 0x0a, off, limit); i >= 0; i = indexOf(b, 0x0a, i + 1, limit)) {
    if (b[i + 1] === 0x0a && i + 1 < limit) return i + 2;
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a && i + 2 < limit) return i + 3;
  }
  return -1;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Decode a request or response head at `off`. */
export function decodeHttpHead(b: Uint8Array, off: number, end: number, maxHead = HTTP_MAX_HEAD): HttpResult<HttpHead> {
  end = Math.min(end, b.length);
  const kind = httpStart(b, off, end);
  if (kind === 'not') return NOT;
  if (kind === 'more') return MORE;
  const limit = Math.min(end, off + maxHead);
  const hEnd = headEnd(b, off, limit);
  if (hEnd < 0) return end - off >= maxHead ? { kind: 'anomaly', code: 'http.header-too-long' } : MORE;
  const l1 = indexOf(b, 0x0a, off, hEnd);
  const sp1 = indexOf(b, 0x20, off, l1);
  const sp2 = sp1 < 0 ? -1 : indexOf(b, 0x20, sp1 + 1, l1);
  let method = '';
  let uri = '';
  let version: string;
  let status = 0;
  let reason = '';
  if (kind === 'request') {
    // METHOD SP request-target SP HTTP-version. The version is after the line's last " H": a
    // target with a space in it (`GET /Hello Arkime HTTP/1.0`, seen in Arkime's ERSPAN sample)
    // is read as Wireshark and Zeek read it, the space kept in the target.
    let spv = sp2;
    if (sp2 >= 0)
      for (let i = l1 - 1; i > sp2; i--)
        if (b[i] === 0x20 && b[i + 1] === 0x48) {
          spv = i;
          break;
        }
    if (spv < 0 || b[spv + 1] !== 0x48 || spv + 9 > l1) return { kind: 'anomaly', code: 'http.bad-start-line' };
    method = text(b, off, sp1);
    // Read whole (the head is bounded), redacted, then cut: a cut first could leave a long
    // userinfo without the '@' that marks it.
    // A target with nothing to remove comes back from redactUri as itself: no string built twice.
    const target = targetText(b, sp1 + 1, spv);
    uri = capped(redactUri(method === 'CONNECT' ? authorityWithoutUserinfo(target) : target));
    version = text(b, spv + 1, l1);
  } else {
    // HTTP-version SP 3DIGIT SP [reason-phrase]
    if (sp1 < 0 || !isDigit(b[sp1 + 1]) || !isDigit(b[sp1 + 2]) || !isDigit(b[sp1 + 3])) {
      return { kind: 'anomaly', code: 'http.bad-start-line' };
    }
    version = text(b, off, sp1);
    status = (b[sp1 + 1]! - 0x30) * 100 + (b[sp1 + 2]! - 0x30) * 10 + (b[sp1 + 3]! - 0x30);
    reason = sp2 < 0 ? '' : text(b, sp2 + 1, l1);
  }
  let host: string | undefined;
  let userAgent: string | undefined;
  let server: string | undefined;
  let contentLength = -1;
  let chunked = false;
  let anomaly: HttpAnomaly | null = null;
  // One pass over the header lines; each iteration moves past one line.
  for (let p = l1 + 1; p < hEnd; ) {
    let e = indexOf(b, 0x0a, p, hEnd);
    if (e < 0) e = hEnd;
    const c = b[p]! | 0x20;
    if (c === 0x68 && host === undefined && isField(b, p, e, 'host'))
      host =
        indexOf(b, 0x40, p + 5, e) < 0
          ? text(b, p + 5, e)
          : capped(authorityWithoutUserinfo(text(b, p + 5, e, HTTP_MAX_HEAD)));
    else if (c === 0x75 && userAgent === undefined && isField(b, p, e, 'user-agent')) userAgent = text(b, p + 11, e);
    else if (c === 0x73 && server === undefined && isField(b, p, e, 'server')) server = text(b, p + 7, e);
    else if (c === 0x63 && isField(b, p, e, 'content-length')) {
      const v = text(b, p + 15, e);
      if (/^[0-9]{1,15}$/.test(v)) {
        const n = Number(v);
        if (contentLength >= 0 && contentLength !== n) anomaly = 'http.bad-content-length';
        contentLength = n;
      } else anomaly = 'http.bad-content-length';
    } else if (c === 0x74 && isField(b, p, e, 'transfer-encoding')) {
      // chunked must be the final coding (RFC 9112 §6.1)
      chunked = /chunked$/i.test(text(b, p + 18, e));
    }
    p = e + 1;
  }
  return {
    kind: 'ok',
    value: {
      isRequest: kind === 'request',
      method,
      uri,
      version,
      status,
      reason,
      host,
      userAgent,
      server,
      contentLength,
      chunked,
      headLen: hEnd - off,
      anomaly,
    },
  };
}

/** A chunk-size line (hex size, optional extensions, line end), optionally preceded by the CRLF
 * that ends the previous chunk's data. `len` covers everything consumed. */
export function decodeChunkSize(b: Uint8Array, off: number, end: number): HttpResult<{ size: number; len: number }> {
  end = Math.min(end, b.length);
  let p = off;
  if (b[p] === 0x0d && p + 1 < end) p++;
  if (b[p] === 0x0a && p < end) p++;
  const lineEnd = indexOf(b, 0x0a, p, Math.min(end, p + 1024));
  if (lineEnd < 0) return end - p >= 1024 ? { kind: 'anomaly', code: 'http.bad-chunk' } : MORE;
  let size = 0;
  let digits = 0;
  for (let i = p; i < lineEnd; i++) {
    const c = b[i]! | 0x20;
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (v < 0) break;
    if (++digits > 12) return { kind: 'anomaly', code: 'http.bad-chunk' };
    size = size * 16 + v;
  }
  if (digits === 0) return { kind: 'anomaly', code: 'http.bad-chunk' };
  return { kind: 'ok', value: { size, len: lineEnd + 1 - off } };
}

/** End of the trailer section after the last chunk: offset past its empty line, or -1. */
export function trailerEnd(b: Uint8Array, off: number, end: number): number {
  end = Math.min(end, b.length);
  // The empty line may come at once (no trailer fields).
  if (b[off] === 0x0a) return off + 1;
  if (b[off] === 0x0d && b[off + 1] === 0x0a && off + 1 < end) return off + 2;
  return headEnd(b, off, end);
}
