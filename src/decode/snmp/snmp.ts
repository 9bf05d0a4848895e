// SNMP decoder: v1 (RFC 1157, Trap-PDU), v2c (RFC 1901, RFC 3416 PDUs) and v3 (RFC 3412 header,
// RFC 3414 USM security parameters). What leaves the decoder: the version, the PDU kind, the
// community's *class* (the defaults 'public'/'private', 'empty' or 'other' — never the string),
// whether a v3 user name was present (never the name), and from variable bindings the system
// group's sysDescr / sysObjectID / sysName and a trap's OID.

import { BerReader } from './ber.js';

export const SNMP_ANOMALIES = [
  'snmp.bad-ber', // a BER element whose length runs past its container, or a message missing a mandatory field
  'snmp.bad-version', // a version INTEGER other than 0 (v1), 1 (v2c) or 3 (v3)
] as const;
export type SnmpAnomaly = (typeof SNMP_ANOMALIES)[number];

export const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
export const SYS_OBJECT_ID = '1.3.6.1.2.1.1.2.0';
export const SYS_NAME = '1.3.6.1.2.1.1.5.0';
export const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';

const PDUS: Readonly<Record<number, string>> = {
  160: 'get',
  161: 'get-next',
  162: 'response',
  163: 'set',
  164: 'trap',
  165: 'get-bulk',
  166: 'inform',
  167: 'trap',
  168: 'report',
};

/** Longest sysDescr/sysName kept. */
const MAX_TEXT = 200;

export interface SnmpInfo {
  readonly version: 'v1' | 'v2c' | 'v3';
  readonly pdu: string; // a PDUS name, or 'encrypted' (v3 privacy)
  readonly community?: 'public' | 'private' | 'empty' | 'other';
  readonly v3User?: boolean;
  readonly sysDescr?: string;
  readonly sysObjectId?: string;
  readonly sysName?: string;
  readonly trapOid?: string;
}

export type SnmpResult =
  | { readonly kind: 'ok'; readonly info: SnmpInfo }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: SnmpAnomaly };

const BAD = { kind: 'anomaly', code: 'snmp.bad-ber' } as const;
const NOT = { kind: 'not' } as const;

interface Bindings {
  sysDescr?: string;
  sysObjectId?: string;
  sysName?: string;
  trapOid?: string;
}

/** Walk a VarBindList SEQUENCE at `[s, e)`; false when malformed. */
function varbinds(r: BerReader, s: number, e: number, out: Bindings): boolean {
  if (!r.at(s, e, 0x30)) return false;
  let p = r.start;
  const listEnd = r.end;
  for (let n = 0; p < listEnd && n < 256; n++) {
    if (!r.at(p, listEnd, 0x30)) return false;
    const vbEnd = r.end;
    if (!r.at(r.start, vbEnd, 0x06)) return false;
    const name = r.oid();
    if (!r.read(r.end, vbEnd)) return false;
    if (name === SYS_DESCR && r.tag === 0x04) out.sysDescr = r.text(MAX_TEXT);
    else if (name === SYS_NAME && r.tag === 0x04) out.sysName = r.text(MAX_TEXT);
    else if (name === SYS_OBJECT_ID && r.tag === 0x06) out.sysObjectId = r.oid() || undefined;
    else if (name === SNMP_TRAP_OID && r.tag === 0x06) out.trapOid = r.oid() || undefined;
    p = vbEnd;
  }
  return true;
}

/** A PDU at `[s, e)` (tag already known to be one of PDUS). */
function pdu(r: BerReader, tag: number, s: number, e: number, out: Bindings): boolean {
  let p = s;
  if (tag === 0xa4) {
    // v1 Trap-PDU: enterprise OID, agent-addr, generic-trap, specific-trap, time-stamp, varbinds
    if (!r.at(p, e, 0x06)) return false;
    const enterprise = r.oid();
    p = r.end;
    if (!r.read(p, e)) return false; // agent-addr (IpAddress)
    p = r.end;
    if (!r.at(p, e, 0x02)) return false;
    const generic = r.int();
    p = r.end;
    if (!r.at(p, e, 0x02)) return false;
    const specific = r.int();
    p = r.end;
    if (!r.read(p, e)) return false; // time-stamp
    p = r.end;
    // RFC 3584 §3.1: enterpriseSpecific traps are enterprise.0.specific; generic ones snmpTraps.(generic+1)
    if (enterprise !== '')
      out.trapOid = generic === 6 ? `${enterprise}.0.${specific}` : `1.3.6.1.6.3.1.1.5.${generic + 1}`;
    return varbinds(r, p, e, out);
  }
  for (let i = 0; i < 3; i++) {
    // request-id, error-status (non-repeaters), error-index (max-repetitions)
    if (!r.at(p, e, 0x02)) return false;
    p = r.end;
  }
  return varbinds(r, p, e, out);
}

export function decodeSnmp(b: Uint8Array, off: number, len: number): SnmpResult {
  if (off < 0 || len < 2 || off + len > b.length) return NOT;
  if (b[off] !== 0x30) return NOT;
  const r = new BerReader(b);
  const end = off + len;
  if (!r.read(off, end)) return BAD;
  const msgEnd = r.end;
  if (!r.at(r.start, msgEnd, 0x02)) return BAD;
  const v = r.int();
  if (v !== 0 && v !== 1 && v !== 3) return { kind: 'anomaly', code: 'snmp.bad-version' };
  let p = r.end;
  const out: Bindings = {};
  if (v === 3) {
    // msgGlobalData SEQUENCE, msgSecurityParameters OCTET STRING (USM), msgData
    if (!r.at(p, msgEnd, 0x30)) return BAD;
    p = r.end;
    if (!r.at(p, msgEnd, 0x04)) return BAD;
    const secEnd = r.end;
    let user = false;
    p = r.end;
    // UsmSecurityParameters: engineID, boots, time, userName, auth, priv
    if (r.read(r.start, secEnd) && r.tag === 0x30) {
      let q = r.start;
      const usmEnd = r.end;
      for (let i = 0; i < 4 && r.read(q, usmEnd); i++) {
        if (i === 3) user = r.at(q, usmEnd, 0x04) && r.end > r.start;
        q = r.end;
      }
    }
    if (!r.read(p, msgEnd)) return BAD;
    if (r.tag === 0x04) return { kind: 'ok', info: { version: 'v3', pdu: 'encrypted', v3User: user } };
    if (r.tag !== 0x30) return BAD;
    // ScopedPDU: contextEngineID, contextName, PDU
    const spEnd = r.end;
    p = r.start;
    for (let i = 0; i < 2; i++) {
      if (!r.at(p, spEnd, 0x04)) return BAD;
      p = r.end;
    }
    if (!r.read(p, spEnd)) return BAD;
    const name = PDUS[r.tag];
    if (name === undefined) return BAD;
    const ok = pdu(r, r.tag, r.start, r.end, out);
    return ok ? { kind: 'ok', info: { version: 'v3', pdu: name, v3User: user, ...out } } : BAD;
  }
  if (!r.at(p, msgEnd, 0x04)) return BAD;
  const community =
    r.end === r.start ? 'empty' : r.equals('public') ? 'public' : r.equals('private') ? 'private' : 'other';
  p = r.end;
  if (!r.read(p, msgEnd)) return BAD;
  const name = PDUS[r.tag];
  if (name === undefined) return BAD;
  if (!pdu(r, r.tag, r.start, r.end, out)) return BAD;
  return { kind: 'ok', info: { version: v === 0 ? 'v1' : 'v2c', pdu: name, community, ...out } };
}
