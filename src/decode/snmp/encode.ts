// SNMP writer for tests and the simulator: BER TLVs (definite lengths), v1/v2c messages with
// a community, v3 messages with a USM user and a plaintext scoped PDU.
const enc = new TextEncoder();

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >> 8, n & 0xff];
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(content, head.length);
  return out;
}

export function seq(...parts: Uint8Array[]): Uint8Array {
  return tlv(0x30, concat(parts));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function int(v: number): Uint8Array {
  const bytes: number[] = [];
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

export function str(s: string): Uint8Array {
  return tlv(0x04, enc.encode(s));
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const first = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)];
  for (const a of first) {
    const g: number[] = [a & 0x7f];
    for (let v = Math.floor(a / 128); v > 0; v = Math.floor(v / 128)) g.unshift((v & 0x7f) | 0x80);
    out.push(...g);
  }
  return tlv(0x06, Uint8Array.from(out));
}

export const NULL = Uint8Array.from([0x05, 0x00]);

export type SnmpValue = { readonly str: string } | { readonly oid: string } | { readonly int: number } | null;

export function varbind(name: string, value: SnmpValue): Uint8Array {
  const v = value === null ? NULL : 'str' in value ? str(value.str) : 'oid' in value ? oid(value.oid) : int(value.int);
  return seq(oid(name), v);
}

/** A request/response PDU (0xa0 get … 0xa8 report, not the v1 trap). */
export function pduOf(tag: number, requestId: number, binds: readonly Uint8Array[]): Uint8Array {
  return tlv(tag, concat([int(requestId), int(0), int(0), seq(...binds)]));
}

/** v1 Trap-PDU (RFC 1157 §4.1.6). */
export function v1Trap(
  enterprise: string,
  agent: readonly number[],
  generic: number,
  specific: number,
  binds: readonly Uint8Array[],
): Uint8Array {
  return tlv(
    0xa4,
    concat([
      oid(enterprise),
      tlv(0x40, Uint8Array.from(agent)),
      int(generic),
      int(specific),
      tlv(0x43, Uint8Array.of(1, 0)),
      seq(...binds),
    ]),
  );
}

/** v1 (version 0) or v2c (version 1) message. */
export function snmpCommunity(version: 0 | 1, community: string, pdu: Uint8Array): Uint8Array {
  return seq(int(version), str(community), pdu);
}

/** v3 message, noAuthNoPriv with a USM user name (RFC 3412 §6, RFC 3414 §2.4). */
export function snmpV3(user: string, pdu: Uint8Array, encrypted = false): Uint8Array {
  const global = seq(int(4242), int(65507), tlv(0x04, Uint8Array.of(encrypted ? 3 : 0)), int(3));
  const usm = seq(tlv(0x04, Uint8Array.of(0x80, 0, 0x1f, 0x88, 4)), int(1), int(100), str(user), str(''), str(''));
  const data = encrypted ? tlv(0x04, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)) : seq(str(''), str(''), pdu);
  return seq(int(3), global, tlv(0x04, usm), data);
}
