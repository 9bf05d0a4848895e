// The benchmark's capture: many short, interleaved flows (HL7/MLLP with ACKs, HTTP, TLS, DNS,
// NTP, ARP) written with our pcap writer and the simulator's frame builder. Many flows matter:
// a DPI engine's cost is per flow and per packet until it decides, so a capture of a few long
// transfers flatters everyone. Deterministic for a seed. Fictional patients only.
import { CaptureFileWriter } from '../capture/writer.js';
import { dnsQuery, dnsResponse } from '../decode/dns/encode.js';
import { mllp } from '../decode/hl7/messages.js';
import { httpGet, httpResponse, ntpClient, ntpServer } from '../sim/proto/misc.js';
import { clientFinish, clientHello, serverFlight } from '../decode/tls-encode.js';
import { ACK, FIN, FrameBuilder, type Host, host, PSH, SYN } from '../sim/wire.js';

export interface GenResult {
  packets: number;
  bytes: number;
  flows: number;
}

const START_US = Date.UTC(2025, 0, 30, 8, 0, 0) * 1000;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function oru(n: number, bed: number, r: () => number): string {
  const id = `MSG${n}`;
  const v = (base: number, spread: number) => (base + Math.floor(r() * spread)).toString();
  return [
    `MSH|^~\\&|MONITOR|WARD12|CENTRAL|WARD12|20250130080000||ORU^R01^ORU_R01|${id}|P|2.6`,
    `PID|||BENCH${100000 + (n % 5000)}^^^WARD^MR||BENCHPATIENT^FICTIONAL^^^^L||19700101|U`,
    `PV1||I|WARD12^${bed}^1`,
    `OBR|1|${id}|${id}|182777000^monitoring of patient^SNOMED-CT`,
    `OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|${v(60, 40)}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R`,
    `OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|${v(92, 8)}|262688^MDC_DIM_PERCENT^MDC|||||R`,
    `OBX|3|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.2|${v(60, 40)}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R`,
    `OBX|4|NM|151562^MDC_RESP_RATE^MDC|1.3.1.1|${v(10, 15)}|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R`,
    '',
  ].join('\r');
}

const ack = (n: number) =>
  `MSH|^~\\&|CENTRAL|WARD12|MONITOR|WARD12|20250130080000||ACK^R01^ACK|A${n}|P|2.6\rMSA|AA|MSG${n}\r`;

/** A TCP conversation as frames (copies): handshake, exchanges segmented at the MSS, teardown. */
function tcpFrames(
  fb: FrameBuilder,
  c: Host,
  s: Host,
  cp: number,
  sp: number,
  isn: number,
  talk: [0 | 1, Uint8Array][],
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cs = isn >>> 0;
  let ss = Math.imul(isn ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
  const seg = (fromC: boolean, flags: number, data: Uint8Array | null, off = 0, len = 0) => {
    const f = fromC
      ? fb.tcp(c, s, cp, sp, cs, ss, flags, 64240, data, off, len)
      : fb.tcp(s, c, sp, cp, ss, cs, flags, 64240, data, off, len);
    out.push(f.slice());
  };
  seg(true, SYN, null);
  cs = (cs + 1) >>> 0;
  seg(false, SYN | ACK, null);
  ss = (ss + 1) >>> 0;
  seg(true, ACK, null);
  for (const [dir, data] of talk) {
    for (let off = 0; off < data.length; off += 1460) {
      const len = Math.min(1460, data.length - off);
      seg(dir === 0, PSH | ACK, data, off, len);
      if (dir === 0) cs = (cs + len) >>> 0;
      else ss = (ss + len) >>> 0;
    }
    seg(dir !== 0, ACK, null);
  }
  seg(true, FIN | ACK, null);
  cs = (cs + 1) >>> 0;
  seg(false, FIN | ACK, null);
  ss = (ss + 1) >>> 0;
  seg(true, ACK, null);
  return out;
}

export function writeBenchCapture(out: string, target: number, seed = 7): GenResult {
  const r = rng(seed);
  const fb = new FrameBuilder();
  const w = new CaptureFileWriter(out, { linktype: 1 });
  const clients: Host[] = [];
  for (let i = 0; i < 400; i++) {
    const a = 16 + (i >> 8);
    const b = i & 0xff;
    clients.push(
      host(
        `c${i}`,
        `02:57:b0:00:${a.toString(16).padStart(2, '0')}:${b.toString(16).padStart(2, '0')}`,
        `10.40.${a}.${b}`,
      ),
    );
  }
  const central = host('central', '02:57:b1:00:00:01', '10.40.1.20');
  const gw = host('gw', '02:57:b1:00:00:fe', '10.40.1.1');
  // Outside servers are reached through the gateway's MAC, as on a real ward.
  const web = Array.from({ length: 50 }, (_, i) => ({
    ...host(`web${i}`, '02:57:b1:00:00:fe', `198.51.100.${i + 1}`),
  }));
  const random96 = new Uint8Array(96).map((_, i) => (i * 37) & 0xff);
  let packets = 0;
  let bytes = 0;
  let flows = 0;
  let msg = 0;
  let ts = START_US;
  const active: Uint8Array[][] = [];
  const cursor: number[] = [];

  const newFlow = (): Uint8Array[] => {
    flows++;
    const c = clients[Math.floor(r() * clients.length)]!;
    const port = 20000 + Math.floor(r() * 40000);
    const isn = Math.floor(r() * 0xffffffff);
    const k = r();
    if (k < 0.35) {
      const talk: [0 | 1, Uint8Array][] = [];
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        msg++;
        talk.push([0, mllp(oru(msg, (msg % 40) + 1, r))], [1, mllp(ack(msg))]);
      }
      return tcpFrames(fb, c, central, port, 2575, isn, talk);
    }
    const srv = web[Math.floor(r() * web.length)]!;
    if (k < 0.55) {
      const body = 'x'.repeat(500 + Math.floor(r() * 5000));
      return tcpFrames(fb, c, srv, port, 80, isn, [
        [0, httpGet(`www${srv.ip & 0xff}.example.org`, '/index.html', 'Mozilla/5.0 (bench)')],
        [1, httpResponse(200, 'OK', body)],
      ]);
    }
    if (k < 0.75) {
      const app = new Uint8Array(1000 + Math.floor(r() * 6000)).fill(0x17);
      return tcpFrames(fb, c, srv, port, 443, isn, [
        [0, clientHello(`api${srv.ip & 0xff}.example.net`, ['h2', 'http/1.1'], random96)],
        [1, serverFlight(random96, random96, [800])],
        [0, clientFinish(random96, [200])],
        [1, app],
      ]);
    }
    if (k < 0.92) {
      const id = Math.floor(r() * 65535);
      const name = `host${Math.floor(r() * 5000)}.example.org`;
      return [
        fb.udp(c, gw, port, 53, dnsQuery(id, name)).slice(),
        fb
          .udp(
            gw,
            c,
            53,
            port,
            dnsResponse(id, name, [{ name, type: 'A', ttl: 300, data: `198.51.100.${1 + (id % 50)}` }]),
          )
          .slice(),
      ];
    }
    if (k < 0.97) {
      return [
        fb.udp(c, gw, 123, 123, ntpClient(ts)).slice(),
        fb.udp(gw, c, 123, 123, ntpServer(ts, ts + 300, 0x7f000001)).slice(),
      ];
    }
    return [fb.arp(1, c, gw.ip).slice(), fb.arp(2, gw, c.ip, c).slice()];
  };

  try {
    for (let i = 0; i < 256; i++) {
      active.push(newFlow());
      cursor.push(0);
    }
    while (packets < target) {
      const i = Math.floor(r() * active.length);
      const frames = active[i]!;
      const f = frames[cursor[i]!]!;
      w.write(ts, f);
      packets++;
      bytes += f.length;
      ts += 50 + Math.floor(r() * 200);
      if (++cursor[i]! >= frames.length) {
        active[i] = newFlow();
        cursor[i] = 0;
      }
    }
  } finally {
    w.close();
  }
  return { packets, bytes, flows };
}
