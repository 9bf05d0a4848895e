// MQTT (CONNECT, PUBLISH, SUBSCRIBE, CONNACK) on fixtures built with our writer: every field, a
// commented hex fixture, the same fields as tshark reads them from a pcap of the same bytes,
// every truncated prefix, and a seeded fuzz. Payloads and credentials are never read.
import { afterAll, describe, expect, it } from 'vitest';
import { decodeMqtt, looksLikeMqttConnect, MQTT_MAX_TOPICS, mqttFrame } from '../../src/decode/mqtt.js';
import { mqttConnack, mqttConnect, mqttPublish, mqttSubscribe } from '../../src/decode/mqtt-encode.js';
import { OUT, DEV, tcpPcap, tempPcap } from '../helpers/proto-pcap.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';
import { ascii, hex, mutate, rng } from './app-hex.js';

const enc = new TextEncoder();
const MQTT = {
  connect311: mqttConnect({
    protocol: '3.1.1',
    clientId: 'spo2-bed12',
    username: 'ward3',
    password: 'hunter2',
    will: { topic: 'ward3/bed12/status', message: enc.encode('offline') },
  }),
  connect5: mqttConnect({ protocol: '5', clientId: 'pump-77', keepAlive: 30 }),
  connect31: mqttConnect({ protocol: '3.1', clientId: 'legacy-ecg' }),
  connack: mqttConnack(0),
  publish: mqttPublish('ward3/bed12/spo2', enc.encode('{"spo2":97,"hr":72}')),
  publishQos1: mqttPublish('ward3/bed12/hr', enc.encode('72'), false, 7),
  subscribe: mqttSubscribe(1, ['ward3/+/alarm', 'ward3/config']),
  subscribe5: mqttSubscribe(2, ['pumps/#'], true),
};

const ok = (b: Uint8Array, v5 = false) => {
  const r = decodeMqtt(b, 0, b.length, v5);
  if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
  expect(r.next).toBe(b.length);
  return r.msg;
};

describe('MQTT decoder', () => {
  it('a commented CONNECT fixture: every byte where the spec puts it', () => {
    const b = hex(`
      10 16 // CONNECT, Remaining Length 22
      00 04 4d 51 54 54 // protocol name "MQTT"
      04 // level 4 (3.1.1)
      c2 // flags: user name, password, clean session
      00 3c // keep alive 60 s
      00 03 70 2d 31 // client id "p-1"
      00 01 75 // user name "u" (presence only)
      00 02 70 77 // password "pw" (presence only)
    `);
    expect(b).toEqual(mqttConnect({ protocol: '3.1.1', clientId: 'p-1', username: 'u', password: 'pw' }));
    expect(ok(b)).toEqual({
      type: 'connect',
      protocol: '3.1.1',
      clientId: 'p-1',
      username: true,
      password: true,
      willTopic: undefined,
      keepAlive: 60,
      topics: [],
      returnCode: undefined,
    });
  });

  it('CONNECT 3.1 (MQIsdp), 3.1.1 with a will, 5 with properties; never the credentials', () => {
    const c = ok(MQTT.connect311);
    expect(c).toMatchObject({ protocol: '3.1.1', clientId: 'spo2-bed12', username: true, password: true });
    expect(c.willTopic).toBe('ward3/bed12/status');
    expect(JSON.stringify(c)).not.toMatch(/hunter2|ward3"|offline/);
    expect(ok(MQTT.connect5)).toMatchObject({ protocol: '5', clientId: 'pump-77', keepAlive: 30, username: false });
    expect(ok(MQTT.connect31)).toMatchObject({ protocol: '3.1', clientId: 'legacy-ecg', password: false });
  });

  it('PUBLISH topic (QoS 0 and 1), SUBSCRIBE filters (3.1.1 and 5), CONNACK code; payloads unread', () => {
    expect(ok(MQTT.publish)).toEqual({ type: 'publish', topics: ['ward3/bed12/spo2'] });
    expect(ok(MQTT.publishQos1).topics).toEqual(['ward3/bed12/hr']);
    expect(ok(MQTT.subscribe).topics).toEqual(['ward3/+/alarm', 'ward3/config']);
    expect(ok(MQTT.subscribe5, true).topics).toEqual(['pumps/#']);
    expect(ok(MQTT.connack)).toEqual({ type: 'connack', topics: [], returnCode: 0 });
  });

  it('bounds: at most MQTT_MAX_TOPICS filters, names cut to 200 characters', () => {
    const many = mqttSubscribe(
      3,
      Array.from({ length: 40 }, (_, i) => `t/${i}`),
    );
    expect(ok(many).topics).toHaveLength(MQTT_MAX_TOPICS);
    expect(ok(mqttPublish('x'.repeat(500), new Uint8Array(0))).topics[0]).toHaveLength(200);
  });

  it('Remaining Length: multi-byte groups, more, and the five-byte anomaly', () => {
    const big = mqttPublish('t', new Uint8Array(20_000));
    expect(mqttFrame(big, 0, big.length)).toEqual({ kind: 'frame', type: 3, flags: 0, headerLen: 4, length: 20_003 });
    expect(decodeMqtt(big, 0, 100)).toEqual({ kind: 'more' });
    expect(mqttFrame(hex('30 ff ff ff ff 01'), 0, 6)).toEqual({ kind: 'anomaly', code: 'mqtt.bad-length' });
    expect(mqttFrame(hex('30 ff'), 0, 2)).toEqual({ kind: 'more' });
  });

  it('named anomalies: an unknown protocol, a field past the packet', () => {
    const bad = MQTT.connect5.slice();
    bad[8] = 9; // level 9
    expect(decodeMqtt(bad, 0, bad.length)).toEqual({ kind: 'anomaly', code: 'mqtt.bad-protocol' });
    // PUBLISH whose topic length (0x0100) runs past its Remaining Length of 3.
    expect(decodeMqtt(hex('30 03 01 00 41'), 0, 5)).toEqual({ kind: 'anomaly', code: 'mqtt.truncated' });
  });

  it('probe: a client CONNECT is MQTT, its prefix wants more, other bytes are not', () => {
    expect(looksLikeMqttConnect(MQTT.connect311, 0, MQTT.connect311.length)).toBe('yes');
    expect(looksLikeMqttConnect(MQTT.connect31, 0, MQTT.connect31.length)).toBe('yes');
    expect(looksLikeMqttConnect(MQTT.connect311, 0, 5)).toBe('more');
    expect(looksLikeMqttConnect(ascii('GET / HTTP/1.1\r\n'), 0, 16)).toBe('no');
    expect(looksLikeMqttConnect(hex('10 04 00 04 48 54'), 0, 6)).toBe('no');
  });
});

describe.runIf(HAVE_TSHARK || process.env.CI === 'true')(
  'tshark reads the same MQTT fields from the same bytes',
  () => {
    const segs: [0 | 1, Uint8Array][] = [
      [0, MQTT.connect311],
      [1, MQTT.connack],
      [0, MQTT.publish],
      [0, MQTT.subscribe],
    ];
    const cap = tempPcap(tcpPcap(DEV, OUT, 50100, 1883, segs));
    afterAll(cap.done);
    const FIELDS = [
      'mqtt.msgtype',
      'mqtt.protoname',
      'mqtt.ver',
      'mqtt.clientid',
      'mqtt.conflag.uname',
      'mqtt.conflag.passwd',
      'mqtt.willtopic',
      'mqtt.topic',
    ] as const;
    it('CONNECT, PUBLISH and SUBSCRIBE fields agree', () => {
      const rows = tshark(cap.path, [
        '-Y',
        'mqtt',
        '-T',
        'fields',
        '-E',
        'separator=|',
        ...FIELDS.flatMap((f) => ['-e', f]),
      ]).map((l) => Object.fromEntries(l.split('|').map((v, i) => [FIELDS[i], v])) as Record<string, string>);
      expect(rows).toHaveLength(4);
      const c = ok(MQTT.connect311);
      expect(rows[0]).toMatchObject({
        'mqtt.msgtype': '1',
        'mqtt.protoname': 'MQTT',
        'mqtt.ver': '4',
        'mqtt.clientid': c.clientId,
        'mqtt.conflag.uname': c.username ? '1' : '0',
        'mqtt.conflag.passwd': c.password ? '1' : '0',
        'mqtt.willtopic': c.willTopic,
      });
      expect(rows[1]!['mqtt.msgtype']).toBe('2');
      expect(rows[2]!['mqtt.topic']).toBe(ok(MQTT.publish).topics[0]);
      expect(rows[3]!['mqtt.topic']).toBe(ok(MQTT.subscribe).topics.join(','));
      expect(tshark(cap.path, ['-V']).filter((l) => /Malformed|Exception/.test(l))).toEqual([]);
    });
  },
);

describe('robustness', () => {
  const ALL = Object.entries(MQTT);
  it.each(ALL.map(([name, bytes]) => ({ name, bytes })))(
    '$name: every truncated prefix is more or an anomaly',
    ({ name, bytes }) => {
      const v5 = name.endsWith('5');
      for (let n = 0; n < bytes.length; n++) {
        const r = decodeMqtt(bytes.slice(0, n), 0, n, v5);
        expect(['more', 'anomaly']).toContain(r.kind);
      }
      expect(decodeMqtt(bytes, 0, bytes.length, v5).kind).toBe('ok');
    },
  );

  it('seeded fuzz: mutated packets never throw and always give a result kind', () => {
    const rnd = rng(0x3a77);
    const kinds = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const [, base] = ALL[i % ALL.length]!;
      const b = mutate(base, rnd);
      const r = decodeMqtt(b, 0, b.length, i % 2 === 0);
      expect(['ok', 'more', 'not', 'anomaly']).toContain(r.kind);
      kinds.add(r.kind);
      if (r.kind === 'anomaly') expect(r.code).toMatch(/^mqtt\./);
      looksLikeMqttConnect(b, 0, b.length);
    }
    expect(kinds).toContain('ok');
    expect(kinds).toContain('anomaly');
  });
});
