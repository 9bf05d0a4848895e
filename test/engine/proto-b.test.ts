// Issue 19 (second half) end to end: MQTT telemetry to an outside broker (and to an on-site one),
// built with our writers, through the engine, inventory and detector: the app count, the client's
// identities (client id, broker, topic names — never payloads or credentials) and the finding.
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceRecord } from '../../src/contract/records.js';
import { mqttConnack, mqttConnect, mqttPublish, mqttSubscribe } from '../../src/decode/mqtt-encode.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { loadCatalog } from '../../src/config/catalog.js';
import { mqttApp } from '../../src/flow/apps/mqtt.js';
import { fakeCtx } from '../flow/apps/fake-ctx.js';
import {
  DEV,
  engineEvents,
  OUT,
  SRV,
  tcpPcap,
  tempPcap,
  udp6Frame,
  udpPcap,
  type Dgram,
} from '../helpers/proto-pcap.js';
import { rtcpSenderReport, rtpPacket } from '../../src/decode/rtp-encode.js';
import { clientHello } from '../../src/decode/tls-encode.js';
import { sipInvite, sipOk } from '../../src/decode/sip-encode.js';
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

const SALT = '00112233445566778899aabbccddeeff';
const enc = new TextEncoder();

const telemetry = (broker: typeof OUT, cport: number) =>
  tcpPcap(DEV, broker, cport, 1883, [
    [0, mqttConnect({ protocol: '3.1.1', clientId: 'spo2-bed12', username: 'ward3', password: 'hunter2' })],
    [1, mqttConnack(0)],
    [0, mqttSubscribe(1, ['ward3/bed12/cmd'])],
    // Two PUBLISHes in one segment, the same topic again after: one topic event, three messages.
    [
      0,
      Buffer.concat([
        mqttPublish('ward3/bed12/spo2', enc.encode('{"spo2":97}')),
        mqttPublish('ward3/bed12/hr', enc.encode('72')),
      ]),
    ],
    [0, mqttPublish('ward3/bed12/spo2', enc.encode('{"spo2":96}'))],
    [1, mqttPublish('ward3/bed12/cmd', enc.encode('{"alarm":"silence"}'))],
  ]);
const outside = tempPcap(telemetry(OUT, 50200));
const onsite = tempPcap(telemetry(SRV, 50201));
afterAll(() => {
  outside.done();
  onsite.done();
});

describe('MQTT end to end', () => {
  it('named by content, every control packet counted, each topic emitted once per flow', async () => {
    const { events, apps } = await engineEvents(outside.path);
    expect(apps.mqtt).toBe(7);
    const end = events.find((e) => e.type === 'flow-end')!;
    expect(end).toMatchObject({ app: 'mqtt', appBy: 'content' });
    const m = events.filter((e) => e.type === 'mqtt-message');
    expect(m.map((e) => [e.packet, e.fromClient, e.topics])).toEqual([
      ['connect', true, []],
      ['subscribe', true, ['ward3/bed12/cmd']],
      ['publish', true, ['ward3/bed12/spo2']],
      ['publish', true, ['ward3/bed12/hr']],
    ]);
    expect(JSON.stringify(events)).not.toMatch(/hunter2|spo2":9|silence/);
  });

  it('MQTT over TLS on 8883 is named tls with its SNI; 8883 without a handshake is mqtts by port', async () => {
    const tls = tempPcap(
      tcpPcap(DEV, OUT, 50300, 8883, [[0, clientHello('broker.example.com', ['mqtt'], new Uint8Array(96).fill(7))]]),
    );
    const bare = tempPcap(tcpPcap(DEV, OUT, 50301, 8883, [[0, new Uint8Array(40).fill(0x17)]]));
    try {
      const a = await engineEvents(tls.path);
      expect(a.events.find((e) => e.type === 'flow-end')).toMatchObject({ app: 'tls', appBy: 'content' });
      expect(a.events.find((e) => e.type === 'tls-hello')).toMatchObject({ sni: 'broker.example.com' });
      const b = await engineEvents(bare.path);
      expect(b.events.find((e) => e.type === 'flow-end')).toMatchObject({ app: 'mqtts', appBy: 'port' });
    } finally {
      tls.done();
      bare.done();
    }
  });

  it("the client's identities: client id, broker, protocol, credential presence, topic names", async () => {
    const inv = new Inventory({ catalog: loadCatalog() });
    for (const ev of (await engineEvents(outside.path)).events) inv.onEvent(ev);
    const dev = inv.device('02:00:00:00:00:11')!;
    expect(DeviceRecord.safeParse(dev).success).toBe(true);
    expect(dev.identities?.mqtt).toEqual({
      clientIds: ['spo2-bed12'],
      brokers: ['203.0.113.50:1883'],
      protocols: ['3.1.1'],
      username: true,
      password: true,
      topics: ['ward3/bed12/cmd', 'ward3/bed12/hr', 'ward3/bed12/spo2'],
    });
    expect(inv.device('02:00:00:00:00:33')?.identities?.mqtt).toBeUndefined();
  });

  it('cleartext MQTT to an outside broker is service.insecure once per connection; on site it is not', async () => {
    const r = await analyzeCaptures([outside.path], { salt: SALT });
    const a = r.alerts.filter((x) => x.rule === 'service.insecure');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      count: 1,
      device: { id: '02:00:00:00:00:11' },
      dst: { ip: '203.0.113.50', port: 1883 },
      evidence: { service: 'mqtt', role: 'client', outside: true, credentialsInClear: true },
    });
    expect(r.summary.apps).toMatchObject({ mqtt: 7 });
    const site = await analyzeCaptures([onsite.path], { salt: SALT });
    expect(site.alerts.filter((x) => x.rule === 'service.insecure')).toEqual([]);
    expect(JSON.stringify([r.alerts, r.devices])).not.toContain('hunter2');
  });
});

describe('mqttApp segmentation', () => {
  const turns: [0 | 1, Uint8Array][] = [
    [0, mqttConnect({ protocol: '5', clientId: 'pump-77' })],
    [1, mqttConnack(0, true)],
    [0, mqttSubscribe(1, ['pumps/77/#'], true)],
    [0, mqttPublish('pumps/77/rate', new Uint8Array(5000), true)],
    [0, mqttPublish('pumps/77/vtbi', enc.encode('250'), true)],
  ];
  const run = (bytewise: boolean) => {
    const rec = fakeCtx('tcp', { ip: '10.40.12.30', port: 50000 }, { ip: '10.40.12.5', port: 1883 });
    const app = mqttApp.create(rec.ctx);
    for (const [dir, b] of turns) {
      if (!bytewise) app.data(dir, b, 1);
      else for (let i = 0; i < b.length; i++) app.data(dir, b.subarray(i, i + 1), 1);
    }
    app.end(2);
    return rec;
  };
  it('whole or byte by byte: the same events and counts (a 5000-byte payload skipped, MQTT 5 properties read)', () => {
    const whole = run(false);
    expect(whole.apps).toEqual({ mqtt: 5 });
    expect(whole.anomalies).toEqual([]);
    expect(whole.events.flatMap((e) => (e.type === 'mqtt-message' ? [e.topics] : []))).toEqual([
      [],
      ['pumps/77/#'],
      ['pumps/77/rate'],
      ['pumps/77/vtbi'],
    ]);
    const bytes = run(true);
    expect([bytes.events, bytes.apps, bytes.anomalies]).toEqual([whole.events, whole.apps, whole.anomalies]);
  });
  it('a gap ends that direction quietly; a broken Remaining Length is a named anomaly', () => {
    const rec = fakeCtx('tcp', { ip: '10.40.12.30', port: 50000 }, { ip: '10.40.12.5', port: 1883 });
    const app = mqttApp.create(rec.ctx);
    app.data(0, Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01), 1);
    expect(rec.anomalies).toEqual(['mqtt.bad-length']);
    app.gap(1, 100, 1);
    app.data(1, mqttConnack(0), 1);
    expect(app.finished).toBe(true);
  });
});

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

describe('RTP and RTCP end to end', () => {
  const PH2 = host('ph2', '02:00:00:00:00:44', '10.40.12.31');
  const rtp = (ssrc: number, seq: number) =>
    rtpPacket({ payloadType: 0, seq, timestamp: seq * 160, ssrc, payload: new Uint8Array(160) });
  const d = (from: typeof DEV, to: typeof DEV, sport: number, dport: number, payload: Uint8Array): Dgram => ({
    from,
    to,
    sport,
    dport,
    payload,
  });
  const cap = tempPcap(
    udpPcap([
      d(DEV, SRV, 5060, 5060, sipInvite('pbx.ward.example', 'NurseCall Handset 2.4', { ip: DEV_IP, port: 40000 })),
      d(SRV, DEV, 5060, 5060, sipOk('Asterisk PBX 18', { ip: SRV_IP, port: 30000, mediaLevel: true })),
      // The announced call: RTP both ways (two streams), RTCP one port up.
      ...[0, 1, 2, 3].flatMap((i) => [
        d(DEV, SRV, 40000, 30000, rtp(0x1111, 100 + i)),
        d(SRV, DEV, 30000, 40000, rtp(0x2222, 900 + i)),
      ]),
      d(DEV, SRV, 40001, 30001, rtcpSenderReport(0x1111, 1, 640, 4, 640, 'h@ward')),
      // Unannounced RTP between even ports: the heuristic names it after three agreeing packets.
      ...[0, 1, 2, 3, 4].map((i) => d(PH2, SRV, 16384, 16386, rtp(0x3333, 65534 + i))),
      // RTP-looking first packet, then the SSRC changes: a wrong guess, left unnamed.
      d(PH2, SRV, 20000, 20002, rtp(0x4444, 1)),
      d(PH2, SRV, 20000, 20002, rtp(0x5555, 2)),
      d(PH2, SRV, 20000, 20002, rtp(0x6666, 3)),
      // Two packets only: too few to tell.
      d(PH2, SRV, 22000, 22002, rtp(0x7777, 1)),
      d(PH2, SRV, 22000, 22002, rtp(0x7777, 2)),
    ]),
  );
  afterAll(cap.done);

  it('SDP names the call flows (tied to the SIP flow), the heuristic names the rest or takes its guess back', async () => {
    const { events, apps } = await engineEvents(cap.path);
    const ends = events.filter((e) => e.type === 'flow-end');
    const by = (port: number) => ends.find((e) => e.src.port === port || e.dst.port === port)!;
    const sip = by(5060);
    expect(sip.app).toBe('sip');
    expect(by(40000)).toMatchObject({ app: 'rtp', appBy: 'content', controlFlowId: sip.flowId, packets: [4, 4] });
    expect(by(40001)).toMatchObject({ app: 'rtcp', appBy: 'content', controlFlowId: sip.flowId });
    expect(by(16384)).toMatchObject({ app: 'rtp', appBy: 'heuristic' });
    expect(by(20000).app).toBeUndefined();
    expect(by(22000).app).toBeUndefined();
    expect(apps).toMatchObject({ sip: 2, rtp: 13, rtcp: 1 });
    const media = events.filter((e) => e.type === 'media-stream');
    expect(media.map((e) => [e.protocol, e.by, e.streams, e.packets, e.payloadTypes])).toEqual([
      ['rtp', 'sdp', 2, [4, 4], [0]],
      ['rtcp', 'sdp', 1, [1, 0], []],
      ['rtp', 'heuristic', 1, [5, 0], [0]],
    ]);
  });

  it('each phone counts its media flows, streams and packets; the PBX counts every call', async () => {
    const inv = new Inventory({ catalog: loadCatalog() });
    for (const ev of (await engineEvents(cap.path)).events) inv.onEvent(ev);
    expect(inv.device('02:00:00:00:00:11')?.identities?.media).toEqual({
      rtpFlows: 1,
      streams: 2,
      rtpPackets: 8,
      rtcpPackets: 1,
      by: ['sdp'],
      peers: [SRV_IP],
    });
    expect(inv.device('02:00:00:00:00:22')?.identities?.media).toMatchObject({
      rtpFlows: 2,
      streams: 3,
      rtpPackets: 13,
      by: ['heuristic', 'sdp'],
      peers: [DEV_IP, '10.40.12.31'],
    });
    const rec = inv.device('02:00:00:00:00:44')!;
    expect(DeviceRecord.safeParse(rec).success).toBe(true);
    expect(rec.identities?.media).toMatchObject({ rtpFlows: 1, rtpPackets: 5, by: ['heuristic'] });
  });
});
const DEV_IP = '10.40.12.30';
const SRV_IP = '10.40.12.5';
