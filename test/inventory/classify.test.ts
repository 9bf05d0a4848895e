// Behaviour classification from synthetic event sequences (fictional ward: 10.20.0.0/24;
// "outside" from the documentation ranges). MACs under 00:08:33 have no registry entry.
import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../../src/contract/records.js';
import { loadCatalog } from '../../src/config/catalog.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { dhcp, dicomRq, ep, feed, flow, hl7, T0, VITALS } from './events.js';

const catalog = loadCatalog();
const mac = (n: number) => `00:08:33:00:00:${n.toString(16).padStart(2, '0')}`;
const MON = ep('10.20.0.11', 40001, mac(0x11));
const MON2 = ep('10.20.0.12', 40002, mac(0x12));
const CS = ep('10.20.0.2', 2575, mac(0x02));

function rec(inv: Inventory, id: string): DeviceRecord {
  const r = inv.device(id);
  expect(r, id).toBeDefined();
  return r!;
}

function ward(ackFromResponder: boolean): Inventory {
  const inv = new Inventory({ catalog });
  for (const m of [MON, MON2]) {
    const f = flow(m, CS);
    // Two conventions a decoder might use for the ACK's src/dst: flow roles (documented) or per message.
    const ack = ackFromResponder
      ? hl7(f.flowId, m, CS, 'ACK^R01', { sendingApp: 'CENTRAL_ST', ackCode: 'AA' })
      : hl7(f.flowId, CS, m, 'ACK^R01', { sendingApp: 'CENTRAL_ST', ackCode: 'AA' });
    feed(inv, [
      f.start,
      hl7(f.flowId, m, CS, 'ORU^R01', { sendingApp: 'BEDSIDE', observations: VITALS }),
      ack,
      hl7(f.flowId, m, CS, 'ORU^R01', { sendingApp: 'BEDSIDE', observations: VITALS }),
      ackFromResponder
        ? hl7(f.flowId, m, CS, 'ACK^R01', { sendingApp: 'CENTRAL_ST', ackCode: 'AA' })
        : hl7(f.flowId, CS, m, 'ACK^R01', { sendingApp: 'CENTRAL_ST', ackCode: 'AA' }),
      f.end,
    ]);
  }
  return inv;
}

describe('HL7 behaviour', () => {
  for (const flowRoles of [true, false]) {
    it(`a device sending ORU^R01 is a monitor, the one ACKing them a central station (${flowRoles ? 'flow-role' : 'per-message'} src/dst)`, () => {
      const inv = ward(flowRoles);
      const mon = rec(inv, mac(0x11));
      expect(mon.class).toBe('patient-monitor');
      expect(mon.confidence).toBeGreaterThanOrEqual(0.8);
      expect(mon.reasons![0]).toBe('sends HL7 ORU^R01 observation results (2 messages) to 10.20.0.2');
      expect(mon.reasons).toContain('its observations are vital signs (spo2, hr)');
      const cs = rec(inv, mac(0x02));
      expect(cs.class).toBe('central-station');
      expect(cs.reasons).toEqual([
        'receives HL7 observation results (4 messages) from 10.20.0.11, 10.20.0.12',
        'collects from 2 devices',
        'answers with HL7 ACKs (4)',
      ]);
      // The ACK's MSH-3 names the central station's application, not the monitor's.
      expect(inv.details(mac(0x11))!.hl7.sendingApps).toEqual(['BEDSIDE']);
      expect(inv.details(mac(0x02))!.hl7.sendingApps).toEqual(['CENTRAL_ST']);
      expect(inv.details(mac(0x02))!.services).toEqual({ 'tcp/2575': 2 });
    });
  }

  it('a device receiving infusion orders and reporting pump codes is an infusion pump', () => {
    const inv = new Inventory({ catalog });
    const pump = ep('10.20.0.40', 40100, mac(0x40));
    const gw = ep('10.20.0.3', 3000, mac(0x03));
    const f = flow(gw, { ...pump, port: 3001 });
    const obs = [{ code: '157784', text: 'MDC_FLOW_FLUID_PUMP', value: '25' }];
    feed(inv, [f.start, hl7(f.flowId, gw, { ...pump, port: 3001 }, 'RGV^O15', { sendingApp: 'PUMP_GW' }), f.end]);
    const g = flow(pump, gw);
    feed(inv, [g.start, hl7(g.flowId, pump, gw, 'ORU^R01', { observations: obs }), g.end]);
    const r = rec(inv, mac(0x40));
    expect(r.class).toBe('infusion-pump');
    expect(r.reasons!.join(' | ')).toContain('RGV^O15');
  });
});

describe('DICOM behaviour', () => {
  it('the calling AE toward port 104 is a modality, the called AE listening on 104 a PACS', () => {
    const inv = new Inventory({ catalog });
    const ct = ep('10.20.1.5', 50123, mac(0x50));
    const us = ep('10.20.1.6', 50124, mac(0x51));
    const pacs = ep('10.20.1.100', 104, mac(0x60));
    for (const [m, ae] of [
      [ct, 'CT01'],
      [us, 'ECHO_LAB'],
    ] as const) {
      const f = flow(m, pacs);
      feed(inv, [f.start, dicomRq(f.flowId, m, pacs, ae, 'PACS_MAIN', 'CT Image Storage'), f.end]);
    }
    const ctRec = rec(inv, mac(0x50));
    expect(ctRec.class).toBe('imaging-modality');
    expect(ctRec.model).toBe('DICOM imaging modality'); // the AE naming convention in the catalog
    expect(ctRec.identifiedBy).toEqual(['dicom-ae']);
    const usRec = rec(inv, mac(0x51));
    expect(usRec.class).toBe('imaging-modality'); // behaviour alone: its AE title says nothing
    expect(usRec.model).toBeUndefined();
    expect(usRec.reasons![0]).toBe(
      'requests DICOM associations as calling AE ECHO_LAB toward 10.20.1.100:104 to store images',
    );
    const p = rec(inv, mac(0x60));
    expect(p.class).toBe('pacs');
    expect(p.reasons![0]).toBe('accepts DICOM associations as called AE PACS_MAIN on port 104');
    expect(inv.details(mac(0x60))!.dicom.calledAes).toEqual(['PACS_MAIN']);
    expect(inv.details(mac(0x50))!.dicom.callingAes).toEqual(['CT01']);
  });
});

describe('network infrastructure and workstations', () => {
  it('the DHCP server that answers DNS is infrastructure; the lease binds the client address', () => {
    const inv = new Inventory({ catalog });
    const srvMac = mac(0x01);
    const srv = ep('10.20.0.1', 67, srvMac);
    const client = mac(0x70);
    const lease = { yourIp: '10.20.0.70', serverId: '10.20.0.1', routers: ['10.20.0.1'], dnsServers: ['10.20.0.1'] };
    feed(inv, [
      dhcp('DISCOVER', client, ep('0.0.0.0', 68, client), ep('255.255.255.255', 67, 'ff:ff:ff:ff:ff:ff'), {
        hostname: 'ward-pc',
      }),
      dhcp('OFFER', client, srv, ep('10.20.0.70', 68, client), lease),
      dhcp('REQUEST', client, ep('0.0.0.0', 68, client), ep('255.255.255.255', 67, 'ff:ff:ff:ff:ff:ff'), {
        hostname: 'ward-pc',
      }),
      dhcp('ACK', client, srv, ep('10.20.0.70', 68, client), lease),
    ]);
    const q = flow(ep('10.20.0.70', 53001, client), ep('10.20.0.1', 53, srvMac), { proto: 'udp', packets: [1, 1] });
    feed(inv, [
      q.start,
      {
        type: 'dns-answer',
        ts: T0 + 10,
        flowId: q.flowId,
        asker: '10.20.0.70',
        server: '10.20.0.1',
        id: 7,
        rcode: 0,
        query: 'pacs.ward.example',
        qtype: 'A',
        answers: [],
        resolved: [],
      },
      q.end,
    ]);
    const r = rec(inv, srvMac);
    expect(r.class).toBe('network-infrastructure');
    expect(r.confidence).toBeGreaterThanOrEqual(0.9);
    expect(r.reasons).toEqual([
      'hands out DHCP leases (2 OFFER/ACK to 1 client)',
      'answers DNS queries on port 53 from 1 host',
      'named as the router in DHCP leases',
      'named as a DNS server in DHCP leases',
    ]);
    const c = rec(inv, client);
    expect(c.ips).toEqual(['10.20.0.70']);
    expect(c.hostname).toBe('ward-pc');
    expect(inv.device('10.20.0.70')?.id).toBe(client);
  });

  it('a browser with many outside TLS names is a workstation', () => {
    const inv = new Inventory({ catalog });
    const pc = ep('10.20.0.80', 51000, mac(0x80));
    const evs = [];
    for (let i = 0; i < 6; i++) {
      const dst = ep(`203.0.113.${10 + i}`, 443, mac(0x01));
      const f = flow({ ...pc, port: 51000 + i }, dst);
      evs.push(
        f.start,
        {
          type: 'tls-hello' as const,
          ts: T0,
          flowId: f.flowId,
          src: f.start.src,
          dst,
          sni: `site${i}.example`,
          version: 'TLS 1.3',
        },
        f.end,
      );
    }
    const h = flow({ ...pc, port: 52000 }, ep('198.51.100.20', 80, mac(0x01)));
    evs.push(
      h.start,
      {
        type: 'http-request' as const,
        ts: T0,
        flowId: h.flowId,
        src: h.start.src,
        dst: h.start.dst,
        method: 'GET',
        uri: '/',
        version: 'HTTP/1.1',
        host: 'intranet.example',
        userAgent:
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      },
      h.end,
    );
    feed(inv, evs);
    const r = rec(inv, mac(0x80));
    expect(r.class).toBe('workstation');
    expect(r.reasons![0]).toMatch(/^browses the web \(User-Agent 'Mozilla\/5\.0/);
    expect(r.reasons![1]).toMatch(/^opens TLS connections to 6 different outside names/);
    expect(inv.details(mac(0x80))!.peers.outsideTotal).toBe(7);
  });

  it('nothing to go on gives unknown with confidence 0', () => {
    const inv = new Inventory({ catalog });
    feed(inv, [
      {
        type: 'arp',
        ts: T0,
        op: 1,
        senderMac: mac(0x90),
        senderIp: '10.20.0.90',
        targetMac: '00:00:00:00:00:00',
        targetIp: '10.20.0.1',
      },
    ]);
    const r = rec(inv, mac(0x90));
    expect(r).toMatchObject({ class: 'unknown', confidence: 0, ips: ['10.20.0.90'] });
  });

  it('a Windows PC browsing with a short desktop User-Agent is a workstation', () => {
    const inv = new Inventory({ catalog });
    const pcMac = mac(0x81);
    const pc = ep('10.20.0.81', 52000, pcMac);
    const h = flow(pc, ep('10.20.0.40', 80, mac(0x40)));
    feed(inv, [
      dhcp('REQUEST', pcMac, ep('0.0.0.0', 68, pcMac), ep('255.255.255.255', 67, 'ff:ff:ff:ff:ff:ff'), {
        vendorClass: 'MSFT 5.0',
      }),
      h.start,
      {
        type: 'http-request',
        ts: T0,
        flowId: h.flowId,
        src: pc,
        dst: h.start.dst,
        method: 'GET',
        uri: '/',
        version: 'HTTP/1.1',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      },
      h.end,
    ]);
    const r = rec(inv, pcMac);
    expect(r.class).toBe('workstation');
    expect(r.reasons).toContain("DHCP vendor class 'MSFT 5.0' is the Windows DHCP client");
    // An embedded client's User-Agent is not a browser.
    const inv2 = new Inventory({ catalog });
    const g = flow(pc, ep('10.20.0.40', 80, mac(0x40)));
    feed(inv2, [
      g.start,
      {
        type: 'http-request',
        ts: T0,
        flowId: g.flowId,
        src: pc,
        dst: g.start.dst,
        method: 'GET',
        uri: '/fw',
        version: 'HTTP/1.0',
        userAgent: 'Wget/1.12 (linux-gnu)',
      },
      g.end,
    ]);
    expect(rec(inv2, pcMac).class).toBe('unknown');
  });
});

describe('self-description as a weak witness', () => {
  it('a pump that only names itself is an infusion pump, with low confidence and the reason', () => {
    const inv = new Inventory({ catalog });
    const pump = mac(0x31);
    feed(inv, [
      dhcp('REQUEST', pump, ep('0.0.0.0', 68, pump), ep('255.255.255.255', 67, 'ff:ff:ff:ff:ff:ff'), {
        hostname: 'PUMP-ICU-7',
      }),
    ]);
    feed(inv, [{ type: 'device-seen', ts: T0, mac: pump, ip: '10.20.0.31', via: 'arp' }]);
    const r = rec(inv, pump);
    expect(r.class).toBe('infusion-pump');
    expect(r.confidence).toBeLessThan(0.5);
    expect(r.reasons?.[0]).toContain("DHCP host name 'PUMP-ICU-7' names an infusion pump");
  });

  it('behaviour outweighs the name: a host named "monitor-pc" that browses is a workstation', () => {
    const inv = new Inventory({ catalog });
    const pc = mac(0x41);
    const f = flow(ep('10.20.0.41', 50000, pc), ep('198.51.100.9', 80));
    feed(inv, [
      dhcp('REQUEST', pc, ep('0.0.0.0', 68, pc), ep('255.255.255.255', 67, 'ff:ff:ff:ff:ff:ff'), {
        hostname: 'monitor-pc',
      }),
      f.start,
      {
        type: 'http-request',
        ts: T0,
        flowId: f.flowId,
        src: f.start.src,
        dst: f.start.dst,
        method: 'GET',
        uri: '/',
        version: 'HTTP/1.1',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36',
      },
    ]);
    expect(rec(inv, pc).class).toBe('workstation');
  });
});
