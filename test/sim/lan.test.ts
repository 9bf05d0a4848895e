// The ward-infra scenario through the whole analyser: the printer, the UPS and the imaging
// console have no DHCP host name, and are named by what they say on the LAN (NetBIOS, SMB),
// their remote-access services are in their records, and SMBv1 / VNC without a password raise
// service.insecure. tshark reads the same names from the same capture.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, DeviceRecord, SummaryRecord } from '../../src/contract/records.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { writeScenario } from '../../src/sim/scenarios.js';
import { HAVE_TSHARK, tshark } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-sim-lan-'));
const file = join(dir, 'ward-infra.pcap');
let out: { alerts: AlertRecord[]; devices: DeviceRecord[]; summary: SummaryRecord };

beforeAll(async () => {
  await writeScenario('ward-infra', { durationSec: 60, seed: 3, out: file });
  out = (await analyzeCaptures([file])) as typeof out;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const byIp = (ip: string) => out.devices.find((d) => d.ips.includes(ip))!;

describe('ward-infra: devices named by their LAN names', () => {
  it('printer, UPS and imaging console: host name, workgroup, OS, software and services from NetBIOS/SMB/SSDP', () => {
    const printer = byIp('10.40.12.60');
    expect(printer.hostname).toBe('PRINTER-01');
    expect(printer.lan).toMatchObject({
      names: ['PRINTER-01'],
      workgroups: ['WARD'],
      smbDialects: ['3.1.1'],
    });
    expect(printer.lan!.software).toContain('Linux/4.14 UPnP/1.0 LaserWard/4100');
    expect(printer.lan!.services).toEqual(
      expect.arrayContaining(['print-server', 'urn:schemas-upnp-org:device:Printer:1']),
    );
    const ups = byIp('10.40.12.61');
    expect(ups.hostname).toBe('UPS-ICU');
    expect(ups.lan).toMatchObject({
      names: ['UPS-ICU'],
      workgroups: ['WARD'],
      smbDialects: ['NT LM 0.12'],
      smb1: true,
    });
    expect(ups.lan!.software).toEqual(['PowerWard 3000 UPS network card']);
    const img = byIp('10.40.12.62');
    expect(img.hostname).toBe('IMG-CONSOLE-1');
    expect(img.lan).toMatchObject({
      names: ['IMG-CONSOLE-1', 'img-console-1.ward.example'],
      workgroups: ['RADIOLOGY'],
    });
    expect(img.lan!.os).toContain('NTLM version 10.0.19044');
  });

  it('remote access: the console offers VNC (no password) and RDP, the workstation uses them', () => {
    const img = byIp('10.40.12.62');
    expect(img.remoteAccess).toEqual([
      {
        service: 'vnc',
        role: 'server',
        port: 5900,
        security: ['none'],
        unauthenticated: true,
        version: '3.8',
        peers: 1,
      },
      { service: 'rdp', role: 'server', port: 3389, security: ['credssp'], unauthenticated: false, peers: 1 },
    ]);
    const ws = out.devices.find((d) => d.hostname === 'NURSE-PC-1')!;
    expect(ws.remoteAccess?.map((r) => `${r.service}/${r.role}`)).toEqual(['vnc/client', 'rdp/client']);
    expect(ws.lan?.names).toEqual(['NURSE-PC-1']); // its NTLM AUTHENTICATE workstation, never a user name
    expect(JSON.stringify(out.devices)).not.toContain('biomed'); // the RDP cookie's user hint
  });

  it('service.insecure: the UPS speaks SMBv1, the console lets VNC in without a password (new evidence fields only)', () => {
    const insecure = out.alerts.filter((a) => a.rule === 'service.insecure');
    const smb1 = insecure.find((a) => a.evidence.service === 'smbv1')!;
    expect(smb1).toMatchObject({
      dst: { ip: '10.40.12.61', port: 445 },
      evidence: { smb1: 'used', role: 'server', dialects: ['NT LM 0.12'] },
    });
    const vnc = insecure.find((a) => a.evidence.service === 'vnc')!;
    expect(vnc).toMatchObject({
      dst: { ip: '10.40.12.62', port: 5900 },
      evidence: { unauthenticated: true, security: ['none'] },
    });
    // The printer and console negotiate SMB 3.1.1: no SMBv1 alert for them.
    expect(insecure.filter((a) => a.evidence.service === 'smbv1').map((a) => a.dst.ip)).toEqual(['10.40.12.61']);
  });

  it('SNMP: the printer, UPS and console are classed and the printer/UPS modelled from their agents; the trap is counted', () => {
    const printer = byIp('10.40.12.60');
    expect(printer).toMatchObject({ class: 'printer', vendor: 'HP', model: 'HP printer (JetDirect)' });
    expect(printer.identifiedBy).toEqual(['snmp-sysobjectid', 'snmp-sysdescr']);
    expect(printer.reasons).toEqual(
      expect.arrayContaining([
        "SNMP sysObjectID 1.3.6.1.4.1.11.2.3.9.1 is under HP's JetDirect peripheral arc",
        'announces urn:schemas-upnp-org:device:Printer:1',
      ]),
    );
    expect(printer.identities?.snmp).toMatchObject({
      sysName: 'PRINTER-01',
      sysObjectId: '1.3.6.1.4.1.11.2.3.9.1',
      communities: ['public'],
    });
    expect(printer.identities!.snmp!.sysDescr).toMatch(/^HP ETHERNET MULTI-ENVIRONMENT,.*JETDIRECT/);
    const ups = byIp('10.40.12.61');
    expect(ups).toMatchObject({
      class: 'ups',
      vendor: 'APC (Schneider Electric)',
      model: 'APC UPS Network Management Card',
      hostname: 'UPS-ICU',
      identities: {
        snmp: {
          sysName: 'UPS-ICU',
          sysObjectId: '1.3.6.1.4.1.318.1.3.27',
          communities: ['public'],
          traps: 1,
          trapOids: ['1.3.6.1.4.1.318.0.5'],
        },
      },
    });
    expect(ups.reasons).toContain('sends UPS traps: upsOnBattery (1.3.6.1.4.1.318.0.5)');
    const img = byIp('10.40.12.62');
    expect(img.class).toBe('imaging-modality');
    expect(img.reasons![0]).toMatch(/^the names it gives itself on the LAN \(IMG-CONSOLE-1, .*workgroup RADIOLOGY/);
    expect(img.identities?.snmp?.sysDescr).toContain('Windows Version 6.3 (Build 19044');
    // No vendor is invented for the console: its MAC is locally administered and no catalog model matched.
    expect(img.vendor).toBeUndefined();
    // The NMS (the workstation) asks; it is no agent, so no SNMP system group lands on it.
    expect(out.devices.find((d) => d.hostname === 'NURSE-PC-1')!.identities?.snmp).toBeUndefined();
  });

  it('service.insecure: v1/v2c community in clear, its class only (never the string); none for the v3 poll', () => {
    const snmp = out.alerts.filter((a) => a.rule === 'service.insecure' && a.evidence.service === 'snmp');
    const nms = out.devices.find((d) => d.hostname === 'NURSE-PC-1')!.ips[0];
    expect(snmp.map((a) => `${a.dst.ip}:${a.dst.port} ${a.evidence.snmpVersion}`).sort()).toEqual(
      [
        '10.40.12.60:161 v2c',
        '10.40.12.61:161 v2c', // the UPS's v3 poll raises nothing: no community in it
        '10.40.12.62:161 v2c',
        `${nms}:162 v1`, // the UPS's trap to the NMS
      ].sort(),
    );
    for (const a of snmp) expect(a.evidence).toMatchObject({ community: 'public', communityInClear: true });
  });

  it('summary.apps counts the new protocols', () => {
    expect(out.summary.apps).toMatchObject({
      smb: expect.any(Number),
      'netbios-ns': 9,
      'netbios-dgm': 3,
      ssdp: 1,
      vnc: 1,
      rdp: 1,
      snmp: expect.any(Number),
    });
    expect(out.summary.anomalies).toEqual({});
  });

  it.runIf(HAVE_TSHARK || process.env.CI === 'true')(
    'tshark reads the same sysObjectIDs from the agents and the same trap (enterprise, specific) from the UPS',
    () => {
      const rows = tshark(file, [
        '-Y',
        'snmp.get_response_element || snmp.trap_element',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'snmp.value.oid',
        '-e',
        'snmp.enterprise',
        '-e',
        'snmp.specific_trap',
      ]);
      const responses = rows.map((l) => l.split('\t')).filter((c) => c[1] !== '');
      expect(responses.length).toBe(4); // three v2c answers and the UPS's v3 one
      for (const [ip, oid] of responses) expect(byIp(ip!).identities?.snmp?.sysObjectId).toBe(oid);
      const traps = rows.map((l) => l.split('\t')).filter((c) => c[2] !== '');
      expect(traps).toEqual([['10.40.12.61', '', '1.3.6.1.4.1.318', '5']]);
      expect(byIp('10.40.12.61').identities?.snmp?.trapOids).toEqual([`${traps[0]![2]}.0.${traps[0]![3]}`]);
    },
  );

  it.runIf(HAVE_TSHARK || process.env.CI === 'true')(
    'tshark sees the same NetBIOS names and NTLM computer names',
    () => {
      const nb = tshark(file, ['-Y', 'nbns.flags.opcode == 5', '-T', 'fields', '-e', 'ip.src', '-e', 'nbns.name']);
      const claimed = new Map<string, Set<string>>();
      for (const l of nb) {
        const [ip, name] = l.split('\t');
        const n = name!.split('<')[0]!;
        if (!claimed.has(ip!)) claimed.set(ip!, new Set());
        claimed.get(ip!)!.add(n);
      }
      for (const [ip, names] of claimed) {
        const d = byIp(ip);
        // Unique names are the host's own, the group one its workgroup (NTLM adds the DNS name).
        const ours = [...(d.lan?.names ?? []), ...(d.lan?.workgroups ?? [])].filter((n) => !n.includes('.'));
        expect(new Set(ours)).toEqual(names);
      }
      const ntlm = tshark(file, [
        '-Y',
        'ntlmssp.messagetype == 2',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'ntlmssp.challenge.target_info.nb_computer_name',
      ]);
      expect(ntlm.length).toBe(2);
      for (const l of ntlm) {
        const [ip, name] = l.split('\t');
        expect(byIp(ip!).lan?.names).toContain(name);
      }
    },
  );
});
