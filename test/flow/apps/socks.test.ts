// The SOCKS analyzer: one proxy-request per connection with the proxy's answer, a granted CONNECT
// followed into its TLS, logins skipped, early bytes held, refusals, silence, gaps and bad replies.
import { describe, expect, it } from 'vitest';
import {
  socks4Reply,
  socks4Request,
  socks5Choice,
  socks5Greeting,
  socks5Login,
  socks5LoginReply,
  socks5Reply,
  socks5Request,
} from '../../../src/decode/socks-encode.js';
import { clientHello } from '../../../src/decode/tls-encode.js';
import type { ProxyRequest, TlsHello, WardEvent } from '../../../src/events.js';
import { socksApp } from '../../../src/flow/apps/socks.js';
import { SOCKS_ANOMALIES } from '../../../src/decode/socks.js';
import { ascii, mutate, rng } from '../../decode/app-hex.js';
import { fakeCtx, feedBytewise } from './fake-ctx.js';

const client = { ip: '10.40.12.30', port: 51000 };
const proxy = { ip: '10.40.1.9', port: 1080 };
const hello = () => clientHello('cloud.vendor.example', ['h2'], new Uint8Array(96).fill(7));
const asked = (events: WardEvent[]) =>
  events
    .filter((e): e is ProxyRequest => e.type === 'proxy-request')
    .map((e) => [e.protocol, e.command, e.targetHost, e.targetIp, e.targetPort, e.answered, e.granted, e.status]);
const snis = (events: WardEvent[]) => events.filter((e): e is TlsHello => e.type === 'tls-hello').map((e) => e.sni);

/** Feed [dir, bytes] in order, each byte by byte when `bytewise`, then end. */
function run(steps: [0 | 1, Uint8Array][], bytewise = false) {
  const rec = fakeCtx('tcp', client, proxy);
  const app = socksApp.create(rec.ctx);
  let t = 0;
  for (const [dir, b] of steps) {
    if (bytewise) feedBytewise(app, dir, b);
    else app.data(dir, b, ++t);
  }
  app.end(99);
  return { ...rec, app };
}

describe('socksApp', () => {
  it('SOCKS5 with a username/password login to a name, granted: the target, then the TLS inside (bytewise too); no credentials anywhere', () => {
    for (const bytewise of [false, true]) {
      const r = run(
        [
          [0, socks5Greeting([0, 2])],
          [1, socks5Choice(2)],
          [0, socks5Login('ward3', 'hunter2')],
          [1, socks5LoginReply(true)],
          [0, socks5Request(1, 'Cloud.Vendor.Example', 443)],
          [1, socks5Reply(0, '10.40.1.9', 40001)],
          [0, hello()],
        ],
        bytewise,
      );
      expect(asked(r.events)).toEqual([['socks5', 'connect', 'cloud.vendor.example', undefined, 443, true, true, 0]]);
      expect(snis(r.events)).toEqual(['cloud.vendor.example']);
      expect(r.apps).toEqual({ socks: 1, tls: 1 });
      expect(r.anomalies).toEqual([]);
      expect(JSON.stringify(r.events)).not.toMatch(/hunter2|ward3/);
    }
  });

  it('the request’s time, the client and the proxy; told when the proxy replies, not before', () => {
    const rec = fakeCtx('tcp', client, proxy);
    const app = socksApp.create(rec.ctx);
    app.data(0, socks4Request(1, '202.114.4.120', 515), 5);
    expect(asked(rec.events)).toEqual([]);
    app.data(1, socks4Reply(90), 8);
    expect(rec.events[0]).toMatchObject({ type: 'proxy-request', ts: 5, src: client, dst: proxy, flowId: 1 });
    app.end(9);
    expect(asked(rec.events)).toEqual([['socks4', 'connect', '202.114.4.120', '202.114.4.120', 515, true, true, 90]]);
  });

  it('a client that sends greeting, request and ClientHello before any answer: held, then read in order', () => {
    const early = new Uint8Array([...socks5Greeting([0]), ...socks5Request(1, '2001:db8::7', 443), ...hello()]);
    const r = run([
      [0, early],
      [1, new Uint8Array([...socks5Choice(0), ...socks5Reply(0)])],
    ]);
    expect(asked(r.events)).toEqual([['socks5', 'connect', '2001:db8::7', '2001:db8::7', 443, true, true, 0]]);
    expect(snis(r.events)).toEqual(['cloud.vendor.example']);
  });

  it('refused (SOCKS4 91, SOCKS5 2): told with the code, nothing followed', () => {
    let r = run([
      [0, socks4Request(1, 'a.example', 443)],
      [1, socks4Reply(91)],
      [0, hello()],
    ]);
    expect(asked(r.events)).toEqual([['socks4a', 'connect', 'a.example', undefined, 443, true, false, 91]]);
    expect(snis(r.events)).toEqual([]);
    r = run([
      [0, socks5Greeting([0])],
      [1, socks5Choice(0)],
      [0, socks5Request(1, '203.0.113.5', 22)],
      [1, socks5Reply(2)],
    ]);
    expect(asked(r.events)).toEqual([['socks5', 'connect', '203.0.113.5', '203.0.113.5', 22, true, false, 2]]);
  });

  it('unanswered, a gap in the handshake, a bad reply: the request is told at the end as unanswered', () => {
    const unanswered = run([
      [0, socks5Greeting([0])],
      [1, socks5Choice(0)],
      [0, socks5Request(1, '202.114.4.120', 515)],
    ]);
    expect(asked(unanswered.events)).toEqual([
      ['socks5', 'connect', '202.114.4.120', '202.114.4.120', 515, false, undefined, undefined],
    ]);

    const rec = fakeCtx('tcp', client, proxy);
    const app = socksApp.create(rec.ctx);
    app.data(0, socks4Request(1, '202.114.4.119', 111), 1);
    app.gap(1, 100, 2);
    app.data(1, socks4Reply(90), 3);
    app.end(4);
    expect(asked(rec.events)).toEqual([
      ['socks4', 'connect', '202.114.4.119', '202.114.4.119', 111, false, undefined, undefined],
    ]);

    const bad = run([
      [0, socks4Request(1, '202.114.4.119', 111)],
      [1, Uint8Array.of(0, 0x63, 0, 0, 0, 0, 0, 0)],
    ]);
    expect(bad.anomalies).toEqual(['socks.bad-reply']);
    expect(asked(bad.events)).toEqual([
      ['socks4', 'connect', '202.114.4.119', '202.114.4.119', 111, false, undefined, undefined],
    ]);
  });

  it('GSSAPI chosen or no method acceptable: no request is read; BIND and UDP ASSOCIATE are told, not followed', () => {
    for (const m of [1, 0xff]) {
      const r = run([
        [0, socks5Greeting([0, 1])],
        [1, socks5Choice(m)],
        [0, socks5Request(1, '202.114.4.120', 515)],
        [1, socks5Reply(0)],
      ]);
      expect(asked(r.events)).toEqual([]);
    }
    const udp = run([
      [0, socks5Greeting([0])],
      [1, socks5Choice(0)],
      [0, socks5Request(3, '0.0.0.0', 0)],
      [1, socks5Reply(0, '10.40.1.9', 5000)],
      [0, hello()],
    ]);
    expect(asked(udp.events)).toEqual([['socks5', 'udp-associate', '0.0.0.0', '0.0.0.0', 0, true, true, 0]]);
    expect(snis(udp.events)).toEqual([]);
  });

  it('a tunnel that is not TLS is left alone; a port-1080 flow that is not SOCKS tells nothing', () => {
    const r = run([
      [0, socks4Request(1, '203.0.113.5', 22)],
      [1, socks4Reply(90)],
      [1, ascii('SSH-2.0-OpenSSH_9.2\r\n')],
      [0, ascii('SSH-2.0-client\r\n')],
    ]);
    expect(asked(r.events)).toHaveLength(1);
    expect(snis(r.events)).toEqual([]);
    expect(r.apps).toEqual({ socks: 1 });
    const not = run([[0, ascii('hello there\r\n')]]);
    expect(not.events).toEqual([]);
    expect(not.anomalies).toEqual([]);
  });

  it('probes only the client: the proxy’s bytes alone never say SOCKS', () => {
    expect(socksApp.probe(0, socks5Greeting([0]))).toBe('yes');
    expect(socksApp.probe(1, socks5Greeting([0]))).toBe('no');
    expect(socksApp.ports).toEqual([1080]);
  });
});

describe('socksApp under random segmentation and damage', () => {
  const conversation: [0 | 1, Uint8Array][] = [
    [0, socks5Greeting([0, 2])],
    [1, socks5Choice(2)],
    [0, socks5Login('u', 'p')],
    [1, socks5LoginReply(true)],
    [0, socks5Request(1, 'c2.example', 443)],
    [1, socks5Reply(0, '2001:db8::5', 1)],
    [0, hello()],
  ];
  const want = run(conversation);

  it('any cut of each message into chunks tells the same events', () => {
    const rnd = rng(0x5eed);
    for (let round = 0; round < 200; round++) {
      const steps: [0 | 1, Uint8Array][] = [];
      for (const [dir, b] of conversation)
        for (let p = 0; p < b.length; ) {
          const n = 1 + Math.floor(rnd() * 12);
          steps.push([dir, b.subarray(p, p + n)]);
          p += n;
        }
      const got = run(steps);
      expect(asked(got.events)).toEqual(asked(want.events));
      expect(snis(got.events)).toEqual(['cloud.vendor.example']);
    }
  });

  it('damaged conversations never throw, name only SOCKS/TLS anomalies, and tell at most one request', () => {
    const rnd = rng(0xbad5);
    const socks = new Set<string>(SOCKS_ANOMALIES);
    let anomalies = 0;
    for (let round = 0; round < 1500; round++) {
      const r = run(conversation.map(([d, b]) => [d, rnd() < 0.3 ? mutate(b, rnd) : b]));
      expect(asked(r.events).length).toBeLessThanOrEqual(1);
      for (const a of r.anomalies) expect(socks.has(a) || a.startsWith('tls.'), a).toBe(true);
      anomalies += r.anomalies.filter((a) => socks.has(a)).length;
    }
    expect(anomalies).toBeGreaterThan(0); // the damage reached the decoder's checks
  });
});
