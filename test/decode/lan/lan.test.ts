// The LAN decoders (SMB 1/2/3 with NTLMSSP, NetBIOS name and datagram service, SSDP, RDP, VNC,
// TeamViewer) on fixtures built with our writers: every field, the same fields as tshark reads
// them from a pcap of the same bytes, every truncated prefix, and a seeded fuzz.
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNbdgm } from '../../../src/decode/netbios/dgm.js';
import { decodeNbns } from '../../../src/decode/netbios/nbns.js';
import { decodeRdp, decodeVncSecurity, isTeamViewer, rfbVersion } from '../../../src/decode/remote.js';
import { decodeNtlmssp } from '../../../src/decode/smb/ntlmssp.js';
import { decodeSmb, isSmb1Dialect, nbssFrame, sessionRequestNames } from '../../../src/decode/smb/smb.js';
import { decodeSip } from '../../../src/decode/sip.js';
import { decodeSsdp } from '../../../src/decode/ssdp.js';
import { HAVE_TSHARK, tshark } from '../../sim/tshark.js';
import { ascii, hex, mutate, rng } from '../app-hex.js';
import { NB, type Packet, pcapOf, RDP_CC, RDP_CR, SIP_REGISTER, SMB, SSDP_NOTIFY, TARGET } from './fixtures.js';

const smb = (framed: Uint8Array) => {
  const r = decodeSmb(framed, 4, framed.length);
  if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
  return r.msg;
};

describe('SMB', () => {
  it('frames direct-TCP messages by their 24-bit length', () => {
    expect(nbssFrame(SMB.smb2NegReq, 0, SMB.smb2NegReq.length)).toEqual({
      kind: 'frame',
      type: 0,
      length: SMB.smb2NegReq.length - 4,
    });
    expect(nbssFrame(hex('00 00'), 0, 2)).toEqual({ kind: 'more' });
    expect(nbssFrame(hex('42 00 00 10'), 0, 4)).toEqual({ kind: 'anomaly', code: 'smb.bad-length' });
  });

  it('SMB2 NEGOTIATE: dialects offered and chosen, signing', () => {
    expect(smb(SMB.smb2NegReq)).toMatchObject({
      version: 2,
      command: 'negotiate',
      response: false,
      dialects: ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'],
    });
    expect(smb(SMB.smb2NegResp)).toMatchObject({
      version: 2,
      command: 'negotiate',
      response: true,
      dialect: '3.1.1',
      signingRequired: true,
    });
  });

  it('SMB2 SESSION_SETUP: NTLMSSP negotiate version, challenge target info, authenticate workstation (never the user)', () => {
    expect(smb(SMB.smb2SetupReq).ntlm).toEqual({ messageType: 1, osVersion: '10.0.19041' });
    expect(smb(SMB.smb2SetupResp)).toMatchObject({
      command: 'session-setup',
      response: true,
      status: 0xc0000016,
      ntlm: {
        messageType: 2,
        nbComputer: TARGET.nbComputer,
        nbDomain: 'RADIOLOGY',
        dnsComputer: TARGET.dnsComputer,
        dnsDomain: 'ward.example',
        osVersion: '10.0.19041',
      },
    });
    const auth = smb(SMB.smb2SetupAuth).ntlm!;
    expect(auth).toEqual({ messageType: 3, domain: 'RADIOLOGY', workstation: 'NURSE-PC-1', osVersion: '10.0.19041' });
    expect(Object.keys(auth)).not.toContain('user');
  });

  it('SMB1 NEGOTIATE, its clear-text server names, SESSION_SETUP NativeOS/LanMan/domain', () => {
    const req = smb(SMB.smb1NegReq);
    expect(req).toMatchObject({ version: 1, dialects: ['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'NT LM 0.12'] });
    expect(req.dialects!.every(isSmb1Dialect)).toBe(true);
    expect(['SMB 2.002', 'SMB 2.???', '2.1', '3.1.1'].some(isSmb1Dialect)).toBe(false);
    expect(smb(SMB.smb1NegResp)).toMatchObject({
      version: 1,
      response: true,
      dialect: 'NT LM 0.12',
      serverDomain: 'WARD',
      serverName: 'PRINTER-01',
    });
    expect(smb(SMB.smb1SetupResp)).toMatchObject({
      nativeOs: 'Unix',
      nativeLanman: 'Samba 3.0.37',
      primaryDomain: 'WARD',
      ntlm: { messageType: 2, nbComputer: 'PRINTER-01', nbDomain: 'WARD', osVersion: '6.1.0' },
    });
  });

  it('reads the session request names (port 139)', () => {
    expect(nbssFrame(SMB.sessionRequest, 0, SMB.sessionRequest.length)).toMatchObject({ type: 0x81, length: 68 });
    expect(sessionRequestNames(SMB.sessionRequest, 4, SMB.sessionRequest.length)).toEqual({
      called: 'PRINTER-01',
      calling: 'NURSE-PC-1',
    });
  });

  it('a transform header is SMB3 encrypted, other bytes are not SMB', () => {
    expect(decodeSmb(hex('fd 53 4d 42 00 00'), 0, 6)).toMatchObject({ kind: 'ok', msg: { version: 3 } });
    expect(decodeSmb(ascii('GET / HTTP/1.1'), 0, 14)).toEqual({ kind: 'not' });
    expect(decodeNtlmssp(ascii('no signature here'), 0, 17)).toBeNull();
  });
});

describe('NetBIOS name service', () => {
  const ok = (b: Uint8Array) => {
    const r = decodeNbns(b, 0, b.length);
    if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
    return r.msg;
  };
  it('registration: the name, group flag and address claimed', () => {
    expect(ok(NB.registration)).toMatchObject({
      response: false,
      opcode: 'registration',
      broadcast: true,
      question: { name: 'UPS-ICU', suffix: 0, type: 'NB' },
      claims: [{ name: 'UPS-ICU', suffix: 0, group: false, ip: '10.40.12.61' }],
    });
    expect(ok(NB.groupRegistration).claims).toEqual([{ name: 'WARD', suffix: 0, group: true, ip: '10.40.12.61' }]);
  });
  it('positive query response and node status (names, group flags, MAC)', () => {
    expect(ok(NB.queryResponse)).toMatchObject({
      response: true,
      opcode: 'query',
      rcode: 0,
      claims: [{ name: 'PRINTER-01', suffix: 0x20, ip: '10.40.12.60' }],
    });
    expect(ok(NB.nodeStatus)).toMatchObject({
      response: true,
      claims: [
        { name: 'PRINTER-01', suffix: 0, group: false },
        { name: 'PRINTER-01', suffix: 0x20, group: false },
        { name: 'WARD', suffix: 0, group: true },
      ],
      mac: '02:57:70:00:00:01',
    });
  });
  it('a name that is not first-level encoded is a named anomaly', () => {
    const bad = NB.registration.slice();
    bad[13] = 0x5a; // 'Z' is not a nibble letter
    expect(decodeNbns(bad, 0, bad.length)).toEqual({ kind: 'anomaly', code: 'nbns.bad-name' });
  });
});

describe('NetBIOS datagram service and browser announcements', () => {
  it('host announcement: server, workgroup (destination <1d>), OS version, type bits, comment', () => {
    const r = decodeNbdgm(NB.hostAnnouncement, 0, NB.hostAnnouncement.length);
    expect(r).toMatchObject({
      kind: 'ok',
      msg: {
        msgType: 0x11,
        sourceIp: '10.40.12.60',
        sourceName: 'PRINTER-01',
        destName: 'WARD',
        destSuffix: 0x1d,
        mailslot: '\\MAILSLOT\\BROWSE',
        announcement: {
          kind: 'host',
          name: 'PRINTER-01',
          osMajor: 6,
          osMinor: 1,
          serverType: 0x203,
          comment: 'LaserWard 4100 print server',
        },
      },
    });
  });
  it('domain announcement: the workgroup and its master browser', () => {
    const r = decodeNbdgm(NB.domainAnnouncement, 0, NB.domainAnnouncement.length);
    expect(r).toMatchObject({
      kind: 'ok',
      msg: { destName: '..__MSBROWSE__.', announcement: { kind: 'domain', name: 'WARD', comment: 'PRINTER-01' } },
    });
  });
});

describe('SSDP', () => {
  it('NOTIFY: SERVER, LOCATION, NT, NTS, USN', () => {
    expect(decodeSsdp(SSDP_NOTIFY, 0, SSDP_NOTIFY.length)).toEqual({
      kind: 'ok',
      msg: {
        kind: 'notify',
        server: 'Linux/4.14 UPnP/1.0 LaserWard/4100',
        location: 'http://10.40.12.62:80/description.xml',
        target: 'urn:schemas-upnp-org:device:Printer:1',
        nts: 'ssdp:alive',
        usn: 'uuid:2fac1234-31f8-11b4-a222-08002b34c003::urn:schemas-upnp-org:device:Printer:1',
      },
    });
    expect(decodeSsdp(ascii('NOTIFY * HTTP/1.1'), 0, 17)).toEqual({ kind: 'anomaly', code: 'ssdp.truncated' });
  });

  it('LOCATION is redacted: no userinfo, no query values, no fragment; host and path stay', () => {
    const long = `Z${'z'.repeat(300)}`;
    const b = ascii(
      'HTTP/1.1 200 OK\r\n' +
        `LOCATION: http://admin:${long}@10.40.12.62:49152/desc.xml?sn=SN123&mrn=12345#x\r\n` + // userinfo past the 200-character cap
        'ST: upnp:rootdevice\r\n\r\n',
    );
    expect(decodeSsdp(b, 0, b.length)).toEqual({
      kind: 'ok',
      msg: {
        kind: 'response',
        location: 'http://redacted@10.40.12.62:49152/desc.xml?sn=&mrn=',
        target: 'upnp:rootdevice',
      },
    });
    const al = ascii('NOTIFY * HTTP/1.1\r\nAL: <urn:x?k=v> <http://u:secret@10.40.12.62/d.xml?mrn=12345>\r\n\r\n');
    expect(decodeSsdp(al, 0, al.length)).toMatchObject({
      kind: 'ok',
      msg: { location: '<urn:x?k=> <http://redacted@10.40.12.62/d.xml?mrn=>' },
    });
  });
});

describe('SIP', () => {
  it('REGISTER: method, the registrar host (the user part dropped), User-Agent', () => {
    const r = decodeSip(SIP_REGISTER, 0, SIP_REGISTER.length);
    expect(r).toEqual({
      kind: 'ok',
      msg: { method: 'REGISTER', uriHost: 'pbx.ward.example', userAgent: 'NurseCall Handset 2.4' },
    });
    expect(decodeSip(ascii('SIP/2.0 200 OK\r\nServer: WardPBX 1.0\r\n\r\n'), 0, 40)).toEqual({
      kind: 'ok',
      msg: { status: 200, server: 'WardPBX 1.0' },
    });
    // Userinfo with a password and stray '@'s: nothing before the last '@' is kept.
    const pw = ascii('INVITE sip:2101:secret@x@PBX.ward.example;transport=udp SIP/2.0\r\n\r\n');
    expect(decodeSip(pw, 0, pw.length)).toMatchObject({ kind: 'ok', msg: { uriHost: 'pbx.ward.example' } });
    expect(decodeSip(ascii('REGISTER sip:x SIP/2.0'), 0, 22)).toEqual({ kind: 'anomaly', code: 'sip.truncated' });
    expect(decodeSip(ascii('GET / HTTP/1.1\r\n'), 0, 16)).toEqual({ kind: 'not' });
  });
});

describe('remote access handshakes', () => {
  it('RDP: cookie presence (never its value) and requested/selected protocols', () => {
    const r = decodeRdp(RDP_CR, 0, RDP_CR.length);
    expect(r).toEqual({
      kind: 'ok',
      msg: { pdu: 'request', userHint: true, routingToken: false, protocols: ['tls', 'credssp'], failure: undefined },
    });
    expect(JSON.stringify(r)).not.toContain('fictional');
    expect(decodeRdp(RDP_CC, 0, RDP_CC.length)).toMatchObject({
      kind: 'ok',
      msg: { pdu: 'confirm', protocols: ['credssp'] },
    });
    expect(decodeRdp(hex('03 00 00 05 00 e0'), 0, 6)).toEqual({ kind: 'anomaly', code: 'rdp.bad-tpkt' });
  });
  it('VNC: RFB version and security types for 3.3 and 3.8', () => {
    const server = ascii('RFB 003.008\n');
    expect(rfbVersion(server, 0, 12)).toBe('3.8');
    expect(rfbVersion(server, 0, 5)).toBe('more');
    expect(rfbVersion(ascii('RFX 003.008\n'), 0, 12)).toBeNull();
    expect(decodeVncSecurity(hex('02 01 02'), 0, 3, '3.8')).toEqual({
      kind: 'ok',
      msg: { types: ['none', 'vnc-auth'], failed: false },
    });
    expect(decodeVncSecurity(hex('00 00 00 01'), 0, 4, '3.3')).toEqual({
      kind: 'ok',
      msg: { types: ['none'], failed: false },
    });
    expect(decodeVncSecurity(hex('03 01'), 0, 2, '3.8')).toEqual({ kind: 'more' });
  });
  it('TeamViewer by its first two bytes', () => {
    expect(isTeamViewer(hex('17 24 0a 20'), 0, 4)).toBe(true);
    expect(isTeamViewer(hex('11 30 00'), 0, 3)).toBe(true);
    expect(isTeamViewer(hex('17'), 0, 1)).toBe('more');
    expect(isTeamViewer(hex('16 03 01'), 0, 3)).toBe(false);
  });
});

const t = (fromServer: boolean, payload: Uint8Array, port = 445): Packet => ({
  proto: 'tcp',
  sport: fromServer ? port : 50000,
  dport: fromServer ? 50000 : port,
  payload,
  fromServer,
});
const u = (payload: Uint8Array, port: number): Packet => ({ proto: 'udp', sport: port, dport: port, payload });

describe.runIf(HAVE_TSHARK || process.env.CI === 'true')('tshark reads the same fields from the same bytes', () => {
  const { file, cleanup } = pcapOf([
    t(false, SMB.smb2NegReq),
    t(true, SMB.smb2NegResp),
    t(false, SMB.smb2SetupReq),
    t(true, SMB.smb2SetupResp),
    t(false, SMB.smb2SetupAuth),
    t(false, SMB.smb1NegReq, 139),
    t(true, SMB.smb1NegResp, 139),
    t(true, SMB.smb1SetupResp, 139),
    t(false, SMB.sessionRequest, 139),
    u(NB.registration, 137),
    u(NB.queryResponse, 137),
    u(NB.nodeStatus, 137),
    u(NB.hostAnnouncement, 138),
    u(NB.domainAnnouncement, 138),
    u(SSDP_NOTIFY, 1900),
    t(false, RDP_CR, 3389),
    t(true, RDP_CC, 3389),
    u(SIP_REGISTER, 5060),
  ]);
  afterAll(cleanup);
  const FIELDS = [
    'smb2.dialect',
    'ntlmssp.challenge.target_info.nb_computer_name',
    'ntlmssp.challenge.target_info.nb_domain_name',
    'ntlmssp.challenge.target_info.dns_computer_name',
    'ntlmssp.auth.hostname',
    'ntlmssp.auth.domain',
    'ntlmssp.version.major',
    'ntlmssp.version.build_number',
    'smb.dialect',
    'smb.native_os',
    'smb.native_lanman',
    'smb.primary_domain',
    'smb.server',
    'nbss.called_name',
    'nbss.calling_name',
    'nbns.addr',
    'nbns.netbios_name',
    'browser.server',
    'browser.comment',
    'browser.os_major',
    'browser.server_type',
    'http.server',
    'http.location',
    'rdp.negReq.requestedProtocols',
    'rdp.negReq.selectedProtocol',
    'sip.User-Agent',
    'sip.r-uri.host',
  ] as const;
  const rows = () =>
    tshark(file, ['-T', 'fields', '-E', 'separator=|', ...FIELDS.flatMap((f) => ['-e', f])]).map((line) => {
      const cols = line.split('|');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Record<(typeof FIELDS)[number], string>;
    });

  it('every frame dissects without an expert error', () => {
    const lines = tshark(file, ['-V']);
    expect(lines.filter((l) => /Malformed|Exception/.test(l))).toEqual([]);
  });

  it('SMB, NTLMSSP, session service, NBNS, browser, SSDP and RDP fields agree', () => {
    const r = rows();
    expect(r).toHaveLength(18);
    const hexDialect = (d: string) =>
      `0x${{ '2.0.2': '0202', '2.1': '0210', '3.0': '0300', '3.0.2': '0302', '3.1.1': '0311' }[d]}`;
    expect(r[0]!['smb2.dialect']).toBe(smb(SMB.smb2NegReq).dialects!.map(hexDialect).join(','));
    expect(r[1]!['smb2.dialect']).toBe(hexDialect(smb(SMB.smb2NegResp).dialect!));
    const ch = smb(SMB.smb2SetupResp).ntlm!;
    expect(r[3]!['ntlmssp.challenge.target_info.nb_computer_name']).toBe(ch.nbComputer);
    expect(r[3]!['ntlmssp.challenge.target_info.nb_domain_name']).toBe(ch.nbDomain);
    expect(r[3]!['ntlmssp.challenge.target_info.dns_computer_name']).toBe(ch.dnsComputer);
    expect(`${r[3]!['ntlmssp.version.major']}.0.${r[3]!['ntlmssp.version.build_number']}`).toBe(ch.osVersion);
    const au = smb(SMB.smb2SetupAuth).ntlm!;
    expect(r[4]!['ntlmssp.auth.hostname']).toBe(au.workstation);
    expect(r[4]!['ntlmssp.auth.domain']).toBe(au.domain);
    expect(r[5]!['smb.dialect']).toBe(smb(SMB.smb1NegReq).dialects!.join(','));
    const nr = smb(SMB.smb1NegResp);
    expect([r[6]!['smb.primary_domain'], r[6]!['smb.server']]).toEqual([nr.serverDomain, nr.serverName]);
    const ss = smb(SMB.smb1SetupResp);
    expect([r[7]!['smb.native_os'], r[7]!['smb.native_lanman'], r[7]!['smb.primary_domain']]).toEqual([
      ss.nativeOs,
      ss.nativeLanman,
      ss.primaryDomain,
    ]);
    const names = sessionRequestNames(SMB.sessionRequest, 4, SMB.sessionRequest.length);
    expect([r[8]!['nbss.called_name'], r[8]!['nbss.calling_name']]).toEqual([
      `${names.called}<20>`,
      `${names.calling}<00>`,
    ]);
    const reg = decodeNbns(NB.registration, 0, NB.registration.length);
    expect(reg.kind === 'ok' && r[9]!['nbns.addr']).toBe(reg.kind === 'ok' ? reg.msg.claims[0]!.ip : '');
    const qr = decodeNbns(NB.queryResponse, 0, NB.queryResponse.length);
    expect(r[10]!['nbns.addr']).toBe(qr.kind === 'ok' ? qr.msg.claims[0]!.ip : '');
    const ns = decodeNbns(NB.nodeStatus, 0, NB.nodeStatus.length);
    expect(r[11]!['nbns.netbios_name']).toBe(ns.kind === 'ok' ? ns.msg.claims.map((c) => c.name).join(',') : '');
    const ha = decodeNbdgm(NB.hostAnnouncement, 0, NB.hostAnnouncement.length);
    const a = ha.kind === 'ok' ? ha.msg.announcement! : undefined;
    expect([
      r[12]!['browser.server'],
      r[12]!['browser.comment'],
      r[12]!['browser.os_major'],
      r[12]!['browser.server_type'],
    ]).toEqual([a?.name, a?.comment, String(a?.osMajor), `0x${a?.serverType.toString(16).padStart(8, '0')}`]);
    const sd = decodeSsdp(SSDP_NOTIFY, 0, SSDP_NOTIFY.length);
    expect([r[14]!['http.server'], r[14]!['http.location']]).toEqual(
      sd.kind === 'ok' ? [sd.msg.server, sd.msg.location] : [],
    );
    expect(r[15]!['rdp.negReq.requestedProtocols']).toBe('0x00000003'); // tls | credssp, as decoded above
    expect(r[16]!['rdp.negReq.selectedProtocol']).toBe('0x00000002'); // credssp
    const sip = decodeSip(SIP_REGISTER, 0, SIP_REGISTER.length);
    expect([r[17]!['sip.User-Agent'], r[17]!['sip.r-uri.host']]).toEqual(
      sip.kind === 'ok' ? [sip.msg.userAgent, sip.msg.uriHost] : [],
    );
  });
});

type Case = readonly [string, Uint8Array, (b: Uint8Array) => unknown];
const ALL: readonly Case[] = [
  ...Object.entries(SMB)
    .filter(([k]) => k !== 'sessionRequest')
    .map(([k, v]) => [k, v, (b: Uint8Array) => decodeSmb(b, 4, b.length)] as const),
  [
    'sessionRequest',
    SMB.sessionRequest,
    (b) => ({ kind: sessionRequestNames(b, 4, b.length).calling !== undefined ? 'ok' : 'more' }),
  ],
  ...Object.entries(NB).map(
    ([k, v]) =>
      [
        k,
        v,
        (b: Uint8Array) => (k.endsWith('Announcement') ? decodeNbdgm(b, 0, b.length) : decodeNbns(b, 0, b.length)),
      ] as const,
  ),
  ['ssdp', SSDP_NOTIFY, (b) => decodeSsdp(b, 0, b.length)],
  ['sip', SIP_REGISTER, (b) => decodeSip(b, 0, b.length)],
  ['rdp-cr', RDP_CR, (b) => decodeRdp(b, 0, b.length)],
  ['rdp-cc', RDP_CC, (b) => decodeRdp(b, 0, b.length)],
  ['vnc', hex('52 46 42 20 30 30 33 2e 30 30 38 0a 02 01 02'), (b) => decodeVncSecurity(b, 12, b.length, '3.8')],
];

describe('robustness', () => {
  it.each(ALL.map(([name, bytes, fn]) => ({ name, bytes, fn })))(
    '$name: every truncated prefix decodes without throwing',
    ({ bytes, fn }) => {
      const kinds = new Set<string>();
      for (let n = 0; n <= bytes.length; n++) {
        const r = fn(bytes.slice(0, n)) as { kind: string };
        kinds.add(r.kind);
      }
      // The whole message decodes; some shorter prefix does not decode as the whole one did.
      expect((fn(bytes) as { kind: string }).kind).toBe('ok');
      expect(kinds.size).toBeGreaterThan(1);
    },
  );

  it('seeded fuzz: mutated fixtures never throw and always give a result kind', () => {
    const rnd = rng(0x5b5b);
    let decoded = 0;
    for (let i = 0; i < 3000; i++) {
      const [, base, fn] = ALL[i % ALL.length]!;
      const r = fn(mutate(base, rnd)) as { kind: string };
      expect(['ok', 'more', 'not', 'anomaly']).toContain(r.kind);
      if (r.kind === 'ok') decoded++;
    }
    expect(decoded).toBeGreaterThan(100);
  });
});
