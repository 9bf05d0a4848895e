// DHCP / BOOTP decoder (RFC 2131 message, RFC 2132 options, RFC 4702 client FQDN, RFC 951 BOOTP).
//
// The fixed BOOTP header is 236 bytes; the options follow the magic cookie 99.130.83.99. With
// option 52 (overload, RFC 2132 §9.3) the `file` and/or `sname` fields carry more options, read
// after the main area in that order. Every option is bounded by its own length byte and by the
// area holding it; an option running past its area ends the walk with 'dhcp.option-overrun'
// but keeps what was read. Repeated options keep the first instance (RFC 3396 concatenation of
// long options is not needed for the fields read here).

/** 'dhcp.truncated' is raised by the analyzer when a datagram is shorter than the BOOTP header. */
export const DHCP_ANOMALIES = [
  'dhcp.bad-magic', // the options area does not start with the magic cookie 99.130.83.99 (RFC 2131 §3)
  'dhcp.option-overrun', // an option runs past the area holding it (options, or file/sname when overloaded)
  'dhcp.bad-hlen', // hardware address length over 16 (the chaddr field)
  'dhcp.truncated', // a datagram shorter than the BOOTP header (raised by src/flow/apps/dhcp.ts)
] as const;
export type DhcpAnomaly = Exclude<(typeof DHCP_ANOMALIES)[number], 'dhcp.truncated'>;

export const DHCP_MSG_TYPES = [
  '',
  'DISCOVER',
  'OFFER',
  'REQUEST',
  'DECLINE',
  'ACK',
  'NAK',
  'RELEASE',
  'INFORM',
] as const;

export interface DhcpMessage {
  /** 1 BOOTREQUEST (client), 2 BOOTREPLY (server). */
  readonly op: number;
  readonly xid: number;
  /** Option 53 name, 'TYPE<n>' for unknown values, or 'BOOTP' when absent. */
  readonly msgType: string;
  /** chaddr as colon-separated hex of hlen bytes (a MAC for Ethernet). */
  readonly clientMac: string;
  readonly ciaddr: string;
  readonly yiaddr: string;
  readonly siaddr: string;
  readonly giaddr: string;
  readonly hostname?: string; // 12
  readonly vendorClass?: string; // 60
  readonly paramList?: readonly number[]; // 55
  readonly clientId?: string; // 61, hex
  readonly requestedIp?: string; // 50
  readonly serverId?: string; // 54
  readonly leaseTime?: number; // 51
  readonly routers?: readonly string[]; // 3
  readonly dnsServers?: readonly string[]; // 6
  readonly ntpServers?: readonly string[]; // 42
  readonly domain?: string; // 15
  /** Option 81 domain name (RFC 4702), wire or ASCII encoding as the E flag says. */
  readonly fqdn?: string;
}

export type DhcpResult =
  | { readonly kind: 'ok'; readonly msg: DhcpMessage; readonly anomaly: DhcpAnomaly | null }
  | { readonly kind: 'more' }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: DhcpAnomaly };

const BOOTP_LEN = 236;

function ip4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function hexJoin(b: Uint8Array, o: number, n: number, sep: string): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    if (i > 0) s += sep;
    s += (b[o + i]! < 16 ? '0' : '') + b[o + i]!.toString(16);
  }
  return s;
}

/** Printable rendering of a text option (non-printables as '.', trailing NULs dropped). */
function text(b: Uint8Array, o: number, n: number): string {
  while (n > 0 && b[o + n - 1] === 0) n--;
  let s = '';
  for (let i = o; i < o + n; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

function ipList(b: Uint8Array, o: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + 4 <= n; i += 4) out.push(ip4(b, o + i));
  return out;
}

/** RFC 4702 §2.3: canonical wire format (E flag) or, deprecated, plain ASCII. */
function fqdnText(b: Uint8Array, o: number, n: number): string {
  if (n < 3) return '';
  const wire = (b[o]! & 0x04) !== 0;
  if (!wire) return text(b, o + 3, n - 3);
  let s = '';
  for (let p = o + 3, end = o + n; p < end; ) {
    const len = b[p]!;
    if (len === 0 || len > 63 || p + 1 + len > end) break;
    if (s.length > 0) s += '.';
    s += text(b, p + 1, len);
    p += 1 + len;
  }
  return s;
}

interface Opts {
  msgType?: number;
  overload?: number;
  hostname?: string;
  vendorClass?: string;
  paramList?: number[];
  clientId?: string;
  requestedIp?: string;
  serverId?: string;
  leaseTime?: number;
  routers?: string[];
  dnsServers?: string[];
  ntpServers?: string[];
  domain?: string;
  fqdn?: string;
}

/** Walk one option area; returns false when an option runs past the area. */
function walk(b: Uint8Array, p: number, end: number, o: Opts): boolean {
  // Each iteration consumes ≥1 byte.
  while (p < end) {
    const code = b[p]!;
    if (code === 0) {
      p++;
      continue;
    }
    if (code === 255) return true;
    if (p + 2 > end) return false;
    const n = b[p + 1]!;
    const v = p + 2;
    if (v + n > end) return false;
    switch (code) {
      case 53:
        if (n >= 1) o.msgType ??= b[v]!;
        break;
      case 52:
        if (n >= 1) o.overload ??= b[v]!;
        break;
      case 12:
        o.hostname ??= text(b, v, n);
        break;
      case 60:
        o.vendorClass ??= text(b, v, n);
        break;
      case 55:
        o.paramList ??= Array.from(b.subarray(v, v + n));
        break;
      case 61:
        o.clientId ??= hexJoin(b, v, n, '');
        break;
      case 50:
        if (n === 4) o.requestedIp ??= ip4(b, v);
        break;
      case 54:
        if (n === 4) o.serverId ??= ip4(b, v);
        break;
      case 51:
        if (n === 4) o.leaseTime ??= ((b[v]! << 24) | (b[v + 1]! << 16) | (b[v + 2]! << 8) | b[v + 3]!) >>> 0;
        break;
      case 3:
        o.routers ??= ipList(b, v, n);
        break;
      case 6:
        o.dnsServers ??= ipList(b, v, n);
        break;
      case 42:
        o.ntpServers ??= ipList(b, v, n);
        break;
      case 15:
        o.domain ??= text(b, v, n);
        break;
      case 81:
        o.fqdn ??= fqdnText(b, v, n);
        break;
    }
    p = v + n;
  }
  return true;
}

/** Decode one DHCP/BOOTP message occupying b[off, end) (one UDP payload). */
export function decodeDhcp(b: Uint8Array, off: number, end: number): DhcpResult {
  end = Math.min(end, b.length);
  if (off < 0 || end - off < BOOTP_LEN) return { kind: 'more' };
  const op = b[off]!;
  const hlen = b[off + 2]!;
  if (op !== 1 && op !== 2) return { kind: 'not' };
  if (hlen > 16) return { kind: 'anomaly', code: 'dhcp.bad-hlen' };
  const o: Opts = {};
  let anomaly: DhcpAnomaly | null = null;
  const optStart = off + BOOTP_LEN + 4;
  if (end >= optStart) {
    const cookie = (b[off + 236]! << 24) | (b[off + 237]! << 16) | (b[off + 238]! << 8) | b[off + 239]!;
    // RFC 951 vendor areas without the RFC 1048 cookie are zeros in practice; anything else is odd.
    if (cookie === 0x63825363) {
      if (!walk(b, optStart, end, o)) anomaly = 'dhcp.option-overrun';
      const ov = anomaly === null ? (o.overload ?? 0) : 0;
      if (ov & 1 && !walk(b, off + 108, off + 236, o)) anomaly = 'dhcp.option-overrun'; // file
      if (ov & 2 && !walk(b, off + 44, off + 108, o)) anomaly = 'dhcp.option-overrun'; // sname
    } else if (cookie !== 0) anomaly = 'dhcp.bad-magic';
  }
  const t = o.msgType;
  const msg: DhcpMessage = {
    op,
    xid: ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0,
    msgType: t === undefined ? 'BOOTP' : DHCP_MSG_TYPES[t] || `TYPE${t}`,
    clientMac: hexJoin(b, off + 28, hlen, ':'),
    ciaddr: ip4(b, off + 12),
    yiaddr: ip4(b, off + 16),
    siaddr: ip4(b, off + 20),
    giaddr: ip4(b, off + 24),
    hostname: o.hostname,
    vendorClass: o.vendorClass,
    paramList: o.paramList,
    clientId: o.clientId,
    requestedIp: o.requestedIp,
    serverId: o.serverId,
    leaseTime: o.leaseTime,
    routers: o.routers,
    dnsServers: o.dnsServers,
    ntpServers: o.ntpServers,
    domain: o.domain,
    fqdn: o.fqdn,
  };
  return { kind: 'ok', msg, anomaly };
}
