// The LAN and remote-access analyzers over whole conversations fed as the engine feeds them:
// in one piece, byte by byte (every segmentation), and with a capture hole; plus mDNS answers
// read by the inventory as host names and service types.
import { describe, expect, it } from 'vitest';
import type { Dir, StreamApp, TcpAppFactory } from '../../../src/flow/app.js';
import { nbnsApp } from '../../../src/flow/apps/netbios.js';
import { rdpApp, teamviewerApp, vncApp } from '../../../src/flow/apps/remote.js';
import { smbApp } from '../../../src/flow/apps/smb.js';
import {
  rdpConnectionConfirm,
  rdpConnectionRequest,
  rfbVersionLine,
  vncSecurityTypes,
} from '../../../src/decode/remote-encode.js';
import { Inventory } from '../../../src/inventory/inventory.js';
import type { WardEvent } from '../../../src/events.js';
import { loadCatalog } from '../../../src/config/catalog.js';
import { hex } from '../../decode/app-hex.js';
import { NB, SMB } from '../../decode/lan/fixtures.js';
import { fakeCtx } from './fake-ctx.js';

const client = { ip: '10.40.12.150', port: 50000, mac: '02:57:60:00:00:01' };
const server = { ip: '10.40.12.62', port: 445, mac: '02:57:70:00:00:03' };

type Turn = readonly [Dir, Uint8Array];

function run(factory: TcpAppFactory, turns: readonly Turn[], mode: 'whole' | 'bytewise', port = server.port) {
  const rec = fakeCtx('tcp', client, { ...server, port });
  const app: StreamApp = factory.create(rec.ctx);
  for (const [dir, b] of turns) {
    if (mode === 'whole') app.data(dir, b, 1);
    else for (let i = 0; i < b.length; i++) app.data(dir, b.subarray(i, i + 1), 1);
  }
  app.end(2);
  return { ...rec, finished: app.finished };
}

const SMB2_SESSION: Turn[] = [
  [0, SMB.smb2NegReq],
  [1, SMB.smb2NegResp],
  [0, SMB.smb2SetupReq],
  [1, SMB.smb2SetupResp],
  [0, SMB.smb2SetupAuth],
];

describe('smbApp', () => {
  it.each(['whole', 'bytewise'] as const)(
    'SMB2 session (%s): one negotiate, the server and client identities',
    (mode) => {
      const r = run(smbApp, SMB2_SESSION, mode);
      const neg = r.events.filter((e) => e.type === 'smb-negotiate');
      expect(neg).toEqual([
        expect.objectContaining({
          dialectsOffered: ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'],
          dialect: '3.1.1',
          smb1Offered: false,
          smb1Used: false,
          signingRequired: true,
        }),
      ]);
      const ids = r.events.filter((e) => e.type === 'host-identity');
      expect(ids).toEqual([
        expect.objectContaining({
          host: expect.objectContaining({ ip: client.ip }),
          names: [],
          os: 'NTLM version 10.0.19041',
        }),
        expect.objectContaining({
          host: expect.objectContaining({ ip: server.ip }),
          names: ['IMG-CONSOLE-1', 'img-console-1.ward.example'],
          workgroup: 'RADIOLOGY',
          services: ['smb'],
        }),
        expect.objectContaining({
          host: expect.objectContaining({ ip: client.ip }),
          names: ['NURSE-PC-1'],
          workgroup: 'RADIOLOGY',
        }),
      ]);
      expect(r.apps).toEqual({ smb: 5 });
      expect(r.anomalies).toEqual([]);
    },
  );

  it('SMB1 offered and spoken; a request without an answer is still reported at the end', () => {
    const both = run(
      smbApp,
      [
        [0, SMB.smb1NegReq],
        [1, SMB.smb1NegResp],
      ],
      'whole',
      139,
    );
    expect(both.events.find((e) => e.type === 'smb-negotiate')).toMatchObject({
      smb1Offered: true,
      smb1Used: true,
      dialect: 'NT LM 0.12',
    });
    expect(both.events.find((e) => e.type === 'host-identity')).toMatchObject({
      names: ['PRINTER-01'],
      workgroup: 'WARD',
    });
    const alone = run(smbApp, [[0, SMB.smb1NegReq]], 'whole');
    expect(alone.events).toEqual([
      expect.objectContaining({ type: 'smb-negotiate', smb1Offered: true, smb1Used: false, dialect: undefined }),
    ]);
  });

  it('a hole ends the framing quietly; an unknown session type is a named anomaly', () => {
    const rec = fakeCtx('tcp', client, server);
    const app = smbApp.create(rec.ctx);
    app.data(0, SMB.smb2NegReq.subarray(0, 20), 1);
    app.gap(0, 100, 1);
    app.data(0, SMB.smb2NegReq.subarray(120), 1);
    app.data(1, hex('42 00 00 04 00 00 00 00'), 1);
    app.end(2);
    expect(rec.anomalies).toEqual(['smb.bad-length']);
    expect(app.finished).toBe(true);
  });

  it('probe: direct-TCP SMB and session requests yes, other streams no', () => {
    expect(smbApp.probe(0, SMB.smb2NegReq)).toBe('yes');
    expect(smbApp.probe(0, SMB.sessionRequest)).toBe('yes');
    expect(smbApp.probe(0, SMB.smb2NegReq.subarray(0, 5))).toBe('more');
    expect(smbApp.probe(0, hex('16 03 01 00 50'))).toBe('no');
  });
});

describe('remote-access analyzers', () => {
  it.each(['whole', 'bytewise'] as const)(
    'RDP (%s): security selected, the user hint present (never its value)',
    (mode) => {
      const r = run(
        rdpApp,
        [
          [0, rdpConnectionRequest('fictional-user', ['tls', 'credssp'])],
          [1, rdpConnectionConfirm('credssp')],
        ],
        mode,
        3389,
      );
      expect(r.events).toEqual([
        expect.objectContaining({
          type: 'remote-access',
          service: 'rdp',
          security: ['credssp'],
          userHint: true,
          unauthenticated: false,
        }),
      ]);
      expect(JSON.stringify(r.events)).not.toContain('fictional-user');
      expect(r.finished).toBe(true);
    },
  );

  it.each(['whole', 'bytewise'] as const)('VNC (%s): None chosen is unauthenticated; VNC auth is not', (mode) => {
    const none = run(
      vncApp,
      [
        [1, rfbVersionLine(3, 8)],
        [0, rfbVersionLine(3, 8)],
        [1, vncSecurityTypes([1, 2])],
        [0, Uint8Array.of(1)],
      ],
      mode,
      5900,
    );
    expect(none.events).toEqual([
      expect.objectContaining({
        service: 'vnc',
        version: '3.8',
        security: ['none', 'vnc-auth'],
        unauthenticated: true,
      }),
    ]);
    const auth = run(
      vncApp,
      [
        [1, rfbVersionLine(3, 8)],
        [0, rfbVersionLine(3, 8)],
        [1, vncSecurityTypes([1, 2])],
        [0, Uint8Array.of(2)],
      ],
      mode,
      5900,
    );
    expect(auth.events).toEqual([expect.objectContaining({ security: ['none', 'vnc-auth'], unauthenticated: false })]);
  });

  it('VNC 3.3: the server picks the type', () => {
    const r = run(
      vncApp,
      [
        [1, rfbVersionLine(3, 3)],
        [0, rfbVersionLine(3, 3)],
        [1, hex('00 00 00 01')],
      ],
      'whole',
      5900,
    );
    expect(r.events).toEqual([expect.objectContaining({ version: '3.3', security: ['none'], unauthenticated: true })]);
  });

  it('TeamViewer: one event, then finished', () => {
    const r = run(
      teamviewerApp,
      [
        [0, hex('17 24 0a 20 00 00 00 00')],
        [1, hex('17 24 0a 20 00 00 00 00')],
      ],
      'whole',
      5938,
    );
    expect(r.events).toEqual([expect.objectContaining({ type: 'remote-access', service: 'teamviewer' })]);
    expect(r.apps).toEqual({ teamviewer: 1 });
  });
});

describe('nbnsApp', () => {
  it('takes only port 137 with an encoded name, and claims names for the sender only', () => {
    expect(nbnsApp.probe(0, NB.registration, 137, 137)).toBe('yes');
    expect(nbnsApp.probe(0, NB.registration, 5353, 53)).toBe('no');
    const rec = fakeCtx('udp', { ip: '10.40.12.61', port: 137 }, { ip: '10.40.12.255', port: 137 });
    const app = nbnsApp.create(rec.ctx);
    app.datagram(0, NB.registration, 1);
    app.datagram(0, NB.groupRegistration, 2);
    app.datagram(0, NB.queryResponse, 3); // answers for 10.40.12.60, not the sender: no identity
    expect(rec.events).toEqual([
      expect.objectContaining({ type: 'host-identity', via: 'nbns', names: ['UPS-ICU'], workgroup: undefined }),
      expect.objectContaining({ names: [], workgroup: 'WARD' }),
    ]);
  });
});

describe('inventory: mDNS answers name their responder', () => {
  it('an address record for the responder is its name, a service PTR a service', () => {
    const catalog = loadCatalog();
    const inv = new Inventory({ catalog });
    const printer = { ip: '10.40.12.60', port: 5353, mac: '02:57:70:00:00:01' };
    const group = { ip: '224.0.0.251', port: 5353 };
    const evs: WardEvent[] = [
      { type: 'device-seen', ts: 1, mac: printer.mac, ip: printer.ip, via: 'arp' },
      { type: 'flow-start', ts: 1, flowId: 7, src: printer, dst: group, proto: 'udp', syn: false },
      {
        type: 'dns-answer',
        ts: 2,
        flowId: 7,
        asker: group.ip,
        server: printer.ip,
        id: 0,
        rcode: 0,
        query: '',
        qtype: '',
        answers: [
          { name: 'laserward-4100.local', type: 'A', ttl: 120, data: '10.40.12.60' },
          { name: '_ipp._tcp.local', type: 'PTR', ttl: 4500, data: 'LaserWard 4100._ipp._tcp.local' },
          { name: 'other-host.local', type: 'A', ttl: 120, data: '10.40.12.99' },
        ],
        resolved: [],
      },
    ];
    for (const e of evs) inv.onEvent(e);
    const d = inv.device(printer.mac)!;
    expect(d.lan).toMatchObject({ names: ['laserward-4100'], services: ['_ipp._tcp'] });
    expect(d.hostname).toBe('laserward-4100');
  });
});

describe('sipApp', () => {
  it('a REGISTER names the handset software and makes its responder a registrar', async () => {
    const { sipApp } = await import('../../../src/flow/apps/sip.js');
    const { SIP_REGISTER } = await import('../../decode/lan/fixtures.js');
    expect(sipApp.probe(0, SIP_REGISTER, 5060, 5060)).toBe('yes');
    const rec = fakeCtx('udp', { ip: '10.40.12.150', port: 5060 }, { ip: '10.40.12.5', port: 5060 });
    const app = sipApp.create(rec.ctx);
    app.datagram(0, SIP_REGISTER, 1);
    expect(rec.events).toEqual([
      expect.objectContaining({
        via: 'sip',
        host: expect.objectContaining({ ip: '10.40.12.150' }),
        software: 'NurseCall Handset 2.4',
      }),
      expect.objectContaining({
        via: 'sip',
        host: expect.objectContaining({ ip: '10.40.12.5' }),
        services: ['sip-registrar'],
      }),
    ]);
    expect(JSON.stringify(rec.events)).not.toContain('2101'); // the extension in From/To is never kept
    expect(rec.apps).toEqual({ sip: 1 });
  });
});
