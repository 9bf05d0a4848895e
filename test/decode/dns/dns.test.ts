import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DNS_ANOMALIES,
  DnsReader,
  type DnsResult,
  decodeDns,
  type DnsMessage,
  resolveChains,
} from '../../../src/decode/dns/dns.js';
import { capture, GROUND_TRUTH } from '../../helpers/paths.js';
import { hex, mutate, rng } from '../app-hex.js';
import { l4Payloads } from '../app-payloads.js';

// A response for www.example.com: CNAME to web.example.net, then an A and an AAAA for it.
const RESPONSE = hex(`
  beef                  // id
  8180                  // QR=1 opcode=0 RD RA rcode=0
  0001 0003 0000 0000   // qd=1 an=3 ns=0 ar=0
  03 777777 07 6578616d706c65 03 636f6d 00   // @12 www.example.com
  0001 0001             // qtype A, class IN
  c00c                  // @33 answer 1 owner -> @12 www.example.com
  0005 0001 00000e10    // CNAME IN ttl 3600
  0011                  // rdlength 17
  03 776562 07 6578616d706c65 03 6e6574 00  // @45 web.example.net
  c02d                  // answer 2 owner -> @45 web.example.net
  0001 0001 0000003c    // A IN ttl 60
  0004 c0000201         // 192.0.2.1
  c02d                  // answer 3 owner -> @45
  001c 0001 0000012c    // AAAA IN ttl 300
  0010 20010db8000000000000000000000001  // 2001:db8::1
`);

// A query with a self-referencing pointer: question name at @12 points at @12.
const LOOP = hex(`
  0001 0100 0001 0000 0000 0000  // id=1, RD, qd=1
  c00c                           // @12 pointer to itself
  0001 0001
`);

// A query whose name points forward, past itself.
const FORWARD = hex(`
  0001 0100 0001 0000 0000 0000
  c010                           // @12 pointer to @16
  0001 0001
`);

// "a" then a pointer back to the "a" label: backwards, but into the segment being read.
const BACK_LOOP = hex(`
  0001 0100 0001 0000 0000 0000
  01 61 c00c                     // @12 label 'a', pointer to @12
  0001 0001
`);

const LONG_LABEL = hex(`
  0001 0100 0001 0000 0000 0000
  40                             // label length 64 > 63
`);

function ok(b: Uint8Array): DnsMessage {
  const r = decodeDns(b, 0, b.length);
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.msg;
}

describe('decodeDns fixtures', () => {
  it('decodes header, question and answers with compression', () => {
    const r = decodeDns(RESPONSE, 0, RESPONSE.length);
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.anomaly).toBeNull();
    const m = r.msg;
    expect(m).toMatchObject({ id: 0xbeef, qr: true, rcode: 0, opcode: 0 });
    expect(m.questions).toEqual([{ name: 'www.example.com', type: 'A', typeNum: 1, cls: 1 }]);
    expect(m.answers.map((a) => [a.name, a.type, a.ttl, a.data])).toEqual([
      ['www.example.com', 'CNAME', 3600, 'web.example.net'],
      ['web.example.net', 'A', 60, '192.0.2.1'],
      ['web.example.net', 'AAAA', 300, '2001:db8::1'],
    ]);
  });

  it('follows the CNAME chain back to the question', () => {
    expect(resolveChains(ok(RESPONSE))).toEqual([
      { address: '192.0.2.1', name: 'www.example.com', ttl: 60, chain: ['web.example.net'] },
      { address: '2001:db8::1', name: 'www.example.com', ttl: 300, chain: ['web.example.net'] },
    ]);
  });

  it('names hostile compression and labels', () => {
    expect(decodeDns(LOOP, 0, LOOP.length)).toEqual({ kind: 'anomaly', code: 'dns.pointer-forward' });
    expect(decodeDns(FORWARD, 0, FORWARD.length)).toEqual({ kind: 'anomaly', code: 'dns.pointer-forward' });
    expect(decodeDns(BACK_LOOP, 0, BACK_LOOP.length)).toEqual({ kind: 'anomaly', code: 'dns.pointer-loop' });
    expect(decodeDns(LONG_LABEL, 0, LONG_LABEL.length)).toEqual({ kind: 'anomaly', code: 'dns.label-too-long' });
  });

  it('reuses decoded names only where a pointer names the same start (suffix pointers decode)', () => {
    const b = hex(`
      0002 8180 0001 0002 0000 0000
      03 777777 07 6578616d706c65 03 636f6d 00 0001 0001   // @12 www.example.com
      c010 0002 0001 00000001 0002 c00c                     // owner @16 example.com (suffix), NS www.example.com
      c00c 0002 0001 00000001 0002 c010                     // owner www.example.com (cached), NS example.com
    `);
    expect(ok(b).answers.map((a) => `${a.name} ${a.data}`)).toEqual([
      'example.com www.example.com',
      'www.example.com example.com',
    ]);
  });

  it('rejects names over 255 bytes', () => {
    const parts = ['0001 0100 0001 0000 0000 0000'];
    for (let i = 0; i < 5; i++) parts.push(`3f ${'61'.repeat(63)}`);
    parts.push('00 0001 0001');
    const b = hex(parts.join('\n'));
    expect(decodeDns(b, 0, b.length)).toEqual({ kind: 'anomaly', code: 'dns.name-too-long' });
  });

  it('keeps good answers before a damaged one', () => {
    const cut = RESPONSE.subarray(0, RESPONSE.length - 3); // the AAAA rdata runs past the end
    const r = decodeDns(cut, 0, cut.length);
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.anomaly).toBe('dns.bad-rdlength');
    expect(r.msg.answers.map((a) => a.data)).toEqual(['web.example.net', '192.0.2.1']);
  });

  it('escapes unprintable label bytes and does not mistake a name for a code', () => {
    const b = hex('0001 8180 0001 0001 0000 0000  03 646e73 01 00 00  0005 0001  c00c 0005 0001 00000001 0002 c00c');
    const m = ok(b);
    expect(m.questions[0]!.name).toBe('dns.\\000');
    expect(m.answers[0]!.data).toBe('dns.\\000');
  });

  it('returns more or an anomaly for every truncated prefix, never throws', () => {
    for (let n = 0; n < RESPONSE.length; n++) {
      const r = decodeDns(RESPONSE, 0, n);
      if (r.kind === 'ok') expect(r.anomaly).not.toBeNull();
      else expect(['more', 'anomaly']).toContain(r.kind);
    }
  });

  it('survives a seeded fuzz run with only known anomaly codes', () => {
    const rnd = rng(0x5eed);
    const codes = new Set<string>(DNS_ANOMALIES);
    for (let i = 0; i < 20_000; i++) {
      const b = mutate(RESPONSE, rnd);
      const r = decodeDns(b, 0, b.length);
      if (r.kind === 'anomaly') expect(codes.has(r.code)).toBe(true);
      if (r.kind === 'ok' && r.anomaly !== null) expect(codes.has(r.anomaly)).toBe(true);
      if (r.kind === 'ok') resolveChains(r.msg);
    }
  });
});

type Truth = Record<string, { dns_queries?: string[]; dns_a?: string[]; dns_aaaa?: string[]; dns_cname?: string[] }>;
const truth = JSON.parse(readFileSync(GROUND_TRUTH, 'utf8')) as Truth;

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

describe('DnsReader', () => {
  it('two readers, interleaved message by message, decode as one reader does in sequence', () => {
    const payloads = (file: string) =>
      l4Payloads(capture(file))
        .filter((p) => p.proto === 'udp' && (p.sport === 53 || p.dport === 53))
        .map((p) => p.payload);
    // Compression-heavy messages: each reader's name cache must hold only its own message's names.
    const a = [...payloads('dns-max-compression-depth.pcap'), RESPONSE, LOOP];
    const b = [...payloads('pcapng-multi-interface.pcapng'), BACK_LOOP, RESPONSE];
    const seq = (xs: Uint8Array[]) => xs.map((x) => decodeDns(x, 0, x.length));
    const ra = new DnsReader();
    const rb = new DnsReader();
    const got: [DnsResult[], DnsResult[]] = [[], []];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i < a.length) got[0].push(decodeDns(a[i]!, 0, a[i]!.length, ra));
      if (i < b.length) got[1].push(decodeDns(b[i]!, 0, b[i]!.length, rb));
    }
    expect(got[0]).toEqual(seq(a));
    expect(got[1]).toEqual(seq(b));
    expect(got[1].filter((r) => r.kind === 'ok').length).toBeGreaterThan(5);
  });
});

// ipv6-fragmented-dns.pcap needs IPv6 reassembly: covered end to end by the flow engine tests.
describe.each([
  'dns-dns-corrupt.pcap',
  'dns-max-compression-depth.pcap',
  'dns-two-responses.pcap',
  'dns53.pcap',
  'pcapng-multi-interface.pcapng',
])('ground truth %s', (file) => {
  it('matches tshark for queries and A/AAAA/CNAME answers', () => {
    const queries: string[] = [];
    const a: string[] = [];
    const aaaa: string[] = [];
    const cname: string[] = [];
    for (const p of l4Payloads(capture(file))) {
      if (p.proto !== 'udp' || (p.sport !== 53 && p.dport !== 53)) continue;
      const r = decodeDns(p.payload, 0, p.payload.length);
      expect(r.kind).toBe('ok');
      if (r.kind !== 'ok') continue;
      if (!r.msg.qr) for (const q of r.msg.questions) queries.push(q.name);
      // tshark's dns.a/aaaa/cname cover all three sections (glue in additional included).
      for (const rr of [...r.msg.answers, ...r.msg.authority, ...r.msg.additional]) {
        if (rr.type === 'A') a.push(rr.data);
        if (rr.type === 'AAAA') aaaa.push(rr.data);
        if (rr.type === 'CNAME') cname.push(rr.data);
      }
    }
    const t = truth[file]!;
    // tshark lists query names from queries and responses alike; these captures all hold the query.
    if (t.dns_queries) expect(uniq(queries)).toEqual(t.dns_queries);
    expect(uniq(a)).toEqual(t.dns_a ?? []);
    expect(uniq(aaaa)).toEqual(t.dns_aaaa ?? []);
    expect(uniq(cname)).toEqual(t.dns_cname ?? []);
  });
});

describe('CNAME chains in real captures', () => {
  it('resolves www.apple.com through two CNAMEs', () => {
    const res = l4Payloads(capture('pcapng-multi-interface.pcapng'))
      .filter((p) => p.proto === 'udp' && p.sport === 53)
      .flatMap((p) => {
        const r = decodeDns(p.payload, 0, p.payload.length);
        return r.kind === 'ok' ? resolveChains(r.msg) : [];
      });
    expect(res.find((x) => x.address === '23.194.101.24')).toMatchObject({
      name: 'www.apple.com',
      chain: ['www-apple-com.v.aaplimg.com', 'www.apple.com.edgekey.net', 'e6858.dsce9.akamaiedge.net'],
    });
  });
});
