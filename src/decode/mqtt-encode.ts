// MQTT control packets written (the simulator's telemetry client and the tests' fixtures): the
// mirror of decode/mqtt.ts for the packets it reads. Byte-exact: decode(encode(x)) gives x back.
import { ascii, Bytes } from './bytes.js';

export type MqttProtocol = '3.1' | '3.1.1' | '5';

/** The fixed header: type and flags, then the Remaining Length in 7-bit groups (§2.2.3). */
function packet(type: number, flags: number, body: Uint8Array): Uint8Array {
  const w = new Bytes(body.length + 5).u8((type << 4) | flags);
  let n = body.length;
  do {
    let d = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) d |= 0x80;
    w.u8(d);
  } while (n > 0);
  return w.bytes(body).done();
}

function str(w: Bytes, s: string | Uint8Array): void {
  const b = typeof s === 'string' ? ascii(s) : s;
  w.u16(b.length).bytes(b);
}

export interface MqttConnectSpec {
  readonly protocol: MqttProtocol;
  readonly clientId: string;
  readonly keepAlive?: number;
  readonly username?: string;
  readonly password?: string;
  readonly will?: { readonly topic: string; readonly message: Uint8Array };
}

export function mqttConnect(s: MqttConnectSpec): Uint8Array {
  const v5 = s.protocol === '5';
  const w = new Bytes(64);
  str(w, s.protocol === '3.1' ? 'MQIsdp' : 'MQTT');
  w.u8(s.protocol === '3.1' ? 3 : s.protocol === '3.1.1' ? 4 : 5);
  let flags = 0x02; // clean session
  if (s.will !== undefined) flags |= 0x04;
  if (s.password !== undefined) flags |= 0x40;
  if (s.username !== undefined) flags |= 0x80;
  w.u8(flags).u16(s.keepAlive ?? 60);
  if (v5) w.u8(0); // no properties
  str(w, s.clientId);
  if (s.will !== undefined) {
    if (v5) w.u8(0);
    str(w, s.will.topic);
    str(w, s.will.message);
  }
  if (s.username !== undefined) str(w, s.username);
  if (s.password !== undefined) str(w, s.password);
  return packet(1, 0, w.done());
}

export function mqttConnack(code: number, v5 = false): Uint8Array {
  const w = new Bytes(4).u8(0).u8(code);
  if (v5) w.u8(0);
  return packet(2, 0, w.done());
}

/** A PUBLISH of `payload` to `topic` (QoS 0, or 1 with `packetId`). */
export function mqttPublish(topic: string, payload: Uint8Array, v5 = false, packetId?: number): Uint8Array {
  const w = new Bytes(payload.length + topic.length + 8);
  str(w, topic);
  if (packetId !== undefined) w.u16(packetId);
  if (v5) w.u8(0);
  w.bytes(payload);
  return packet(3, packetId !== undefined ? 0x02 : 0, w.done());
}

export function mqttSubscribe(packetId: number, topics: readonly string[], v5 = false): Uint8Array {
  const w = new Bytes(64).u16(packetId);
  if (v5) w.u8(0);
  for (const t of topics) {
    str(w, t);
    w.u8(0); // QoS 0
  }
  return packet(8, 0x02, w.done());
}

export function mqttPingreq(): Uint8Array {
  return packet(12, 0, new Uint8Array(0));
}
