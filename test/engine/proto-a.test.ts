// Issue 19 (first half) end to end: one small ward capture built with our writers — a UPS
// answering SNMP with the default community, a monitor asking an outside NTP server, logging HL7
// to an outside syslog collector and pulling firmware over TFTP — through the engine, inventory
// and detector: identities on the device records, the catalog naming the UPS by sysObjectID,
// and the alerts with their new evidence (never the community string or the patient's data).
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/contract/catalog.js';
import { DeviceRecord } from '../../src/contract/records.js';
import { loadCatalog } from '../../src/config/catalog.js';
import { encodeNtp } from '../../src/decode/ntp/encode.js';
import { pduOf, snmpCommunity, varbind } from '../../src/decode/snmp/encode.js';
import { SYS_DESCR, SYS_NAME, SYS_OBJECT_ID } from '../../src/decode/snmp/snmp.js';
import { syslog3164 } from '../../src/decode/syslog/encode.js';
import { tftpAck, tftpData, tftpRequest } from '../../src/decode/tftp/encode.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { host } from '../../src/sim/wire.js';
import { DEV, engineEvents, OUT, SRV, tempPcap, udpPcap } from '../helpers/proto-pcap.js';

const UPS = host('ups', '02:00:00:00:00:44', '10.40.12.60');
const UPS_OID = '1.3.6.1.4.1.534.1';
const SALT = '00112233445566778899aabbccddeeff';

const ward = tempPcap(
  udpPcap([
    {
      from: SRV,
      to: UPS,
      sport: 50000,
      dport: 161,
      payload: snmpCommunity(1, 'public', pduOf(0xa0, 1, [varbind(SYS_NAME, null)])),
    },
    {
      from: UPS,
      to: SRV,
      sport: 161,
      dport: 50000,
      payload: snmpCommunity(
        1,
        'public',
        pduOf(0xa2, 1, [
          varbind(SYS_DESCR, { str: 'Eaton 9PX UPS' }),
          varbind(SYS_OBJECT_ID, { oid: UPS_OID }),
          varbind(SYS_NAME, { str: 'ups-ward3' }),
        ]),
      ),
    },
    { from: DEV, to: OUT, sport: 123, dport: 123, payload: encodeNtp({ mode: 3 }) },
    {
      from: OUT,
      to: DEV,
      sport: 123,
      dport: 123,
      payload: encodeNtp({ mode: 4, stratum: 1, refId: Uint8Array.of(0x47, 0x50, 0x53, 0) }),
    },
    {
      from: DEV,
      to: OUT,
      sport: 41000,
      dport: 514,
      payload: syslog3164({
        facility: 16,
        severity: 6,
        hostname: 'mon-7',
        appName: 'hl7log',
        msg: 'MSH|^~\\&|MON|W3|||20261202||ADT^A01|9|P|2.5\rPID|1||MRN7^^^H||Fictional^Carol',
      }),
    },
    { from: DEV, to: SRV, sport: 42000, dport: 69, payload: tftpRequest(1, 'fw/monitor-2.1.bin') },
    { from: SRV, to: DEV, sport: 33333, dport: 42000, payload: tftpData(1, new Uint8Array(512)) },
    { from: DEV, to: SRV, sport: 42000, dport: 33333, payload: tftpAck(1) },
  ]),
);
afterAll(() => ward.done());

describe('issue 19 protocols on a small ward', () => {
  it('the TFTP transfer flow is named and tied to its request flow', async () => {
    const { events } = await engineEvents(ward.path);
    const ends = events.filter((e) => e.type === 'flow-end');
    const req = ends.find((e) => e.dst.port === 69)!;
    const xfer = ends.find((e) => e.src.port === 33333)!;
    expect(req.app).toBe('tftp');
    expect(xfer).toMatchObject({ app: 'tftp', appBy: 'content', controlFlowId: req.flowId });
    expect(events.filter((e) => e.type === 'file-transfer').map((e) => e.fileName)).toEqual(['fw/monitor-2.1.bin']);
  });

  it('device records carry SNMP, NTP, syslog and file identities; a catalog sysObjectID hint names the UPS', async () => {
    const base = loadCatalog();
    const catalog: Catalog = {
      ...base,
      models: [
        ...base.models,
        {
          id: 'eaton-9px',
          vendor: 'Eaton',
          name: 'Eaton 9PX',
          class: 'network-infrastructure',
          hints: { snmpSysObjectId: ['1\\.3\\.6\\.1\\.4\\.1\\.534\\..*'] },
          advisories: [],
        },
      ],
    };
    const inv = new Inventory({ catalog });
    for (const ev of (await engineEvents(ward.path)).events) inv.onEvent(ev);
    const ups = inv.device('02:00:00:00:00:44')!;
    expect(DeviceRecord.safeParse(ups).success).toBe(true);
    expect(ups.identities?.snmp).toEqual({
      sysName: 'ups-ward3',
      sysDescr: 'Eaton 9PX UPS',
      sysObjectId: UPS_OID,
      communities: ['public'],
    });
    expect(ups.model).toBe('Eaton 9PX');
    expect(ups.identifiedBy).toEqual(['snmp-sysobjectid']);
    const mon = inv.device('02:00:00:00:00:11')!;
    expect(mon.identities).toEqual({
      ntp: { timeSources: ['203.0.113.50'] },
      syslog: { apps: ['hl7log'], collectors: ['203.0.113.50'], hostname: 'mon-7' },
      files: ['tftp:read:fw/monitor-2.1.bin'],
    });
  });

  it('alerts: SNMP community class, syslog and HL7 to outside, NTP evidence on egress.no-dns — no secrets', async () => {
    const r = await analyzeCaptures([ward.path], { salt: SALT });
    const by = (rule: string) => r.alerts.filter((a) => a.rule === rule);
    const snmp = by('service.insecure').find((a) => a.evidence.service === 'snmp')!;
    expect(snmp).toMatchObject({
      device: { id: '02:00:00:00:00:44' },
      evidence: { community: 'public', communityInClear: true, snmpVersion: 'v2c', role: 'server' },
    });
    const sys = by('service.insecure').find((a) => a.evidence.service === 'syslog')!;
    expect(sys).toMatchObject({ dst: { ip: '203.0.113.50', port: 514 }, evidence: { outside: true, role: 'client' } });
    expect(by('phi.cleartext')).toHaveLength(1);
    expect(by('phi.cleartext')[0]).toMatchObject({ dst: { ip: '203.0.113.50', port: 514 }, evidence: { patients: 1 } });
    const ntp = by('egress.no-dns').find((a) => a.dst.port === 123)!;
    expect(ntp.evidence).toMatchObject({
      service: 'ntp',
      ntpServer: { stratum: 1, refId: 'GPS', version: 4, answered: true },
    });
    expect(r.summary.apps).toMatchObject({ snmp: 2, ntp: 2, syslog: 1, hl7: 1, tftp: 2 });
    const text = JSON.stringify([r.alerts, r.devices, r.summary]);
    for (const secret of ['Fictional', 'Carol', 'MRN7']) expect(text).not.toContain(secret);
  });
});
