// `wardwatch inventory`: the table and JSON renderings, over synthetic events and over a shared capture.
import { describe, expect, it } from 'vitest';
import { inventoryJson, inventoryTable } from '../../src/cli/inventory.js';
import { DeviceRecord } from '../../src/contract/records.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { loadCatalog } from '../../src/config/catalog.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { capture } from '../helpers/paths.js';
import { dhcp, ep, feed, flow, hl7, VITALS } from './events.js';

function ward(): Inventory {
  const inv = new Inventory({ catalog: loadCatalog() });
  const mon = ep('10.20.0.11', 40001, '00:08:33:00:00:11');
  const cs = ep('10.20.0.2', 2575, '00:08:33:00:00:02');
  const f = flow(mon, cs);
  feed(inv, [
    dhcp(
      'DISCOVER',
      '00:08:33:00:00:11',
      ep('0.0.0.0', 68, '00:08:33:00:00:11'),
      ep('255.255.255.255', 67, 'ff:ff:ff:ff:ff:ff'),
      {
        hostname: 'MN-120',
        paramList: [1, 3, 6],
      },
    ),
    f.start,
    hl7(f.flowId, mon, cs, 'ORU^R01', { sendingApp: 'CMS8000', observations: VITALS }),
    hl7(f.flowId, mon, cs, 'ACK^R01', { sendingApp: 'CENTRAL', ackCode: 'AA' }),
    f.end,
  ]);
  return inv;
}

describe('inventory output', () => {
  it('table: one row per device with class, confidence, model, advisories and the reason; advisories spelled out', () => {
    const inv = ward();
    const text = inventoryTable(inv.records());
    const lines = text.split('\n');
    expect(lines[0]).toBe('Devices (2)');
    expect(lines[1]).toMatch(/^Device\s+IPs\s+Class\s+Conf\s+Model \/ vendor\s+Advisories\s+Why$/);
    const cs = lines.find((l) => l.startsWith('00:08:33:00:00:02'))!;
    expect(cs).toMatch(/10\.20\.0\.2\s+central-station\s+0\.\d\d\s+receives HL7 observation results/);
    const mon = lines.find((l) => l.startsWith('00:08:33:00:00:11'))!;
    // MSH-3 (0.9) outweighs the host name (0.8): the CMS8000 entry wins over its MN-120 relabel.
    expect(mon).toMatch(
      /patient-monitor\s+0\.9\d\s+Contec CMS8000\s+ICSMA-25-030-01 ICSMA-24-352-01\s+HL7 sending application/,
    );
    expect(text).toContain(
      '  ICSMA-25-030-01  Contec Health CMS8000 Patient Monitor (backdoor and patient data leakage)',
    );
    expect(text).toContain('    CVEs: CVE-2025-0626, CVE-2025-0683');
    expect(text).toContain('    https://www.cisa.gov/news-events/ics-medical-advisories/icsma-24-352-01');
    expect(text).toContain('    devices: 00:08:33:00:00:11 (Contec CMS8000)');
  });

  it('json: contract device records plus the evidence behind each', () => {
    const inv = ward();
    const out = JSON.parse(JSON.stringify(inventoryJson(inv.records(), inv)));
    expect(out.devices).toHaveLength(2);
    for (const d of out.devices) expect(DeviceRecord.parse(d)).toEqual(d);
    const mon = out.details['00:08:33:00:00:11'];
    expect(mon.dhcp).toEqual({ hostname: 'MN-120', fingerprint: '1,3,6' });
    expect(mon.hl7.sendingApps).toEqual(['CMS8000']);
    expect(mon.hl7.sent).toEqual({ 'ORU^R01': 1 });
    expect(mon.record).toBeUndefined(); // the record is in `devices`, not repeated
    expect(out.details['00:08:33:00:00:02'].services).toEqual({ 'tcp/2575': 1 });
  });

  it('runs over a shared capture: the DHCP server is infrastructure, the client has its leased address and vendor', async () => {
    const result = await analyzeCaptures([
      capture('dhcp-dhcp.pcap'),
      capture('dhcp-dhcp_discover_param_req_and_client_id.pcap'),
    ]);
    const byId = new Map(result.devices.map((d) => [d.id, d]));
    expect(byId.get('00:0c:29:40:0e:ef')).toMatchObject({ class: 'network-infrastructure', ips: ['128.2.6.152'] });
    expect(byId.get('90:b1:1c:99:49:29')).toMatchObject({ ips: ['128.2.6.189'], hostname: 'btest.is.cool' });
    expect(byId.get('00:0b:82:01:fc:42')).toMatchObject({ vendor: 'Grandstream Networks, Inc.', hostname: 'test0000' });
    const detail = result.inventory.details('00:0b:82:01:fc:42')!;
    expect(detail.dhcp?.fingerprint).toMatch(/^\d+(,\d+)+$/);
    expect(inventoryTable(result.devices)).toContain('Grandstream Networks, Inc.');
  });
});
