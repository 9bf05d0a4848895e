// JA4 / JA3 and the certificate chain: the JA4 specification's own example (FoxIO
// technical_details/JA4.md), and every shared TLS capture against tshark 4.0 — its JA3 field
// directly, and a JA4 computed here from tshark's decoded cipher/extension/signature lists
// (tshark 4.0 has no ja4 field; 4.2 added it). Certificates: SHA-256 of tshark's certificate
// bytes, names and validity from Node's own X.509 parser (OpenSSL).
import { createHash, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceRecord } from '../../../src/contract/records.js';
import { Bytes } from '../../../src/decode/bytes.js';
import { analyzeCaptures } from '../../../src/engine/analyze.js';
import { decodeClientHello } from '../../../src/decode/tls.js';
import { clientFingerprint } from '../../../src/decode/tls-fingerprint.js';
import { decodeCertificateChain } from '../../../src/decode/x509.js';
import type { TlsHello } from '../../../src/events.js';
import { helloDigests, ja3Of, ja4Of, tlsApp } from '../../../src/flow/apps/tls.js';
import { mutate, rng } from '../../decode/app-hex.js';
import { tcpConns } from '../../decode/app-payloads.js';
import { capture, IN_CI } from '../../helpers/paths.js';
import { HAVE_TSHARK, tshark } from '../../sim/tshark.js';
import { runTcp } from './fake-ctx.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A ClientHello handshake message (no record header) with the lists given, GREASE included where asked. */
function hello(o: {
  ciphers: number[];
  exts: number[];
  sigAlgs: number[];
  alpn?: string;
  versions?: number[];
}): Uint8Array {
  const b = new Bytes();
  b.u8(1);
  const hs = b.lengthField(3);
  b.u16(0x0303).zeros(32).u8(0);
  b.u16(o.ciphers.length * 2);
  for (const c of o.ciphers) b.u16(c);
  b.u8(1).u8(0);
  const exts = b.lengthField(2);
  for (const t of o.exts) {
    b.u16(t);
    const body = b.lengthField(2);
    if (t === 0) b.u16(12).u8(0).u16(9).ascii('google.de');
    else if (t === 16 && o.alpn !== undefined)
      b.u16(o.alpn.length + 1)
        .u8(o.alpn.length)
        .ascii(o.alpn);
    else if (t === 13) {
      b.u16(o.sigAlgs.length * 2);
      for (const s of o.sigAlgs) b.u16(s);
    } else if (t === 43) {
      const v = o.versions ?? [0x0304];
      b.u8(v.length * 2);
      for (const x of v) b.u16(x);
    }
    body();
  }
  exts();
  hs();
  return b.done();
}

// The spec's example hello: ciphers and extensions in the JA4_ro order, plus GREASE (ignored).
const SPEC_CIPHERS = [
  0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
  0x0035,
];
const SPEC_EXTS = [
  0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b,
  0x000a, 0x0015,
];
const SPEC_SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

describe('JA4 against the specification (FoxIO JA4.md)', () => {
  it('the example hello gives t13d1516h2_8daaf6152771_e5627efa2ab1; GREASE changes nothing', () => {
    const m = hello({
      ciphers: [0x0a0a, ...SPEC_CIPHERS],
      exts: [0x1a1a, ...SPEC_EXTS, 0xfafa],
      sigAlgs: SPEC_SIGALGS,
      alpn: 'h2',
      versions: [0x7a7a, 0x0304, 0x0303],
    });
    const r = decodeClientHello(m, 0, m.length);
    if (r.kind !== 'ok' || r.value.fingerprint === undefined) throw new Error(`not decoded: ${r.kind}`);
    const fp = r.value.fingerprint;
    // JA4_r as the spec prints it.
    expect(`t${fp.ja4.a}_${fp.ja4.b}_${fp.ja4.c}`).toBe(
      't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601',
    );
    expect(ja4Of(fp, 't')).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
    expect(ja4Of(fp, 'q')).toBe('q13d1516h2_8daaf6152771_e5627efa2ab1');
    // The spec's full hash of section c, of which JA4 keeps 12 characters.
    expect(sha(fp.ja4.c)).toBe('e5627efa2ab19723084c1033a96c694a45826ab5a460d2d3fd5ffcfe97161c95');
  });

  it('without signature algorithms section c has no underscore (spec: 6d807ffa2a79)', () => {
    const exts = SPEC_EXTS.filter((e) => e !== 0x000d);
    const m = hello({ ciphers: SPEC_CIPHERS, exts, sigAlgs: [], alpn: 'h2' });
    const r = decodeClientHello(m, 0, m.length);
    if (r.kind !== 'ok' || r.value.fingerprint === undefined) throw new Error('not decoded');
    // The spec's example list keeps 000d in the extensions and only drops the algorithms.
    const withExt13 = hello({ ciphers: SPEC_CIPHERS, exts: SPEC_EXTS, sigAlgs: [], alpn: 'h2' });
    const r13 = decodeClientHello(withExt13, 0, withExt13.length);
    if (r13.kind !== 'ok' || r13.value.fingerprint === undefined) throw new Error('not decoded');
    expect(r13.value.fingerprint.ja4.c).toBe('0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01');
    expect(ja4Of(r13.value.fingerprint, 't').split('_')[2]).toBe('6d807ffa2a79');
    expect(r.value.fingerprint.ja4.a).toBe('13d1515h2');
  });

  it('no ciphers / no extensions give 000000000000; no SNI gives i; no ALPN gives 00; legacy version without 43', () => {
    const m = hello({ ciphers: [], exts: [], sigAlgs: [] });
    const r = decodeClientHello(m, 0, m.length);
    if (r.kind !== 'ok' || r.value.fingerprint === undefined) throw new Error('not decoded');
    expect(ja4Of(r.value.fingerprint, 't')).toBe('t12i000000_000000000000_000000000000');
    expect(r.value.fingerprint.ja3).toBe('771,,,,');
  });

  it('ALPN characters: the spec’s five non-alphanumeric examples', () => {
    const a = (bytes: number[]) =>
      clientFingerprint({
        legacyVersion: 0x0303,
        ciphers: [],
        extensions: [16],
        groups: [],
        pointFormats: [],
        sigAlgs: [],
        versions: [],
        alpnFirst: bytes[0]!,
        alpnLast: bytes[bytes.length - 1]!,
      }).ja4.a.slice(-2);
    expect(a([0xab])).toBe('ab');
    expect(a([0xab, 0xcd])).toBe('ad');
    expect(a([0x30, 0xab])).toBe('3b');
    expect(a([0x30, 0x31, 0xab, 0xcd])).toBe('3d');
    expect(a([0x30, 0xab, 0xcd, 0x31])).toBe('01');
    expect(a([0x68])).toBe('hh'); // a one-character value is both ends
  });

  it('counts stop at 99', () => {
    const many = Array.from({ length: 120 }, (_, i) => 0x0100 + i);
    const m = hello({ ciphers: many, exts: [], sigAlgs: [] });
    const r = decodeClientHello(m, 0, m.length);
    if (r.kind !== 'ok' || r.value.fingerprint === undefined) throw new Error('not decoded');
    expect(r.value.fingerprint.ja4.a).toBe('12i990000');
  });
});

const TLS_CAPTURES = ['tls-chrome-34-google.pcap', 'tls-ecdhe.pcap', 'tls-tls1.2.pcap', 'tls-tls13_wolfssl.pcap'];

function hellos(file: string): TlsHello[] {
  return tcpConns(capture(file)).flatMap((c) => runTcp(tlsApp, c).events as TlsHello[]);
}

const GREASE = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
const h4 = (v: number) => v.toString(16).padStart(4, '0');
const h12 = (s: string) => (s === '' ? '000000000000' : sha(s).slice(0, 12));

/** JA4 computed from tshark's decoded lists: a second implementation over a second decoder. */
function ja4FromTshark(line: string): string {
  const [cs, ext, sig, sv, alpn] = line.split('\t').map((f) => (f === '' ? [] : f.split('|')));
  const num = (xs: string[] | undefined) => (xs ?? []).map((x) => Number(x)).filter((x) => !GREASE(x));
  const ciphers = num(cs);
  const exts = num(ext);
  const sigs = num(sig);
  const versions = num(sv);
  const top = versions.length > 0 ? Math.max(...versions) : 0x0303;
  const ver = { 772: '13', 771: '12', 770: '11', 769: '10' }[top] ?? '00';
  const first = alpn?.[0] ?? '';
  const al = first === '' ? '00' : `${first[0]}${first[first.length - 1]}`;
  const n2 = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
  const a = `t${ver}${exts.includes(0) ? 'd' : 'i'}${n2(ciphers.length)}${n2(exts.length)}${al}`;
  const b = [...ciphers]
    .sort((x, y) => x - y)
    .map(h4)
    .join(',');
  const e = exts
    .filter((x) => x !== 0 && x !== 16)
    .sort((x, y) => x - y)
    .map(h4)
    .join(',');
  const c = e === '' ? '' : sigs.length > 0 ? `${e}_${sigs.map(h4).join(',')}` : e;
  return `${a}_${h12(b)}_${h12(c)}`;
}

describe.skipIf(!HAVE_TSHARK && !IN_CI)('fingerprints on the shared TLS captures (tshark 4.0)', () => {
  for (const f of TLS_CAPTURES) {
    it(`${f}: JA3 equals tshark's tls.handshake.ja3, JA4 equals one built from tshark's lists`, () => {
      const ours = hellos(f);
      const ja3 = tshark(capture(f), ['-Y', 'tls.handshake.type==1', '-T', 'fields', '-e', 'tls.handshake.ja3']);
      const lists = tshark(capture(f), [
        '-Y',
        'tls.handshake.type==1',
        '-T',
        'fields',
        '-E',
        'occurrence=a',
        '-E',
        'aggregator=|',
        '-e',
        'tls.handshake.ciphersuite',
        '-e',
        'tls.handshake.extension.type',
        '-e',
        'tls.handshake.sig_hash_alg',
        '-e',
        'tls.handshake.extensions.supported_version',
        '-e',
        'tls.handshake.extensions_alpn_str',
      ]);
      expect(ours.length).toBeGreaterThan(0);
      expect(ours.map((h) => h.ja3)).toEqual(ja3);
      expect(ours.map((h) => h.ja4)).toEqual(lists.map(ja4FromTshark));
    });
  }

  it('the JA4 values themselves (a change here is a change of the fingerprint users match on)', () => {
    expect(TLS_CAPTURES.map((f) => hellos(f)[0]!.ja4)).toEqual([
      't12d2011s3_8dd61975155f_06a4338d0495',
      't12i020500_d0ac5cb1209a_a1e935682795',
      't12i800500_15c493246000_3eafcbe19126',
      't13i010600_ee47968ec53b_5af53a18c712',
    ]);
  });

  for (const f of TLS_CAPTURES.slice(0, 3)) {
    it(`${f}: certificate chain — SHA-256 of tshark's certificate bytes, names and validity as OpenSSL reads them`, () => {
      const [h] = hellos(f);
      const der = tshark(capture(f), [
        '-Y',
        'tls.handshake.type==11',
        '-T',
        'fields',
        '-E',
        'occurrence=a',
        '-E',
        'aggregator=|',
        '-e',
        'tls.handshake.certificate',
      ])[0]!
        .split('|')
        .map((x) => Buffer.from(x.replace(/:/g, ''), 'hex'));
      expect(der.length).toBeGreaterThan(1);
      expect(h!.certs?.map((c) => c.sha256)).toEqual(der.map((d) => createHash('sha256').update(d).digest('hex')));
      der.forEach((d, i) => {
        const x = new X509Certificate(d);
        const c = h!.certs![i]!;
        // Node prints names first RDN first, one per line; RFC 4514 (ours) is last RDN first.
        // OpenSSL spells RFC 4514's STREET in lower case.
        const rfc4514 = (n: string) =>
          n
            .replace(/^street=/gm, 'STREET=')
            .split('\n')
            .reverse()
            .join(',');
        expect(c.subject).toBe(rfc4514(x.subject));
        expect(c.issuer).toBe(rfc4514(x.issuer));
        expect(Date.parse(c.notBefore!)).toBe(Date.parse(x.validFrom));
        expect(Date.parse(c.notAfter!)).toBe(Date.parse(x.validTo));
        expect(c.sha256).toBe(x.fingerprint256.replace(/:/g, '').toLowerCase());
        expect(c.selfSigned).toBe(x.subject === x.issuer);
      });
    });
  }

  it('tls-tls1.2: the chain ends in the self-signed AddTrust root; TLS 1.3 shows no certificate', () => {
    const certs = hellos('tls-tls1.2.pcap')[0]!.certs!;
    expect(certs.map((c) => c.selfSigned)).toEqual([false, false, true]);
    expect(certs[2]!.subject).toBe('CN=AddTrust External CA Root,OU=AddTrust External TTP Network,O=AddTrust AB,C=SE');
    expect(hellos('tls-tls13_wolfssl.pcap')[0]!.certs).toBeUndefined();
  });
});

describe('certificate chain decoder on damaged input', () => {
  it('every truncation of a real chain returns whole certificates only, and a flipped tag marks it malformed', () => {
    const conn = tcpConns(capture('tls-ecdhe.pcap'))[0]!;
    const down = Buffer.concat(conn.chunks.filter((c) => c.dir === 1).map((c) => c.bytes));
    // Find the Certificate handshake message inside the first records (ServerHello comes first).
    let hs = Buffer.alloc(0);
    for (let p = 0; p + 5 <= down.length && hs.length < 8000; p += 5 + down.readUInt16BE(p + 3))
      if (down[p] === 22) hs = Buffer.concat([hs, down.subarray(p + 5, p + 5 + down.readUInt16BE(p + 3))]);
    let at = 0;
    while (hs[at] !== 11) at += 4 + hs.readUIntBE(at + 1, 3); // ServerHello first
    const msg = hs.subarray(at, at + 4 + hs.readUIntBE(at + 1, 3));
    const full = decodeCertificateChain(msg, 0, msg.length);
    expect(full.certs).toHaveLength(3);
    let prev = 0;
    for (let n = 0; n <= msg.length; n += 7) {
      const r = decodeCertificateChain(msg, 0, n);
      expect(r.malformed).toBe(false);
      expect(r.certs.length).toBeGreaterThanOrEqual(prev);
      for (const c of r.certs) expect(c.derEnd).toBeLessThanOrEqual(n);
      prev = r.certs.length;
    }
    // A seeded mutation run: never a throw, never a certificate past the bytes given.
    const rnd = rng(18);
    for (let i = 0; i < 300; i++) {
      const m = mutate(msg, rnd);
      const r = decodeCertificateChain(m, 0, m.length);
      for (const c of r.certs) expect(c.derEnd).toBeLessThanOrEqual(m.length);
    }
    const bad = Buffer.from(msg);
    bad[10] = 0x31; // the first certificate's SEQUENCE tag
    expect(decodeCertificateChain(bad, 0, bad.length)).toEqual({ certs: [], malformed: true });
  });
});

describe('JA3/JA4 hashing', () => {
  it('ja3Of is the MD5 of the JA3 string (the JA3 README example)', () => {
    const fp = {
      ja3: '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0',
      ja4: { a: '', b: '', c: '' },
    };
    expect(ja3Of(fp)).toBe('ada70206e40642a3e4461f35503241d5');
  });

  it('helloDigests gives both fingerprints with the transport letter, or none without a fingerprint', () => {
    const fp = {
      ja3: '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0',
      ja4: { a: '12d0000h2', b: '', c: '' },
    };
    expect(helloDigests(fp, 'q')).toEqual({
      ja4: 'q12d0000h2_000000000000_000000000000',
      ja3: 'ada70206e40642a3e4461f35503241d5',
    });
    expect(helloDigests(fp, 't').ja4).toBe('t12d0000h2_000000000000_000000000000');
    expect(helloDigests(undefined, 't')).toEqual({ ja4: undefined, ja3: undefined });
  });
});

describe('the device record carries the TLS it used', () => {
  it('tls-chrome-34-google: the client device lists its JA4, JA3 and the leaf certificate it was shown, with what it says', async () => {
    const r = await analyzeCaptures([capture('tls-chrome-34-google.pcap')], { salt: '00'.repeat(32) });
    const client = r.devices.find((d) => d.ips.includes('192.168.4.149'));
    const leaf = 'ee623e2c2700fe20dd9fb1ac6ed5203ac7573490b531c8b8e9b6b48d3ddf5b8b';
    expect(client?.tls).toEqual({
      ja4: ['t12d2011s3_8dd61975155f_06a4338d0495'],
      ja3: ['a607f3a5c94c2ee592af1456f36c8367'],
      serverCerts: [leaf],
      // As tshark reads the first certificate (x509sat names, x509af.utcTime validity).
      servers: [
        {
          sha256: leaf,
          subject: 'CN=*.google.de,O=Google Inc,L=Mountain View,ST=California,C=US',
          issuer: 'CN=Google Internet Authority G2,O=Google Inc,C=US',
          notBefore: '2014-04-09T12:07:45Z',
          notAfter: '2014-07-08T00:00:00Z',
          selfSigned: false,
          server: '74.125.239.152:443',
          sni: 'google.de',
        },
      ],
    });
    expect(DeviceRecord.parse(client)).toEqual(client);
  });
});
