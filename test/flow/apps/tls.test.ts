import { describe, expect, it } from 'vitest';
import type { TlsHello } from '../../../src/events.js';
import { tlsApp } from '../../../src/flow/apps/tls.js';
import { tcpConns } from '../../decode/app-payloads.js';
import { capture } from '../../helpers/paths.js';
import { fakeCtx, feedBytewise, runTcp } from './fake-ctx.js';

function hellos(file: string): TlsHello[] {
  return tcpConns(capture(file)).flatMap((c) => runTcp(tlsApp, c).events as TlsHello[]);
}

describe('tlsApp on the shared captures', () => {
  it('tls-chrome-34-google: SNI, ALPN and certificate CN (ground truth)', () => {
    const [h, ...rest] = hellos('tls-chrome-34-google.pcap');
    expect(rest).toEqual([]);
    expect(h).toMatchObject({
      type: 'tls-hello',
      sni: 'google.de',
      alpn: ['spdy/3', 'spdy/3.1', 'http/1.1'],
      version: 'TLS 1.2',
      certSubject: '*.google.de',
      src: { ip: '192.168.4.149', port: 55881 },
      dst: { port: 443 },
    });
  });

  it('tls-ecdhe: no SNI or ALPN offered (tshark shows none), certificate *.google.com', () => {
    const hs = hellos('tls-ecdhe.pcap');
    expect(hs).toHaveLength(1);
    expect(hs[0]!.sni).toBeUndefined();
    expect(hs[0]!.alpn).toBeUndefined();
    expect(hs[0]).toMatchObject({ version: 'TLS 1.2', certSubject: '*.google.com' });
  });

  it('tls-tls1.2: a TLS 1.2 hello without SNI', () => {
    const hs = hellos('tls-tls1.2.pcap');
    expect(hs).toHaveLength(1);
    expect(hs[0]).toMatchObject({ version: 'TLS 1.2' });
    expect(hs[0]!.sni).toBeUndefined();
  });

  it('tls-tls13_wolfssl: supported_versions offers 1.3 (tshark: 0x0304,0x0303,0x0302), no certificate in clear', () => {
    const hs = hellos('tls-tls13_wolfssl.pcap');
    expect(hs).toHaveLength(1);
    expect(hs[0]).toMatchObject({ version: 'TLS 1.3', dst: { port: 9090 } });
    expect(hs[0]!.certSubject).toBeUndefined();
  });

  it('counts one tls message per ClientHello and survives byte-by-byte delivery', () => {
    const conn = tcpConns(capture('tls-chrome-34-google.pcap'))[0]!;
    const rec = fakeCtx('tcp', conn.client, conn.server);
    const app = tlsApp.create(rec.ctx);
    const up = Buffer.concat(conn.chunks.filter((c) => c.dir === 0).map((c) => c.bytes));
    feedBytewise(app, 0, up.subarray(0, 600));
    const down = Buffer.concat(conn.chunks.filter((c) => c.dir === 1).map((c) => c.bytes));
    feedBytewise(app, 1, down.subarray(0, 5000));
    app.end(0);
    expect(rec.apps).toEqual({ tls: 1 });
    expect(rec.events).toHaveLength(1);
    expect(rec.events[0]).toMatchObject({ sni: 'google.de', certSubject: '*.google.de' });
  });

  it('keeps nothing of a caller view past the call: chunks scribbled over after delivery change nothing', () => {
    const conn = tcpConns(capture('tls-chrome-34-google.pcap'))[0]!;
    const up = Buffer.concat(conn.chunks.filter((c) => c.dir === 0).map((c) => c.bytes)).subarray(0, 600);
    const down = Buffer.concat(conn.chunks.filter((c) => c.dir === 1).map((c) => c.bytes)).subarray(0, 5000);
    // Cuts inside record headers, inside handshake messages and on record boundaries.
    for (const size of [1, 3, 5, 7, 64, 517, 1400]) {
      const rec = fakeCtx('tcp', conn.client, conn.server);
      const app = tlsApp.create(rec.ctx);
      for (const [dir, bytes] of [
        [0, up],
        [1, down],
      ] as const) {
        for (let i = 0; i < bytes.length; i += size) {
          const chunk = Uint8Array.from(bytes.subarray(i, i + size));
          app.data(dir, chunk, 0);
          chunk.fill(0xee); // the view dies with the call
        }
      }
      app.end(0);
      expect(rec.events, `chunks of ${size}`).toHaveLength(1);
      expect(rec.events[0], `chunks of ${size}`).toMatchObject({
        sni: 'google.de',
        alpn: ['spdy/3', 'spdy/3.1', 'http/1.1'],
        certSubject: '*.google.de',
      });
    }
  });

  it('a handshake message split over two records in two segments survives the first segment being reused', () => {
    const conn = tcpConns(capture('tls-chrome-34-google.pcap'))[0]!;
    const up = Buffer.concat(conn.chunks.filter((c) => c.dir === 0).map((c) => c.bytes));
    const len = up.readUInt16BE(3); // first record: 16 03 0x LL LL, then the ClientHello
    const body = up.subarray(5, 5 + len);
    const record = (b: Uint8Array) => Uint8Array.from([0x16, up[1]!, up[2]!, b.length >> 8, b.length & 0xff, ...b]);
    const rec = fakeCtx('tcp', conn.client, conn.server);
    const app = tlsApp.create(rec.ctx);
    const first = record(body.subarray(0, 100));
    app.data(0, first, 0);
    first.fill(0xee);
    app.data(0, record(body.subarray(100)), 0);
    app.end(0);
    expect(rec.events).toHaveLength(1);
    expect(rec.events[0]).toMatchObject({ sni: 'google.de', alpn: ['spdy/3', 'spdy/3.1', 'http/1.1'] });
  });

  it('probes by content: ClientHello yes, HTTP no, short input more', () => {
    const conn = tcpConns(capture('tls-chrome-34-google.pcap'))[0]!;
    expect(tlsApp.probe(0, conn.chunks[0]!.bytes)).toBe('yes');
    expect(tlsApp.probe(0, conn.chunks[0]!.bytes.subarray(0, 3))).toBe('more');
    expect(tlsApp.probe(0, Buffer.from('GET / HTTP/1.1\r\n'))).toBe('no');
  });
});
