// SSDP (UPnP Device Architecture 2.0 §1, UDP 1900): HTTP-shaped datagrams. NOTIFY announces a
// device or service (NT, NTS ssdp:alive/byebye, USN, LOCATION, SERVER), M-SEARCH looks for one
// (ST), and a unicast 'HTTP/1.1 200 OK' answers a search (ST, USN, LOCATION, SERVER). SERVER is
// 'OS/version UPnP/x.y product/version': the device's OS and firmware in its own words.
// LOCATION (and AL) is a URL: it goes through `uri-privacy.ts` (no userinfo, query values or
// identifier-like path segments),
// read whole and cut after, as the HTTP request target is.

import { redactUri } from './uri-privacy.js';

export const SSDP_ANOMALIES = [
  'ssdp.truncated', // the start line or a header line is not terminated within the datagram
] as const;
export type SsdpAnomaly = (typeof SSDP_ANOMALIES)[number];

export interface SsdpMessage {
  readonly kind: 'notify' | 'search' | 'response';
  readonly server?: string;
  /** LOCATION or AL, redacted (`redactUri`). */
  readonly location?: string;
  /** NT (NOTIFY) or ST (M-SEARCH, response): the device or service type. */
  readonly target?: string;
  readonly usn?: string;
  /** NTS: 'ssdp:alive', 'ssdp:byebye', 'ssdp:update'. */
  readonly nts?: string;
  readonly userAgent?: string;
}

export type SsdpResult =
  | { readonly kind: 'ok'; readonly msg: SsdpMessage }
  | { readonly kind: 'anomaly'; readonly code: SsdpAnomaly }
  | { readonly kind: 'not' };

const MAX_VALUE = 200;
const MAX_LINES = 40;

function startsWith(b: Uint8Array, p: number, end: number, s: string): boolean {
  if (p + s.length > end) return false;
  for (let i = 0; i < s.length; i++) if (b[p + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** The datagram starts like SSDP (enough for a probe). */
export function looksLikeSsdp(b: Uint8Array): boolean {
  return (
    startsWith(b, 0, b.length, 'NOTIFY * HTTP/1.') ||
    startsWith(b, 0, b.length, 'M-SEARCH * HTTP/1.') ||
    startsWith(b, 0, b.length, 'HTTP/1.1 200')
  );
}

export function decodeSsdp(b: Uint8Array, off: number, end: number): SsdpResult {
  end = Math.min(end, b.length);
  const kind = startsWith(b, off, end, 'NOTIFY ')
    ? 'notify'
    : startsWith(b, off, end, 'M-SEARCH ')
      ? 'search'
      : startsWith(b, off, end, 'HTTP/1.')
        ? 'response'
        : null;
  if (kind === null) return { kind: 'not' };
  const out: { -readonly [K in keyof SsdpMessage]: SsdpMessage[K] } = { kind };
  let p = lineEnd(b, off, end);
  if (p < 0) return { kind: 'anomaly', code: 'ssdp.truncated' };
  for (let n = 0; n < MAX_LINES; n++) {
    p = skipEol(b, p, end);
    if (p >= end) break;
    const e = lineEnd(b, p, end);
    const le = e < 0 ? end : e;
    if (le === p) break; // empty line: end of headers
    let colon = p;
    while (colon < le && b[colon] !== 0x3a) colon++;
    if (colon < le) {
      const name = text(b, p, colon).toUpperCase();
      const isLocation = name === 'LOCATION' || name === 'AL';
      const value = isLocation ? redactLocation(text(b, colon + 1, le, le - colon)) : text(b, colon + 1, le);
      if (value !== '') {
        if (name === 'SERVER') out.server = value;
        else if (isLocation) out.location ??= value;
        else if (name === 'NT' || name === 'ST') out.target = value;
        else if (name === 'USN') out.usn = value;
        else if (name === 'NTS') out.nts = value;
        else if (name === 'USER-AGENT') out.userAgent = value;
      }
    }
    if (e < 0) break;
    p = e;
  }
  return { kind: 'ok', msg: out };
}

/** AL is one or more `<url>` (UPnP DA 1.0 §1.2.2), and some devices bracket LOCATION too: each
 * URL is redacted on its own, then the value is cut. */
function redactLocation(v: string): string {
  const out =
    v.indexOf('<') < 0
      ? redactUri(v)
      : v
          .split('<')
          .map((part) => part.split('>').map(redactUri).join('>'))
          .join('<');
  return out.length > MAX_VALUE ? out.slice(0, MAX_VALUE) : out;
}

function lineEnd(b: Uint8Array, p: number, end: number): number {
  for (let i = p; i < end && i < p + 1024; i++) if (b[i] === 0x0d || b[i] === 0x0a) return i;
  return -1;
}

function skipEol(b: Uint8Array, p: number, end: number): number {
  if (p < end && b[p] === 0x0d) p++;
  if (p < end && b[p] === 0x0a) p++;
  return p;
}

function text(b: Uint8Array, from: number, to: number, max = MAX_VALUE): string {
  let s = '';
  for (let i = from; i < to && s.length < max; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
  }
  return s.trim();
}
