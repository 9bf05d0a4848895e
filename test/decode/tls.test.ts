import { describe, expect, it } from 'vitest';
import {
  decodeCertificateCn,
  decodeClientHello,
  decodeServerHello,
  decodeSslv2Hello,
  TLS_ANOMALIES,
  tlsRecordHeader,
} from '../../src/decode/tls.js';
import { capture } from '../helpers/paths.js';
import { hex, mutate, rng } from './app-hex.js';
import { tcpConns } from './app-payloads.js';

const RANDOM = '11'.repeat(32);

// One record holding a ClientHello with SNI, ALPN and supported_versions (GREASE first).
const RECORD = hex(`
  16 0301 005d          // record: handshake, TLS 1.0 record version, length 93
  01 000059             // ClientHello, length 89
  0303                  // legacy_version TLS 1.2
  ${RANDOM}             // random
  00                    // session_id: empty
  0004 1301 c02f        // cipher_suites: 2 suites
  01 00                 // compression: null
  002c                  // extensions: 44 bytes
  0000 000e 000c 00 0009 676f6f676c652e6465   // server_name: host_name "google.de"
  0010 000b 0009 08 687474702f312e31           // ALPN: "http/1.1"
  002b 0007 06 2a2a 0304 0303                  // supported_versions: GREASE, 1.3, 1.2
`);

const SERVER_HELLO = hex(`
  02 00002e             // ServerHello, length 46
  0303 ${RANDOM} 00     // legacy_version, random, empty session_id
  1301 00               // cipher suite, compression
  0006 002b 0002 0304   // extensions: supported_versions selects TLS 1.3
`);

const SSLV2 = hex(`
  80 2e                 // 2-byte header, high bit set: length 46
  01                    // CLIENT-HELLO
  0301                  // version TLS 1.0 (v3-compatible hello)
  0015 0000 0010        // cipher_spec, session_id, challenge lengths
`);

describe('TLS decoders on fixtures', () => {
  it('reads the record header', () => {
    expect(tlsRecordHeader(RECORD, 0, RECORD.length)).toEqual({
      kind: 'ok',
      value: { type: 22, version: 0x0301, length: 93 },
    });
    expect(tlsRecordHeader(hex('474554202f'), 0, 5).kind).toBe('not'); // "GET /"
    expect(tlsRecordHeader(hex('1603034801'), 0, 5)).toEqual({ kind: 'anomaly', code: 'tls.bad-record' });
  });

  it('decodes a ClientHello: SNI, ALPN, highest version offered (GREASE ignored)', () => {
    const r = decodeClientHello(RECORD, 5, RECORD.length);
    expect(r).toEqual({
      kind: 'ok',
      value: {
        legacyVersion: 0x0303,
        version: 'TLS 1.3',
        sni: 'google.de',
        alpn: ['http/1.1'],
        versions: [0x0304, 0x0303],
        sslv2: false,
        // 2 suites, extensions 0/16/43 in order, no groups or point formats; JA4 "h1" from http/1.1.
        fingerprint: { ja3: '771,4865-49199,0-16-43,,', ja4: { a: '13d0203h1', b: '1301,c02f', c: '002b' } },
      },
    });
  });

  it('decodes a ServerHello selecting TLS 1.3', () => {
    const r = decodeServerHello(SERVER_HELLO, 0, SERVER_HELLO.length);
    expect(r).toEqual({ kind: 'ok', value: { legacyVersion: 0x0303, version: 0x0304, alpn: undefined } });
  });

  it('recognises an SSLv2-compatible hello', () => {
    const r = decodeSslv2Hello(SSLV2, 0, SSLV2.length);
    expect(r.kind === 'ok' && r.value).toMatchObject({ version: 'TLS 1.0', sslv2: true });
  });

  it('names an extension that overruns its block', () => {
    const b = RECORD.slice();
    b[5 + 4 + 2 + 32 + 1 + 6 + 2 + 2 + 3] = 0x40; // server_name length 0x40 > block
    expect(decodeClientHello(b, 5, b.length)).toEqual({ kind: 'anomaly', code: 'tls.bad-extension' });
  });

  it('returns more or an anomaly for every truncated prefix', () => {
    for (let n = 5; n < RECORD.length; n++) {
      expect(['more', 'anomaly']).toContain(decodeClientHello(RECORD, 5, n).kind);
    }
    for (let n = 0; n < SERVER_HELLO.length; n++) {
      expect(['more', 'anomaly']).toContain(decodeServerHello(SERVER_HELLO, 0, n).kind);
    }
    for (let n = 0; n < 5; n++) expect(tlsRecordHeader(RECORD, 0, n).kind).toBe('more');
  });

  it('survives a seeded fuzz run over every decoder', () => {
    const rnd = rng(0x7105);
    const codes = new Set<string>(TLS_ANOMALIES);
    const cert = firstCertificateMessage();
    for (let i = 0; i < 10_000; i++) {
      for (const [base, f] of [
        [RECORD.subarray(5), decodeClientHello],
        [SERVER_HELLO, decodeServerHello],
        [SSLV2, decodeSslv2Hello],
        [cert, decodeCertificateCn],
        [RECORD, tlsRecordHeader],
      ] as const) {
        const b = mutate(base, rnd);
        const r = f(b, 0, b.length);
        if (r.kind === 'anomaly') expect(codes.has(r.code)).toBe(true);
      }
    }
  });
});

/** The server's Certificate handshake message from tls-chrome-34-google.pcap (joined records). */
function firstCertificateMessage(): Uint8Array {
  const conn = tcpConns(capture('tls-chrome-34-google.pcap'))[0]!;
  const stream = Buffer.concat(conn.chunks.filter((c) => c.dir === 1).map((c) => c.bytes));
  const hs: Buffer[] = [];
  for (let p = 0; p + 5 <= stream.length; ) {
    const len = stream.readUInt16BE(p + 3);
    if (stream[p] === 22) hs.push(stream.subarray(p + 5, p + 5 + len));
    p += 5 + len;
  }
  const all = Buffer.concat(hs);
  for (let p = 0; p + 4 <= all.length; ) {
    const len = all.readUIntBE(p + 1, 3);
    if (all[p] === 11) return new Uint8Array(all.subarray(p, p + 4 + len));
    p += 4 + len;
  }
  throw new Error('no Certificate message');
}

describe('certificate subject', () => {
  it('reads the subject CN of the first certificate', () => {
    const m = firstCertificateMessage();
    expect(decodeCertificateCn(m, 0, m.length)).toEqual({ kind: 'ok', value: '*.google.de' });
    for (let n = 0; n < 600; n++) expect(['more', 'anomaly']).toContain(decodeCertificateCn(m, 0, n).kind);
  });
});
