// Where a client asks a proxy to go (issue 18's tunnels): the target of an HTTP CONNECT
// (authority-form, RFC 9110 §9.3.6: `host:port`) or of an absolute-form request (RFC 9112
// §3.2.2: `http://host[:port]/…`), and the name a SOCKS 4a/5 request carries. Pure; userinfo
// (`user:password@`, of an absolute URI or written before a CONNECT's host) is credentials:
// `authorityWithoutUserinfo` drops it, so a target is only ever host and port.
import { canonicalIp } from '../net/addr.js';
import { authorityWithoutUserinfo } from './uri-privacy.js';

export interface ProxyTarget {
  /** A host name (lower case, no trailing dot) or an address literal (IPv6 without brackets). */
  readonly host: string;
  /** The address when `host` is an address literal, in canonical form. */
  readonly ip?: string;
  readonly port?: number;
}

/** The default port of the schemes an HTTP proxy forwards (an absolute URI without a port). */
const SCHEME_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };
const MAX_NAME = 253;

/** A DNS host name as a proxy would resolve it: labels of letters, digits, '-' and '_', 1–63 bytes each. */
export function isHostName(s: string): boolean {
  if (s.length === 0 || s.length > MAX_NAME + 1) return false;
  let label = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (label === 0) return false;
      label = 0;
      continue;
    }
    const ok =
      (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
    if (!ok || ++label > 63) return false;
  }
  return true;
}

/** A target from a host text and a port (either form: a name, an IPv4 literal, an IPv6 one with or without brackets). */
export function targetOf(hostText: string, port: number | undefined): ProxyTarget | undefined {
  let h = hostText;
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const ip = canonicalIp(h);
  if (ip !== null) return { host: h, ip, port };
  if (h.endsWith('.')) h = h.slice(0, -1);
  return isHostName(h) && h.length <= MAX_NAME ? { host: h.toLowerCase(), port } : undefined;
}

function portOf(s: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** `host[:port]`, `[v6][:port]`; undefined when it is neither (a bare IPv6 without brackets is refused: its colons are ambiguous). */
function authority(a: string, defaultPort: number | undefined): ProxyTarget | undefined {
  let host = a;
  let port = defaultPort;
  if (a.startsWith('[')) {
    const close = a.indexOf(']');
    if (close < 0) return undefined;
    host = a.slice(0, close + 1);
    const rest = a.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      port = portOf(rest.slice(1));
      if (port === undefined) return undefined;
    }
  } else {
    const colon = a.indexOf(':');
    if (colon >= 0) {
      if (a.indexOf(':', colon + 1) >= 0) return undefined;
      host = a.slice(0, colon);
      port = portOf(a.slice(colon + 1));
      if (port === undefined) return undefined;
    }
  }
  return targetOf(host, port);
}

/**
 * The destination an HTTP request asks a proxy for: CONNECT's `host:port`, or the authority of
 * an absolute-form target (scheme default port when none is written). Undefined for origin-form
 * (`/path`), `*`, and targets that name no usable host.
 */
export function httpProxyTarget(method: string, uri: string): ProxyTarget | undefined {
  if (method === 'CONNECT') return authority(authorityWithoutUserinfo(uri), undefined);
  const sep = uri.indexOf('://');
  if (sep <= 0 || sep > 10) return undefined;
  const scheme = uri.slice(0, sep).toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return undefined;
  let end = uri.length;
  for (const c of ['/', '?', '#']) {
    const i = uri.indexOf(c, sep + 3);
    if (i >= 0 && i < end) end = i;
  }
  return authority(authorityWithoutUserinfo(uri.slice(sep + 3, end)), SCHEME_PORTS[scheme]);
}
