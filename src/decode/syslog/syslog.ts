// Syslog decoder: RFC 5424 (VERSION 1 header), RFC 3164 (BSD: timestamp, host, tag) and the
// bare "<PRI>text" many embedded devices send; RFC 6587 octet counting for TCP frames. Only the
// header fields leave the decoder (facility, severity, host name, app name) and the offset where
// the free text starts, so the analyzer can look for patient data in it without keeping it.

export const SYSLOG_ANOMALIES = [
  'syslog.bad-pri', // a message that does not start with <PRI> of 1-3 digits, PRI ≤ 191 (RFC 5424 §6.2.1)
  'syslog.bad-frame', // a TCP octet count that is not digits or exceeds SYSLOG_MAX_FRAME (RFC 6587 §3.4.1)
] as const;
export type SyslogAnomaly = (typeof SYSLOG_ANOMALIES)[number];

/** Largest message followed (RFC 5424 §6.1: receivers SHOULD accept 2048; relays carry more). */
export const SYSLOG_MAX_FRAME = 65536;
/** Longest host or app name kept (RFC 5424 §6: HOSTNAME ≤ 255, APP-NAME ≤ 48). */
const MAX_NAME = 64;

export interface SyslogHeader {
  readonly format: 'rfc5424' | 'rfc3164' | 'bare';
  readonly facility: number;
  readonly severity: number;
  readonly hostname?: string;
  readonly appName?: string;
  /** Offset of the free-text message (MSG) in the buffer. */
  readonly msgStart: number;
}

export type SyslogResult =
  | { readonly kind: 'ok'; readonly header: SyslogHeader }
  | { readonly kind: 'anomaly'; readonly code: SyslogAnomaly };

const BAD_PRI = { kind: 'anomaly', code: 'syslog.bad-pri' } as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** The token at `p` up to a space (or `end`), as printable text; its end index. */
function token(b: Uint8Array, p: number, end: number, stop = 0x20): { text: string; next: number } {
  let t = '';
  let i = p;
  for (; i < end && b[i] !== stop && b[i] !== 0x20; i++) {
    if (t.length < MAX_NAME) t += b[i]! > 0x20 && b[i]! < 0x7f ? String.fromCharCode(b[i]!) : '.';
  }
  return { text: t, next: i };
}

/** RFC 3164 TIMESTAMP "Mmm dd hh:mm:ss" (dd space-padded) at `p`. */
function bsdTime(b: Uint8Array, p: number, end: number): boolean {
  if (p + 15 > end) return false;
  const m = String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!);
  return (
    MONTHS.includes(m) &&
    b[p + 3] === 0x20 &&
    (b[p + 4] === 0x20 || isDigit(b[p + 4])) &&
    isDigit(b[p + 5]) &&
    b[p + 6] === 0x20 &&
    b[p + 9] === 0x3a &&
    b[p + 12] === 0x3a
  );
}

/** Decode one syslog message at `b[off, end)`. Never throws. */
export function decodeSyslog(b: Uint8Array, off: number, end: number): SyslogResult {
  if (end > b.length) end = b.length;
  if (off >= end || b[off] !== 0x3c) return BAD_PRI;
  let p = off + 1;
  let pri = 0;
  while (p < end && isDigit(b[p]) && p - off <= 3) pri = pri * 10 + b[p++]! - 0x30;
  if (p === off + 1 || p >= end || b[p] !== 0x3e || pri > 191) return BAD_PRI;
  p++;
  const facility = pri >> 3;
  const severity = pri & 7;
  // RFC 5424: "1 " then TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]
  if (b[p] === 0x31 && b[p + 1] === 0x20) {
    let q = p + 2;
    const fields: string[] = [];
    for (let i = 0; i < 5 && q < end; i++) {
      const t = token(b, q, end);
      fields.push(t.text);
      q = t.next + 1;
    }
    // STRUCTURED-DATA: '-' or one or more [..] elements (']' inside values escaped as '\]')
    if (q < end && b[q] === 0x5b) {
      while (q < end && b[q] === 0x5b) {
        q++;
        while (q < end && b[q] !== 0x5d) q += b[q] === 0x5c ? 2 : 1;
        q++;
      }
    } else if (q < end) q++;
    if (q < end && b[q] === 0x20) q++;
    const nil = (s: string | undefined) => (s === undefined || s === '-' || s === '' ? undefined : s);
    return {
      kind: 'ok',
      header: {
        format: 'rfc5424',
        facility,
        severity,
        hostname: nil(fields[1]),
        appName: nil(fields[2]),
        msgStart: Math.min(q, end),
      },
    };
  }
  if (bsdTime(b, p, end)) {
    let q = p + 16;
    const host = token(b, q, end);
    q = host.next + 1;
    // TAG: alphanumerics up to '[' (pid), ':' or a space (RFC 3164 §4.1.3)
    const tag = token(b, q, end, 0x3a);
    let app = tag.text;
    const br = app.indexOf('[');
    if (br >= 0) app = app.slice(0, br);
    q = tag.next;
    if (q < end && b[q] === 0x3a) q++;
    if (q < end && b[q] === 0x20) q++;
    return {
      kind: 'ok',
      header: {
        format: 'rfc3164',
        facility,
        severity,
        hostname: host.text === '' ? undefined : host.text,
        appName: app === '' ? undefined : app,
        msgStart: Math.min(q, end),
      },
    };
  }
  return { kind: 'ok', header: { format: 'bare', facility, severity, msgStart: p } };
}

export type OctetCount =
  | { readonly kind: 'frame'; readonly start: number; readonly end: number }
  | { readonly kind: 'more' }
  | { readonly kind: 'anomaly'; readonly code: SyslogAnomaly };

/**
 * RFC 6587 §3.4.1 octet counting: "MSG-LEN SP SYSLOG-MSG". `more` until the whole frame is in
 * `b[off, end)`. A first byte other than a digit means non-transparent (LF) framing.
 */
export function octetCount(b: Uint8Array, off: number, end: number): OctetCount {
  let n = 0;
  let p = off;
  while (p < end && isDigit(b[p])) {
    n = n * 10 + b[p++]! - 0x30;
    if (n > SYSLOG_MAX_FRAME) return { kind: 'anomaly', code: 'syslog.bad-frame' };
  }
  if (p === end) return { kind: 'more' };
  if (p === off || b[p] !== 0x20 || n === 0) return { kind: 'anomaly', code: 'syslog.bad-frame' };
  if (p + 1 + n > end) return { kind: 'more' };
  return { kind: 'frame', start: p + 1, end: p + 1 + n };
}
