// The device table itself: address attribution behind a gateway, raw-IP links, bounds, and the
// output contract. Fictional ward 10.20.0.0/24, another site subnet 10.30.0.0/24 behind the
// gateway, outside hosts from the documentation ranges.
import { describe, expect, it } from 'vitest';
import { DeviceRecord } from '../../src/contract/records.js';
import { loadCatalog } from '../../src/config/catalog.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { ep, feed, flow, hl7, T0, VITALS } from './events.js';

const catalog = loadCatalog();
const GW = '00:08:33:00:00:01';
const HOST = '00:08:33:00:00:21';

describe('address attribution', () => {
  function wardWithGateway(): Inventory {
    const inv = new Inventory({ catalog });
    feed(inv, [
      { type: 'arp', ts: T0, op: 2, senderMac: GW, senderIp: '10.20.0.1', targetMac: HOST, targetIp: '10.20.0.21' },
      { type: 'device-seen', ts: T0, mac: HOST, ip: '10.20.0.21', via: 'ip' },
    ]);
    // Replies from ten outside servers arrive through the gateway's MAC.
    for (let i = 0; i < 10; i++) {
      const outside = `203.0.113.${20 + i}`;
      feed(inv, [{ type: 'device-seen', ts: T0 + i, mac: GW, ip: outside, via: 'ip' }]);
      const f = flow(ep('10.20.0.21', 40000 + i, HOST), ep(outside, 443, GW));
      feed(inv, [f.start, f.end]);
    }
    return inv;
  }

  it('a gateway MAC seen with many outside addresses does not collect them as its own', () => {
    const inv = wardWithGateway();
    const gw = inv.device(GW)!;
    expect(gw.ips).toEqual(['10.20.0.1']);
    expect(gw.class).toBe('network-infrastructure');
    expect(gw.reasons![0]).toBe('forwards traffic for 10 outside addresses (a router or gateway)');
    const host = inv.device(HOST)!;
    expect(host.ips).toEqual(['10.20.0.21']);
    expect(inv.details(HOST)!.peers.outsideTotal).toBe(10);
    expect(inv.records().map((r) => r.id)).toEqual([GW, HOST]); // outside hosts are peers, not devices
    expect(inv.device('203.0.113.20')).toBeUndefined();
  });

  it('a site host in another subnet, seen through the gateway, becomes its own ip: device', () => {
    const inv = wardWithGateway();
    const mon = ep('10.20.0.21', 40100, HOST);
    const central = ep('10.30.0.5', 2575, GW); // routed: the frame carries the gateway's MAC
    const f = flow(mon, central);
    feed(inv, [
      { type: 'device-seen', ts: T0 + 20, mac: GW, ip: '10.30.0.5', via: 'ip' },
      f.start,
      hl7(f.flowId, mon, central, 'ORU^R01', { observations: VITALS }),
      hl7(f.flowId, mon, central, 'ACK^R01', { ackCode: 'AA', sendingApp: 'CENTRAL' }),
      f.end,
    ]);
    expect(inv.device(GW)!.ips).toEqual(['10.20.0.1']);
    const cs = inv.device('10.30.0.5')!;
    expect(cs.id).toBe('ip:10.30.0.5');
    expect(cs.ips).toEqual([]); // no MAC of its own to bind to; the id carries the address
    expect(cs.class).toBe('central-station');
    expect(inv.device(HOST)!.class).toBe('patient-monitor');
  });

  it('on raw-IP links site devices are keyed ip:<addr>, outside addresses are not devices', () => {
    const inv = new Inventory({ catalog });
    const f = flow(ep('10.20.0.50', 40000), ep('198.51.100.9', 515));
    const g = flow(ep('10.20.0.50', 40001), ep('10.20.0.2', 2575));
    feed(inv, [
      f.start,
      f.end,
      g.start,
      hl7(g.flowId, g.start.src, g.start.dst, 'ORU^R01', { sendingApp: 'CMS8000' }),
      g.end,
    ]);
    expect(inv.records().map((r) => r.id)).toEqual(['ip:10.20.0.2', 'ip:10.20.0.50']);
    const mon = inv.device('10.20.0.50')!;
    expect(mon.model).toBe('Contec CMS8000');
    expect(mon.packets).toBe(18);
    expect(mon.bytes).toBe(2000);
    expect(inv.details('ip:10.20.0.50')!.peers).toMatchObject({ outside: ['198.51.100.9'], inside: ['10.20.0.2'] });
  });

  it('broadcast and multicast frames create no devices', () => {
    const inv = new Inventory({ catalog });
    const f = flow(ep('10.20.0.21', 5353, HOST), ep('224.0.0.251', 5353, '01:00:5e:00:00:fb'), { proto: 'udp' });
    const g = flow(ep('10.20.0.21', 137, HOST), ep('10.20.0.255', 137, 'ff:ff:ff:ff:ff:ff'), { proto: 'udp' });
    feed(inv, [f.start, f.end, g.start, g.end]);
    expect(inv.records().map((r) => r.id)).toEqual([HOST]);
    expect(inv.details(HOST)!.services).toEqual({});
  });

  it('a service is a port that answered: the SYN receiver, not the client', () => {
    const inv = new Inventory({ catalog });
    const answered = flow(ep('10.20.0.21', 41000, HOST), ep('10.20.0.2', 23, '00:08:33:00:00:02'));
    const silent = flow(ep('10.20.0.21', 41001, HOST), ep('10.20.0.2', 21, '00:08:33:00:00:02'), { packets: [3, 0] });
    feed(inv, [answered.start, answered.end, silent.start, silent.end]);
    expect(inv.details('00:08:33:00:00:02')!.services).toEqual({ 'tcp/23': 1 });
    expect(inv.details(HOST)!.services).toEqual({});
  });

  it('notes a locally administered MAC instead of a vendor', () => {
    const inv = new Inventory({ catalog });
    feed(inv, [{ type: 'device-seen', ts: T0, mac: '02:11:22:33:44:55', ip: '10.20.0.99', via: 'ip' }]);
    const r = inv.device('02:11:22:33:44:55')!;
    expect(r.vendor).toBeUndefined();
    expect(r.reasons).toContain('MAC is locally administered (randomised or virtual): no vendor');
    expect(inv.details('02:11:22:33:44:55')!.macNote).toBe('locally administered');
  });
});

describe('records', () => {
  it('are valid DeviceRecords with ISO capture times and a class for every device', () => {
    const inv = new Inventory({ catalog });
    const f = flow(ep('10.20.0.11', 40001, '00:09:5c:00:00:11'), ep('10.20.0.2', 2575, '00:0b:82:01:fc:42'), {
      ts: T0,
    });
    feed(inv, [
      f.start,
      hl7(f.flowId, f.start.src, f.start.dst, 'ORU^R01', { sendingApp: 'CMS8000', observations: VITALS }),
      f.end,
    ]);
    const records = inv.records();
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(DeviceRecord.parse(r)).toEqual(r); // nothing stripped, nothing missing
      expect(r.first).toBe('2025-01-30T08:00:00.000Z');
      expect(r.last).toBe('2025-01-30T08:00:01.000Z');
      expect(r.class).toBeDefined();
    }
    expect(records.find((r) => r.id === '00:0b:82:01:fc:42')!.vendor).toBe('Grandstream Networks, Inc.');
    // MSH-3 outweighs the OUI: the catalog picks the model the HL7 names.
    const mon = records.find((r) => r.id === '00:09:5c:00:00:11')!;
    expect(mon.model).toBe('Contec CMS8000');
    expect(mon.identifiedBy).toEqual(['hl7-msh3']);
  });

  it('stay bounded: peers of a busy device are capped, with the total still counted', () => {
    const inv = new Inventory({ catalog });
    for (let i = 0; i < 300; i++) {
      const f = flow(ep('10.20.0.80', 50000 + i, HOST), ep(`198.51.100.${i % 250}`, 443, GW));
      feed(inv, [f.start, f.end]);
    }
    const d = inv.details(HOST)!;
    expect(d.peers.outside.length).toBe(64);
    expect(d.peers.outsideTotal).toBeGreaterThanOrEqual(250);
  });
});

describe('DHCP clients on public addresses', () => {
  it('an offered address reaching the client before the ACK does not make it look like a gateway', () => {
    // As in the shared dhcp capture: OFFERs and the ACK travel to the offered (public) addresses.
    const inv = new Inventory({ catalog });
    const client = '00:08:33:00:00:70';
    const srv = ep('192.0.2.10', 67, '00:08:33:00:00:01');
    for (const [i, yourIp] of ['192.0.2.97', '192.0.2.98', '192.0.2.189'].entries()) {
      feed(inv, [
        { type: 'device-seen', ts: T0 + i, mac: client, ip: yourIp, via: 'ip' },
        {
          type: 'dhcp-lease',
          ts: T0 + i,
          msgType: i < 2 ? 'OFFER' : 'ACK',
          clientMac: client,
          xid: 1,
          src: srv,
          dst: ep(yourIp, 68, client),
          yourIp,
        },
      ]);
    }
    const r = inv.device(client)!;
    expect(r.ips).toEqual(['192.0.2.189']);
    expect(r.class).toBe('unknown');
    expect(inv.device('00:08:33:00:00:01')!.ips).toEqual(['192.0.2.10']);
  });
});
