// Address text forms: RFC 5952 output, RFC 4291 input, strict dotted quads; round trips.
import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  canonicalIp,
  ip4FromBytes,
  ip4ToString,
  ip6Key,
  ip6ToString,
  isIp4,
  isIp6,
  macToString,
  parseIp4,
  parseIp6,
} from '../../src/net/addr.js';
import { hex, rng } from '../decode/l2l4-hex.js';

const six = (s: string) => ip6ToString(parseIp6(s)!, 0);

describe('IPv4', () => {
  it('formats and parses', () => {
    expect(ip4ToString(0xca720477)).toBe('202.114.4.119');
    expect(ip4ToString(0)).toBe('0.0.0.0');
    expect(ip4ToString(0xffffffff)).toBe('255.255.255.255');
    expect(parseIp4('202.114.4.120')).toBe(0xca720478);
    expect(parseIp4('255.255.255.255')).toBe(0xffffffff);
    expect(ip4FromBytes(hex('00 c0 a8 01 0a'), 1)).toBe(0xc0a8010a);
  });

  it('rejects everything but a strict dotted quad', () => {
    for (const s of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3.04',
      ' 1.2.3.4',
      '1.2.3.4 ',
      'a.b.c.d',
      '1..2.3',
      '-1.2.3.4',
      '1.2.3.4/8',
      '1234.1.1.1',
      '0x1.2.3.4',
    ]) {
      expect(parseIp4(s), s).toBeNull();
      expect(isIp4(s)).toBe(false);
      expect(isIPv4(s), `node:net agrees on ${s}`).toBe(false);
    }
  });

  it('round-trips 10k seeded addresses', () => {
    const r = rng(4);
    for (let i = 0; i < 10_000; i++) {
      const u = Math.floor(r() * 2 ** 32);
      const s = ip4ToString(u);
      expect(isIPv4(s)).toBe(true);
      expect(parseIp4(s)).toBe(u);
    }
  });
});

describe('IPv6 output (RFC 5952)', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], // §4.1, §4.2.1
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: one zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: the first of equal runs
    ['2001:DB8::ABCD', '2001:db8::abcd'], // §4.3 lower case
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['fe80:0:0:0:8c36:6ff:fe44:acaf', 'fe80::8c36:6ff:fe44:acaf'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'], // §5 IPv4-mapped
    ['0:0:0:0:0:ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'], // only the mapped prefix keeps the dotted quad
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['fe80::1%eth0', 'fe80::1'], // zone dropped: never on the wire
  ];
  for (const [input, canon] of cases) it(`${input} -> ${canon}`, () => expect(six(input)).toBe(canon));

  it('reads at an offset', () => {
    const b = hex('aa bb 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01');
    expect(ip6ToString(b, 2)).toBe('2001:db8::1');
  });
});

describe('IPv6 input', () => {
  it('rejects malformed text', () => {
    for (const s of [
      '',
      ':',
      ':::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '1::2::3',
      '12345::',
      'g::',
      ':1::',
      '1::2:',
      '1:2:3:4:5:6:7:8::',
      '::1.2.3',
      '::256.1.1.1',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::1.2.3.4:5',
      '[::1]',
      '::1%',
      '1.2.3.4',
      ' ::1',
    ]) {
      expect(parseIp6(s), s).toBeNull();
      expect(isIp6(s)).toBe(false);
    }
  });

  it('accepts every form node:net accepts in a sample', () => {
    for (const s of ['::', '::1', '1::', '1:2:3:4:5:6:1.2.3.4', '::1:2:3:4:5:6:7', '1:2:3:4:5:6:7::', 'FFFF::']) {
      expect(isIPv6(s)).toBe(true);
      expect(isIp6(s), s).toBe(true);
    }
  });

  it('round-trips 10k seeded addresses with zero runs', () => {
    const r = rng(6);
    const b = new Uint8Array(16);
    for (let i = 0; i < 10_000; i++) {
      for (let g = 0; g < 8; g++) {
        const v = r() < 0.4 ? 0 : r() < 0.3 ? Math.floor(r() * 16) : Math.floor(r() * 65536);
        b[2 * g] = v >> 8;
        b[2 * g + 1] = v & 0xff;
      }
      if (r() < 0.05) b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
      const s = ip6ToString(b, 0);
      expect(isIPv6(s), s).toBe(true);
      expect(s).toBe(s.toLowerCase());
      expect(s).not.toMatch(/(^|:)0[0-9a-f]/); // no leading zeros
      expect(s).not.toMatch(/::.*::/);
      expect(Array.from(parseIp6(s)!), s).toEqual(Array.from(b));
      expect(six(s)).toBe(s);
    }
  });
});

describe('keys and MACs', () => {
  it('ip6Key is unique per address and 8 code units long', () => {
    const a = parseIp6('2001:db8::1')!;
    const b = parseIp6('2001:db8::100')!;
    expect(ip6Key(a, 0)).toHaveLength(8);
    expect(ip6Key(a, 0)).not.toBe(ip6Key(b, 0));
    expect(ip6Key(a, 0)).toBe(ip6Key(Uint8Array.from(a), 0));
  });

  it('macToString is lower-case colon form', () => {
    expect(macToString(hex('00 00 0C 29 AB cd EF 00'), 2)).toBe('0c:29:ab:cd:ef:00');
    expect(macToString(hex('ff ff ff ff ff ff'), 0)).toBe('ff:ff:ff:ff:ff:ff');
  });

  it('canonicalIp normalises either family', () => {
    expect(canonicalIp('2001:DB8:0::1')).toBe('2001:db8::1');
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIp('010.0.0.1')).toBeNull();
    expect(canonicalIp('host.example')).toBeNull();
  });
});
