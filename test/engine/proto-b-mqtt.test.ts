// Issue 19 end to end, MQTT: telemetry to an outside broker (and to an on-site one), built with our
// writers, through the engine, inventory and detector: the app count, the client's identities
// (client id, broker, topic names — never payloads or credentials), the finding, TLS on 8883, and the
// analyzer fed whole or byte by byte.
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceRecord } from '../../src/contract/records.js';
import { mqttConnack, mqttConnect, mqttPublish, mqttSubscribe } from '../../src/decode/mqtt-encode.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { loadCatalog } from '../../src/config/catalog.js';
import { mqttApp } from '../../src/flow/apps/mqtt.js';
import { fakeCtx } from '../flow/apps/fake-ctx.js';
import { DEV, engineEvents, OUT, SRV, tcpPcap, tempPcap } from '../helpers/proto-pcap.js';
import { clientHello } from '../../src/decode/tls-encode.js';

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
