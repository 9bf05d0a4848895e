// QUIC on real captures nobody here wrote (test/fixtures/quic, PROVENANCE.md there): browsers
// (Chromium 115, Firefox), curl's HTTP/3, quic-go's interop runs (handshake, Retry, 0-RTT; on a
// PPP link), QUIC v2, DNS over QUIC on 853, ClientHellos over several Initials and CRYPTO frames.
// Every client Initial's ClientHello becomes a `tls-hello` with `transport: 'quic'`; its SNI and
// ALPN are what Zeek's ssl.log/quic.log and tshark 4.0.17 decode from the same file, its JA3 is
// tshark's `tls.handshake.ja3`, and its JA4 equals FoxIO's own reference output for their three
// QUIC captures. A second check re-runs tshark on each file so the table cannot drift from it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TlsHello } from '../../../src/events.js';
import { engineEvents } from '../../helpers/proto-pcap.js';
import { FIXTURES_DIR, IN_CI } from '../../helpers/paths.js';
import { HAVE_TSHARK, tshark } from '../../sim/tshark.js';

interface Hello {
  port: number;
  sni?: string;
  alpn: string[];
  ja3: string;
  /** FoxIO's reference (rust/ja4/src/snapshots), only for their captures. */
  ja4?: string;
}

/** Per capture, its client hellos in capture order: Zeek's server_name/client_protocol, tshark's ja3. */
const EXPECTED: Record<string, Hello[]> = {
  'chromium-115.0.5790.110-api-cirrus-com.pcap': [
    { port: 53727, sni: 'api.cirrus-ci.com', alpn: ['h3'], ja3: '526bdfecc3fb6cf46540d7ff70e88cec' },
  ],
  'curl-8.1.2-dev-http3-www-google-de.pcap': [
    {
      port: 34347,
      sni: 'www.google.de',
      alpn: ['h3', 'h3-29', 'h3-28', 'h3-27'],
      ja3: 'f75253b5e2b4dcb3fdae9b78ce8c6e49',
    },
  ],
  'interop-quic-go-handshake.pcap': [
    { port: 40084, sni: 'server4:443', alpn: ['hq-interop'], ja3: '3e9680842aa1ac1f48edc74e779ebc97' },
  ],
  'interop-quic-go-retry.pcap': [
    { port: 42834, sni: 'server4:443', alpn: ['hq-interop'], ja3: '3e9680842aa1ac1f48edc74e779ebc97' },
  ],
  'interop-quic-go-zerortt.pcap': [
    { port: 60492, sni: 'server4:443', alpn: ['hq-interop'], ja3: '373c025a12cf078baca389bb399d6bdd' },
    { port: 49394, sni: 'server4:443', alpn: ['hq-interop'], ja3: 'fa7bd32a613812b94c47f406dcc637d3' },
  ],
  'merlinc2_Zeek_example.pcapng': [{ port: 53241, alpn: ['h3'], ja3: '203c2306834e5bf5ace01fb74ad1badf' }],
  'quic-39264-rand.pcap': [
    { port: 39264, sni: 'tr6.snapchat.com', alpn: ['h3'], ja3: '8a77a67b7efcd2e3a00787e1df1a5f05' },
  ],
  'quic-decrypt-fail-google-de-51833.pcap': [
    { port: 51883, sni: 'www.google.de', alpn: ['h3'], ja3: '0cd7e8a73a967c8e40004257e49de06d' },
  ],
  'quic-multiple-initial-fragmented-crypto.pcap': [
    { port: 45945, sni: 'googleads.g.doubleclick.net', alpn: ['h3'], ja3: 'a737e2cfe3b7e8f28cf5a2afd1427700' },
  ],
  'quic-multiple-initial-fragmented-crypto-only-initial.pcap': [
    { port: 45945, sni: 'googleads.g.doubleclick.net', alpn: ['h3'], ja3: 'a737e2cfe3b7e8f28cf5a2afd1427700' },
  ],
  'quicdoq.pcap': [{ port: 46907, alpn: ['doq'], ja3: '0299b052ace53a14c3a04aceb5efd247' }],
  'quicv2-echo-443.pcap': [
    { port: 49320, sni: 'localhost', alpn: ['quic-echo-example'], ja3: '3e9680842aa1ac1f48edc74e779ebc97' },
  ],
  'quicv2-http3-443.pcap': [{ port: 50841, alpn: ['h3'], ja3: 'b399a25badfd034849f164d8acfda10e' }],
  'ja4-quic-tls-handshake.pcapng': [
    {
      port: 59102,
      sni: 'www.google.com',
      alpn: ['h3'],
      ja3: '0cda1bd7f270e894ed5de2af2f06cb80',
      ja4: 'q13d0310h3_55b375c5d22e_cd85d2d88918',
    },
  ],
  'ja4-quic-with-several-tls-frames.pcapng': [
    {
      port: 55906,
      sni: 'ogs.google.com',
      alpn: ['h3'],
      ja3: '410bc72d10506604b31a74b036fc4bab',
      ja4: 'q13d0310h3_55b375c5d22e_cd85d2d88918',
    },
  ],
  'ja4-chrome-cloudflare-quic-with-secrets.pcapng': [
    {
      port: 50280,
      sni: 'cloudflare-quic.com',
      alpn: ['h3'],
      ja3: '3cbc33c648fe331404456f48a5a27170',
      ja4: 'q13d0310h3_55b375c5d22e_cd85d2d88918',
    },
  ],
};

const file = (name: string) => join(FIXTURES_DIR, 'quic', name);

async function quicHellos(name: string) {
  const r = await engineEvents(file(name));
  const hellos = r.events.filter((e): e is TlsHello => e.type === 'tls-hello' && e.transport === 'quic');
  return { ...r, hellos };
}

describe('QUIC on real captures (Zeek, FoxIO JA4 and quic-go interop traces)', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: every client hello named, as Zeek and tshark decode it`, async () => {
      const { hellos, apps, anomalies } = await quicHellos(name);
      expect(apps.quic).toBe(want.length);
      expect(
        hellos.map((h) => ({ port: h.src.port, sni: h.sni, alpn: h.alpn, ja3: h.ja3, version: h.version })),
      ).toEqual(want.map((w) => ({ port: w.port, sni: w.sni, alpn: w.alpn, ja3: w.ja3, version: 'TLS 1.3' })));
      for (const [h, w] of hellos.map((h, i) => [h, want[i]!] as const)) {
        // JA4: `q` for QUIC, TLS 1.3, d(omain)/i(p) by the SNI, then the two hashes
        expect(h.ja4).toMatch(
          new RegExp(`^q13${w.sni === undefined ? 'i' : 'd'}\\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$`),
        );
        if (w.ja4 !== undefined) expect(h.ja4).toBe(w.ja4);
      }
      // the captures are whole: nothing on them is an anomaly
      expect(anomalies).toEqual({});
    });
  }

  it('the TCP hello in FoxIO’s capture keeps its own JA4 (t13d1516h2_8daaf6152771_e5627efa2ab1)', async () => {
    const r = await engineEvents(file('ja4-chrome-cloudflare-quic-with-secrets.pcapng'));
    const tcp = r.events.filter((e): e is TlsHello => e.type === 'tls-hello' && e.transport !== 'quic');
    expect(tcp.map((h) => [h.src.port, h.sni, h.ja4])).toEqual([
      [57098, 'cloudflare-quic.com', 't13d1516h2_8daaf6152771_e5627efa2ab1'],
    ]);
  });

  it.runIf(HAVE_TSHARK || IN_CI)('the table is what tshark decodes from each file (SNI, ALPN, JA3)', () => {
    for (const [name, want] of Object.entries(EXPECTED)) {
      const rows = tshark(file(name), [
        '-d',
        'udp.port==853,quic',
        '-Y',
        'quic && tls.handshake.type == 1',
        '-T',
        'fields',
        '-E',
        'separator=|',
        '-e',
        'udp.srcport',
        '-e',
        'tls.handshake.extensions_server_name',
        '-e',
        'tls.handshake.extensions_alpn_str',
        '-e',
        'tls.handshake.ja3',
      ]).map((l) => {
        const [port, sni, alpn, ja3] = l.split('|');
        return { port: Number(port), sni: sni === '' ? undefined : sni, alpn: alpn!.split(','), ja3 };
      });
      expect(rows, name).toEqual(want.map((w) => ({ port: w.port, sni: w.sni, alpn: w.alpn, ja3: w.ja3 })));
    }
  });
});
