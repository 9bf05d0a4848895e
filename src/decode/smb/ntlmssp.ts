// NTLMSSP messages ([MS-NLMP] §2.2) as found inside SMB security blobs (usually wrapped in
// SPNEGO, which is not parsed: the 'NTLMSSP\0' signature is searched within the blob). What a
// host reveals: the CHALLENGE's target info (NetBIOS and DNS computer and domain names) and the
// OS version of both ends; the AUTHENTICATE's workstation and domain. The user name is never read.

export interface NtlmInfo {
  readonly messageType: 1 | 2 | 3;
  readonly nbComputer?: string; // MsvAvNbComputerName (2)
  readonly nbDomain?: string; // MsvAvNbDomainName
  readonly dnsComputer?: string; // MsvAvDnsComputerName
  readonly dnsDomain?: string; // MsvAvDnsDomainName
  readonly dnsTree?: string; // MsvAvDnsTreeName
  /** AUTHENTICATE: the client's workstation name and the domain it logs on to. */
  readonly workstation?: string;
  readonly domain?: string;
  /** The VERSION structure: 'major.minor.build' (Windows version of the sender). */
  readonly osVersion?: string;
}

const SIG = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00]; // 'NTLMSSP\0'
const MAX_NAME = 256;
const NEGOTIATE_VERSION = 0x02000000;

const le16 = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8);
const le32 = (b: Uint8Array, p: number): number =>
  (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

/** UTF-16LE text of b[from, from+len) (printable only, bounded), '' when absent or not text. */
export function utf16(b: Uint8Array, from: number, len: number, end: number): string {
  if (len <= 0 || from < 0 || from + len > end) return '';
  let s = '';
  for (let i = from; i + 1 < from + len && s.length < MAX_NAME; i += 2) {
    const c = b[i]! | (b[i + 1]! << 8);
    if (c === 0) break;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0xd800 && c < 0xe000)) return '';
    s += String.fromCharCode(c);
  }
  return s;
}

/** The offset of the NTLMSSP signature within b[off, end), or -1 (bounded by the blob). */
export function findNtlmssp(b: Uint8Array, off: number, end: number): number {
  outer: for (let i = off; i + 12 <= end; i++) {
    for (let j = 0; j < 8; j++) if (b[i + j] !== SIG[j]) continue outer;
    return i;
  }
  return -1;
}

/** A security buffer field (len, maxlen, offset from the message start), checked against `end`. */
function field(b: Uint8Array, m: number, at: number, end: number): { from: number; len: number } | null {
  if (at + 8 > end) return null;
  const len = le16(b, at);
  const from = m + le32(b, at + 4);
  return len > 0 && from + len <= end ? { from, len } : null;
}

function version(b: Uint8Array, at: number, end: number): string | undefined {
  if (at + 8 > end || b[at] === 0) return undefined;
  return `${b[at]}.${b[at + 1]}.${le16(b, at + 2)}`;
}

/** Decode the NTLMSSP message inside b[off, end); null when there is none or it is cut short. */
export function decodeNtlmssp(b: Uint8Array, off: number, end: number): NtlmInfo | null {
  end = Math.min(end, b.length);
  const m = findNtlmssp(b, off, end);
  if (m < 0) return null;
  const type = le32(b, m + 8);
  if (type === 1) {
    // NEGOTIATE: flags (4), domain (8), workstation (8), version (8).
    if (m + 16 > end) return null;
    const flags = le32(b, m + 12);
    const v = (flags & NEGOTIATE_VERSION) !== 0 ? version(b, m + 32, end) : undefined;
    return { messageType: 1, osVersion: v };
  }
  if (type === 2) {
    // CHALLENGE: target name (8) @12, flags @20, challenge @24, reserved @32, target info (8) @40, version @48.
    if (m + 48 > end) return null;
    const flags = le32(b, m + 20);
    const out: { -readonly [K in keyof NtlmInfo]: NtlmInfo[K] } = { messageType: 2 };
    const ti = field(b, m, m + 40, end);
    if (ti !== null) {
      const tiEnd = ti.from + ti.len;
      // AV pairs: id (2), length (2), value; MsvAvEOL (0) ends them. Each costs ≥4 bytes.
      for (let p = ti.from; p + 4 <= tiEnd; ) {
        const id = le16(b, p);
        const len = le16(b, p + 2);
        if (id === 0 || p + 4 + len > tiEnd) break;
        const v = utf16(b, p + 4, len, tiEnd);
        if (v !== '') {
          if (id === 1) out.nbComputer = v;
          else if (id === 2) out.nbDomain = v;
          else if (id === 3) out.dnsComputer = v;
          else if (id === 4) out.dnsDomain = v;
          else if (id === 5) out.dnsTree = v;
        }
        p += 4 + len;
      }
    }
    if ((flags & NEGOTIATE_VERSION) !== 0) out.osVersion = version(b, m + 48, end);
    return out;
  }
  if (type === 3) {
    // AUTHENTICATE: LM (8) @12, NT (8) @20, domain (8) @28, user (8) @36 — not read —, workstation (8) @44,
    // session key (8) @52, flags @60, version @64.
    if (m + 64 > end) return null;
    const flags = le32(b, m + 60);
    const d = field(b, m, m + 28, end);
    const w = field(b, m, m + 44, end);
    const domain = d === null ? '' : utf16(b, d.from, d.len, end);
    const workstation = w === null ? '' : utf16(b, w.from, w.len, end);
    return {
      messageType: 3,
      domain: domain === '' ? undefined : domain,
      workstation: workstation === '' ? undefined : workstation,
      osVersion: (flags & NEGOTIATE_VERSION) !== 0 ? version(b, m + 64, end) : undefined,
    };
  }
  return null;
}
