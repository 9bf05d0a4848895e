// Identification from each catalog hint alone. MACs under 00:08:33 are unregistered in oui-data
// (so no vendor interferes); addresses and names are fictional.
import { describe, expect, it } from 'vitest';
import { DeviceRecord } from '../../src/contract/records.js';
import { type Catalog, loadCatalog } from '../../src/config/catalog.js';
import { identify } from '../../src/inventory/identify.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { dhcp, ep, feed, flow, hl7, VITALS } from './events.js';

const catalog = loadCatalog();
const BCAST = ep('255.255.255.255', 67, 'ff:ff:ff:ff:ff:ff');

function only(inv: Inventory, id: string): DeviceRecord {
  const rec = inv.device(id);
  expect(rec, id).toBeDefined();
  expect(DeviceRecord.safeParse(rec).success).toBe(true);
  return rec!;
}

describe('CMS8000 is identified from each hint alone', () => {
  const expectCms = (rec: DeviceRecord, by: string) => {
    expect(rec.model).toBe('Contec CMS8000');
    expect(rec.identifiedBy).toEqual([by]);
    expect(rec.class).toBe('patient-monitor');
    expect(rec.advisories.map((a) => a.id)).toEqual(['ICSMA-25-030-01', 'ICSMA-24-352-01']);
    expect(rec.advisories.flatMap((a) => a.cves)).toEqual(['CVE-2025-0626', 'CVE-2025-0683', 'CVE-2024-12248']);
  };

  it('HL7 MSH-3', () => {
    const inv = new Inventory({ catalog });
    const mon = ep('10.20.0.11', 40001, '00:08:33:00:00:11');
    const cs = ep('10.20.0.2', 2575, '00:08:33:00:00:02');
    const f = flow(mon, cs);
    // An ADT message: identification must come from the sending application, not from ORU behaviour.
    feed(inv, [f.start, hl7(f.flowId, mon, cs, 'ADT^A01', { sendingApp: 'CMS8000' }), f.end]);
    const rec = only(inv, '00:08:33:00:00:11');
    expectCms(rec, 'hl7-msh3');
    expect(rec.reasons![0]).toBe("HL7 sending application (MSH-3) 'CMS8000' matches Contec CMS8000");
    expect(rec.confidence).toBeGreaterThanOrEqual(0.85);
  });

  it('DHCP host name', () => {
    const inv = new Inventory({ catalog });
    const mac = '00:08:33:00:00:12';
    feed(inv, [
      dhcp('DISCOVER', mac, ep('0.0.0.0', 68, mac), BCAST, { hostname: 'CMS8000-BED12', paramList: [1, 3, 6, 15] }),
    ]);
    const rec = only(inv, mac);
    expectCms(rec, 'dhcp-hostname');
    expect(rec.hostname).toBe('CMS8000-BED12');
    expect(rec.reasons![0]).toContain("DHCP host name 'CMS8000-BED12'");
    expect(inv.details(mac)!.dhcp!.fingerprint).toBe('1,3,6,15');
  });

  it('DHCP vendor class', () => {
    const inv = new Inventory({ catalog });
    const mac = '00:08:33:00:00:13';
    feed(inv, [dhcp('REQUEST', mac, ep('0.0.0.0', 68, mac), BCAST, { vendorClass: 'Contec CMS8000' })]);
    const rec = only(inv, mac);
    expectCms(rec, 'dhcp-vendor-class');
    expect(rec.vendorClass).toBe('Contec CMS8000');
  });

  it('OUI prefix, once the site adds the prefix its units show', () => {
    // No IEEE registration of Contec Medical Systems exists in oui-data, so the prefix comes from the site.
    const site: Catalog = {
      ...catalog,
      models: catalog.models.map((m) =>
        m.id === 'contec-cms8000' ? { ...m, hints: { ...m.hints, ouiPrefix: ['00:08:33'] } } : m,
      ),
    };
    const inv = new Inventory({ catalog: site });
    feed(inv, [
      { type: 'device-seen', ts: 1_700_000_000_000_000, mac: '00:08:33:00:00:14', ip: '10.20.0.14', via: 'arp' },
    ]);
    const rec = only(inv, '00:08:33:00:00:14');
    expectCms(rec, 'oui');
    expect(rec.ips).toEqual(['10.20.0.14']);
    expect(rec.reasons![0]).toContain('MAC prefix 00:08:33');
  });

  it('OUI vendor name: the shipped pattern applies to a Contec Medical registration, not to other Contecs', () => {
    const base = { hl7Apps: [], dicomAes: [] };
    const hit = identify(catalog, { ...base, macHex: '001122334455', vendor: 'Contec Medical Systems Co., Ltd.' });
    expect(hit?.model.id).toBe('contec-cms8000');
    expect(hit?.identifiedBy).toEqual(['oui']);
    // 00:80:4C "CONTEC CO., LTD." is a Japanese industrial-computer maker: no match.
    expect(identify(catalog, { ...base, macHex: '00804C000001', vendor: 'CONTEC CO., LTD.' })).toBeUndefined();
    expect(identify(catalog, { ...base, macHex: '70B3D5363001', vendor: 'Contec Americas Inc.' })).toBeUndefined();
  });
});

describe('other catalog models', () => {
  it('Epsimed MN-120 by DHCP host name, as a relabelled CMS8000 with ICSMA-25-030-01', () => {
    const inv = new Inventory({ catalog });
    const mac = '00:08:33:00:00:20';
    feed(inv, [dhcp('DISCOVER', mac, ep('0.0.0.0', 68, mac), BCAST, { hostname: 'MN-120' })]);
    const rec = only(inv, mac);
    expect(rec.model).toBe('Epsimed MN-120');
    expect(rec.advisories.map((a) => a.id)).toEqual(['ICSMA-25-030-01']);
    expect(rec.reasons).toContain('Epsimed MN-120 is a relabelled Contec CMS8000');
  });

  it('Philips IntelliVue from the registry OUI alone, with the vendor named', () => {
    const inv = new Inventory({ catalog });
    feed(inv, [
      { type: 'device-seen', ts: 1_700_000_000_000_000, mac: '00:09:5c:00:00:01', ip: '10.20.0.30', via: 'ip' },
    ]);
    const rec = only(inv, '00:09:5c:00:00:01');
    expect(rec.model).toBe('Philips IntelliVue');
    expect(rec.vendor).toMatch(/^Philips Medical Systems - Cardiac and Monitoring/);
    expect(rec.identifiedBy).toEqual(['oui']);
    expect(rec.confidence).toBeLessThan(0.7); // a vendor, not a product
    expect(rec.advisories).toEqual([]);
  });

  it('drops an OUI-only model guess that behaviour contradicts', () => {
    // 00:0F:14 is registered to Mindray (a monitor family in the catalog); this one reports an infusion.
    const inv = new Inventory({ catalog });
    const pump = ep('10.20.0.40', 40100, '00:0f:14:00:00:40');
    const cs = ep('10.20.0.2', 2575, '00:08:33:00:00:02');
    const f = flow(pump, cs);
    const obs = [{ code: '157784', text: 'MDC_FLOW_FLUID_PUMP', value: '25', unit: '265266' }];
    feed(inv, [f.start, hl7(f.flowId, pump, cs, 'ORU^R01', { sendingApp: 'PUMPGW', observations: obs }), f.end]);
    const rec = only(inv, '00:0f:14:00:00:40');
    expect(rec.vendor).toBe('Mindray Co., Ltd.');
    expect(rec.class).toBe('infusion-pump');
    expect(rec.model).toBeUndefined();
    expect(rec.reasons!.join(' | ')).toContain('MAC vendor suggested Mindray BeneVision / ePM');
  });

  it('a monitor of an uncatalogued brand gets no model but still its class', () => {
    const inv = new Inventory({ catalog });
    const mon = ep('10.20.0.12', 40002, '00:08:33:00:00:21');
    const cs = ep('10.20.0.2', 2575, '00:08:33:00:00:02');
    const f = flow(mon, cs);
    feed(inv, [
      f.start,
      hl7(f.flowId, mon, cs, 'ORU^R01', { sendingApp: 'ACME_BEDSIDE', observations: VITALS }),
      f.end,
    ]);
    const rec = only(inv, '00:08:33:00:00:21');
    expect(rec.model).toBeUndefined();
    expect(rec.identifiedBy).toBeUndefined();
    expect(rec.class).toBe('patient-monitor');
  });
});
