// The shards' binary event batches (src/engine/event-codec.ts): every event type round-trips to
// an equal object — optional fields present, absent and present-but-undefined told apart —, with
// unicode and lone surrogates, numbers JSON cannot keep (−0, NaN, ±∞, 2⁵³+, negatives, fractions),
// shapes carried over and restarted between batches, and strings interned per batch only.
import { describe, expect, it } from 'vitest';
import { EventDecoder, EventEncoder, MAX_SHAPES } from '../../src/engine/event-codec.js';
import type { WardEvent } from '../../src/events.js';

const client = { ip: '10.1.2.3', port: 51514, mac: '00:1a:2b:3c:4d:5e' };
const server = { ip: '2001:db8::1', port: 6661 };

const EVENTS: WardEvent[] = [
  { type: 'device-seen', ts: 1_700_000_000_000_001, mac: client.mac, ip: client.ip, vlan: 12, via: 'ip' },
  { type: 'device-seen', ts: 1, mac: client.mac, ip: undefined, vlan: undefined, via: 'arp' },
  { type: 'device-seen', ts: 2, mac: '00:00:00:00:00:00', via: 'ndp' },
  { type: 'flow-start', ts: 3, flowId: 1, src: client, dst: server, proto: 'tcp', syn: true },
  {
    type: 'flow-start',
    ts: 4,
    flowId: 2,
    src: client,
    dst: server,
    vlan: 4095,
    proto: 'udp',
    syn: false,
    tunnel: { kind: 'vxlan', src: '192.0.2.1', dst: '192.0.2.2', id: 16_777_215 },
  },
  {
    type: 'flow-end',
    ts: 5,
    flowId: 1,
    src: client,
    dst: server,
    proto: 'tcp',
    first: 3,
    last: 5,
    packets: [4_294_967_295, 4_294_967_296],
    bytes: [0, 2 ** 53 + 2],
    app: 'hl7',
    appBy: 'content',
    controlFlowId: undefined,
    reason: 'fin',
  },
  {
    type: 'hl7-message',
    ts: 6,
    flowId: 1,
    src: client,
    dst: server,
    messageType: 'ORU^R01',
    sendingApp: 'MONITÖR', // non-ASCII
    time: '20261202143000',
    controlId: 'x'.repeat(300), // past the intern length: written inline
    patientHashes: ['ab12', 'ab12'],
    fieldsPresent: ['PID-3', 'PID-5'],
    observations: [
      { code: '150456', text: 'MDC_PULS_OXIM_SAT_O2', vital: 'spo2', value: '97', unit: '262688', status: 'F' },
      { code: '149530', value: '-0.5' },
    ],
    equipment: [],
    segments: 5,
    bytes: 712,
  },
  {
    type: 'tls-hello',
    ts: 7,
    flowId: 3,
    src: client,
    dst: server,
    sni: 'bücher.example 🏥', // astral plane: a surrogate pair
    alpn: ['h2', 'http/1.1'],
    version: 'TLS 1.3',
    transport: 'quic',
    ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1',
    certs: [{ sha256: 'f'.repeat(64), subject: 'CN=a', issuer: 'CN=a', selfSigned: true }],
  },
  {
    type: 'http-request',
    ts: 8,
    flowId: 4,
    src: client,
    dst: server,
    method: 'GET',
    uri: '/\u{1F600}?q=\ud800',
    version: '1.1',
  },
  {
    type: 'http-response',
    ts: 9,
    flowId: 4,
    src: server,
    dst: client,
    status: 200,
    reason: '',
    version: '1.1',
    server: 'x',
  },
  {
    type: 'dns-answer',
    ts: 10,
    flowId: 5,
    asker: client.ip,
    server: server.ip,
    id: 0,
    rcode: 3,
    query: 'pool.ntp.org',
    qtype: 'A',
    answers: [{ name: 'pool.ntp.org', type: 'A', ttl: 0, data: '203.0.113.9' }],
    resolved: [{ address: '203.0.113.9', name: 'pool.ntp.org', ttl: 0, chain: [] }],
  },
  { type: 'dns-query', ts: 11, flowId: 5, asker: client.ip, server: server.ip, id: 65535, query: '', qtype: 'AAAA' },
  { type: 'ntp-message', ts: 12, flowId: 6, src: client, dst: server, mode: 'client', version: 4, stratum: 0 },
  {
    type: 'arp',
    ts: 13,
    op: 2,
    senderMac: client.mac,
    senderIp: client.ip,
    targetMac: client.mac,
    targetIp: '10.1.2.4',
  },
  { type: 'anomaly', ts: 14, code: 'ipv4.bad-ihl', detail: 'ihl 3' },
  {
    type: 'dhcp-lease',
    ts: 15,
    msgType: 'ACK',
    clientMac: client.mac,
    xid: 0xdeadbeef,
    src: server,
    dst: client,
    paramList: [1, 3, 6, 255],
    leaseTime: 86_400,
  },
  {
    type: 'rpc-call',
    ts: 16,
    flowId: 7,
    src: client,
    dst: server,
    transport: 'udp',
    xid: 1,
    prog: 100_005,
    vers: 3,
    proc: 1,
    reply: { accepted: false, status: 1 },
  },
  {
    type: 'mqtt-message',
    ts: 17,
    flowId: 8,
    src: client,
    dst: server,
    packet: 'connect',
    fromClient: true,
    username: false,
    topics: ['a/b', 'a/b'],
  },
];

function roundTrip(batches: readonly (readonly object[])[]): object[][] {
  const enc = new EventEncoder();
  const dec = new EventDecoder();
  return batches.map((b) => {
    for (const [i, ev] of b.entries()) enc.add(2 * i + 1, i, ev);
    const out = dec.decode(enc.take());
    expect(Array.from(out.k)).toEqual(b.flatMap((_, i) => [2 * i + 1, i]));
    return out.e;
  });
}

/** Own keys, in order, with `undefined` values kept (toStrictEqual also checks them, not the order). */
function keysOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keysOf);
  if (typeof v === 'object' && v !== null) return Object.entries(v).map(([k, x]) => [k, keysOf(x)]);
  return v;
}

describe('event codec', () => {
  it('round-trips every event type, key order and undefined-valued keys included', () => {
    const [out] = roundTrip([EVENTS]);
    expect(out).toStrictEqual(EVENTS);
    expect(keysOf(out)).toEqual(keysOf(EVENTS));
    // Present with undefined stays present; absent stays absent.
    expect(Object.hasOwn(out![1]!, 'ip')).toBe(true);
    expect(Object.hasOwn(out![2]!, 'ip')).toBe(false);
  });

  it('keeps strings exactly, lone surrogates too', () => {
    const strings = [
      '',
      'ascii',
      'é',
      '中文',
      '🏥',
      '\ud800',
      'a\udc00b',
      '\u0000\u007f\u0080\uffff',
      'y'.repeat(5000),
    ];
    const [out] = roundTrip([strings.map((s) => ({ s }))]);
    expect(out!.map((o) => (o as { s: string }).s)).toEqual(strings);
  });

  it('keeps numbers JSON cannot', () => {
    const nums = [
      0,
      -0,
      1,
      127,
      128,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 53,
      2 ** 53 + 2,
      1e300,
      -1,
      -(2 ** 31),
      0.1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MIN_VALUE,
    ];
    const [out] = roundTrip([[{ nums }]]);
    const got = (out![0] as { nums: number[] }).nums;
    expect(got).toHaveLength(nums.length);
    for (const [i, x] of got.entries()) expect(Object.is(x, nums[i]), `nums[${i}]`).toBe(true);
  });

  it('keeps null, booleans, bigints, nested arrays; other objects as JSON', () => {
    const v = {
      a: null,
      b: true,
      c: false,
      d: 12345678901234567890n,
      e: [[1, [2]], []],
      f: new Date(0),
      g: { h: { i: {} } },
    };
    const [out] = roundTrip([[v]]);
    expect(out![0]).toStrictEqual({ ...v, f: '1970-01-01T00:00:00.000Z' });
  });

  it('carries shapes across batches and interns strings per batch', () => {
    const batches = [EVENTS, EVENTS.slice(3, 9), [], EVENTS.slice().reverse()];
    expect(roundTrip(batches)).toStrictEqual(batches);
    // A string told in batch 1 is told again in batch 2, not named by batch 1's number.
    const enc = new EventEncoder();
    enc.add(1, 0, { s: 'hello' });
    const first = enc.take().byteLength;
    enc.add(1, 0, { s: 'hello' });
    const second = enc.take().byteLength;
    // Second batch: the shape by number (its key "s" — tag, length, one unit — not written again),
    // but "hello" told in full again (a reference to batch 1's table would be 5 bytes shorter).
    expect(first).toBe(2 + 16 + 2 + 3 + 7);
    expect(second).toBe(first - 3);
  });

  it('objects with the same type but other keys get their own shape', () => {
    const batch = [
      { type: 't', a: 1 },
      { type: 't', b: 2 },
      { type: 't', a: 3 },
      { type: 't', a: 4, b: 5 },
      { type: 't', b: 6, a: 7 },
      { type: 't' },
    ];
    const [out] = roundTrip([batch]);
    expect(keysOf(out)).toEqual(keysOf(batch));
  });

  it('restarts shape numbering past its bound, on both sides', () => {
    const enc = new EventEncoder();
    const dec = new EventDecoder();
    const many = Array.from({ length: MAX_SHAPES + 10 }, (_, i) => ({ [`k${i}`]: i }));
    for (const [i, o] of many.entries()) enc.add(i, 0, o);
    expect(dec.decode(enc.take()).e).toStrictEqual(many);
    // The next batch starts a fresh shape table: its first shape is told again in full.
    const again = [{ k0: 0 }, { type: 'x', ip: '1' }];
    for (const [i, o] of again.entries()) enc.add(i, 0, o);
    expect(dec.decode(enc.take()).e).toStrictEqual(again);
  });

  it('a key named __proto__ stays a key', () => {
    const o = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as object;
    const [out] = roundTrip([[o]]);
    expect(Object.getPrototypeOf(out![0])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out![0], '__proto__')?.value).toEqual({ x: 1 });
  });

  it('refuses a damaged batch instead of inventing events', () => {
    const enc = new EventEncoder();
    for (const [i, ev] of EVENTS.entries()) enc.add(i, 0, ev);
    const buf = enc.take();
    expect(() => new EventDecoder().decode(buf.slice(0, buf.byteLength - 3))).toThrow();
    const bad = new Uint8Array(buf.slice(0));
    bad[bad.length - 1] = 0xee;
    expect(() => new EventDecoder().decode(bad.buffer)).toThrow();
  });
});
