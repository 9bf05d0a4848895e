// Component recognition from the strings programs carry and from library file names.
import { describe, expect, it } from 'vitest';
import { ComponentSet, purlOf } from '../../src/firmware/components.js';

describe('ComponentSet', () => {
  it('recognises versions from strings', () => {
    const c = new ComponentSet();
    c.fromString('Linux version 2.6.32.27 (builder@host) (gcc version 4.4.1) #1 PREEMPT', 'boot/vmlinux');
    c.fromString('OpenSSL 1.0.2k  26 Jan 2017', 'usr/lib/libcrypto.so.1.0.0');
    c.fromString('SSH-2.0-dropbear_2015.67', 'usr/sbin/dropbear');
    c.fromString('Server: lighttpd/1.4.35', 'usr/sbin/lighttpd');
    c.fromString('Boa/0.94.14rc21', 'usr/sbin/boa');
    c.fromString('libcurl/7.29.0 OpenSSL/1.0.2k', 'usr/lib/libcurl.so.4');
    c.fromString('inflate 1.2.8 Copyright 1995-2013 Mark Adler', 'usr/lib/libz.so.1');
    expect(c.list().map((x) => [x.name, x.version, x.file])).toEqual([
      ['boa', '0.94.14rc21', 'usr/sbin/boa'],
      ['curl', '7.29.0', 'usr/lib/libcurl.so.4'],
      ['dropbear', '2015.67', 'usr/sbin/dropbear'],
      ['lighttpd', '1.4.35', 'usr/sbin/lighttpd'],
      ['linux', '2.6.32.27', 'boot/vmlinux'],
      ['openssl', '1.0.2k', 'usr/lib/libcrypto.so.1.0.0'],
      ['zlib', '1.2.8', 'usr/lib/libz.so.1'],
    ]);
  });

  it('recognises the libc flavour and kernel from paths; a known version hides the unknown twin', () => {
    const c = new ComponentSet();
    for (const p of [
      'lib/ld-uClibc.so.0',
      'lib/libuClibc-0.9.33.2.so',
      'lib/ld-musl-armhf.so.1',
      'lib/modules/3.10.14/modules.dep',
    ]) {
      c.fromPath(p);
    }
    expect(c.list().map((x) => [x.name, x.version])).toEqual([
      ['linux', '3.10.14'],
      ['musl', 'unknown'],
      ['uclibc', '0.9.33.2'],
    ]);
  });

  it('builds pkg:generic purls', () => {
    expect(purlOf('busybox', '1.20.2')).toBe('pkg:generic/busybox@1.20.2');
    expect(purlOf('musl', 'unknown')).toBe('pkg:generic/musl');
  });
});
