// Issue 19 end to end, DHCPv6: a pump's DHCPv4 DISCOVER and its DHCPv6 SOLICIT/REPLY, and a relayed
// client, through the engine and inventory: one device record with both identities, tied by MAC.
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceRecord } from '../../src/contract/records.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { loadCatalog } from '../../src/config/catalog.js';
import { engineEvents, tempPcap, udp6Frame } from '../helpers/proto-pcap.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { dhcpClient, DISCOVER } from '../../src/decode/dhcp-encode.js';
import {
  clientFqdn,
  clientId,
  dhcpv6Message,
  duidEn,
  duidLlt,
  iaNa,
  oro,
  relayForw,
  serverId,
  vendorClass,
} from '../../src/decode/dhcpv6-encode.js';
import { FrameBuilder, host } from '../../src/sim/wire.js';

describe('DHCPv6 end to end', () => {
  const PUMP = host('pump', '02:57:30:00:00:07', '0.0.0.0');
  const BCAST = host('bcast', 'ff:ff:ff:ff:ff:ff', '255.255.255.255');
  const REMOTE = '02:57:30:00:00:99'; // a client behind a relay: seen only in its DUID
  const duid = duidLlt('02:57:30:00:00:07', 820_000_000);
  const router = { fromMac: '02:57:00:00:00:01', src: 'fe80::1' };
  const w = new PcapWriter({ linktype: 1 });
  const fb = new FrameBuilder();
  const frames = [
    fb
      .udp(
        PUMP,
        BCAST,
        68,
        67,
        dhcpClient(DISCOVER, 0x42, { mac: PUMP.mac, hostname: 'pump-77', paramList: [1, 3, 6] }),
      )
      .slice(),
    udp6Frame({
      fromMac: '02:57:30:00:00:07',
      toMac: '33:33:00:01:00:02',
      src: 'fe80::57:30ff:fe00:7',
      dst: 'ff02::1:2',
      sport: 546,
      dport: 547,
      payload: dhcpv6Message(1, 0x1a2b3c, [
        clientId(duid),
        clientFqdn('pump-77.ward.example'),
        vendorClass(40_000, ['InfusionOS 4.2']),
        oro([23, 24, 39]),
        iaNa(7, []),
      ]),
    }),
    udp6Frame({
      ...router,
      toMac: '02:57:30:00:00:07',
      dst: 'fe80::57:30ff:fe00:7',
      sport: 547,
      dport: 546,
      payload: dhcpv6Message(7, 0x1a2b3c, [
        clientId(duid),
        serverId(duidEn(9, Uint8Array.of(1))),
        iaNa(7, ['2001:db8:40::77']),
      ]),
    }),
    udp6Frame({
      ...router,
      toMac: '02:57:00:00:00:02',
      dst: '2001:db8:40::2',
      sport: 547,
      dport: 547,
      payload: relayForw(
        0,
        '2001:db8:41::1',
        'fe80::57:30ff:fe00:99',
        dhcpv6Message(11, 5, [clientId(duidLlt(REMOTE, 1)), clientFqdn('ecg-3.ward.example')]),
      ),
    }),
  ];
  const cap = tempPcap(
    Buffer.concat([w.header(), ...frames.map((f, i) => w.record(1_764_640_000_000_000 + i * 1000, f))]),
  );
  afterAll(cap.done);

  it('counted, and one device record carries its DHCPv4 hostname and its DHCPv6 identity (tied by MAC)', async () => {
    const { events, apps } = await engineEvents(cap.path);
    expect(apps).toMatchObject({ dhcp: 1, dhcpv6: 3 });
    expect(events.filter((e) => e.type === 'flow-end' && e.app === 'dhcpv6')).toHaveLength(3);
    const inv = new Inventory({ catalog: loadCatalog() });
    for (const ev of events) inv.onEvent(ev);
    const pump = inv.device('02:57:30:00:00:07')!;
    expect(DeviceRecord.safeParse(pump).success).toBe(true);
    expect(pump.hostname).toBe('pump-77');
    expect(pump.identities?.dhcpv6).toEqual({
      duids: ['0001' + '0001' + '30e03500' + '025730000007'], // LLT, Ethernet, time 820000000, MAC
      duidMac: '02:57:30:00:00:07',
      fqdn: 'pump-77.ward.example',
      vendorClass: ['40000:InfusionOS 4.2'],
      oro: '23,24,39',
      addresses: ['2001:db8:40::77'],
    });
    // The relayed client is known by the MAC in its DUID, not the relay's.
    expect(inv.device(REMOTE)?.identities?.dhcpv6).toMatchObject({ fqdn: 'ecg-3.ward.example', duidMac: REMOTE });
    expect(inv.device('02:57:00:00:00:01')?.identities?.dhcpv6).toBeUndefined();
  });
});
