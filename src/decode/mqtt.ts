// MQTT 3.1 / 3.1.1 / 5.0 control packets (OASIS mqtt-v3.1.1 §2–3, mqtt-v5.0 §2–3; TCP 1883):
// the fixed header (type, flags, a Remaining Length of at most four 7-bit groups), and of the
// packets that say who a client is and what it talks about: CONNECT (protocol name and level,
// client id, whether a user name and password are present — never their values —, the will
// topic) and the topic *names* of PUBLISH and SUBSCRIBE. Payloads are never read: a PUBLISH's
// application message (the telemetry) is skipped. Topic lists are bounded.

export const MQTT_ANOMALIES = [
  'mqtt.bad-length', // a Remaining Length longer than four bytes (§2.2.3)
  'mqtt.bad-protocol', // a CONNECT whose protocol name or level is not MQTT 3.1, 3.1.1 or 5
  'mqtt.truncated', // a field runs past its packet's Remaining Length
] as const;
export type MqttAnomaly = (typeof MQTT_ANOMALIES)[number];

export const MQTT_CONNECT = 1;
export const MQTT_PUBLISH = 3;
export const MQTT_SUBSCRIBE = 8;

const TYPES = [
  'reserved',
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
] as const;
export type MqttPacketType = (typeof TYPES)[number];

/** Topic names kept per SUBSCRIBE, and the length a name is cut to. */
export const MQTT_MAX_TOPICS = 16;
export const MQTT_MAX_TOPIC = 200;
/** The MQTT limit on Remaining Length (§2.2.3: 268,435,455). */
const MAX_REMAINING = 268_435_455;

export interface MqttFrame {
  readonly kind: 'frame';
  readonly type: number;
  readonly flags: number;
  /** Bytes of the fixed header (1 + the Remaining Length's 1–4). */
  readonly headerLen: number;
  /** Remaining Length: the variable header and payload. */
  readonly length: number;
}

/** The fixed header at `off`, 'more' when it is not all there yet. */
export function mqttFrame(
  b: Uint8Array,
  off: number,
  end: number,
): MqttFrame | { readonly kind: 'more' } | { readonly kind: 'anomaly'; readonly code: MqttAnomaly } {
  end = Math.min(end, b.length);
  if (off >= end) return { kind: 'more' };
  let length = 0;
  let mul = 1;
  for (let i = 1; i <= 4; i++) {
    if (off + i >= end) return { kind: 'more' };
    const c = b[off + i]!;
    length += (c & 0x7f) * mul;
    if ((c & 0x80) === 0) return { kind: 'frame', type: b[off]! >> 4, flags: b[off]! & 0x0f, headerLen: 1 + i, length };
    mul *= 128;
  }
  return { kind: 'anomaly', code: 'mqtt.bad-length' };
}

export interface MqttMessage {
  readonly type: MqttPacketType;
  /** CONNECT: '3.1' (MQIsdp level 3), '3.1.1' (level 4) or '5' (level 5). */
  readonly protocol?: '3.1' | '3.1.1' | '5';
  readonly clientId?: string;
  /** CONNECT: a user name / password is present (the values are never read). */
  readonly username?: boolean;
  readonly password?: boolean;
  readonly willTopic?: string;
  readonly keepAlive?: number;
  /** PUBLISH: its topic; SUBSCRIBE: its topic filters (at most MQTT_MAX_TOPICS). */
  readonly topics: readonly string[];
  /** CONNACK: the return (3.1.1) or reason (5) code. */
  readonly returnCode?: number;
}

export type MqttResult =
  | { readonly kind: 'ok'; readonly msg: MqttMessage; readonly next: number }
  | { readonly kind: 'more' }
  | { readonly kind: 'not' }
  | { readonly kind: 'anomaly'; readonly code: MqttAnomaly };

const TRUNC = { kind: 'anomaly', code: 'mqtt.truncated' } as const;

/** A cursor over one packet's bytes [p, end): `bad` once a read ran past the end. */
class Cursor {
  bad = false;
  constructor(
    readonly b: Uint8Array,
    public p: number,
    readonly end: number,
  ) {}
  u8(): number {
    if (this.p + 1 > this.end) {
      this.bad = true;
      return 0;
    }
    return this.b[this.p++]!;
  }
  u16(): number {
    if (this.p + 2 > this.end) {
      this.bad = true;
      this.p = this.end;
      return 0;
    }
    const v = (this.b[this.p]! << 8) | this.b[this.p + 1]!;
    this.p += 2;
    return v;
  }
  skip(n: number): void {
    if (this.p + n > this.end) {
      this.bad = true;
      this.p = this.end;
    } else this.p += n;
  }
  /** A UTF-8 string (u16 length): printable ASCII kept, cut to `max`; other bytes as '?'. */
  str(max = MQTT_MAX_TOPIC): string {
    const n = this.u16();
    if (this.bad) return '';
    if (this.p + n > this.end) {
      this.bad = true;
      this.p = this.end;
      return '';
    }
    let s = '';
    const to = this.p + Math.min(n, max);
    for (let i = this.p; i < to; i++) {
      const c = this.b[i]!;
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
    }
    this.p += n;
    return s;
  }
  /** MQTT 5 properties: a variable byte integer length, then skipped. */
  properties(): void {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 4; i++) {
      const c = this.u8();
      if (this.bad) return;
      n += (c & 0x7f) * mul;
      if ((c & 0x80) === 0) {
        this.skip(n);
        return;
      }
      mul *= 128;
    }
    this.bad = true;
  }
}

/**
 * The MQTT packet at `off`. `v5` says the connection's CONNECT asked for MQTT 5 (SUBSCRIBE and
 * PUBLISH then carry properties; CONNECT says so itself). A packet longer than the bytes held is
 * 'more'; the analyzer decides how much it holds (see `decodeMqttHead`).
 */
export function decodeMqtt(b: Uint8Array, off: number, end: number, v5 = false): MqttResult {
  end = Math.min(end, b.length);
  const f = mqttFrame(b, off, end);
  if (f.kind !== 'frame') return f;
  if (f.length > MAX_REMAINING) return { kind: 'anomaly', code: 'mqtt.bad-length' };
  const next = off + f.headerLen + f.length;
  if (next > end) return { kind: 'more' };
  return decodeMqttHead(b, off + f.headerLen, next, f, v5, next);
}

/**
 * The packet whose fixed header is `f` from its variable header at `p` to `end`, which may stop
 * short of the packet (`next`) when only its head is held: a PUBLISH's topic comes first, so a
 * large application message need not be buffered. Fields past `end` are then not read.
 */
export function decodeMqttHead(
  b: Uint8Array,
  p: number,
  end: number,
  f: MqttFrame,
  v5: boolean,
  next: number,
): MqttResult {
  const partial = end < next;
  const c = new Cursor(b, p, end);
  const type = TYPES[f.type]!;
  if (f.type === MQTT_CONNECT) {
    const name = c.str(8);
    const level = c.u8();
    const flags = c.u8();
    const keepAlive = c.u16();
    if (c.bad) return TRUNC;
    const protocol =
      name === 'MQIsdp' && level === 3
        ? '3.1'
        : name === 'MQTT' && level === 4
          ? '3.1.1'
          : name === 'MQTT' && level === 5
            ? '5'
            : undefined;
    if (protocol === undefined) return { kind: 'anomaly', code: 'mqtt.bad-protocol' };
    if (protocol === '5') c.properties();
    const clientId = c.str();
    let willTopic: string | undefined;
    if (flags & 0x04) {
      if (protocol === '5') c.properties();
      willTopic = c.str();
      c.skip(c.u16()); // the will message, never read
    }
    const username = (flags & 0x80) !== 0;
    const password = (flags & 0x40) !== 0;
    if (username) c.skip(c.u16());
    if (password) c.skip(c.u16());
    if (c.bad && !partial) return TRUNC;
    return {
      kind: 'ok',
      next,
      msg: { type, protocol, clientId, username, password, willTopic, keepAlive, topics: [], returnCode: undefined },
    };
  }
  if (f.type === MQTT_PUBLISH) {
    const topic = c.str();
    if (c.bad) return TRUNC;
    return { kind: 'ok', next, msg: { type, topics: [topic] } };
  }
  if (f.type === MQTT_SUBSCRIBE) {
    c.u16(); // packet identifier
    if (v5) c.properties();
    const topics: string[] = [];
    while (!c.bad && c.p < c.end && topics.length < MQTT_MAX_TOPICS) {
      const t = c.str();
      c.u8(); // subscription options / requested QoS
      if (!c.bad) topics.push(t);
    }
    if ((c.bad && !partial) || topics.length === 0) return TRUNC;
    return { kind: 'ok', next, msg: { type, topics } };
  }
  if (type === 'connack') {
    c.u8(); // acknowledge flags
    const returnCode = c.u8();
    if (c.bad) return TRUNC;
    return { kind: 'ok', next, msg: { type, topics: [], returnCode } };
  }
  return { kind: 'ok', next, msg: { type, topics: [] } };
}

/**
 * First bytes of a client's stream: 'yes' for a CONNECT naming MQTT or MQIsdp, 'more' while a
 * prefix of one, else 'no'.
 */
export function looksLikeMqttConnect(b: Uint8Array, off: number, end: number): 'yes' | 'no' | 'more' {
  end = Math.min(end, b.length);
  if (off >= end) return 'more';
  if (b[off] !== 0x10) return 'no';
  const f = mqttFrame(b, off, end);
  if (f.kind === 'more') return 'more';
  if (f.kind !== 'frame') return 'no';
  const p = off + f.headerLen;
  const want = [0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]; // 00 04 'MQTT'
  const old = [0x00, 0x06, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70]; // 00 06 'MQIsdp'
  const match = (sig: number[]) => {
    for (let i = 0; i < sig.length; i++) {
      if (p + i >= end) return 'more';
      if (b[p + i] !== sig[i]) return 'no';
    }
    return 'yes';
  };
  const a = match(want);
  if (a !== 'no') return a;
  return match(old);
}
