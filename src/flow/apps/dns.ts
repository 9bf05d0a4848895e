// DNS analyzers: over UDP (53; mDNS 5353 and LLMNR 5355 share the format) and over TCP with
// the 2-byte length prefix (RFC 1035 §4.2.2, RFC 7766). Queries become `dns-query` (one per
// question), responses `dns-answer` with the CNAME chains followed back to the question, so that
// later stages can tell which name an address was looked up under.

import { type DnsMessage, decodeDns, resolveChains } from '../../decode/dns/dns.js';
import type { DnsQuery } from '../../events.js';
import { holdBytes } from '../app.js';
import type { DatagramApp, Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory, UdpAppFactory } from '../app.js';

export const DNS_PORTS = [53, 5353, 5355] as const;
const MAX_QUESTIONS_EMITTED = 16;

/** Decode one message and emit its events; shared by the UDP and TCP analyzers. */
function handle(ctx: FlowContext, dir: Dir, b: Uint8Array, off: number, end: number, ts: number): void {
  const r = decodeDns(b, off, end);
  if (r.kind === 'not') return;
  if (r.kind === 'more') {
    ctx.anomaly('dns.truncated', ts);
    return;
  }
  if (r.kind === 'anomaly') {
    ctx.anomaly(r.code, ts);
    return;
  }
  ctx.env.countApp('dns');
  if (r.anomaly !== null) ctx.anomaly(r.anomaly, ts);
  emitMessage(ctx, dir, r.msg, ts);
}

function emitMessage(ctx: FlowContext, dir: Dir, m: DnsMessage, ts: number): void {
  const sender = dir === 0 ? ctx.client.ip : ctx.server.ip;
  const receiver = dir === 0 ? ctx.server.ip : ctx.client.ip;
  const q = m.questions[0];
  if (!m.qr) {
    for (let i = 0; i < m.questions.length && i < MAX_QUESTIONS_EMITTED; i++) {
      const qi = m.questions[i]!;
      const ev: DnsQuery = {
        type: 'dns-query',
        ts,
        flowId: ctx.flowId,
        asker: sender,
        server: receiver,
        id: m.id,
        query: qi.name,
        qtype: qi.type,
      };
      ctx.emit(ev);
    }
    return;
  }
  ctx.emit({
    type: 'dns-answer',
    ts,
    flowId: ctx.flowId,
    asker: receiver,
    server: sender,
    id: m.id,
    rcode: m.rcode,
    query: q?.name ?? '',
    qtype: q?.type ?? '',
    answers: m.answers.map((a) => ({ name: a.name, type: a.type, ttl: a.ttl, data: a.data })),
    extra: [...m.authority, ...m.additional]
      .filter((a) => a.type !== 'OPT')
      .map((a) => ({ name: a.name, type: a.type, ttl: a.ttl, data: a.data })),
    resolved: resolveChains(m),
  });
}

/**
 * Cheap content check of a DNS header: a sane opcode, Z bit clear and at least one question
 * or record. Away from the DNS ports the whole datagram must decode cleanly as exactly one
 * message with one question, so DHCP, RPC or NTP datagrams are never taken for DNS.
 */
function probeDatagram(b: Uint8Array, onPort: boolean): ProbeResult {
  if (b.length < 12) return 'no';
  const flags = (b[2]! << 8) | b[3]!;
  const opcode = (flags >> 11) & 0xf;
  if (opcode > 5 || opcode === 3 || (flags & 0x0040) !== 0) return 'no';
  const qd = (b[4]! << 8) | b[5]!;
  const rest = ((b[6]! << 8) | b[7]!) + ((b[8]! << 8) | b[9]!) + ((b[10]! << 8) | b[11]!);
  if (qd + rest === 0) return 'no';
  const r = decodeDns(b, 0, b.length);
  if (onPort) return r.kind === 'ok' ? 'yes' : 'no';
  return r.kind === 'ok' && r.anomaly === null && qd === 1 && r.msg.size === b.length ? 'yes' : 'no';
}

function isDnsPort(p: number): boolean {
  return p === 53 || p === 5353 || p === 5355;
}

export const dnsUdpApp: UdpAppFactory = {
  name: 'dns',
  ports: DNS_PORTS,
  probe(_dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult {
    return probeDatagram(payload, isDnsPort(srcPort) || isDnsPort(dstPort));
  },
  create(ctx: FlowContext): DatagramApp {
    return {
      datagram(dir: Dir, payload: Uint8Array, ts: number): void {
        handle(ctx, dir, payload, 0, payload.length, ts);
      },
      end(): void {},
    };
  },
};

/** 2-byte length prefix framing per direction; a message is at most 65535 bytes by construction. */
class DnsTcpStream implements StreamApp {
  private readonly pending: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  private readonly dead: [boolean, boolean] = [false, false];
  /** Of the run's budget for held bytes, per direction (holdBytes). */
  private readonly had: [number, number] = [0, 0];

  constructor(private readonly ctx: FlowContext) {}

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (this.dead[dir]) return;
    let buf = bytes;
    const prev = this.pending[dir];
    if (prev.length > 0) {
      buf = new Uint8Array(prev.length + bytes.length);
      buf.set(prev);
      buf.set(bytes, prev.length);
    }
    let p = 0;
    // Each iteration consumes ≥2 bytes.
    while (buf.length - p >= 2) {
      const len = (buf[p]! << 8) | buf[p + 1]!;
      if (len < 12) {
        this.ctx.anomaly('dns.truncated', ts);
        this.dead[dir] = true;
        return;
      }
      if (buf.length - p - 2 < len) break;
      handle(this.ctx, dir, buf, p + 2, p + 2 + len, ts);
      p += 2 + len;
    }
    this.pending[dir] = p === buf.length ? new Uint8Array(0) : buf.slice(p);
    this.hold(dir, ts);
  }

  /** The kept bytes against the run's budget; refused, the direction is given up (as after a hole). */
  private hold(dir: Dir, ts: number): void {
    const h = holdBytes(this.ctx, this.had[dir], this.pending[dir].length, ts);
    this.had[dir] = Math.max(h, 0);
    if (h < 0) {
      this.dead[dir] = true;
      this.pending[dir] = new Uint8Array(0);
    }
  }

  gap(dir: Dir, _length: number, ts: number): void {
    // The length prefix cannot be found again after a hole.
    this.dead[dir] = true;
    this.pending[dir] = new Uint8Array(0);
    this.hold(dir, ts);
  }

  end(): void {}
}

export const dnsTcpApp: TcpAppFactory = {
  name: 'dns',
  ports: [53],
  probe(_dir: Dir, b: Uint8Array): ProbeResult {
    if (b.length >= 2 && ((b[0]! << 8) | b[1]!) < 12) return 'no';
    if (b.length < 14) return 'more';
    const len = (b[0]! << 8) | b[1]!;
    // Header sanity first, so that unrelated binary streams are turned away within 14 bytes.
    const flags = (b[4]! << 8) | b[5]!;
    const opcode = (flags >> 11) & 0xf;
    const qd = (b[6]! << 8) | b[7]!;
    const rr = ((b[8]! << 8) | b[9]!) + ((b[10]! << 8) | b[11]!) + ((b[12]! << 8) | b[13]!);
    if (opcode > 5 || opcode === 3 || (flags & 0x0040) !== 0 || qd !== 1 || rr > 512) return 'no';
    // A complete first message decides; a long one is left to the port.
    if (b.length < len + 2) return len <= 1024 ? 'more' : 'no';
    return probeDatagram(b.subarray(2, 2 + len), false);
  },
  create(ctx: FlowContext): StreamApp {
    return new DnsTcpStream(ctx);
  },
};
