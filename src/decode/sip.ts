// SIP (RFC 3261 §7, UDP/TCP 5060): the start line (a request method and Request-URI, or a
// status) and the headers that name the software (User-Agent, Server). A REGISTER's
// Request-URI names the registrar. Only the first message of a datagram is read; URIs' user
// parts (extensions, names) are never kept. An SDP body's media lines (decode/sdp.ts) say
// where the call's RTP and RTCP will flow.
import { type SdpMedia, sdpMedia } from './sdp.js';
import { authorityWithoutUserinfo } from './uri-privacy.js';

export const SIP_ANOMALIES = [
  'sip.truncated', // the start line is not terminated within the message
] as const;
export type SipAnomaly = (typeof SIP_ANOMALIES)[number];

export interface SipMessage {
  readonly method?: string; // requests
  readonly status?: number; // responses
  /** The Request-URI's host (user part dropped): for REGISTER, the registrar. */
  readonly uriHost?: string;
  readonly userAgent?: string;
  readonly server?: string;
  /** SDP offer/answer in the body: the media streams' addresses and ports. */
  readonly media?: readonly SdpMedia[];
}

export type SipResult =
  | { readonly kind: 'ok'; readonly msg: SipMessage }
  | { readonly kind: 'anomaly'; readonly code: SipAnomaly }
  | { readonly kind: 'not' };

const METHODS = [
  'REGISTER',
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'SUBSCRIBE',
  'NOTIFY',
  'INFO',
  'MESSAGE',
  'UPDATE',
  'PRACK',
  'REFER',
  'PUBLISH',
];
const MAX_LINES = 40;
const MAX_VALUE = 200;

function text(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && s.length < MAX_VALUE; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
  }
  return s.trim();
}

function lineEnd(b: Uint8Array, p: number, end: number): number {
  for (let i = p; i < end && i < p + 1024; i++) if (b[i] === 0x0d || b[i] === 0x0a) return i;
  return -1;
}

/** The method (or 'SIP/2.0' for a response) the bytes start with, else null. */
export function sipStart(b: Uint8Array, off: number, end: number): string | null {
  const n = Math.min(end - off, 12);
  let word = '';
  for (let i = 0; i < n; i++) {
    const c = b[off + i]!;
    if (c === 0x20) break;
    word += String.fromCharCode(c);
  }
  if (word === 'SIP/2.0' || METHODS.includes(word)) return word;
  return null;
}

export function decodeSip(b: Uint8Array, off: number, end: number): SipResult {
  end = Math.min(end, b.length);
  const start = sipStart(b, off, end);
  if (start === null) return { kind: 'not' };
  const le = lineEnd(b, off, end);
  if (le < 0) return { kind: 'anomaly', code: 'sip.truncated' };
  const line = text(b, off, le);
  const parts = line.split(' ');
  const out: { -readonly [K in keyof SipMessage]: SipMessage[K] } = {};
  if (start === 'SIP/2.0') {
    const st = Number.parseInt(parts[1] ?? '', 10);
    if (Number.isFinite(st)) out.status = st;
  } else {
    if (parts[2] !== 'SIP/2.0') return { kind: 'not' };
    out.method = start;
    // sip:user@host:port;params → host (the user part is dropped: all before the last '@', so
    // `sip:a:pw@b@host` keeps no piece of its password)
    const uri = parts[1] ?? '';
    const m = /^sips?:(?:[^@]*@)?([^:;>?]+)/i.exec(uri);
    if (m) out.uriHost = authorityWithoutUserinfo(m[1]!).toLowerCase();
  }
  let p = le;
  for (let n = 0; n < MAX_LINES; n++) {
    if (p < end && b[p] === 0x0d) p++;
    if (p < end && b[p] === 0x0a) p++;
    if (p >= end) break;
    const e = lineEnd(b, p, end);
    const to = e < 0 ? end : e;
    if (to === p) {
      // The blank line: the body follows its line end.
      let body = p;
      if (body < end && b[body] === 0x0d) body++;
      if (body < end && b[body] === 0x0a) body++;
      const media = sdpMedia(b, body, end);
      if (media.length > 0) out.media = media;
      break;
    }
    let colon = p;
    while (colon < to && b[colon] !== 0x3a) colon++;
    if (colon < to) {
      const name = text(b, p, colon).toLowerCase();
      const value = text(b, colon + 1, to);
      if (value !== '') {
        if (name === 'user-agent') out.userAgent = value;
        else if (name === 'server') out.server = value;
      }
    }
    if (e < 0) break;
    p = e;
  }
  return { kind: 'ok', msg: out };
}
