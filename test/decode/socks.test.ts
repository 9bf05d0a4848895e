// SOCKS 4, 4a and 5 (RFC 1928, RFC 1929 logins): commented fixtures of the bytes FoxIO's capture
// carries (test/fixtures/foxio/socks-https-example.pcap; tshark -Y socks -V reads the same fields),
// every SOCKS5 address type, round trips with our writer, every truncated prefix, hostile
// lengths, and a seeded fuzz. Credentials and user ids are skipped, never returned.
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeSocks4Reply,
  decodeSocks4Request,
  decodeSocks5Auth,
  decodeSocks5AuthReply,
  decodeSocks5Choice,
  decodeSocks5Greeting,
  decodeSocks5Reply,
  decodeSocks5Request,
  SOCKS_ANOMALIES,
  type SocksResult,
  socksStart,
} from '../../src/decode/socks.js';
import {
  socks4Reply,
  socks4Request,
  socks5Choice,
  socks5Greeting,
  socks5Login,
  socks5LoginReply,
  socks5Reply,
  socks5Request,
} from '../../src/decode/socks-encode.js';
import { DEV, SRV, tcpPcap, tempPcap } from '../helpers/proto-pcap.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';
import { ascii, hex, mutate, rng } from './app-hex.js';

type Decode = (b: Uint8Array, off: number, end: number) => SocksResult<{ len: number }>;

const FOX = {
  // frame 4
  v4: hex(`
    04          // VN 4
    01          // CD 1 CONNECT
    01 bb       // DSTPORT 443
    5d b8 d8 77 // DSTIP 93.184.216.119
    00          // USERID "" and its NUL
  `),
  // frame 6
  v4reply: hex(`
    00          // VN 0
    5a          // CD 90 request granted
    99 b4       // DSTPORT 39348
    0a b4 9c f9 // DSTIP 10.180.156.249
  `),
  // frame 34
  v4a: hex(`
    04 01 01 bb  // VN 4, CONNECT, port 443
    00 00 00 01  // DSTIP 0.0.0.1: SOCKS4a, the name follows the user id
    00           // USERID "" and its NUL
    77 77 77 2e 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 // "www.example.com" NUL
  `),
  // frames 64, 66, 68, 69
  greeting: hex('05 02 00 01'), // VER 5, NMETHODS 2: 0 no authentication, 1 GSSAPI
  choice: hex('05 00'), // VER 5, METHOD 0 no authentication
  v5: hex(`
    05 01 00     // VER 5, CMD 1 CONNECT, RSV
    01           // ATYP 1 IPv4
    5d b8 d8 77  // DST.ADDR 93.184.216.119
    01 bb        // DST.PORT 443
  `),
  v5reply: hex(`
    05 00 00     // VER 5, REP 0 succeeded, RSV
    01 0a b4 9c f9 // ATYP 1, BND.ADDR 10.180.156.249
    99 b6        // BND.PORT 39350
  `),
};

const ok = <T>(r: SocksResult<T>): T => {
  if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
  return r.value;
};
const whole = <T>(d: (b: Uint8Array, off: number, end: number) => SocksResult<T>, b: Uint8Array) => d(b, 0, b.length);

describe('SOCKS decoder on FoxIO’s bytes', () => {
  it('SOCKS4 and its reply', () => {
    expect(ok(whole(decodeSocks4Request, FOX.v4))).toEqual({
      version: 4,
      v4a: false,
      command: 1,
      target: { host: '93.184.216.119', ip: '93.184.216.119', port: 443 },
      userId: false,
      len: 9,
    });
    expect(ok(whole(decodeSocks4Reply, FOX.v4reply))).toEqual({ version: 4, code: 90, granted: true, len: 8 });
  });

  it('SOCKS4a: the name after the user id, no address', () => {
    expect(ok(whole(decodeSocks4Request, FOX.v4a))).toEqual({
      version: 4,
      v4a: true,
      command: 1,
      target: { host: 'www.example.com', ip: undefined, port: 443 },
      userId: false,
      len: FOX.v4a.length,
    });
  });

  it('SOCKS5: greeting, method choice, request, reply', () => {
    expect(ok(whole(decodeSocks5Greeting, FOX.greeting))).toEqual({ methods: [0, 1], len: 4 });
    expect(ok(whole(decodeSocks5Choice, FOX.choice))).toEqual({ method: 0, len: 2 });
    expect(ok(whole(decodeSocks5Request, FOX.v5))).toEqual({
      version: 5,
      v4a: false,
      command: 1,
      target: { host: '93.184.216.119', ip: '93.184.216.119', port: 443 },
      userId: false,
      len: 10,
    });
    expect(ok(whole(decodeSocks5Reply, FOX.v5reply))).toEqual({ version: 5, code: 0, granted: true, len: 10 });
  });

  it('reads at `off` and never past `end`', () => {
    const b = new Uint8Array([0xee, 0xee, ...FOX.v5, 0xee]);
    expect(ok(decodeSocks5Request(b, 2, 2 + FOX.v5.length)).len).toBe(10);
    expect(decodeSocks5Request(b, 2, 2 + FOX.v5.length - 1)).toEqual({ kind: 'more' });
  });
});

describe('SOCKS5 address types and logins, with our writer', () => {
  it('IPv4, IPv6 (canonical text), a name (lower case), an address written as a name; replies of each type', () => {
    const t = (host: string, port: number) => ok(whole(decodeSocks5Request, socks5Request(1, host, port))).target;
    expect(t('202.114.4.120', 515)).toEqual({ host: '202.114.4.120', ip: '202.114.4.120', port: 515 });
    expect(t('2001:db8:0:0::7', 8443)).toEqual({ host: '2001:db8::7', ip: '2001:db8::7', port: 8443 });
    expect(t('Cloud.Vendor.Example', 443)).toEqual({ host: 'cloud.vendor.example', ip: undefined, port: 443 });
    // a name field holding an address literal: some clients resolve, then still send ATYP 3
    const lit = hex('05 01 00 03 0c 32 30 33 2e 30 2e 31 31 33 2e 39 39 00 50'); // "203.0.113.99", port 80
    expect(ok(whole(decodeSocks5Request, lit)).target).toEqual({ host: '203.0.113.99', ip: '203.0.113.99', port: 80 });
    for (const bound of ['10.1.1.5', '2001:db8::5', 'proxy.example'])
      expect(ok(whole(decodeSocks5Reply, socks5Reply(0, bound, 4242))).len).toBe(socks5Reply(0, bound, 4242).length);
  });

  it('BIND and UDP ASSOCIATE are read; refusals carry their code', () => {
    expect(ok(whole(decodeSocks5Request, socks5Request(2, '198.51.100.1', 21))).command).toBe(2);
    expect(ok(whole(decodeSocks5Request, socks5Request(3, '0.0.0.0', 0))).command).toBe(3);
    expect(ok(whole(decodeSocks5Reply, socks5Reply(5)))).toMatchObject({ code: 5, granted: false });
    expect(ok(whole(decodeSocks4Reply, socks4Reply(91)))).toMatchObject({ code: 91, granted: false });
  });

  it('an RFC 1929 login is skipped by its lengths: nothing of the name or password comes back', () => {
    const login = socks5Login('ward3-user', 'hunter2');
    const r = ok(whole(decodeSocks5Auth, login));
    expect(r).toEqual({ len: login.length });
    expect(ok(whole(decodeSocks5AuthReply, socks5LoginReply(true)))).toEqual({ ok: true, len: 2 });
    expect(ok(whole(decodeSocks5AuthReply, socks5LoginReply(false)))).toEqual({ ok: false, len: 2 });
  });

  it('round trips: what our writer writes decodes to what it was given', () => {
    expect(socks4Request(1, '93.184.216.119', 443)).toEqual(FOX.v4);
    expect(socks4Request(1, 'www.example.com', 443)).toEqual(FOX.v4a);
    expect(socks4Reply(90, 39348, '10.180.156.249')).toEqual(FOX.v4reply);
    expect(socks5Greeting([0, 1])).toEqual(FOX.greeting);
    expect(socks5Choice(0)).toEqual(FOX.choice);
    expect(socks5Request(1, '93.184.216.119', 443)).toEqual(FOX.v5);
    expect(socks5Reply(0, '10.180.156.249', 39350)).toEqual(FOX.v5reply);
    const u = ok(whole(decodeSocks4Request, socks4Request(2, 'login.live.com', 8080, 'fd7bcf7b5c9e1d')));
    expect(u).toMatchObject({ v4a: true, command: 2, userId: true, target: { host: 'login.live.com', port: 8080 } });
    expect(JSON.stringify(u)).not.toContain('fd7bcf');
  });
});

const ALL: [string, Decode, Uint8Array][] = [
  ['socks4 request', decodeSocks4Request, FOX.v4],
  ['socks4a request', decodeSocks4Request, FOX.v4a],
  ['socks4a request with user id', decodeSocks4Request, socks4Request(1, 'a.example', 1, 'someone')],
  ['socks4 reply', decodeSocks4Reply, FOX.v4reply],
  ['socks5 greeting', decodeSocks5Greeting, FOX.greeting],
  ['socks5 choice', decodeSocks5Choice, FOX.choice],
  ['socks5 login', decodeSocks5Auth, socks5Login('u', 'p')],
  ['socks5 login reply', decodeSocks5AuthReply, socks5LoginReply(true)],
  ['socks5 request ipv4', decodeSocks5Request, FOX.v5],
  ['socks5 request ipv6', decodeSocks5Request, socks5Request(1, '2001:db8::1', 443)],
  ['socks5 request name', decodeSocks5Request, socks5Request(1, 'c2.example', 443)],
  ['socks5 reply ipv4', decodeSocks5Reply, FOX.v5reply],
  ['socks5 reply ipv6', decodeSocks5Reply, socks5Reply(0, '2001:db8::2', 1)],
  ['socks5 reply name', decodeSocks5Reply, socks5Reply(0, 'bound.example', 1)],
];

describe('SOCKS decoder robustness', () => {
  it.each(ALL)('%s: every truncated prefix needs more, the whole decodes', (_n, d, b) => {
    for (let i = 0; i < b.length; i++) expect(d(b, 0, i), `prefix ${i}`).toEqual({ kind: 'more' });
    expect(ok(d(b, 0, b.length)).len).toBe(b.length);
  });

  it('hostile lengths and values are named, never trusted', () => {
    const a = (code: string) => ({ kind: 'anomaly', code });
    // a SOCKS4 user id with no NUL in 256 bytes
    expect(whole(decodeSocks4Request, new Uint8Array([4, 1, 0, 80, 1, 2, 3, 4, ...ascii('x'.repeat(300))]))).toEqual(
      a('socks.field-too-long'),
    );
    // a SOCKS4a name with no NUL in 256 bytes
    expect(
      whole(decodeSocks4Request, new Uint8Array([4, 1, 0, 80, 0, 0, 0, 9, 0, ...new Uint8Array(300).fill(0x61)])),
    ).toEqual(a('socks.field-too-long'));
    expect(whole(decodeSocks4Request, hex('04 01 00 50 00 00 00 01 00 62 61 64 20 6e 61 6d 65 00'))).toEqual(
      a('socks.bad-name'),
    ); // "bad name"
    expect(whole(decodeSocks4Request, hex('04 01 00 50 00 00 00 01 00 00'))).toEqual(a('socks.bad-name')); // empty name
    expect(whole(decodeSocks4Request, hex('04 07'))).toEqual(a('socks.bad-command'));
    expect(whole(decodeSocks4Request, hex('04 01 00 50 01 02 03 04 07 00'))).toEqual({ kind: 'not' }); // a control byte in the user id
    expect(whole(decodeSocks4Request, hex('16 03 01'))).toEqual({ kind: 'not' });
    expect(whole(decodeSocks4Reply, hex('00 63 00 00 00 00 00 00'))).toEqual(a('socks.bad-reply'));
    expect(whole(decodeSocks4Reply, hex('05 5a'))).toEqual(a('socks.bad-version'));
    expect(whole(decodeSocks5Greeting, hex('05 00'))).toEqual(a('socks.bad-methods'));
    expect(whole(decodeSocks5Greeting, hex('05 ff 00 01'))).toEqual({ kind: 'more' }); // 255 methods promised, 2 here
    expect(whole(decodeSocks5Request, hex('05 01 00 02 01 02 03 04 00 50'))).toEqual(a('socks.bad-address-type'));
    expect(whole(decodeSocks5Request, hex('05 09 00 01'))).toEqual(a('socks.bad-command'));
    expect(whole(decodeSocks5Request, hex('05 01 00 03 00 00 50'))).toEqual(a('socks.bad-name')); // empty name
    expect(whole(decodeSocks5Request, hex('05 01 00 03 ff 61 62'))).toEqual({ kind: 'more' }); // 255-byte name promised
    expect(whole(decodeSocks5Request, hex('05 01 00 03 03 61 00 62 00 50'))).toEqual(a('socks.bad-name')); // a NUL inside
    expect(whole(decodeSocks5Request, hex('04 01 00 01'))).toEqual(a('socks.bad-version'));
    expect(whole(decodeSocks5Reply, hex('05 09'))).toEqual(a('socks.bad-reply'));
    expect(whole(decodeSocks5Reply, hex('05 00 01 01'))).toEqual(a('socks.bad-reply')); // RSV not 0
    expect(whole(decodeSocks5Auth, hex('01 ff 61'))).toEqual({ kind: 'more' }); // 255-byte user name promised
    expect(whole(decodeSocks5Auth, hex('05 01 61'))).toEqual(a('socks.bad-version'));
    expect(whole(decodeSocks5AuthReply, hex('05 00'))).toEqual(a('socks.bad-version'));
    expect(whole(decodeSocks5Choice, hex('04 00'))).toEqual(a('socks.bad-version'));
  });

  it('fuzz: random buffers and mutated fixtures never throw; results are well formed', () => {
    const rnd = rng(0x50c5);
    const codes = new Set<string>(SOCKS_ANOMALIES);
    const decoders = [...new Set(ALL.map(([, d]) => d))];
    let n = 0;
    const kinds: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) {
      const b =
        i % 2 === 0
          ? Uint8Array.from({ length: Math.floor(rnd() * 40) }, (_, k) =>
              // random bytes, often led by a plausible version byte
              k === 0 && rnd() < 0.7 ? [0, 1, 4, 5][Math.floor(rnd() * 4)]! : Math.floor(rnd() * 256),
            )
          : mutate(ALL[i % ALL.length]![2], rnd);
      for (const d of decoders) {
        const r = d(b, 0, b.length);
        kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
        if (r.kind === 'ok') expect(r.value.len).toBeLessThanOrEqual(b.length);
        if (r.kind === 'anomaly') expect(codes.has(r.code), r.code).toBe(true);
        n++;
      }
      expect(['yes', 'no', 'more']).toContain(socksStart(b));
    }
    expect(n).toBe(4000 * decoders.length);
    // the fuzz reaches every outcome, so it exercised more than the first byte
    expect(Object.keys(kinds).sort()).toEqual(['anomaly', 'more', 'not', 'ok']);
  });
});

describe('socksStart: the probe’s signature', () => {
  it('yes for a client’s first message; more for a prefix; no for other protocols', () => {
    for (const b of [FOX.v4, FOX.v4a, FOX.greeting]) expect(socksStart(b)).toBe('yes');
    // a greeting with the request or an RFC 1929 login pipelined after it
    expect(socksStart(new Uint8Array([...FOX.greeting, ...FOX.v5]))).toBe('yes');
    expect(socksStart(new Uint8Array([...socks5Greeting([2]), ...socks5Login('u', 'p')]))).toBe('yes');
    expect(socksStart(hex('05'))).toBe('more');
    expect(socksStart(hex('04 01 01 bb 5d'))).toBe('more');
    expect(socksStart(new Uint8Array(0))).toBe('more');
    for (const other of [
      ascii('GET / HTTP/1.1\r\n'),
      hex('16 03 01 00 05'), // TLS
      hex('0b 4d 53 48'), // MLLP
      hex('05 02 00 ff'), // method 0xFF is no offer
      hex('05 01 42'), // an unassigned method
      hex('05 01 00 07'), // greeting followed by something that is no request
      new Uint8Array([...socks5Greeting([0]), 1, 3, 97]), // a login, but username/password was not offered
      hex('04 01 00 00 01 02 03 04 00'), // port 0
      hex('04 01 00 50 00 01 02 03 00'), // 0.x.x.x that is not 4a's 0.0.0.x
    ])
      expect(socksStart(other), Buffer.from(other).toString('hex')).toBe('no');
  });
});

describe.runIf(HAVE_TSHARK || process.env.CI === 'true')(
  'tshark reads the same SOCKS fields from the same bytes',
  () => {
    // Each request answered, one connection each: SOCKS5 with a login to IPv6, SOCKS5 to a name (refused), SOCKS4a with a user id (refused).
    const convs: { port: number; request: Uint8Array; segs: [0 | 1, Uint8Array][] }[] = [
      { port: 50200, request: socks5Request(1, '2001:db8::7', 8443), segs: [] },
      { port: 50201, request: socks5Request(1, 'c2.vendor.example', 515), segs: [] },
      { port: 50202, request: socks4Request(1, 'mon.vendor.example', 2575, 'bed12'), segs: [] },
    ];
    convs[0]!.segs = [
      [0, socks5Greeting([0, 2])],
      [1, socks5Choice(2)],
      [0, socks5Login('u', 'p')],
      [1, socks5LoginReply(true)],
      [0, convs[0]!.request],
      [1, socks5Reply(0, '10.40.12.5', 4000)],
    ];
    convs[1]!.segs = [
      [0, socks5Greeting([0])],
      [1, socks5Choice(0)],
      [0, convs[1]!.request],
      [1, socks5Reply(1)],
    ];
    convs[2]!.segs = [
      [0, convs[2]!.request],
      [1, socks4Reply(91)],
    ];
    const caps = convs.map((c) => tempPcap(tcpPcap(DEV, SRV, c.port, 1080, c.segs)));
    afterAll(() => {
      for (const c of caps) c.done();
    });

    it('version, command, target and port of each request; the result of each reply; nothing malformed', () => {
      for (const [i, c] of convs.entries()) {
        const rows = tshark(caps[i]!.path, [
          '-Y',
          'socks.command',
          '-T',
          'fields',
          '-e',
          'socks.version',
          '-e',
          'socks.command',
          '-e',
          'socks.dst',
          '-e',
          'socks.dstV6',
          '-e',
          'socks.remote_name',
          '-e',
          'socks.v4a_dns_name',
          '-e',
          'socks.dstport',
          '-e',
          'socks.port',
        ]).map((l) => l.split('\t'));
        expect(rows).toHaveLength(1);
        const [version, command, dst, dstV6, name5, name4a, port4, port5] = rows[0]!;
        const theirs = {
          version: Number(version),
          command: Number(command),
          host: name4a || name5 || dstV6 || dst,
          port: Number(port4 || port5),
        };
        const d = c.request[0] === 4 ? decodeSocks4Request : decodeSocks5Request;
        const ours = ok(d(c.request, 0, c.request.length));
        expect({
          version: ours.version,
          command: ours.command,
          host: ours.target.host,
          port: ours.target.port,
        }).toEqual(theirs);
        expect(tshark(caps[i]!.path, ['-V']).filter((l) => /Malformed|Exception/.test(l))).toEqual([]);
      }
      const results = caps.map((c) => tshark(c.path, ['-Y', 'socks.results', '-T', 'fields', '-e', 'socks.results']));
      expect(results).toEqual([['0'], ['1'], ['91']]);
    });
  },
);
