// Remote-access handshakes: RDP's X.224 Connection Request/Confirm with the RDP negotiation
// structures ([MS-RDPBCGR] §2.2.1.1/§2.2.1.2), VNC's RFB version and security types (RFC 6143
// §7.1), and TeamViewer's TCP framing (first two bytes 0x17 0x24, or 0x11 0x30 on newer clients).
// Only presence and protocol choices leave here: an RDP cookie's user name is never read, only
// that one was sent.

export const REMOTE_ANOMALIES = [
  'rdp.bad-tpkt', // a TPKT header whose length is below the X.224 header it must carry
] as const;
export type RemoteAnomaly = (typeof REMOTE_ANOMALIES)[number];

/** [MS-RDPBCGR] §2.2.1.1.1 requestedProtocols / selectedProtocol bits. */
export function rdpProtocols(bits: number): string[] {
  const out: string[] = [];
  if (bits === 0) return ['rdp'];
  if (bits & 0x1) out.push('tls');
  if (bits & 0x2) out.push('credssp');
  if (bits & 0x4) out.push('rdstls');
  if (bits & 0x8) out.push('credssp-early-auth');
  if (bits & 0x10) out.push('rdsaad');
  return out;
}

export interface RdpHandshake {
  readonly pdu: 'request' | 'confirm';
  /** A 'Cookie: mstshash=' line was present (the user hint itself is never read). */
  readonly userHint: boolean;
  /** A routing token ('Cookie: msts=') was present. */
  readonly routingToken: boolean;
  /** Requested (request) or selected (confirm) protocols; ['rdp'] is standard RDP security. */
  readonly protocols?: readonly string[];
  /** RDP_NEG_FAILURE code (confirm). */
  readonly failure?: number;
}

export type RemoteResult<T> =
  | { readonly kind: 'ok'; readonly msg: T }
  | { readonly kind: 'more' }
  | { readonly kind: 'anomaly'; readonly code: RemoteAnomaly }
  | { readonly kind: 'not' };

const le32 = (b: Uint8Array, p: number): number =>
  (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

function startsWith(b: Uint8Array, p: number, end: number, s: string): boolean {
  if (p + s.length > end) return false;
  for (let i = 0; i < s.length; i++) if (b[p + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** A TPKT (version 3) + X.224 CR (0xE0) or CC (0xD0) at b[off]. */
export function decodeRdp(b: Uint8Array, off: number, end: number): RemoteResult<RdpHandshake> {
  end = Math.min(end, b.length);
  if (end - off < 1) return { kind: 'more' };
  if (b[off] !== 3) return { kind: 'not' };
  if (end - off < 6) return end - off >= 2 && b[off + 1] !== 0 ? { kind: 'not' } : { kind: 'more' };
  const len = (b[off + 2]! << 8) | b[off + 3]!;
  const li = b[off + 4]!;
  const code = b[off + 5]! & 0xf0;
  if (b[off + 1] !== 0 || (code !== 0xe0 && code !== 0xd0)) return { kind: 'not' };
  if (len < 11 || li + 5 > len) return { kind: 'anomaly', code: 'rdp.bad-tpkt' };
  if (end - off < len) return { kind: 'more' };
  const x224End = off + 5 + li;
  let p = off + 11; // after LI, code, dst-ref, src-ref, class
  let userHint = false;
  let routingToken = false;
  if (code === 0xe0) {
    if (startsWith(b, p, x224End, 'Cookie: mstshash=')) userHint = true;
    else if (startsWith(b, p, x224End, 'Cookie: msts=')) routingToken = true;
    if (userHint || routingToken) {
      while (p + 1 < x224End && !(b[p] === 0x0d && b[p + 1] === 0x0a)) p++;
      p += 2;
    }
  }
  let protocols: string[] | undefined;
  let failure: number | undefined;
  if (p + 8 <= x224End) {
    const t = b[p]!;
    if (t === 0x01 || t === 0x02) protocols = rdpProtocols(le32(b, p + 4));
    else if (t === 0x03) failure = le32(b, p + 4);
  } else if (code === 0xd0) protocols = ['rdp']; // no negotiation response: standard RDP security
  return {
    kind: 'ok',
    msg: { pdu: code === 0xe0 ? 'request' : 'confirm', userHint, routingToken, protocols, failure },
  };
}

/** RFC 6143 §7.2 security types, by number. */
export function vncSecurityName(t: number): string {
  switch (t) {
    case 1:
      return 'none';
    case 2:
      return 'vnc-auth';
    case 5:
      return 'ra2';
    case 16:
      return 'tight';
    case 18:
      return 'tls';
    case 19:
      return 'vencrypt';
    case 30:
      return 'apple-ard';
    default:
      return `type-${t}`;
  }
}

/** 'RFB 003.008\n' at b[off]: the version, or null. */
export function rfbVersion(b: Uint8Array, off: number, end: number): string | null | 'more' {
  const n = Math.min(12, end - off);
  const pat = 'RFB 000.000\n';
  for (let i = 0; i < n; i++) {
    const c = b[off + i]!;
    const want = pat.charCodeAt(i);
    if (want === 0x30 ? c < 0x30 || c > 0x39 : c !== want) return null;
  }
  if (n < 12) return 'more';
  const major = Number.parseInt(String.fromCharCode(...b.subarray(off + 4, off + 7)), 10);
  const minor = Number.parseInt(String.fromCharCode(...b.subarray(off + 8, off + 11)), 10);
  return `${major}.${minor}`;
}

export interface VncSecurity {
  readonly types: readonly string[];
  /** The handshake failed with a reason (count 0). */
  readonly failed: boolean;
}

/**
 * The server's security message after its version line: 3.3 sends one u32 type (0 = failure),
 * 3.7 and later a count and a list (count 0 = failure, then a reason string).
 */
export function decodeVncSecurity(b: Uint8Array, off: number, end: number, version: string): RemoteResult<VncSecurity> {
  end = Math.min(end, b.length);
  if (version === '3.3') {
    if (end - off < 4) return { kind: 'more' };
    const t = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
    return { kind: 'ok', msg: { types: t === 0 ? [] : [vncSecurityName(t)], failed: t === 0 } };
  }
  if (end - off < 1) return { kind: 'more' };
  const count = b[off]!;
  if (count === 0) return { kind: 'ok', msg: { types: [], failed: true } };
  if (end - off < 1 + count) return { kind: 'more' };
  const types: string[] = [];
  for (let i = 0; i < count; i++) types.push(vncSecurityName(b[off + 1 + i]!));
  return { kind: 'ok', msg: { types, failed: false } };
}

/** TeamViewer's TCP framing: its first two bytes (nDPI and libprotoident use the same signature). */
export function isTeamViewer(b: Uint8Array, off: number, end: number): boolean | 'more' {
  if (end - off < 2) return end - off === 1 && (b[off] === 0x17 || b[off] === 0x11) ? 'more' : false;
  return (b[off] === 0x17 && b[off + 1] === 0x24) || (b[off] === 0x11 && b[off + 1] === 0x30);
}
