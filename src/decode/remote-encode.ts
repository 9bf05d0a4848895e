// Writers for the remote-access handshakes remote.ts reads: RDP's X.224 Connection Request and
// Confirm with the negotiation structures, and VNC's RFB version and security messages.
import { ascii } from './bytes.js';

const PROTOCOL_BITS: Readonly<Record<string, number>> = {
  rdp: 0,
  tls: 1,
  credssp: 2,
  rdstls: 4,
  'credssp-early-auth': 8,
};

function bits(protocols: readonly string[]): number {
  let v = 0;
  for (const p of protocols) v |= PROTOCOL_BITS[p] ?? 0;
  return v;
}

function tpkt(x224: readonly number[], body: Uint8Array): Uint8Array {
  const li = x224.length - 1 + body.length;
  const out = new Uint8Array(4 + 1 + li);
  out.set([0x03, 0x00, (out.length >> 8) & 0xff, out.length & 0xff, li]);
  out.set(x224.slice(1), 5);
  out.set(body, 4 + x224.length);
  return out;
}

function neg(type: number, value: number): Uint8Array {
  return Uint8Array.of(type, 0, 8, 0, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff);
}

/** X.224 CR with an optional 'Cookie: mstshash=<hint>' line and RDP_NEG_REQ. */
export function rdpConnectionRequest(userHint: string | undefined, protocols: readonly string[]): Uint8Array {
  const cookie = userHint === undefined ? new Uint8Array(0) : ascii(`Cookie: mstshash=${userHint}\r\n`);
  const n = neg(0x01, bits(protocols));
  const body = new Uint8Array(cookie.length + n.length);
  body.set(cookie);
  body.set(n, cookie.length);
  return tpkt([0, 0xe0, 0, 0, 0, 0, 0], body);
}

/** X.224 CC with RDP_NEG_RSP selecting one protocol. */
export function rdpConnectionConfirm(selected: string): Uint8Array {
  return tpkt([0, 0xd0, 0, 0, 0x12, 0x34, 0], neg(0x02, bits([selected])));
}

/** 'RFB 003.008\n' */
export function rfbVersionLine(major: number, minor: number): Uint8Array {
  return ascii(`RFB ${String(major).padStart(3, '0')}.${String(minor).padStart(3, '0')}\n`);
}

/** RFB 3.7+ security types message: a count and the type numbers (1 None, 2 VNC authentication, …). */
export function vncSecurityTypes(types: readonly number[]): Uint8Array {
  return Uint8Array.of(types.length, ...types);
}
