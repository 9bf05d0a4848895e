// X.509 certificates as a TLS ≤ 1.2 server sends them in the clear (RFC 5246 §7.4.2): a bounded
// DER walk (X.690) of each certificate's tbsCertificate (RFC 5280 §4.1) for its subject, issuer
// and validity. The SHA-256 fingerprint is over the certificate's DER; decode/ may not hash, so
// the bounds are handed out and flow/apps/tls.ts hashes them.

/**
 * Reads DER TLVs: `tag` returns the tag at p and leaves the content's [start, end) in the
 * reader (-1 when malformed or past end). One per certificate decode, fields set here.
 */
export class DerReader {
  /** Content offset of the TLV last read. */
  start = 0;
  /** End of the TLV last read. */
  end = 0;

  tag(b: Uint8Array, p: number, end: number): number {
    if (p + 2 > end) return -1;
    let len = b[p + 1]!;
    let q = p + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3 || q + n > end) return -1;
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | b[q + i]!;
      q += n;
    }
    if (q + len > end) return -1;
    this.start = q;
    this.end = q + len;
    return b[p]!;
  }
}

export interface CertificateInfo {
  /** The certificate's DER is [derStart, derEnd) of the buffer given. */
  readonly derStart: number;
  readonly derEnd: number;
  /** RFC 4514 string form (last RDN first): `CN=*.google.de,O=Google Inc,…,C=US`. */
  readonly subject: string;
  readonly issuer: string;
  /** ISO 8601 (`2014-04-09T12:07:45Z`); absent when the time is not a valid UTCTime/GeneralizedTime. */
  readonly notBefore?: string;
  readonly notAfter?: string;
  /** The issuer names itself (issuer and subject DER are the same bytes); the signature is not checked. */
  readonly selfSigned: boolean;
}

export interface CertificateChain {
  /** Whole certificates in the order sent (leaf first), at most MAX_CHAIN. */
  readonly certs: readonly CertificateInfo[];
  /** A certificate that did not parse ended the walk. */
  readonly malformed: boolean;
}

/** Certificates read from one message: chains are 2–4 long; more is not worth keeping. */
export const MAX_CHAIN = 8;
/** Longest rendered name: a subject is a label here, not a document. */
const MAX_NAME = 256;

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.17': 'postalCode',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

const utf8 = new TextDecoder('utf-8');

/** Dotted form of the OID content [s, e) (X.690 §8.19); '' when malformed. */
function oid(b: Uint8Array, s: number, e: number): string {
  if (s >= e || e - s > 32) return '';
  const parts: number[] = [];
  let v = 0;
  for (let i = s; i < e; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** A directory string's text (UTF8/Printable/IA5/T61/Teletex; BMPString as UCS-2), control bytes as '.'. */
function text(b: Uint8Array, tag: number, s: number, e: number): string {
  let out = '';
  if (tag === 0x1e) {
    for (let i = s; i + 1 < e && out.length < MAX_NAME; i += 2) {
      const c = (b[i]! << 8) | b[i + 1]!;
      out += c < 0x20 ? '.' : String.fromCharCode(c);
    }
    return out;
  }
  if (tag === 0x0c) out = utf8.decode(b.subarray(s, Math.min(e, s + MAX_NAME * 4)));
  else for (let i = s; i < e && out.length < MAX_NAME; i++) out += String.fromCharCode(b[i]!);
  return out.replace(/[\u0000-\u001f\u007f]/g, '.').slice(0, MAX_NAME);
}

/** RFC 4514 §2.4 escaping of one attribute value. */
function escapeValue(v: string): string {
  let s = v.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  if (s.startsWith('#') || s.startsWith(' ')) s = `\\${s}`;
  if (s.endsWith(' ')) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** Name ::= RDNSequence at the reader's last TLV content [s, e); undefined when malformed. */
function name(b: Uint8Array, s: number, e: number, t: DerReader): string | undefined {
  const rdns: string[] = [];
  // Each iteration consumes one whole SET (≥2 bytes); the attributes loop one SEQUENCE each.
  for (let p = s; p < e; ) {
    if (t.tag(b, p, e) !== 0x31) return undefined;
    const setEnd = t.end;
    p = t.end;
    const attrs: string[] = [];
    for (let a = t.start; a < setEnd; ) {
      if (t.tag(b, a, setEnd) !== 0x30) return undefined;
      const attrEnd = t.end;
      a = t.end;
      if (t.tag(b, t.start, attrEnd) !== 0x06) return undefined;
      const id = oid(b, t.start, t.end);
      const vt = t.tag(b, t.end, attrEnd);
      if (vt < 0) return undefined;
      attrs.push(`${SHORT[id] ?? id}=${escapeValue(text(b, vt, t.start, t.end))}`);
    }
    rdns.push(attrs.join('+'));
  }
  return rdns.reverse().join(',').slice(0, MAX_NAME);
}

function digits(b: Uint8Array, s: number, n: number): number {
  let v = 0;
  for (let i = s; i < s + n; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** UTCTime (0x17, YYMMDDHHMMSSZ; RFC 5280 §4.1.2.5.1: YY < 50 is 20YY) or GeneralizedTime (0x18) → ISO. */
function time(b: Uint8Array, tag: number, s: number, e: number): string | undefined {
  const yl = tag === 0x17 ? 2 : tag === 0x18 ? 4 : 0;
  if (yl === 0 || e - s !== yl + 11 || b[e - 1] !== 0x5a) return undefined;
  let y = digits(b, s, yl);
  if (yl === 2 && y >= 0) y += y < 50 ? 2000 : 1900;
  const f = [digits(b, s + yl, 2), digits(b, s + yl + 2, 2), digits(b, s + yl + 4, 2), digits(b, s + yl + 6, 2)];
  const sec = digits(b, s + yl + 8, 2);
  if (y < 0 || sec < 0 || f.some((x) => x < 0)) return undefined;
  const [mo, d, h, mi] = f as [number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return undefined;
  const p2 = (x: number) => x.toString().padStart(2, '0');
  return `${y.toString().padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(sec)}Z`;
}

function sameBytes(b: Uint8Array, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (b[s1 + i] !== b[s2 + i]) return false;
  return true;
}

/** One DER certificate at [s, e); undefined when the walk finds something other than X.509. */
export function decodeCertificate(b: Uint8Array, s: number, e: number, t: DerReader): CertificateInfo | undefined {
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, sigAlg, issuer, validity, subject, … } }
  if (t.tag(b, s, e) !== 0x30) return undefined;
  const derEnd = t.end;
  if (t.tag(b, t.start, t.end) !== 0x30) return undefined;
  const tbsEnd = t.end;
  let p = t.start;
  const first = t.tag(b, p, tbsEnd);
  if (first < 0) return undefined;
  if (first === 0xa0) p = t.end;
  for (let i = 0; i < 2; i++) {
    if (t.tag(b, p, tbsEnd) < 0) return undefined; // serial, signature
    p = t.end;
  }
  if (t.tag(b, p, tbsEnd) !== 0x30) return undefined;
  const issS = t.start;
  const issE = t.end;
  const issuer = name(b, issS, issE, t);
  if (issuer === undefined) return undefined;
  if (t.tag(b, issE, tbsEnd) !== 0x30) return undefined;
  const valE = t.end;
  const nb = t.tag(b, t.start, valE);
  if (nb < 0) return undefined;
  const notBefore = time(b, nb, t.start, t.end);
  const na = t.tag(b, t.end, valE);
  if (na < 0) return undefined;
  const notAfter = time(b, na, t.start, t.end);
  if (t.tag(b, valE, tbsEnd) !== 0x30) return undefined;
  const subS = t.start;
  const subE = t.end;
  const subject = name(b, subS, subE, t);
  if (subject === undefined) return undefined;
  return {
    derStart: s,
    derEnd,
    subject,
    issuer,
    notBefore,
    notAfter,
    selfSigned: sameBytes(b, issS, issE, subS, subE),
  };
}

/**
 * The certificates of a Certificate handshake message (type 11, TLS ≤ 1.2) at `off` whose bytes
 * lie within [off, end): the caller passes the whole message, or what a capped buffer holds.
 */
export function decodeCertificateChain(b: Uint8Array, off: number, end: number): CertificateChain {
  end = Math.min(end, b.length);
  const certs: CertificateInfo[] = [];
  if (end - off < 7 || b[off] !== 11) return { certs, malformed: false };
  const listEnd = Math.min(end, off + 7 + ((b[off + 4]! << 16) | (b[off + 5]! << 8) | b[off + 6]!));
  const t = new DerReader();
  // Each iteration consumes one whole certificate entry (≥3 bytes) or leaves the loop.
  for (let p = off + 7; p + 3 <= listEnd && certs.length < MAX_CHAIN; ) {
    const n = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
    if (p + 3 + n > listEnd) break;
    const c = decodeCertificate(b, p + 3, p + 3 + n, t);
    if (c === undefined || c.derEnd !== p + 3 + n) return { certs, malformed: true };
    certs.push(c);
    p += 3 + n;
  }
  return { certs, malformed: false };
}
