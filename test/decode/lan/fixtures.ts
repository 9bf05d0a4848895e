// Test-only: the LAN protocol fixtures (SMB, NTLMSSP, NetBIOS, SSDP, RDP, VNC), built with our
// writers, and a pcap of them for tshark to read the same fields back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../../src/capture/writer.js';
import {
  browserAnnouncement,
  nbnsNodeStatus,
  nbnsQueryResponse,
  nbnsRegistration,
} from '../../../src/decode/netbios/encode.js';
import {
  nbss,
  nbssSessionRequest,
  ntlmAuthenticate,
  ntlmChallenge,
  ntlmNegotiate,
  smb1NegotiateRequest,
  smb1NegotiateResponse,
  smb1SessionSetup,
  smb2NegotiateRequest,
  smb2NegotiateResponse,
  smb2SessionSetupRequest,
  smb2SessionSetupResponse,
  spnego,
} from '../../../src/decode/smb/encode.js';
import { ACK, FrameBuilder, host, PSH } from '../../../src/sim/wire.js';
import { ascii } from '../app-hex.js';

const GUID = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const CHALLENGE = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
export const WIN10 = { major: 10, minor: 0, build: 19041 };
export const TARGET = {
  nbComputer: 'IMG-CONSOLE-1',
  nbDomain: 'RADIOLOGY',
  dnsComputer: 'img-console-1.ward.example',
  dnsDomain: 'ward.example',
};

/** SMB messages (each one session service message) by name, client → server unless `Resp`. */
export const SMB = {
  smb2NegReq: nbss(smb2NegotiateRequest(['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'], GUID)),
  smb2NegResp: nbss(smb2NegotiateResponse('3.1.1', GUID, true, spnego(new Uint8Array(0), true))),
  smb2SetupReq: nbss(smb2SessionSetupRequest(spnego(ntlmNegotiate(WIN10), true), 1)),
  smb2SetupResp: nbss(smb2SessionSetupResponse(spnego(ntlmChallenge(TARGET, WIN10, CHALLENGE), false), 1, 0xc0000016)),
  smb2SetupAuth: nbss(smb2SessionSetupRequest(spnego(ntlmAuthenticate('RADIOLOGY', 'NURSE-PC-1', WIN10), false), 2)),
  smb1NegReq: nbss(smb1NegotiateRequest(['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'NT LM 0.12'])),
  smb1NegResp: nbss(smb1NegotiateResponse(2, 'WARD', 'PRINTER-01', CHALLENGE)),
  smb1SetupResp: nbss(
    smb1SessionSetup(
      true,
      spnego(
        ntlmChallenge({ nbComputer: 'PRINTER-01', nbDomain: 'WARD' }, { major: 6, minor: 1, build: 0 }, CHALLENGE),
        false,
      ),
      'Unix',
      'Samba 3.0.37',
      'WARD',
    ),
  ),
  sessionRequest: nbssSessionRequest('PRINTER-01', 'NURSE-PC-1'),
} as const;

export const NB = {
  registration: nbnsRegistration(0x1234, 'UPS-ICU', 0x00, false, '10.40.12.61'),
  groupRegistration: nbnsRegistration(0x1235, 'WARD', 0x00, true, '10.40.12.61'),
  queryResponse: nbnsQueryResponse(0x2001, 'PRINTER-01', 0x20, '10.40.12.60'),
  nodeStatus: nbnsNodeStatus(
    0x2002,
    [
      { name: 'PRINTER-01', suffix: 0x00, group: false },
      { name: 'PRINTER-01', suffix: 0x20, group: false },
      { name: 'WARD', suffix: 0x00, group: true },
    ],
    Uint8Array.of(0x02, 0x57, 0x70, 0, 0, 1),
  ),
  hostAnnouncement: browserAnnouncement(
    {
      server: 'PRINTER-01',
      workgroup: 'WARD',
      osMajor: 6,
      osMinor: 1,
      serverType: 0x00000203,
      comment: 'LaserWard 4100 print server',
      sourceIp: '10.40.12.60',
    },
    0x4001,
  ),
  domainAnnouncement: browserAnnouncement(
    {
      server: 'PRINTER-01',
      workgroup: 'WARD',
      osMajor: 6,
      osMinor: 1,
      serverType: 0x80001000,
      comment: '',
      sourceIp: '10.40.12.60',
      opcode: 12,
    },
    0x4002,
  ),
} as const;

export const SSDP_NOTIFY = ascii(
  'NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://10.40.12.62:80/description.xml\r\nNT: urn:schemas-upnp-org:device:Printer:1\r\nNTS: ssdp:alive\r\nSERVER: Linux/4.14 UPnP/1.0 LaserWard/4100\r\nUSN: uuid:2fac1234-31f8-11b4-a222-08002b34c003::urn:schemas-upnp-org:device:Printer:1\r\n\r\n',
);

export const SIP_REGISTER = ascii(
  'REGISTER sip:pbx.ward.example SIP/2.0\r\nVia: SIP/2.0/UDP 10.40.12.150:5060;branch=z9hG4bK776asdhds\r\nFrom: <sip:2101@pbx.ward.example>;tag=1928301774\r\nTo: <sip:2101@pbx.ward.example>\r\nCall-ID: a84b4c76e66710\r\nCSeq: 1 REGISTER\r\nUser-Agent: NurseCall Handset 2.4\r\nContent-Length: 0\r\n\r\n',
);

/** RDP X.224 connection request with a mstshash cookie and RDP_NEG_REQ (TLS | CredSSP). */
export const RDP_CR = (() => {
  const cookie = ascii('Cookie: mstshash=fictional\r\n');
  const neg = Uint8Array.of(0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00);
  const li = 6 + cookie.length + neg.length;
  const out = new Uint8Array(5 + li);
  out.set([0x03, 0x00, (out.length >> 8) & 0xff, out.length & 0xff, li, 0xe0, 0, 0, 0, 0, 0]);
  out.set(cookie, 11);
  out.set(neg, 11 + cookie.length);
  return out;
})();
/** X.224 connection confirm with RDP_NEG_RSP selecting CredSSP. */
export const RDP_CC = Uint8Array.of(
  0x03,
  0x00,
  0x00,
  0x13,
  0x0e,
  0xd0,
  0,
  0,
  0x12,
  0x34,
  0x00,
  0x02,
  0x00,
  0x08,
  0x00,
  0x02,
  0x00,
  0x00,
  0x00,
);

export interface Packet {
  readonly proto: 'tcp' | 'udp';
  readonly sport: number;
  readonly dport: number;
  readonly payload: Uint8Array;
  readonly fromServer?: boolean;
}

const CLIENT = host('client', '02:57:60:00:00:01', '10.40.12.150');
const SERVER = host('server', '02:57:70:00:00:01', '10.40.12.60');

/** Write the packets to a temporary pcap (one frame each); returns its path and a cleanup. */
export function pcapOf(packets: readonly Packet[]): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ww-lan-'));
  const w = new PcapWriter({ linktype: 1 });
  const fb = new FrameBuilder();
  const parts: Uint8Array[] = [w.header()];
  let seq = [1000, 5000];
  packets.forEach((p, i) => {
    const [a, b] = p.fromServer ? [SERVER, CLIENT] : [CLIENT, SERVER];
    const frame =
      p.proto === 'udp'
        ? fb.udp(a, b, p.sport, p.dport, p.payload)
        : fb.tcp(
            a,
            b,
            p.sport,
            p.dport,
            seq[p.fromServer ? 1 : 0]!,
            seq[p.fromServer ? 0 : 1]!,
            PSH | ACK,
            64000,
            p.payload,
          );
    if (p.proto === 'tcp') seq[p.fromServer ? 1 : 0]! += p.payload.length;
    seq = [...seq];
    parts.push(w.record(1_700_000_000_000_000 + i * 1000, frame.slice()));
  });
  const file = join(dir, 'lan.pcap');
  writeFileSync(file, Buffer.concat(parts));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
