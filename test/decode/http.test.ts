import { describe, expect, it } from 'vitest';
import { decodeChunkSize, decodeHttpHead, HTTP_ANOMALIES, httpStart, trailerEnd } from '../../src/decode/http.js';
import { ascii, mutate, rng } from './app-hex.js';

// Request head, one field a line:
const REQUEST = ascii(
  'GET /monitor/status?id=7 HTTP/1.1\r\n' + // method, request-target, version
    'host: ward-7.example\r\n' + // Host (any case)
    'User-Agent:  curl/8.5.0 \r\n' + // User-Agent, padding trimmed
    'Content-Length: 3\r\n' + // body length
    '\r\n' + // end of head
    'abc', // body (not part of the head)
);

const RESPONSE = ascii('HTTP/1.0 404 Not Found\nServer: nginx\nTransfer-Encoding: gzip, chunked\n\n');

describe('decodeHttpHead', () => {
  it('decodes a request head', () => {
    const r = decodeHttpHead(REQUEST, 0, REQUEST.length);
    expect(r).toEqual({
      kind: 'ok',
      value: {
        isRequest: true,
        method: 'GET',
        uri: '/monitor/status?id=', // the query's value is dropped (uri-privacy.ts)
        version: 'HTTP/1.1',
        status: 0,
        reason: '',
        host: 'ward-7.example',
        userAgent: 'curl/8.5.0',
        server: undefined,
        contentLength: 3,
        chunked: false,
        headLen: REQUEST.length - 3,
        anomaly: null,
      },
    });
  });

  it('decodes a response head with bare LF line ends', () => {
    const r = decodeHttpHead(RESPONSE, 0, RESPONSE.length);
    expect(r.kind === 'ok' && r.value).toMatchObject({
      isRequest: false,
      status: 404,
      reason: 'Not Found',
      version: 'HTTP/1.0',
      server: 'nginx',
      chunked: true,
      contentLength: -1,
    });
  });

  it('a request target with a space in it is read up to the last " HTTP/" (as Wireshark and Zeek do)', () => {
    const b = ascii('GET /Hello Arkime HTTP/1.0\r\n\r\n');
    expect(decodeHttpHead(b, 0, b.length)).toMatchObject({
      kind: 'ok',
      value: { method: 'GET', uri: '/Hello Arkime', version: 'HTTP/1.0' },
    });
    const t = ascii('GET /x HTTP/1.1 \r\n\r\n'); // a trailing space after the version
    expect(decodeHttpHead(t, 0, t.length)).toMatchObject({ kind: 'ok', value: { uri: '/x' } });
  });

  it('no password or query value leaves the decoder: target redacted, Host and CONNECT without userinfo', () => {
    const b = ascii(
      'GET http://nurse:secret@10.1.1.5/api?mrn=12345&name=DOE HTTP/1.1\r\n' + // absolute-form with userinfo and a query
        'Host: user:pw@example.org:8080\r\n' + // Host with userinfo
        '\r\n',
    );
    expect(decodeHttpHead(b, 0, b.length)).toMatchObject({
      kind: 'ok',
      value: { uri: 'http://redacted@10.1.1.5/api?mrn=&name=', host: 'example.org:8080' },
    });
    const c = ascii('CONNECT svc:tok@[2001:db8::1]:443 HTTP/1.1\r\nHost: svc:tok@[2001:db8::1]:443\r\n\r\n');
    expect(decodeHttpHead(c, 0, c.length)).toMatchObject({
      kind: 'ok',
      value: { method: 'CONNECT', uri: '[2001:db8::1]:443', host: '[2001:db8::1]:443' },
    });
  });

  it('a userinfo longer than the 512-character cap is still found: redacted before the cut', () => {
    const pw = `P${'w'.repeat(700)}`;
    const b = ascii(
      `GET http://u:${pw}@fw.example/x?k=${'v'.repeat(600)} HTTP/1.1\r\nHost: u:${pw}@fw.example\r\n\r\n`,
    );
    const r = decodeHttpHead(b, 0, b.length);
    expect(r).toMatchObject({ kind: 'ok', value: { uri: 'http://redacted@fw.example/x?k=', host: 'fw.example' } });
  });

  it('identifier-like path segments leave the decoder as :id, long or short, printable or not', () => {
    const uri = (target: string | Uint8Array) => {
      const start = ascii('GET ');
      const t = typeof target === 'string' ? ascii(target) : target;
      const end = ascii(' HTTP/1.1\r\nHost: h\r\n\r\n');
      const b = new Uint8Array(start.length + t.length + end.length);
      b.set(start, 0);
      b.set(t, start.length);
      b.set(end, start.length + t.length);
      const r = decodeHttpHead(b, 0, b.length);
      return r.kind === 'ok' ? r.value.uri : r.kind;
    };
    expect(uri('/api/patients/MRN0012345/vitals')).toBe('/api/patients/:id/vitals');
    // Longer than 64 bytes, so read as one flat string: the same result.
    const words = '/ward/icu/bed/status'.repeat(5);
    expect(uri(`${words}/fhir/Patient/DOE/_history/2`)).toBe(`${words}/fhir/Patient/:id/_history/2`);
    // A byte outside printable ASCII is read as '.', as every field is; the identifier still goes.
    expect(uri(ascii(`${words}/x\u00e9/1.2.840.10008.1/y`))).toBe(`${words}/x./:id/y`);
    // An identifier across the 512-character cut (bytes 505-516) is redacted before the cut: no
    // `/DOE1234` is left at the end.
    expect(uri(`${'/status'.repeat(72)}/DOE12345678/x`)).toBe(`${'/status'.repeat(72)}/:id/x`);
  });

  it('names bad start lines, bad lengths and oversized heads', () => {
    expect(decodeHttpHead(ascii('GET /x\r\n\r\n'), 0, 10)).toEqual({ kind: 'anomaly', code: 'http.bad-start-line' });
    expect(decodeHttpHead(ascii('HTTP/1.1 2x0 OK\r\n\r\n'), 0, 19)).toEqual({
      kind: 'anomaly',
      code: 'http.bad-start-line',
    });
    const cl = ascii('POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n');
    expect(
      decodeHttpHead(cl, 0, cl.length).kind === 'ok' &&
        (decodeHttpHead(cl, 0, cl.length) as { value: { anomaly: string } }).value.anomaly,
    ).toBe('http.bad-content-length');
    const big = ascii(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}`);
    expect(decodeHttpHead(big, 0, big.length, 64)).toEqual({ kind: 'anomaly', code: 'http.header-too-long' });
    expect(decodeHttpHead(ascii('SSH-2.0-x\r\n'), 0, 11).kind).toBe('not');
  });

  it('recognises message starts', () => {
    expect(httpStart(ascii('PROPFIND / HTTP/1.1'), 0, 19)).toBe('request');
    expect(httpStart(ascii('HTTP/1.1 200'), 0, 12)).toBe('response');
    expect(httpStart(ascii('PO'), 0, 2)).toBe('more');
    expect(httpStart(ascii('GETX'), 0, 4)).toBe('not');
  });

  it('returns more for every truncated prefix of a head', () => {
    const headLen = REQUEST.length - 3;
    for (let n = 0; n < headLen; n++) expect(decodeHttpHead(REQUEST, 0, n).kind).toBe('more');
  });
});

describe('chunk framing', () => {
  it('reads chunk-size lines with extensions and the previous chunk CRLF', () => {
    expect(decodeChunkSize(ascii('1a;name=v\r\n'), 0, 11)).toEqual({ kind: 'ok', value: { size: 26, len: 11 } });
    expect(decodeChunkSize(ascii('\r\n0\r\n'), 0, 5)).toEqual({ kind: 'ok', value: { size: 0, len: 5 } });
    expect(decodeChunkSize(ascii('ff'), 0, 2).kind).toBe('more');
    expect(decodeChunkSize(ascii('g\r\n'), 0, 3)).toEqual({ kind: 'anomaly', code: 'http.bad-chunk' });
    expect(decodeChunkSize(ascii('1234567890abc\r\n'), 0, 15)).toEqual({ kind: 'anomaly', code: 'http.bad-chunk' });
  });

  it('finds the end of the trailer section', () => {
    expect(trailerEnd(ascii('\r\nGET'), 0, 5)).toBe(2);
    expect(trailerEnd(ascii('X: 1\r\n\r\nGET'), 0, 11)).toBe(8);
    expect(trailerEnd(ascii('X: 1\r\n'), 0, 6)).toBe(-1);
  });
});

describe('fuzz', () => {
  it('never throws and names only known anomalies', () => {
    const rnd = rng(0x4877);
    const codes = new Set<string>(HTTP_ANOMALIES);
    for (let i = 0; i < 20_000; i++) {
      for (const base of [REQUEST, RESPONSE]) {
        const b = mutate(base, rnd);
        const r = decodeHttpHead(b, 0, b.length, 256);
        if (r.kind === 'anomaly') expect(codes.has(r.code)).toBe(true);
        if (r.kind === 'ok' && r.value.anomaly) expect(codes.has(r.value.anomaly)).toBe(true);
        const c = decodeChunkSize(b, 0, b.length);
        if (c.kind === 'anomaly') expect(c.code).toBe('http.bad-chunk');
        trailerEnd(b, 0, b.length);
      }
    }
  });
});
