// TFTP decoder (RFC 1350 packets, RFC 2347 option acknowledgement). A request names the file
// and the transfer mode; the server answers from a port of its own choosing, so the transfer
// is a second UDP flow (tied to the request by src/flow/apps/tftp.ts).

export const TFTP_ANOMALIES = [
  'tftp.bad-request', // an RRQ/WRQ whose file name or mode is not NUL-terminated, or whose mode is unknown (RFC 1350 §5)
] as const;
export type TftpAnomaly = (typeof TFTP_ANOMALIES)[number];

export const TFTP_RRQ = 1;
export const TFTP_WRQ = 2;
export const TFTP_DATA = 3;
export const TFTP_ACK = 4;
export const TFTP_ERROR = 5;
export const TFTP_OACK = 6;

export type TftpPacket =
  | { readonly op: 1 | 2; readonly fileName: string; readonly mode: string }
  | { readonly op: 3 | 4; readonly block: number; readonly dataLen: number }
  | { readonly op: 5; readonly errorCode: number }
  | { readonly op: 6 };

export type TftpResult =
  | { readonly kind: 'ok'; readonly packet: TftpPacket }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: TftpAnomaly };

const NOT = { kind: 'not' } as const;
const BAD = { kind: 'anomaly', code: 'tftp.bad-request' } as const;
const MODES = new Set(['netascii', 'octet', 'mail']);
const MAX_NAME = 255;

/** A NUL-terminated printable string at `p`; the end index (at the NUL) or -1. */
function cstr(b: Uint8Array, p: number, end: number): number {
  for (let i = p; i < end && i - p <= MAX_NAME; i++) {
    const c = b[i]!;
    if (c === 0) return i;
    if (c < 0x20 || c > 0x7e) return -1;
  }
  return -1;
}

function text(b: Uint8Array, s: number, e: number): string {
  let t = '';
  for (let i = s; i < e; i++) t += String.fromCharCode(b[i]!);
  return t;
}

export function decodeTftp(b: Uint8Array, off: number, len: number): TftpResult {
  if (len < 4 || off < 0 || off + len > b.length || b[off] !== 0) return NOT;
  const op = b[off + 1]!;
  const end = off + len;
  if (op === TFTP_RRQ || op === TFTP_WRQ) {
    const ne = cstr(b, off + 2, end);
    if (ne <= off + 2) return BAD;
    const me = cstr(b, ne + 1, end);
    if (me < 0) return BAD;
    const mode = text(b, ne + 1, me).toLowerCase();
    if (!MODES.has(mode)) return BAD;
    return { kind: 'ok', packet: { op, fileName: text(b, off + 2, ne), mode } };
  }
  if (op === TFTP_DATA || op === TFTP_ACK) {
    if (op === TFTP_DATA ? len > 4 + 65464 : len !== 4) return NOT;
    return { kind: 'ok', packet: { op, block: (b[off + 2]! << 8) | b[off + 3]!, dataLen: len - 4 } };
  }
  if (op === TFTP_ERROR) return { kind: 'ok', packet: { op, errorCode: (b[off + 2]! << 8) | b[off + 3]! } };
  if (op === TFTP_OACK) return { kind: 'ok', packet: { op } };
  return NOT;
}
