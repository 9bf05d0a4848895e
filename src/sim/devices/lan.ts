// Ward devices that are known by their LAN names, not by DHCP: a network printer, a UPS
// management card and an imaging console. Each has a static address (ARP only), registers its
// NetBIOS names, sends browser host announcements and answers SMB (the printer and console over
// SMB2 with NTLMSSP naming themselves; the UPS's old Samba over SMBv1). The printer also
// announces itself by SSDP; the console runs a vendor's VNC without a password and RDP.
// The printer and the UPS run SNMP agents (v2c, community `public`; the UPS also answers a v3
// poll) that name their make in sysDescr/sysObjectID; the UPS sends a v1 trap when it goes on
// battery. A workstation (`LanVisitor`) browses the shares, opens the remote sessions and, as the
// ward's NMS, polls the agents' system group.
import { browserAnnouncement, nbnsRegistration } from '../../decode/netbios/encode.js';
import {
  rdpConnectionConfirm,
  rdpConnectionRequest,
  rfbVersionLine,
  vncSecurityTypes,
} from '../../decode/remote-encode.js';
import {
  nbss,
  ntlmAuthenticate,
  ntlmChallenge,
  ntlmNegotiate,
  type OsVersion,
  smb1NegotiateRequest,
  smb1NegotiateResponse,
  smb2NegotiateRequest,
  smb2NegotiateResponse,
  smb2SessionSetupRequest,
  smb2SessionSetupResponse,
  spnego,
} from '../../decode/smb/encode.js';
import { ascii } from '../../decode/bytes.js';
import { pduOf, snmpCommunity, snmpV3, v1Trap, varbind } from '../../decode/snmp/encode.js';
import { SYS_DESCR, SYS_NAME, SYS_OBJECT_ID } from '../../decode/snmp/snmp.js';
import { type Host, ip4, ip4Text } from '../wire.js';
import type { Actor, Device, Ward } from './net.js';

export interface LanProfile {
  /** NetBIOS name (≤ 15 characters). */
  readonly name: string;
  readonly workgroup: string;
  readonly comment: string;
  /** Browser announcement SV_TYPE_* bits. */
  readonly serverType: number;
  readonly os: OsVersion;
  readonly smb: 'smb1' | 'smb2';
  readonly dnsName?: string;
  readonly ssdp?: { readonly server: string; readonly nt: string };
  readonly vnc?: boolean;
  readonly rdp?: boolean;
  readonly snmp?: SnmpAgentProfile;
}

export interface SnmpAgentProfile {
  readonly sysDescr: string;
  readonly sysObjectId: string;
  /** Also polled over SNMPv3 (noAuthNoPriv) as this USM user. */
  readonly v3User?: string;
  /** A v1 enterprise-specific trap sent to the NMS `afterUs` after start (RFC 1157 §4.1.6). */
  readonly trap?: {
    readonly enterprise: string;
    readonly specific: number;
    readonly afterUs: number;
    readonly binds: readonly (readonly [string, string])[];
  };
}

const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const SSDP_MAC = new Uint8Array([0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa]);
const ANNOUNCE_EVERY_US = 720e6; // [MS-BRWS]: every 12 minutes once settled

export class LanServer implements Actor {
  constructor(
    private readonly ward: Ward,
    readonly dev: Device,
    readonly profile: LanProfile,
    /** Where traps go (the NMS). */
    private readonly nms?: Device,
  ) {}

  start(t: number): void {
    t = this.ward.arpGateway(t, this.dev);
    const trap = this.profile.snmp?.trap;
    if (trap !== undefined && this.nms !== undefined) {
      const nms = this.nms.host;
      const body = v1Trap(
        trap.enterprise,
        [...ip4Text(this.dev.host.ip).split('.').map(Number)],
        6,
        trap.specific,
        trap.binds.map(([o, v]) => varbind(o, { str: v })),
      );
      const port = this.dev.rng.int(1024, 65535);
      this.ward.sim.at(t + trap.afterUs, (n) =>
        this.ward.sim.emit(n, this.ward.sim.fb.udp(this.dev.host, nms, port, 162, snmpCommunity(0, 'public', body))),
      );
    }
    const p = this.profile;
    const sim = this.ward.sim;
    const fb = sim.fb;
    const bcast: Host = { name: 'broadcast', mac: BROADCAST, ip: ip4(`${this.ward.prefix}.255`) };
    const ip = ip4Text(this.dev.host.ip);
    const names: [string, number, boolean][] = [
      [p.name, 0x00, false],
      [p.name, 0x20, false],
      [p.workgroup, 0x00, true],
    ];
    names.forEach(([n, s, g], i) => {
      sim.emit(
        t + i * 1_000,
        fb.udp(this.dev.host, bcast, 137, 137, nbnsRegistration(this.dev.rng.int(1, 0xffff), n, s, g, ip)),
      );
    });
    const announce = (n: number): void => {
      const a = browserAnnouncement(
        {
          server: p.name,
          workgroup: p.workgroup,
          osMajor: p.os.major,
          osMinor: p.os.minor,
          serverType: p.serverType,
          comment: p.comment,
          sourceIp: ip,
        },
        this.dev.rng.int(1, 0xffff),
      );
      sim.emit(n, fb.udp(this.dev.host, bcast, 138, 138, a));
      sim.at(n + ANNOUNCE_EVERY_US, announce);
    };
    sim.at(t + 5_000, announce);
    if (p.ssdp !== undefined) {
      const group: Host = { name: 'ssdp', mac: SSDP_MAC, ip: ip4('239.255.255.250') };
      const notify = ascii(
        `NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://${ip}:80/description.xml\r\nNT: ${p.ssdp.nt}\r\nNTS: ssdp:alive\r\nSERVER: ${p.ssdp.server}\r\nUSN: uuid:00000000-0000-4000-8000-${this.dev.host.ip.toString(16).padStart(12, '0')}::${p.ssdp.nt}\r\n\r\n`,
      );
      sim.emit(t + 8_000, fb.udp(this.dev.host, group, 1900, 1900, notify, { ttl: 4 }));
    }
  }
}

/** A workstation that opens each server's share, and the console's remote sessions, every `everyUs`. */
export class LanVisitor implements Actor {
  constructor(
    private readonly ward: Ward,
    readonly dev: Device,
    private readonly servers: readonly LanServer[],
    private readonly everyUs = 300e6,
  ) {}

  start(t: number): void {
    this.ward.sim.at(t + 10e6, (n) => this.visit(n));
  }

  private visit(now: number): void {
    let t = now;
    for (const s of this.servers) {
      t = this.smb(t, s) + 50_000;
      if (s.profile.vnc) t = this.vnc(t, s) + 50_000;
      if (s.profile.rdp) t = this.rdp(t, s) + 50_000;
      if (s.profile.snmp) t = this.snmp(t, s) + 50_000;
    }
    this.ward.sim.at(now + this.everyUs, (n) => this.visit(n));
  }

  private smb(t: number, s: LanServer): number {
    const rng = this.dev.rng;
    const p = s.profile;
    const c = this.ward.tcp(this.dev, s.dev.host, 445);
    t = c.connect(t);
    const guid = rng.bytes(16);
    const win: OsVersion = { major: 10, minor: 0, build: 19045 };
    if (p.smb === 'smb1') {
      // The client offers SMB1 and SMB2; the old server can only answer in SMB1.
      t = c.exchange(
        t,
        true,
        nbss(smb1NegotiateRequest(['NT LM 0.12', 'SMB 2.002', 'SMB 2.???'])),
        nbss(smb1NegotiateResponse(0, p.workgroup, p.name, rng.bytes(8))),
        800,
      );
      return c.close(t + 500);
    }
    t = c.exchange(
      t,
      true,
      nbss(smb2NegotiateRequest(['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'], guid)),
      nbss(smb2NegotiateResponse('3.1.1', rng.bytes(16), true, spnego(new Uint8Array(0), true))),
      600,
    );
    const target = { nbComputer: p.name, nbDomain: p.workgroup, dnsComputer: p.dnsName, dnsDomain: this.ward.domain };
    t = c.exchange(
      t,
      true,
      nbss(smb2SessionSetupRequest(spnego(ntlmNegotiate(win), true), 1)),
      nbss(smb2SessionSetupResponse(spnego(ntlmChallenge(target, p.os, rng.bytes(8)), false), 1, 0xc0000016)),
      900,
    );
    const ws = this.dev.dhcp?.hostname ?? 'WORKSTATION';
    t = c.exchange(
      t,
      true,
      nbss(smb2SessionSetupRequest(spnego(ntlmAuthenticate(p.workgroup, ws, win), false), 2)),
      nbss(smb2SessionSetupResponse(new Uint8Array(0), 2, 0)),
      1_500,
    );
    return c.close(t + 500);
  }

  /** GetRequest for the system group (v2c, community `public`; v3 too when the agent has a user), and the agent's Response. */
  private snmp(t: number, s: LanServer): number {
    const a = s.profile.snmp!;
    const sim = this.ward.sim;
    const rng = this.dev.rng;
    const asked = [SYS_DESCR, SYS_OBJECT_ID, SYS_NAME].map((o) => varbind(o, null));
    const answer = [
      varbind(SYS_DESCR, { str: a.sysDescr }),
      varbind(SYS_OBJECT_ID, { oid: a.sysObjectId }),
      varbind(SYS_NAME, { str: s.profile.name }),
    ];
    const polls: ((pdu: Uint8Array) => Uint8Array)[] = [(pdu) => snmpCommunity(1, 'public', pdu)];
    if (a.v3User !== undefined) polls.push((pdu) => snmpV3(a.v3User!, pdu));
    for (const wrap of polls) {
      const port = rng.int(49152, 65535);
      const id = rng.int(1, 0x7fffffff);
      sim.emit(t, sim.fb.udp(this.dev.host, s.dev.host, port, 161, wrap(pduOf(0xa0, id, asked))));
      t += rng.int(800, 3_000);
      sim.emit(t, sim.fb.udp(s.dev.host, this.dev.host, 161, port, wrap(pduOf(0xa2, id, answer))));
      t += 20_000;
    }
    return t;
  }

  private vnc(t: number, s: LanServer): number {
    const c = this.ward.tcp(this.dev, s.dev.host, 5900);
    t = c.connect(t);
    t = c.send(t, false, rfbVersionLine(3, 8));
    t = c.send(t + 300, true, rfbVersionLine(3, 8));
    t = c.send(t + 300, false, vncSecurityTypes([1]));
    // The client takes None; SecurityResult OK (RFC 6143 §7.1.3), then ClientInit (shared).
    t = c.exchange(t + 200, true, Uint8Array.of(1), Uint8Array.of(0, 0, 0, 0), 300);
    t = c.send(t + 200, true, Uint8Array.of(1));
    return c.close(t + 2_000);
  }

  private rdp(t: number, s: LanServer): number {
    const c = this.ward.tcp(this.dev, s.dev.host, 3389);
    t = c.connect(t);
    t = c.exchange(t, true, rdpConnectionRequest('biomed', ['tls', 'credssp']), rdpConnectionConfirm('credssp'), 1_000);
    return c.close(t + 2_000);
  }
}
