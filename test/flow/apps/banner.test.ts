import { describe, expect, it } from 'vitest';
import { bannerApp } from '../../../src/flow/apps/banner.js';
import { ascii, hex } from '../../decode/app-hex.js';
import { tcpConns } from '../../decode/app-payloads.js';
import { capture } from '../../helpers/paths.js';
import { fakeCtx, runTcp } from './fake-ctx.js';

const NETBSD = 'ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.';

describe('bannerApp on the shared captures', () => {
  it.each(['ftp-ipv4.pcap', 'ftp-ipv6.pcap'])(
    '%s: the FTP greeting of each control connection (ground truth)',
    (file) => {
      const control = tcpConns(capture(file)).filter((c) => c.server.port === 21);
      expect(control.length).toBeGreaterThan(0);
      for (const conn of control) {
        const firstServer = conn.chunks.find((c) => c.dir === 1)!;
        expect(bannerApp.probe(1, firstServer.bytes)).toBe('yes');
        const rec = runTcp(bannerApp, conn);
        // The greeting first; then (issue 19) the control channel's two RETRs (tshark: RETR robots.txt).
        expect(rec.events.map((e) => e.type)).toEqual(['service-banner', 'file-transfer', 'file-transfer']);
        expect(rec.events[0]).toMatchObject({
          type: 'service-banner',
          service: 'ftp',
          banner: NETBSD,
          dst: { port: 21 },
        });
        expect(rec.events.slice(1)).toMatchObject([
          { protocol: 'ftp', op: 'read', fileName: 'robots.txt' },
          { protocol: 'ftp', op: 'read', fileName: 'robots.txt' },
        ]);
        expect(rec.apps).toEqual({ ftp: 1 });
      }
    },
  );

  it('rawip-telnet-port21: telnet sub-negotiation on port 21 is telnet (content first)', () => {
    const [conn] = tcpConns(capture('rawip-telnet-port21.pcap'));
    const rec = runTcp(bannerApp, conn!);
    expect(rec.events).toEqual([
      expect.objectContaining({
        type: 'service-banner',
        service: 'telnet',
        banner: '',
        dst: { ip: '10.0.0.2', port: 21 },
      }),
    ]);
    expect(rec.apps).toEqual({ telnet: 1 });
  });
});

describe('bannerApp', () => {
  const client = { ip: '10.0.0.9', port: 40000 };

  it('emits once per flow, from a greeting split across segments', () => {
    const rec = fakeCtx('tcp', client, { ip: '10.0.0.1', port: 25 });
    const app = bannerApp.create(rec.ctx);
    app.data(1, ascii('220 mx ES'), 1);
    app.data(1, ascii('MTP ready\r\n'), 2);
    app.data(1, ascii('250 ok\r\n'), 3);
    app.end(4);
    expect(rec.events).toEqual([expect.objectContaining({ service: 'smtp', banner: 'mx ESMTP ready', ts: 2 })]);
  });

  it('names a silent server from the client opening (telnet negotiation)', () => {
    const rec = fakeCtx('tcp', client, { ip: '10.0.0.1', port: 2323 });
    const app = bannerApp.create(rec.ctx);
    app.data(0, hex('fffd03fffb18'), 1);
    app.end(5);
    expect(rec.events).toEqual([expect.objectContaining({ service: 'telnet', banner: '' })]);
  });

  it('emits nothing for a server that is none of these', () => {
    const rec = fakeCtx('tcp', client, { ip: '10.0.0.1', port: 21 });
    const app = bannerApp.create(rec.ctx);
    app.data(1, ascii('drwxr-xr-x 2 ftp ftp 512 pub\r\n'), 1);
    app.end(2);
    expect(rec.events).toEqual([]);
  });

  it('probes: client SSH or IAC yes, client HTTP no, server greeting yes', () => {
    expect(bannerApp.probe(0, ascii('SSH-2.0-x'))).toBe('yes');
    expect(bannerApp.probe(0, ascii('SS'))).toBe('more');
    expect(bannerApp.probe(0, ascii('GET / HTTP/1.1'))).toBe('no');
    expect(bannerApp.probe(1, ascii('220 '))).toBe('more');
    expect(bannerApp.probe(1, ascii('220 x\r\n'))).toBe('yes');
    expect(bannerApp.probe(1, hex('160303'))).toBe('no');
  });
});
