import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientHello } from '../../../src/decode/tls-encode.js';
import type { HttpRequest, HttpResponse, ProxyRequest, TlsHello, WardEvent } from '../../../src/events.js';
import { httpApp } from '../../../src/flow/apps/http.js';
import { ascii } from '../../decode/app-hex.js';
import { concat } from '../../fixtures/medical/hex.js';
import { tcpConns } from '../../decode/app-payloads.js';
import { capture, GROUND_TRUTH } from '../../helpers/paths.js';
import { fakeCtx, feedBytewise, runTcp } from './fake-ctx.js';

type Truth = Record<string, { http_hosts?: string[]; http_requests?: number; http_user_agents?: string[] }>;
const truth = JSON.parse(readFileSync(GROUND_TRUTH, 'utf8')) as Truth;

describe.each(['http-bro.org.pcap', 'http-get.pcap', 'http-get.pcapng', 'http-vlan-0.pcap', 'http-qinq-0.pcap'])(
  'httpApp on %s',
  (file) => {
    it('finds every request, host and user agent that tshark finds', () => {
      const events: WardEvent[] = [];
      const apps: Record<string, number> = {};
      const anomalies: string[] = [];
      for (const [i, conn] of tcpConns(capture(file)).entries()) {
        const first = conn.chunks[0];
        if (first) expect(httpApp.probe(first.dir, first.bytes)).toBe('yes');
        const rec = runTcp(httpApp, conn, i + 1);
        events.push(...rec.events);
        anomalies.push(...rec.anomalies);
        for (const [k, v] of Object.entries(rec.apps)) apps[k] = (apps[k] ?? 0) + v;
      }
      const reqs = events.filter((e): e is HttpRequest => e.type === 'http-request');
      const t = truth[file]!;
      expect(reqs).toHaveLength(t.http_requests!);
      expect(apps.http).toBe(t.http_requests);
      expect([...new Set(reqs.map((r) => r.host))]).toEqual(t.http_hosts);
      expect([...new Set(reqs.map((r) => r.userAgent))]).toEqual(t.http_user_agents);
      expect(anomalies).toEqual([]);
      // Every request on these captures got its response (keep-alive bodies were skipped right).
      expect(events.filter((e) => e.type === 'http-response')).toHaveLength(reqs.length);
    });
  },
);

describe('httpApp framing', () => {
  const client = { ip: '10.0.0.2', port: 5000 };
  const server = { ip: '10.0.0.1', port: 80 };

  it('pipelined requests, HEAD, 100-continue, chunked with trailer, then a close-delimited body', () => {
    const rec = fakeCtx('tcp', client, server);
    const app = httpApp.create(rec.ctx);
    const up = ascii(
      'HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n' +
        'POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello' +
        'GET /c HTTP/1.1\r\nHost: h\r\nUser-Agent: ua/1\r\n\r\n' +
        'GET /d HTTP/1.0\n\n',
    );
    const down = ascii(
      'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n' + // HEAD: no body despite the length
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n' +
        'HTTP/1.0 200 OK\r\nServer: srv\r\n\r\nthe rest HTTP/1.1 200 is body',
    );
    feedBytewise(app, 0, up);
    feedBytewise(app, 1, down);
    app.end(1);
    const reqs = rec.events.filter((e): e is HttpRequest => e.type === 'http-request');
    const resps = rec.events.filter((e): e is HttpResponse => e.type === 'http-response');
    expect(reqs.map((r) => `${r.method} ${r.uri} ${r.version}`)).toEqual([
      'HEAD /a HTTP/1.1',
      'POST /b HTTP/1.1',
      'GET /c HTTP/1.1',
      'GET /d HTTP/1.0',
    ]);
    expect(reqs[2]!.userAgent).toBe('ua/1');
    expect(resps.map((r) => r.status)).toEqual([200, 100, 201, 200, 200]);
    expect(resps[4]).toMatchObject({ server: 'srv', reason: 'OK', src: client, dst: server });
    expect(rec.apps).toEqual({ http: 4 });
    expect(rec.anomalies).toEqual([]);
  });

  it('names an oversized head and stops that direction', () => {
    const rec = fakeCtx('tcp', client, server);
    const app = httpApp.create(rec.ctx);
    app.data(0, ascii(`GET / HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`), 1);
    app.data(0, ascii('GET /next HTTP/1.1\r\n\r\n'), 2);
    expect(rec.anomalies).toEqual(['http.header-too-long']);
    expect(rec.events).toEqual([]);
  });

  it('names a bad chunk size', () => {
    const rec = fakeCtx('tcp', client, server);
    const app = httpApp.create(rec.ctx);
    app.data(0, ascii('GET / HTTP/1.1\r\n\r\n'), 1);
    app.data(1, ascii('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), 2);
    expect(rec.anomalies).toEqual(['http.bad-chunk']);
  });

  it('stops after a protocol upgrade', () => {
    const rec = fakeCtx('tcp', client, server);
    const app = httpApp.create(rec.ctx);
    app.data(0, ascii('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'), 1);
    app.data(1, ascii('HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x05hello'), 2);
    app.data(0, ascii('\x81\x85garbage that is not http'), 3);
    expect(rec.events.map((e) => e.type)).toEqual(['http-request', 'http-response']);
    expect(rec.anomalies).toEqual([]);
  });

  it('probes: request from the client, response from the server, TLS no', () => {
    expect(httpApp.probe(0, ascii('GET / HTTP/1.1'))).toBe('yes');
    expect(httpApp.probe(0, ascii('GE'))).toBe('more');
    expect(httpApp.probe(1, ascii('HTTP/1.1 200 OK'))).toBe('yes');
    expect(httpApp.probe(0, new Uint8Array([0x16, 3, 1]))).toBe('no');
    expect(httpApp.probe(1, ascii('220 ftp ready'))).toBe('no');
  });
});

describe('httpApp: a CONNECT tunnel through a proxy', () => {
  const client = { ip: '10.40.12.30', port: 51000 };
  const proxy = { ip: '10.40.1.8', port: 3128 };
  const hello = () => clientHello('cloud.vendor.example', ['h2'], new Uint8Array(96).fill(7));
  const connect = ascii('CONNECT cloud.vendor.example:443 HTTP/1.1\r\nHost: cloud.vendor.example:443\r\n\r\n');
  const ok = ascii('HTTP/1.1 200 Connection established\r\n\r\n');
  const hellos = (events: WardEvent[]) => events.filter((e): e is TlsHello => e.type === 'tls-hello');

  it('after 200 the TLS inside is read: the SNI and JA4 of what the device reaches through the proxy', () => {
    const rec = fakeCtx('tcp', client, proxy);
    const app = httpApp.create(rec.ctx);
    feedBytewise(app, 0, connect);
    feedBytewise(app, 1, ok);
    feedBytewise(app, 0, hello());
    app.end(1);
    expect(rec.events.filter((e) => e.type === 'http-request').map((e) => (e as HttpRequest).uri)).toEqual([
      'cloud.vendor.example:443',
    ]);
    const h = hellos(rec.events);
    expect(h.map((x) => [x.sni, x.alpn, x.src, x.dst])).toEqual([['cloud.vendor.example', ['h2'], client, proxy]]);
    expect(h[0]!.ja4).toMatch(/^t13d/);
    expect(rec.apps).toEqual({ http: 1, tls: 1 });
    expect(rec.anomalies).toEqual([]);
  });

  it('a ClientHello sent before the proxy answers is held, then read; in one chunk with the request too', () => {
    for (const split of [true, false]) {
      const rec = fakeCtx('tcp', client, proxy);
      const app = httpApp.create(rec.ctx);
      if (split) {
        app.data(0, connect, 1);
        app.data(0, hello(), 1);
      } else app.data(0, concat(connect, hello()), 1);
      app.data(1, ok, 2);
      app.end(3);
      expect(hellos(rec.events).map((x) => x.sni)).toEqual(['cloud.vendor.example']);
      expect(rec.anomalies).toEqual([]);
    }
  });

  it('MLLP in the tunnel is read as HL7 (patient data through a proxy is still cleartext HL7)', () => {
    const rec = fakeCtx('tcp', client, proxy);
    const app = httpApp.create(rec.ctx);
    feedBytewise(app, 0, ascii('CONNECT 202.114.4.120:515 HTTP/1.1\r\n\r\n'));
    feedBytewise(app, 1, ok);
    feedBytewise(
      app,
      0,
      ascii('\x0bMSH|^~\\&|CMS8000|WARD3|||20250130090000||ORU^R01|M1|P|2.6\rPID|||FICT-0001||EXAMPLE^ALEX\r\x1c\r'),
    );
    app.end(1);
    const m = rec.events.filter((e) => e.type === 'hl7-message');
    expect(m.map((e) => [e.src, e.dst, e.messageType, e.fieldsPresent, e.proxied])).toEqual([
      [client, proxy, 'ORU^R01', ['PID-3', 'PID-5'], { target: { ip: '202.114.4.120', port: 515 }, proxy }],
    ]);
    expect(rec.apps).toEqual({ http: 1, hl7: 1 });

    // a tunnel to a name: the proxy resolves it, no address to tell
    const named = fakeCtx('tcp', client, proxy);
    const app2 = httpApp.create(named.ctx);
    app2.data(0, ascii('CONNECT hl7.vendor.example:515 HTTP/1.1\r\n\r\n'), 1);
    app2.data(1, ok, 2);
    app2.data(0, ascii('\x0bMSH|^~\\&|CMS8000|WARD3|||20250130090000||ORU^R01|M1|P|2.6\rPID|||FICT-0001\r\x1c\r'), 3);
    app2.end(4);
    const m2 = named.events.filter((e) => e.type === 'hl7-message');
    expect(m2.map((e) => [e.dst, e.proxied])).toEqual([[proxy, undefined]]);
  });

  it('a refused CONNECT (407) goes back to requests; a tunnel that is not TLS is left alone', () => {
    let rec = fakeCtx('tcp', client, proxy);
    let app = httpApp.create(rec.ctx);
    feedBytewise(app, 0, connect);
    feedBytewise(app, 1, ascii('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'));
    feedBytewise(app, 0, ascii('GET http://x.example/ HTTP/1.1\r\nHost: x.example\r\n\r\n'));
    app.end(1);
    expect(rec.events.filter((e) => e.type === 'http-request').map((e) => (e as HttpRequest).method)).toEqual([
      'CONNECT',
      'GET',
    ]);
    expect(hellos(rec.events)).toEqual([]);

    rec = fakeCtx('tcp', client, proxy);
    app = httpApp.create(rec.ctx);
    feedBytewise(app, 0, connect);
    feedBytewise(app, 1, ok);
    feedBytewise(app, 1, ascii('SSH-2.0-OpenSSH_9.2\r\n'));
    feedBytewise(app, 0, ascii('SSH-2.0-client\r\n'));
    app.end(1);
    expect(hellos(rec.events)).toEqual([]);
    expect(rec.anomalies).toEqual([]);
    expect(rec.apps).toEqual({ http: 1 });
  });
});

describe('httpApp: the destination a request asks a proxy for (proxy-request)', () => {
  const client = { ip: '10.40.12.30', port: 51000 };
  const proxy = { ip: '10.40.1.8', port: 3128 };
  const asked = (events: WardEvent[]) =>
    events
      .filter((e): e is ProxyRequest => e.type === 'proxy-request')
      .map((e) => [e.command, e.method, e.targetHost, e.targetIp, e.targetPort, e.answered, e.granted, e.status]);
  const run = (client0: string[], server1: string[]) => {
    const rec = fakeCtx('tcp', client, proxy);
    const app = httpApp.create(rec.ctx);
    for (let i = 0; i < Math.max(client0.length, server1.length); i++) {
      if (client0[i] !== undefined) feedBytewise(app, 0, ascii(client0[i]!));
      if (server1[i] !== undefined) feedBytewise(app, 1, ascii(server1[i]!));
    }
    app.end(9);
    return rec;
  };

  it('a CONNECT to an address literal, answered 200: told at the answer with the request time, granted', () => {
    const rec = fakeCtx('tcp', client, proxy);
    const app = httpApp.create(rec.ctx);
    app.data(0, ascii('CONNECT 202.114.4.120:515 HTTP/1.1\r\nHost: 202.114.4.120:515\r\n\r\n'), 5);
    expect(asked(rec.events)).toEqual([]); // nothing until the proxy answers
    app.data(1, ascii('HTTP/1.1 200 Connection established\r\n\r\n'), 7);
    const p = rec.events.find((e): e is ProxyRequest => e.type === 'proxy-request');
    expect(p).toMatchObject({ ts: 5, src: client, dst: proxy, protocol: 'http', command: 'connect' });
    expect(asked(rec.events)).toEqual([['connect', undefined, '202.114.4.120', '202.114.4.120', 515, true, true, 200]]);
    app.end(9);
    expect(asked(rec.events)).toHaveLength(1);
  });

  it('refused (407), then unanswered: each told once, with what the proxy said or that it said nothing', () => {
    const rec = run(
      ['CONNECT Vendor.Example:443 HTTP/1.1\r\n\r\n', 'CONNECT [2001:db8::7]:8443 HTTP/1.1\r\n\r\n'],
      ['HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'],
    );
    expect(asked(rec.events)).toEqual([
      ['connect', undefined, 'vendor.example', undefined, 443, true, false, 407],
      ['connect', undefined, '2001:db8::7', '2001:db8::7', 8443, false, undefined, undefined],
    ]);
  });

  it('absolute-form requests are forwards (scheme port, userinfo dropped); origin-form and a request to the server it names are not', () => {
    const rec = run(
      [
        'GET http://user:secret@fw.vendor.example/latest HTTP/1.1\r\nHost: fw.vendor.example\r\n\r\n',
        'POST https://203.0.113.9:8443/up HTTP/1.1\r\nContent-Length: 0\r\n\r\n',
        'GET /plain HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET http://10.40.1.8/self HTTP/1.1\r\n\r\n',
      ],
      [
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
        'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n',
      ],
    );
    expect(asked(rec.events)).toEqual([
      ['forward', 'GET', 'fw.vendor.example', undefined, 80, true, true, 200],
      ['forward', 'POST', '203.0.113.9', '203.0.113.9', 8443, true, false, 502],
    ]);
    expect(JSON.stringify(rec.events.filter((e) => e.type === 'proxy-request'))).not.toContain('secret');
  });
});
