import { describe, expect, it } from 'vitest';
import { WardwatchError } from '../../src/errors.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatPrefix, indexOuiJson, isLocalMac, isMulticastMac, lookupOui, normMac } from '../../src/inventory/oui.js';
import { isSite, siteMatcher, zoneOf } from '../../src/inventory/zones.js';

describe('OUI vendor lookup (oui-data)', () => {
  it('names the vendor of the DHCP client in the shared capture (00:0b:82 is Grandstream)', () => {
    expect(lookupOui('00:0b:82:01:fc:42')).toEqual({ vendor: 'Grandstream Networks, Inc.', prefix: '000B82' });
    expect(lookupOui('00-0B-82-01-FC-42').vendor).toBe('Grandstream Networks, Inc.');
    expect(lookupOui('000b.8201.fc42').vendor).toBe('Grandstream Networks, Inc.');
  });

  it('prefers the longer MA-M/MA-S registration inside an IEEE-owned block', () => {
    // 70:B3:D5 is the IEEE's MA-S block; 70:B3:D5:36:3 is registered to Contec Americas Inc.
    const info = lookupOui('70:b3:d5:36:30:01');
    expect(info.prefix).toBe('70B3D5363');
    expect(info.vendor).toBe('Contec Americas Inc.');
    expect(formatPrefix(info.prefix!)).toBe('70:B3:D5:36:3');
  });

  it('gives no vendor for locally administered, multicast and unregistered MACs, and says why', () => {
    expect(lookupOui('02:00:5e:10:00:01')).toEqual({ note: 'locally administered' });
    expect(lookupOui('da:a1:19:00:00:01')).toEqual({ note: 'locally administered' });
    expect(lookupOui('01:00:5e:00:00:fb')).toEqual({ note: 'multicast' });
    expect(lookupOui('ff:ff:ff:ff:ff:ff')).toEqual({ note: 'multicast' });
    expect(lookupOui('00:08:33:00:00:01')).toEqual({ note: 'not registered' });
    expect(lookupOui('not-a-mac')).toEqual({ note: 'not a MAC address' });
  });

  it('reads every registry entry as JSON.parse does (the file is indexed in place, not parsed)', () => {
    const file = createRequire(import.meta.url).resolve('oui-data');
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    const entries = Object.entries(parsed);
    expect(entries.length).toBeGreaterThan(50_000);
    let checked = 0;
    for (const [prefix, text] of entries) {
      // A MAC in the prefix's block: the prefix, then zeros (an MA-L lookup can be shadowed by a longer one).
      const mac = (prefix + '000000000').slice(0, 12);
      const info = lookupOui(mac);
      if (info.prefix !== prefix) continue; // multicast/local bits, or a longer registration inside it
      expect(info.vendor, prefix).toBe(text.split('\n', 1)[0]!.trim());
      checked++;
    }
    expect(checked).toBeGreaterThan(40_000);
  });

  it('refuses a registry file of another shape instead of guessing', () => {
    const bad = (text: string) => () => indexOuiJson(Buffer.from(text));
    expect(bad('[1, 2]')).toThrow(/not a JSON object/);
    expect(bad('{"0011ZZ": "x"}')).toThrow(/not a prefix/);
    expect(bad('{"001122": 5}')).toThrow(/without a string value/);
    expect(bad('{"00112": "short"}')).toThrow(/not a prefix/);
    expect(bad('{"": "empty"}')).toThrow(/not a prefix/);
    const idx = indexOuiJson(Buffer.from('{ "00AA11" : "A \\"quoted\\" one\\nStreet",\n"001122":"B"}'));
    expect(idx.keys.length).toBe(2);
    expect(JSON.parse(idx.bytes.toString('utf8', idx.start[1]!, idx.end[1]!))).toBe('A "quoted" one\nStreet');
  });

  it('normalises MACs and reads the I/G and U/L bits', () => {
    expect(normMac('00-0B-82-01-FC-42')).toBe('00:0b:82:01:fc:42');
    expect(normMac('00:0b:82')).toBeUndefined();
    // The canonical form comes back as it is; near misses go the long way, with the same answers.
    expect(normMac('00:0b:82:01:fc:42')).toBe('00:0b:82:01:fc:42');
    expect(normMac('00:0B:82:01:FC:42')).toBe('00:0b:82:01:fc:42');
    expect(normMac('00:0b:82:01:fc:4g')).toBeUndefined();
    expect(normMac('00:0b:82:01:fc:4')).toBeUndefined();
    expect(normMac('000b.8201.fc42')).toBe('00:0b:82:01:fc:42');
    expect(normMac('00:0b:82-01:fc:42')).toBe('00:0b:82:01:fc:42'); // mixed separators, as before
    expect(normMac('00:0b:82:01:fc:42:')).toBe('00:0b:82:01:fc:42'); // separators are dropped, as before
    expect(isMulticastMac('33:33:00:00:00:01')).toBe(true);
    expect(isLocalMac('02:42:ac:11:00:02')).toBe(true);
    expect(isLocalMac('00:0b:82:01:fc:42')).toBe(false);
  });
});

describe('site zones', () => {
  it('puts the default private, CGNAT and link-local ranges in the site', () => {
    for (const ip of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.1.10',
      '100.64.0.1',
      '169.254.7.7',
      'fd12::1',
      'fe80::1%eth0',
    ]) {
      expect(isSite(ip), ip).toBe(true);
    }
  });

  it('treats public and documentation ranges as outside (the lab stands in 203.0.113.0/24 for the internet)', () => {
    for (const ip of ['203.0.113.5', '198.51.100.7', '172.32.0.1', '100.128.0.1', '2001:db8::1']) {
      expect(zoneOf(ip), ip).toBe('outside');
    }
  });

  it('keeps multicast, broadcast, unspecified and loopback out of both', () => {
    for (const ip of [
      '224.0.0.251',
      '239.255.255.250',
      '255.255.255.255',
      '0.0.0.0',
      '127.0.0.1',
      '::',
      '::1',
      'ff02::1',
      'nonsense',
    ]) {
      expect(zoneOf(ip), ip).toBe('special');
    }
  });

  it('takes extra site CIDRs from the config, and rejects bad ones naming the origin', () => {
    expect(isSite('203.0.113.9')).toBe(false);
    expect(isSite('203.0.113.9', ['203.0.113.0/24'])).toBe(true);
    const only = siteMatcher(['192.0.2.0/24']); // the config's resolved zones replace the defaults
    expect(only('192.0.2.1')).toBe(true);
    expect(only('10.0.0.1')).toBe(false);
    expect(() => siteMatcher(['10.0.0.0/33'], 'ward.yaml site[0]')).toThrow(WardwatchError);
    expect(() => siteMatcher(['10.0.0.0/33'], 'ward.yaml site[0]')).toThrow(/ward\.yaml site\[0\]/);
  });
});
