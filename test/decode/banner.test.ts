import { describe, expect, it } from 'vitest';
import { decodeBanner } from '../../src/decode/banner.js';
import { ascii, hex, mutate, rng } from './app-hex.js';

const FTP = ascii('220 ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.\r\n');

describe('decodeBanner', () => {
  it.each([
    [
      '220 ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.\r\n',
      21,
      'ftp',
      'ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.',
    ],
    ['220 mx.example.org ESMTP Postfix\r\n', 25, 'smtp', 'mx.example.org ESMTP Postfix'],
    ['220-multi line\r\n220 done\r\n', 2121, 'ftp', 'multi line'], // neither named: the port decides, FTP by default
    ['220 hello\r\n', 587, 'smtp', 'hello'],
    ['+OK Dovecot ready.\r\n', 110, 'pop3', 'Dovecot ready.'],
    ['* OK [CAPABILITY IMAP4rev1] ready\r\n', 143, 'imap', '[CAPABILITY IMAP4rev1] ready'],
    ['SSH-2.0-OpenSSH_9.6\r\n', 22, 'ssh', 'SSH-2.0-OpenSSH_9.6'],
    ['\r\nUbuntu 22.04 LTS\r\nmonitor login: ', 23, 'telnet', 'Ubuntu 22.04 LTS'],
  ])('%j on port %i is %s', (text, port, service, banner) => {
    const b = ascii(text);
    expect(decodeBanner(b, 0, b.length, port)).toEqual({ kind: 'ok', service, banner });
  });

  it('telnet option negotiation wins over the FTP port (rawip-telnet-port21)', () => {
    const b = hex(`
      ff fa 25   // IAC SB AUTHENTICATION
      02 02      // IS, KERBEROS_V5 ...
      ff f0      // IAC SE
    `);
    expect(decodeBanner(b, 0, b.length, 21)).toEqual({ kind: 'ok', service: 'telnet', banner: '' });
    expect(decodeBanner(hex('fffb01'), 0, 3, 23)).toEqual({ kind: 'ok', service: 'telnet', banner: '' }); // IAC WILL ECHO
    expect(decodeBanner(hex('fff1'), 0, 2, 23).kind).toBe('not'); // IAC NOP is not negotiation
  });

  it('rlogin acknowledges with one NUL on port 513 only', () => {
    expect(decodeBanner(hex('00'), 0, 1, 513)).toEqual({ kind: 'ok', service: 'rlogin', banner: '' });
    expect(decodeBanner(hex('00'), 0, 1, 21).kind).toBe('not');
  });

  it('waits for the line end, and says not for other protocols', () => {
    for (let n = 0; n < FTP.length - 2; n++) expect(decodeBanner(FTP, 0, n, 21).kind).toBe('more');
    expect(decodeBanner(ascii('HTTP/1.1 200 OK\r\n'), 0, 17, 21).kind).toBe('not');
    expect(decodeBanner(hex('160303'), 0, 3, 21).kind).toBe('not');
  });

  it('takes an unterminated line when the direction is complete, capped at 200 chars', () => {
    const b = ascii(`220 ${'x'.repeat(300)}`);
    const r = decodeBanner(b, 0, b.length, 21);
    expect(r.kind === 'ok' && r.banner.length).toBe(196);
    expect(decodeBanner(ascii('220 hi'), 0, 6, 21, true)).toEqual({ kind: 'ok', service: 'ftp', banner: 'hi' });
  });

  it('survives a seeded fuzz run', () => {
    const rnd = rng(0xba22);
    const bases = [FTP, ascii('SSH-2.0-x\r\n'), hex('fffa2502ff f0'), ascii('+OK x\r\n')];
    for (let i = 0; i < 20_000; i++) {
      const b = mutate(bases[i % bases.length]!, rnd);
      const r = decodeBanner(b, 0, b.length, [21, 23, 25, 513][i % 4]!, rnd() < 0.5);
      expect(['ok', 'more', 'not']).toContain(r.kind);
      if (r.kind === 'ok') expect(r.banner.length).toBeLessThanOrEqual(200);
    }
  });
});
