import { describe, expect, it } from 'vitest';
import { httpProxyTarget, isHostName, targetOf } from '../../src/decode/proxy-target.js';

describe('httpProxyTarget: where a request asks a proxy to go', () => {
  it('CONNECT authority-form: name, IPv4, bracketed IPv6; the port is the one written', () => {
    expect(httpProxyTarget('CONNECT', 'Cloud.Vendor.Example:443')).toEqual({ host: 'cloud.vendor.example', port: 443 });
    expect(httpProxyTarget('CONNECT', '202.114.4.120:515')).toEqual({
      host: '202.114.4.120',
      ip: '202.114.4.120',
      port: 515,
    });
    expect(httpProxyTarget('CONNECT', '[2001:DB8:0::1]:8443')).toEqual({
      host: '2001:DB8:0::1',
      ip: '2001:db8::1',
      port: 8443,
    });
    expect(httpProxyTarget('CONNECT', 'host.example')).toEqual({ host: 'host.example', port: undefined });
  });

  it('absolute-form: the authority, the scheme default port, userinfo dropped, path/query/fragment cut', () => {
    expect(httpProxyTarget('GET', 'http://fw.example/a?b#c')).toEqual({ host: 'fw.example', port: 80 });
    expect(httpProxyTarget('GET', 'HTTPS://u:p@fw.example?x')).toEqual({ host: 'fw.example', port: 443 });
    expect(httpProxyTarget('GET', 'http://203.0.113.5:8080/')).toEqual({
      host: '203.0.113.5',
      ip: '203.0.113.5',
      port: 8080,
    });
    expect(httpProxyTarget('GET', 'gopher://x.example/')).toEqual({ host: 'x.example', port: undefined });
  });

  it('userinfo never reaches a target: CONNECT user:pw@host:port and redacted absolute URIs give host and port', () => {
    expect(httpProxyTarget('CONNECT', 'svc:secret@relay.example:443')).toEqual({ host: 'relay.example', port: 443 });
    expect(httpProxyTarget('CONNECT', 'a@b:c@[2001:db8::1]:8443')).toEqual({
      host: '2001:db8::1',
      ip: '2001:db8::1',
      port: 8443,
    });
    // What the HTTP decoder now hands over (uri-privacy.ts): the same target as the raw URI.
    expect(httpProxyTarget('GET', 'http://redacted@202.114.4.120:515/x?k=')).toEqual({
      host: '202.114.4.120',
      ip: '202.114.4.120',
      port: 515,
    });
  });

  it('no target: origin-form, asterisk, bad ports, unbracketed IPv6, no host, characters no host name has', () => {
    for (const [m, u] of [
      ['GET', '/index.html'],
      ['OPTIONS', '*'],
      ['CONNECT', 'x.example:0'],
      ['CONNECT', 'x.example:65536'],
      ['CONNECT', 'x.example:44a'],
      ['CONNECT', '2001:db8::1:443'],
      ['CONNECT', '[2001:db8::1'],
      ['CONNECT', '[2001:db8::1]443'],
      ['GET', 'http:///path'],
      ['GET', 'http://bad host/'],
      ['GET', 'http://a..b/'],
      ['GET', '1http://x/'],
    ] as const)
      expect(httpProxyTarget(m, u), `${m} ${u}`).toBeUndefined();
  });

  it('host names: labels of at most 63, names of at most 253, a trailing dot dropped', () => {
    expect(isHostName('a-b_c.example')).toBe(true);
    expect(isHostName(`${'a'.repeat(63)}.x`)).toBe(true);
    expect(isHostName(`${'a'.repeat(64)}.x`)).toBe(false);
    expect(isHostName('')).toBe(false);
    expect(isHostName('.x')).toBe(false);
    expect(targetOf('name.example.', 1)).toEqual({ host: 'name.example', port: 1 });
    expect(targetOf(`${'a.'.repeat(127)}ab`, 1)).toBeUndefined(); // 256 characters
  });
});
