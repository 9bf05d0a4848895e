// TLS client fingerprint *strings* from the fields of one ClientHello: JA3 (Salesforce, the
// classic "version,ciphers,extensions,groups,point formats" string MD5 is taken of) and JA4's
// three parts (FoxIO, technical_details/JA4.md) before the two SHA-256 truncations. Hashing
// needs node:crypto, which decode/ may not import: the analyzer (flow/apps/tls.ts) hashes.
// GREASE (RFC 8701) values are left out of every list, as both specifications say.

/** What the ClientHello decoder collects for the fingerprints (GREASE already removed). */
export interface HelloFields {
  readonly legacyVersion: number;
  readonly ciphers: readonly number[];
  /** Extension types in wire order. */
  readonly extensions: readonly number[];
  /** supported_groups (10), in order. */
  readonly groups: readonly number[];
  /** ec_point_formats (11), in order. */
  readonly pointFormats: readonly number[];
  /** signature_algorithms (13), in order. */
  readonly sigAlgs: readonly number[];
  /** supported_versions (43); empty when absent. */
  readonly versions: readonly number[];
  /** First and last byte of the first ALPN value (-1 when there is none or it is empty). */
  readonly alpnFirst: number;
  readonly alpnLast: number;
}

/** The inputs of a JA4 before hashing: `ja4 = <transport><a>_<h12(b)>_<h12(c)>` (h12: the first 12 hex of SHA-256). */
export interface Ja4Parts {
  /** Section a without the transport letter ('t' TCP, 'q' QUIC, 'd' DTLS): e.g. `13d1516h2`. */
  readonly a: string;
  /** Sorted cipher list, 4-hex comma separated ('' when none: JA4_b is then `000000000000`). */
  readonly b: string;
  /** Sorted extensions without SNI/ALPN, then `_` and the signature algorithms in order ('' when no extensions). */
  readonly c: string;
}

export interface ClientFingerprint {
  /** The JA3 string (MD5 of it is the JA3). */
  readonly ja3: string;
  readonly ja4: Ja4Parts;
}

export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** hex4 of each 16-bit value, made on first use: hellos repeat the same few hundred values. */
const HEX4: (string | undefined)[] = [];

function hex4(v: number): string {
  let s = HEX4[v];
  if (s === undefined) {
    s = v.toString(16).padStart(4, '0');
    if (v >= 0 && v <= 0xffff) HEX4[v] = s;
  }
  return s;
}

/**
 * The values in ascending order as comma-separated hex4, without SNI (0) and ALPN (16) when
 * `dropSniAlpn`. The values are 16-bit, so a Uint16Array's own numeric sort does it without a
 * comparator call per step (about twice as fast as array sort and map on a 16-value list).
 */
function sortedHex(values: readonly number[], dropSniAlpn: boolean): string {
  const a = new Uint16Array(values.length);
  let n = 0;
  for (const v of values) if (!dropSniAlpn || (v !== 0 && v !== 16)) a[n++] = v;
  const sorted = a.subarray(0, n).sort();
  let out = '';
  for (let i = 0; i < n; i++) out += i === 0 ? hex4(sorted[i]!) : `,${hex4(sorted[i]!)}`;
  return out;
}

function count2(n: number): string {
  return n > 99 ? '99' : n.toString().padStart(2, '0');
}

function alnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** JA4's two-character version: the highest supported_versions entry, else the legacy version. */
function ja4Version(f: HelloFields): string {
  let v = f.legacyVersion;
  if (f.versions.length > 0) {
    v = 0;
    for (const x of f.versions) if (x > v && x >> 8 !== 0x7f) v = x;
  }
  switch (v) {
    case 0x0304:
      return '13';
    case 0x0303:
      return '12';
    case 0x0302:
      return '11';
    case 0x0301:
      return '10';
    case 0x0300:
      return 's3';
    case 0x0002:
      return 's2';
    case 0xfeff:
      return 'd1';
    case 0xfefd:
      return 'd2';
    case 0xfefc:
      return 'd3';
  }
  return '00';
}

/** JA4's ALPN characters: first and last of the first value, or the hex form's ends when either byte is not alphanumeric. */
function ja4Alpn(first: number, last: number): string {
  if (first < 0) return '00';
  if (alnum(first) && alnum(last)) return String.fromCharCode(first, last);
  return first.toString(16).padStart(2, '0')[0]! + last.toString(16).padStart(2, '0')[1]!;
}

export function clientFingerprint(f: HelloFields): ClientFingerprint {
  const ja3 = [
    f.legacyVersion,
    f.ciphers.join('-'),
    f.extensions.join('-'),
    f.groups.join('-'),
    f.pointFormats.join('-'),
  ].join(',');
  const sni = f.extensions.includes(0) ? 'd' : 'i';
  const a = `${ja4Version(f)}${sni}${count2(f.ciphers.length)}${count2(f.extensions.length)}${ja4Alpn(f.alpnFirst, f.alpnLast)}`;
  const b = sortedHex(f.ciphers, false);
  const exts = sortedHex(f.extensions, true);
  const c = exts === '' ? '' : f.sigAlgs.length > 0 ? `${exts}_${f.sigAlgs.map(hex4).join(',')}` : exts;
  return { ja3, ja4: { a, b, c } };
}
