// Zones (DESIGN.md "Zones") and the address parsing behind them, shared by inventory and detect.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SITE_CIDRS, parseCidr, parseIp, Zones } from '../../src/net/zones.js';
import { WardwatchError } from '../../src/errors.js';

describe('parseIp', () => {
  it('reads IPv4 as a 32-bit number and rejects what is not a dotted quad', () => {
    expect(parseIp('10.1.2.3')).toEqual({ v: 4, n: 0x0a010203n });
    expect(parseIp('255.255.255.255')).toEqual({ v: 4, n: 0xffffffffn });
    for (const bad of ['', '1.2.3', '1.2.3.4.', '.1.2.3', '1.2.3.256', '1.2.3.0001', '1.2.3.x', '1..2.3']) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it('reads IPv6 with ::, an embedded IPv4 tail and a zone id, and folds IPv4-mapped to IPv4', () => {
    expect(parseIp('::')).toEqual({ v: 6, n: 0n });
    expect(parseIp('::1')).toEqual({ v: 6, n: 1n });
    expect(parseIp('2001:db8::1')).toEqual({ v: 6, n: 0x20010db8000000000000000000000001n });
    expect(parseIp('fe80::1%eth0')).toEqual({ v: 6, n: 0xfe800000000000000000000000000001n });
    expect(parseIp('::ffff:10.1.2.3')).toEqual({ v: 4, n: 0x0a010203n });
    expect(parseIp('::ffff:a01:203')).toEqual({ v: 4, n: 0x0a010203n });
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '::ffff:1.2.3']) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });
});

describe('parseCidr', () => {
  it('masks the network, takes a bare address as a host route, and counts mapped prefixes in v6 bits', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ v: 4, net: 0x0a000000n, bits: 8 });
    expect(parseCidr('192.0.2.7')).toMatchObject({ v: 4, net: 0xc0000207n, bits: 32 });
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ v: 4, net: 0n, bits: 0 });
    expect(parseCidr('fc00::/7')).toMatchObject({ v: 6, bits: 7 });
    expect(parseCidr('::ffff:10.0.0.0/104')).toMatchObject({ v: 4, net: 0x0a000000n, bits: 8 });
  });

  it('rejects prefixes out of range or not a number', () => {
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/ 8',
      '::/129',
      '::ffff:10.0.0.0/95',
      'x/8',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });
});

describe('Zones', () => {
  const zones = new Zones();

  it('puts the default site ranges in the site, edges included', () => {
    for (const ip of ['10.0.0.0', '10.255.255.255', '172.16.0.0', '172.31.255.255', '192.168.0.1', '100.64.0.0']) {
      expect(zones.zone(ip), ip).toBe('site');
    }
    for (const ip of [
      '100.127.255.255',
      '169.254.0.1',
      'fc00::1',
      'fdff::1',
      'fe80::1',
      'febf::1',
      '::ffff:10.0.0.1',
    ]) {
      expect(zones.zone(ip), ip).toBe('site');
    }
  });

  it('puts the addresses just past each range, and documentation ranges, outside', () => {
    for (const ip of ['9.255.255.255', '11.0.0.0', '172.15.255.255', '172.32.0.0', '192.169.0.0', '100.63.255.255']) {
      expect(zones.zone(ip), ip).toBe('outside');
    }
    for (const ip of ['100.128.0.0', '203.0.113.5', 'fe00::1', 'fec0::1', '2001:db8::1', '::ffff:203.0.113.5']) {
      expect(zones.zone(ip), ip).toBe('outside');
    }
    expect(zones.isOutside('203.0.113.5')).toBe(true);
    expect(zones.isSite('203.0.113.5')).toBe(false);
  });

  it('keeps multicast, broadcast, unspecified, loopback and non-addresses special: neither site nor outside', () => {
    for (const ip of ['0.0.0.0', '0.1.2.3', '127.0.0.1', '224.0.0.251', '239.255.255.250', '255.255.255.255']) {
      expect(zones.zone(ip), ip).toBe('special');
    }
    for (const ip of ['::', '::1', 'ff02::1', '::ffff:127.0.0.1', 'nonsense', '']) {
      expect(zones.zone(ip), ip).toBe('special');
      expect(zones.isOutside(ip), ip).toBe(false);
    }
    // 240/4 below broadcast is not in the special list: reserved, but routable as far as we judge.
    expect(zones.zone('255.255.255.254')).toBe('outside');
    expect(zones.zone('::2')).toBe('outside');
  });

  it('answers site membership alone from isSite, while zone() puts special ranges first', () => {
    const all = new Zones(['0.0.0.0/0', '::/0']);
    expect(all.isSite('224.0.0.251')).toBe(true);
    expect(all.zone('224.0.0.251')).toBe('special');
    expect(all.isOutside('224.0.0.251')).toBe(false);
    expect(all.zone('8.8.8.8')).toBe('site');
  });

  it('uses exactly the given site list, and rejects a bad entry naming its origin', () => {
    const only = new Zones(['192.0.2.0/24', '2001:db8:1::/48']);
    expect(only.zone('192.0.2.1')).toBe('site');
    expect(only.zone('10.0.0.1')).toBe('outside');
    expect(only.zone('2001:db8:1:ffff::1')).toBe('site');
    expect(only.zone('2001:db8:2::1')).toBe('outside');
    expect(() => new Zones(['10.0.0.0/33'], { origin: 'ward.yaml site[0]' })).toThrow(WardwatchError);
    expect(() => new Zones(['10.0.0.0/33'], { origin: 'ward.yaml site[0]' })).toThrow(/ward\.yaml site\[0\]/);
    expect(new Zones(DEFAULT_SITE_CIDRS).zone('10.0.0.1')).toBe('site');
  });

  it('keeps its memo bounded and answers correctly after clearing it', () => {
    const small = new Zones(DEFAULT_SITE_CIDRS, { memoLimit: 4 });
    for (let i = 0; i < 10; i++) {
      expect(small.zone(`10.0.0.${i}`)).toBe('site');
      expect(small.zone(`203.0.113.${i}`)).toBe('outside');
      expect(small.memoSize).toBeLessThanOrEqual(4);
    }
    expect(small.zone('10.0.0.0')).toBe('site');
  });
});
