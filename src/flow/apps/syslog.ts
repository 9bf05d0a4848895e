// Syslog analyzer (UDP 514; TCP 514/601 with RFC 6587 octet counting or LF framing): one
// `syslog-message` per message with its facility, host and app name. The text itself never
// leaves: it is only searched for HL7 segments, and when a message carries an MSH or PID
// segment those are read by the HL7 decoder (salted hashes, field names) and emitted as an
// `hl7-message` of this flow — a monitor logging HL7 to a syslog collector is patient data in
// cleartext like any other (phi.cleartext and the patient ledger take it from there).

import { decodeHl7 } from '../../decode/hl7/hl7.js';
import { decodeSyslog, octetCount, SYSLOG_MAX_FRAME } from '../../decode/syslog/syslog.js';
import type { SyslogMessage } from '../../events.js';
import { hl7Event } from './hl7.js';
import { holdBytes } from '../app.js';
import type { DatagramApp, Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory, UdpAppFactory } from '../app.js';

const M = 0x4d;
const P = 0x50;
/** A stand-in header for a PID segment logged without its MSH, so the HL7 decoder can read it. */
const STUB_MSH = new TextEncoder().encode('MSH|^~\\&\r');

/** Offset of a segment id ('MSH|' or 'PID|') at a line start or after a space/separator, or -1. */
function findSegment(b: Uint8Array, s: number, e: number, c0: number, c1: number, c2: number): number {
  for (let i = s; i + 4 <= e; i++) {
    if (b[i] !== c0 || b[i + 1] !== c1 || b[i + 2] !== c2 || b[i + 3] !== 0x7c) continue;
    const prev = i === s ? 0x20 : b[i - 1]!;
    if (prev === 0x20 || prev === 0x0d || prev === 0x0a || prev === 0x09 || prev === 0x3a) return i;
  }
  return -1;
}

class SyslogReader {
  private readonly opts: { hashId: (id: string) => string };

  constructor(
    private readonly ctx: FlowContext,
    private readonly transport: 'udp' | 'tcp',
  ) {
    this.opts = { hashId: (id) => ctx.env.hashPatientId(id) };
  }

  message(dir: Dir, b: Uint8Array, off: number, end: number, ts: number): void {
    const { ctx } = this;
    const r = decodeSyslog(b, off, end);
    if (r.kind === 'anomaly') {
      ctx.anomaly(r.code, ts);
      return;
    }
    ctx.env.countApp('syslog');
    const h = r.header;
    const src = dir === 0 ? ctx.client : ctx.server;
    const dst = dir === 0 ? ctx.server : ctx.client;
    const patientData = this.patient(b, h.msgStart, end, src, dst, ts);
    const ev: SyslogMessage = {
      type: 'syslog-message',
      ts,
      flowId: ctx.flowId,
      src,
      dst,
      vlan: ctx.vlan,
      transport: this.transport,
      format: h.format,
      facility: h.facility,
      severity: h.severity,
      hostname: h.hostname,
      appName: h.appName,
      patientData,
    };
    ctx.emit(ev);
  }

  /** HL7 segments in the text: decoded (hashes and field names only) and emitted; true when identifying. */
  private patient(
    b: Uint8Array,
    s: number,
    e: number,
    src: SyslogMessage['src'],
    dst: SyslogMessage['dst'],
    ts: number,
  ): boolean {
    let at = findSegment(b, s, e, M, 0x53, 0x48);
    let buf = b;
    let end = e;
    if (at < 0) {
      const pid = findSegment(b, s, e, P, 0x49, 0x44);
      if (pid < 0) return false;
      buf = new Uint8Array(STUB_MSH.length + (e - pid));
      buf.set(STUB_MSH);
      buf.set(b.subarray(pid, e), STUB_MSH.length);
      at = 0;
      end = buf.length;
    }
    const r = decodeHl7(buf, at, end, this.opts, this.ctx.env.hl7);
    if (r.kind !== 'ok' || r.message.fieldsPresent.length === 0) return false;
    const m = r.message;
    this.ctx.env.countApp('hl7');
    this.ctx.emit(hl7Event(this.ctx, src, dst, ts, m));
    return true;
  }
}

export const syslogUdpApp: UdpAppFactory = {
  name: 'syslog',
  ports: [514],
  probe(_dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult {
    if (dstPort !== 514 && srcPort !== 514) return 'no';
    return decodeSyslog(payload, 0, payload.length).kind === 'ok' ? 'yes' : 'no';
  },
  create(ctx: FlowContext): DatagramApp {
    const r = new SyslogReader(ctx, 'udp');
    return {
      datagram: (dir, payload, ts) => r.message(dir, payload, 0, payload.length, ts),
      end(): void {},
    };
  },
};

/** TCP syslog: octet-counted frames or LF-terminated messages, client → server only. */
class SyslogStream implements StreamApp {
  private buf = new Uint8Array(0);
  /** Of the run's budget for held bytes (holdBytes). */
  private had = 0;
  private broken = false;
  private readonly reader: SyslogReader;

  constructor(private readonly ctx: FlowContext) {
    this.reader = new SyslogReader(ctx, 'tcp');
  }

  get finished(): boolean {
    return this.broken;
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (dir !== 0 || this.broken) return;
    const next = new Uint8Array(this.buf.length + bytes.length);
    next.set(this.buf);
    next.set(bytes, this.buf.length);
    const b = next;
    let p = 0;
    while (p < b.length) {
      if (b[p] === 0x0a || b[p] === 0x0d) {
        p++;
        continue;
      }
      if (b[p] === 0x3c) {
        const lf = b.indexOf(0x0a, p);
        if (lf < 0) break;
        this.reader.message(0, b, p, lf, ts);
        p = lf + 1;
        continue;
      }
      const f = octetCount(b, p, b.length);
      if (f.kind === 'more') break;
      if (f.kind === 'anomaly') {
        this.ctx.anomaly(f.code, ts);
        this.broken = true;
        this.buf = new Uint8Array(0);
        return;
      }
      this.reader.message(0, b, f.start, f.end, ts);
      p = f.end;
    }
    this.buf = b.slice(p);
    if (this.buf.length > SYSLOG_MAX_FRAME + 8) {
      this.ctx.anomaly('syslog.bad-frame', ts);
      this.broken = true;
      this.buf = new Uint8Array(0);
    }
    this.hold(ts);
  }

  /** The kept bytes against the run's budget; refused, the flow is given up as past its frame bound. */
  private hold(ts: number): void {
    const h = holdBytes(this.ctx, this.had, this.buf.length, ts);
    if (h >= 0) {
      this.had = h;
      return;
    }
    this.had = 0;
    this.broken = true;
    this.buf = new Uint8Array(0);
  }

  gap(dir: Dir, _length: number, ts: number): void {
    if (dir !== 0) return;
    this.buf = new Uint8Array(0);
    this.hold(ts);
  }

  end(ts: number): void {
    // A last LF-framed message without its LF.
    if (!this.broken && this.buf.length > 0 && this.buf[0] === 0x3c)
      this.reader.message(0, this.buf, 0, this.buf.length, ts);
    this.buf = new Uint8Array(0);
  }
}

export const syslogTcpApp: TcpAppFactory = {
  name: 'syslog',
  ports: [514, 601],
  // Octet counting "123 <13>1 ..." is distinctive; a bare '<PRI>' stream is left to the port.
  probe(dir: Dir, b: Uint8Array): ProbeResult {
    if (dir !== 0) return 'no';
    let i = 0;
    while (i < b.length && i < 6 && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    if (i === 0 || i === 6) return 'no';
    if (i + 2 >= b.length) return 'more';
    return b[i] === 0x20 && b[i + 1] === 0x3c && b[i + 2]! >= 0x30 && b[i + 2]! <= 0x39 ? 'yes' : 'no';
  },
  create: (ctx) => new SyslogStream(ctx),
};
