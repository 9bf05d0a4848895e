// Writers for the SMB and NTLMSSP messages the decoder reads (smb.ts, ntlmssp.ts): the simulator's
// printers and consoles answer NEGOTIATE and SESSION_SETUP with them, and the tests build their
// fixtures with them (checked against tshark). Little-endian, as SMB is.
import { nbName } from '../netbios/encode.js';

/** A little-endian byte writer (SMB and NTLMSSP are little-endian; bytes.ts is big-endian). */
export class LeBytes {
  private readonly parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.parts.push(0);
    return this;
  }
  ascii(s: string): this {
    for (let i = 0; i < s.length; i++) this.parts.push(s.charCodeAt(i) & 0xff);
    return this;
  }
  utf16(s: string): this {
    for (let i = 0; i < s.length; i++) this.u16(s.charCodeAt(i));
    return this;
  }
  /** Overwrite a u16 at `at` (lengths and offsets known only later). */
  set16(at: number, v: number): this {
    this.parts[at] = v & 0xff;
    this.parts[at + 1] = (v >> 8) & 0xff;
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export const utf16le = (s: string): Uint8Array => new LeBytes().utf16(s).done();

/** Direct-TCP / session service framing: type 0x00 and a 24-bit big-endian length. */
export function nbss(payload: Uint8Array, type = 0): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out[0] = type;
  out[1] = (payload.length >> 16) & 0xff;
  out[2] = (payload.length >> 8) & 0xff;
  out[3] = payload.length & 0xff;
  out.set(payload, 4);
  return out;
}

/** SESSION REQUEST (0x81) with the called and calling names (port 139). */
export function nbssSessionRequest(called: string, calling: string): Uint8Array {
  const a = nbName(called, 0x20);
  const c = nbName(calling, 0x00);
  const p = new Uint8Array(a.length + c.length);
  p.set(a);
  p.set(c, a.length);
  return nbss(p, 0x81);
}

export interface OsVersion {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
}

function versionStruct(b: LeBytes, v: OsVersion): void {
  b.u8(v.major).u8(v.minor).u16(v.build).zeros(3).u8(15); // NTLMSSP_REVISION_W2K3
}

const NTLM_FLAGS = 0xe2898215; // unicode, NTLM, target info, version, 128/56-bit, key exchange …

export function ntlmNegotiate(v: OsVersion): Uint8Array {
  const b = new LeBytes().ascii('NTLMSSP\0').u32(1).u32(NTLM_FLAGS);
  b.u16(0).u16(0).u32(0).u16(0).u16(0).u32(0); // domain, workstation: empty
  versionStruct(b, v);
  return b.done();
}

export interface TargetInfo {
  readonly nbComputer: string;
  readonly nbDomain: string;
  readonly dnsComputer?: string;
  readonly dnsDomain?: string;
}

export function ntlmChallenge(t: TargetInfo, v: OsVersion, challenge: Uint8Array): Uint8Array {
  const target = utf16le(t.nbDomain);
  const info = new LeBytes();
  const av = (id: number, s: string) => {
    const u = utf16le(s);
    info.u16(id).u16(u.length).bytes(u);
  };
  av(2, t.nbDomain);
  av(1, t.nbComputer);
  if (t.dnsDomain) av(4, t.dnsDomain);
  if (t.dnsComputer) av(3, t.dnsComputer);
  info.u16(0).u16(0); // MsvAvEOL
  const ti = info.done();
  const b = new LeBytes().ascii('NTLMSSP\0').u32(2);
  const head = 56;
  b.u16(target.length).u16(target.length).u32(head);
  b.u32(NTLM_FLAGS).bytes(challenge.subarray(0, 8)).zeros(8);
  b.u16(ti.length)
    .u16(ti.length)
    .u32(head + target.length);
  versionStruct(b, v);
  return b.bytes(target).bytes(ti).done();
}

/** AUTHENTICATE with empty responses (anonymous-shaped), a domain and a workstation; no user name. */
export function ntlmAuthenticate(domain: string, workstation: string, v: OsVersion): Uint8Array {
  const d = utf16le(domain);
  const w = utf16le(workstation);
  const head = 72;
  const b = new LeBytes().ascii('NTLMSSP\0').u32(3);
  b.u16(0).u16(0).u32(head); // LM response
  b.u16(0).u16(0).u32(head); // NT response
  b.u16(d.length).u16(d.length).u32(head);
  b.u16(0)
    .u16(0)
    .u32(head + d.length); // user: empty
  b.u16(w.length)
    .u16(w.length)
    .u32(head + d.length);
  b.u16(0)
    .u16(0)
    .u32(head + d.length + w.length); // session key
  b.u32(NTLM_FLAGS);
  versionStruct(b, v);
  return b.bytes(d).bytes(w).done();
}

/** SMB2 header (64 bytes) for `cmd`, request or response. */
function smb2Header(b: LeBytes, cmd: number, response: boolean, messageId: number, status = 0): void {
  b.u8(0xfe).ascii('SMB').u16(64).u16(1).u32(status).u16(cmd).u16(1);
  b.u32(response ? 1 : 0)
    .u32(0)
    .u64(messageId)
    .u32(0xfeff)
    .u32(0)
    .u64(0)
    .zeros(16);
}

export const SMB2_DIALECTS = {
  '2.0.2': 0x0202,
  '2.1': 0x0210,
  '3.0': 0x0300,
  '3.0.2': 0x0302,
  '3.1.1': 0x0311,
} as const;
export type Smb2Dialect = keyof typeof SMB2_DIALECTS;

export function smb2NegotiateRequest(dialects: readonly Smb2Dialect[], guid: Uint8Array): Uint8Array {
  const b = new LeBytes();
  smb2Header(b, 0, false, 0);
  b.u16(36).u16(dialects.length).u16(1).u16(0).u32(0x7f).bytes(guid.subarray(0, 16)).u64(0);
  for (const d of dialects) b.u16(SMB2_DIALECTS[d]);
  return b.done();
}

export function smb2NegotiateResponse(
  dialect: Smb2Dialect,
  guid: Uint8Array,
  signingRequired: boolean,
  blob: Uint8Array,
): Uint8Array {
  const b = new LeBytes();
  smb2Header(b, 0, true, 0);
  b.u16(65)
    .u16(signingRequired ? 3 : 1)
    .u16(SMB2_DIALECTS[dialect])
    .u16(0)
    .bytes(guid.subarray(0, 16));
  b.u32(0x2f)
    .u32(8 << 20)
    .u32(8 << 20)
    .u32(8 << 20)
    .u64(0)
    .u64(0);
  b.u16(64 + 64)
    .u16(blob.length)
    .u32(0);
  return b.bytes(blob).done();
}

export function smb2SessionSetupRequest(blob: Uint8Array, messageId: number): Uint8Array {
  const b = new LeBytes();
  smb2Header(b, 1, false, messageId);
  b.u16(25)
    .u8(0)
    .u8(1)
    .u32(1)
    .u32(0)
    .u16(64 + 24)
    .u16(blob.length)
    .u64(0);
  return b.bytes(blob).done();
}

export function smb2SessionSetupResponse(blob: Uint8Array, messageId: number, status: number): Uint8Array {
  const b = new LeBytes();
  smb2Header(b, 1, true, messageId, status);
  b.u16(9)
    .u16(0)
    .u16(64 + 8)
    .u16(blob.length);
  return b.bytes(blob).done();
}

/** SMB1 header (32 bytes): unicode and extended security when `ext`. */
function smb1Header(b: LeBytes, cmd: number, response: boolean, ext: boolean): void {
  b.u8(0xff)
    .ascii('SMB')
    .u8(cmd)
    .u32(0)
    .u8(response ? 0x98 : 0x18);
  b.u16(0xc001 | (ext ? 0x0800 : 0))
    .u16(0)
    .zeros(8)
    .u16(0)
    .u16(0xffff)
    .u16(0xfeff)
    .u16(0)
    .u16(0);
}

/** SMB1 NEGOTIATE request offering `dialects` ('NT LM 0.12', 'SMB 2.002', 'SMB 2.???'). */
export function smb1NegotiateRequest(dialects: readonly string[]): Uint8Array {
  const b = new LeBytes();
  smb1Header(b, 0x72, false, true);
  let n = 0;
  for (const d of dialects) n += d.length + 2;
  b.u8(0).u16(n);
  for (const d of dialects) b.u8(2).ascii(d).u8(0);
  return b.done();
}

/** SMB1 NEGOTIATE response choosing NT LM 0.12 without extended security: domain and server name in clear. */
export function smb1NegotiateResponse(
  dialectIndex: number,
  domain: string,
  server: string,
  challenge: Uint8Array,
): Uint8Array {
  const b = new LeBytes();
  smb1Header(b, 0x72, true, false);
  b.u8(17).u16(dialectIndex).u8(0x03).u16(50).u16(1).u32(16644).u32(65536).u32(0);
  b.u32(0x0000e3fd).u64(0).u16(0).u8(8); // capabilities (unicode, NT status, no extended security)
  const bytesAt = b.length;
  b.u16(0).bytes(challenge.subarray(0, 8));
  // Strings are aligned to an even offset from the header start.
  if (b.length & 1) b.u8(0);
  b.utf16(domain).u16(0).utf16(server).u16(0);
  return b.set16(bytesAt, b.length - bytesAt - 2).done();
}

/** SMB1 SESSION_SETUP_ANDX (extended security) carrying `blob`, then NativeOS and NativeLanMan. */
export function smb1SessionSetup(
  response: boolean,
  blob: Uint8Array,
  os: string,
  lanman: string,
  domain?: string,
): Uint8Array {
  const b = new LeBytes();
  smb1Header(b, 0x73, response, true);
  if (response) b.u8(4).u8(0xff).u8(0).u16(0).u16(0).u16(blob.length);
  else b.u8(12).u8(0xff).u8(0).u16(0).u16(16644).u16(50).u16(0).u32(0).u16(blob.length).u32(0).u32(0x800000d4);
  const bytesAt = b.length;
  b.u16(0).bytes(blob);
  if (b.length & 1) b.u8(0);
  b.utf16(os).u16(0).utf16(lanman).u16(0);
  if (response && domain !== undefined) b.utf16(domain).u16(0);
  return b.set16(bytesAt, b.length - bytesAt - 2).done();
}

/** A minimal SPNEGO-looking wrapper: the decoder searches for the NTLMSSP signature, tshark reads real GSS-API. */
export function spnego(ntlm: Uint8Array, initial: boolean): Uint8Array {
  // negTokenInit: 60 len 06 06 2b0601050502 a0 len 30 len a0 0e 30 0c 06 0a 2b06010401823702020a a2 len 04 len <ntlm>
  // negTokenResp: a1 len 30 len a0 03 0a 01 01 a1 0c 06 0a 2b06010401823702020a a2 len 04 len <ntlm>
  const oidNtlm = [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
  const tlv = (tag: number, body: number[]): number[] => [tag, ...derLen(body.length), ...body];
  const token = tlv(0xa2, tlv(0x04, [...ntlm]));
  if (initial) {
    const init = tlv(0xa0, tlv(0x30, [...tlv(0xa0, tlv(0x30, oidNtlm)), ...token]));
    return Uint8Array.from(tlv(0x60, [0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, ...init]));
  }
  const resp = tlv(0x30, [...tlv(0xa0, [0x0a, 0x01, 0x01]), ...tlv(0xa1, oidNtlm), ...token]);
  return Uint8Array.from(tlv(0xa1, resp));
}

function derLen(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}
