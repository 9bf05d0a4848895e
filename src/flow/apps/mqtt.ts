// MQTT analyzer (TCP 1883; MQTT over TLS on 8883 is the TLS analyzer's, named by its port and
// SNI): frames each direction's control packets and counts them (`apps.mqtt`), emits one
// `mqtt-message` for the CONNECT (client id, protocol, credential presence, will topic) and one
// per topic name first seen on the flow (PUBLISH either way, SUBSCRIBE) — bounded, so a sensor
// publishing the same three topics every second costs three events. Payloads are skipped.

import {
  decodeMqttHead,
  looksLikeMqttConnect,
  MQTT_CONNECT,
  MQTT_PUBLISH,
  MQTT_SUBSCRIBE,
  mqttFrame,
  type MqttMessage as Decoded,
} from '../../decode/mqtt.js';
import type { MqttMessage } from '../../events.js';
import {
  type Dir,
  type FlowContext,
  type ProbeResult,
  type StreamApp,
  StreamFraming,
  type TcpAppFactory,
} from '../app.js';

/** Bytes of one packet held for decoding: the topic names sit at the front. */
const KEEP = 2048;
/** Distinct topics emitted per flow. */
const MAX_TOPICS = 64;

class MqttStream implements StreamApp {
  private readonly dirs = new StreamFraming(KEEP + 5);
  private v5 = false;
  private readonly topics = new Set<string>();

  constructor(private readonly ctx: FlowContext) {}

  get finished(): boolean {
    return this.dirs.dead[0] && this.dirs.dead[1];
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    const buf = this.dirs.take(dir, bytes);
    if (buf === null) return;
    const dead = this.dirs.dead;
    let p = 0;
    // Each iteration consumes a fixed header (two bytes at least) or stops.
    while (p < buf.length && !dead[dir]) {
      const f = this.dirs.frame(dir, mqttFrame(buf, p, buf.length), this.ctx, ts);
      if (f === null) break;
      const body = p + f.headerLen;
      const have = buf.length - body;
      if (have < Math.min(f.length, KEEP)) break; // wait for the packet, or its first KEEP bytes
      const to = body + Math.min(f.length, have, KEEP);
      const r = decodeMqttHead(buf, body, to, f, this.v5, body + f.length);
      if (r.kind === 'anomaly') {
        this.ctx.anomaly(r.code, ts);
        // A CONNECT that is not MQTT, or a packet cut inside its own length: the framing is lost.
        dead[dir] = true;
        break;
      }
      if (r.kind === 'ok') this.message(dir, f.type, r.msg, ts);
      p = this.dirs.past(dir, buf, body, f.length);
    }
    this.dirs.hold(dir, buf, p, this.ctx, ts);
  }

  private message(dir: Dir, type: number, m: Decoded, ts: number): void {
    const { ctx } = this;
    ctx.env.countApp('mqtt');
    const fromClient = dir === 0;
    let packet: MqttMessage['packet'];
    let topics: readonly string[] = [];
    if (type === MQTT_CONNECT) {
      if (!fromClient) return;
      packet = 'connect';
      this.v5 = m.protocol === '5';
    } else if (type === MQTT_PUBLISH || type === MQTT_SUBSCRIBE) {
      packet = type === MQTT_PUBLISH ? 'publish' : 'subscribe';
      topics = m.topics.filter((t) => !this.topics.has(t));
      if (topics.length === 0 || this.topics.size >= MAX_TOPICS) return;
      topics = topics.slice(0, MAX_TOPICS - this.topics.size);
      for (const t of topics) this.topics.add(t);
    } else return;
    const ev: MqttMessage = {
      type: 'mqtt-message',
      ts,
      flowId: ctx.flowId,
      src: fromClient ? ctx.client : ctx.server,
      dst: fromClient ? ctx.server : ctx.client,
      vlan: ctx.vlan,
      packet,
      fromClient,
      protocol: m.protocol,
      clientId: m.clientId,
      username: m.username,
      password: m.password,
      willTopic: m.willTopic,
      topics,
    };
    ctx.emit(ev);
  }

  gap(dir: Dir): void {
    // MQTT has no resynchronisation point inside a stream.
    this.dirs.kill(dir, this.ctx);
  }

  end(): void {}
}

export const mqttApp: TcpAppFactory = {
  name: 'mqtt',
  ports: [1883],
  probe(dir: Dir, bytes: Uint8Array): ProbeResult {
    // Only the client speaks first; the broker's first bytes (a CONNACK) say nothing alone.
    return dir === 0 ? looksLikeMqttConnect(bytes, 0, bytes.length) : 'no';
  },
  create(ctx: FlowContext): StreamApp {
    return new MqttStream(ctx);
  },
};
