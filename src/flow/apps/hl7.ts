// HL7 v2 over MLLP: found by content on any port (the CMS8000 sent HL7 to TCP 515), by
// port 2575 otherwise. One de-framer per direction; each message becomes an `hl7-message`
// whose src is the sender of that message (ACKs flow back from the receiver).

import type { Endpoint, Hl7Message } from '../../events.js';
import { decodeHl7, type Hl7Decoded, type Hl7Options } from '../../decode/hl7/hl7.js';
import { MLLP_START, MllpDeframer } from '../../decode/hl7/mllp.js';
import type { Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory } from '../app.js';

/** Bytes of whitespace/junk tolerated before the start byte when probing. */
const PROBE_SLACK = 4;
const MSH = [0x4d, 0x53, 0x48];

/** 'yes' for VT then "MSH" within the first few bytes of a direction. */
export function probeHl7(bytes: Uint8Array): ProbeResult {
  const lim = Math.min(bytes.length, PROBE_SLACK + 1);
  for (let i = 0; i < lim; i++) {
    if (bytes[i] !== MLLP_START) continue;
    for (let k = 0; k < 3; k++) {
      if (i + 1 + k >= bytes.length) return 'more';
      if (bytes[i + 1 + k] !== MSH[k]) return 'no';
    }
    return 'yes';
  }
  return bytes.length > PROBE_SLACK ? 'no' : 'more';
}

class Hl7Stream implements StreamApp {
  private readonly deframers: [MllpDeframer, MllpDeframer];
  private ts = 0;
  /** One options object for the flow's life: nothing is allocated per frame for it. */
  private readonly opts: Hl7Options;

  constructor(private readonly ctx: FlowContext) {
    this.opts = { hashId: (id) => ctx.env.hashPatientId(id) };
    this.deframers = [this.deframer(0), this.deframer(1)];
  }

  private deframer(dir: Dir): MllpDeframer {
    return new MllpDeframer({
      frame: (payload) => this.frame(dir, payload),
      anomaly: (code) => this.ctx.anomaly(code, this.ts),
      reserve: (bytes) => this.ctx.reserve?.(bytes, this.ts) ?? true,
    });
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    this.ts = ts;
    this.deframers[dir].push(bytes);
  }

  gap(dir: Dir, _length: number, ts: number): void {
    this.ts = ts;
    this.deframers[dir].reset(false);
  }

  end(ts: number): void {
    this.ts = ts;
    this.deframers[0].reset(true);
    this.deframers[1].reset(true);
  }

  private frame(dir: Dir, payload: Uint8Array): void {
    let off = 0;
    // Each decode consumes at least one message or names an anomaly that skips ahead.
    while (off < payload.length) {
      const r = decodeHl7(payload, off, payload.length, this.opts, this.ctx.env.hl7);
      if (r.kind === 'not') return;
      if (r.kind === 'anomaly') this.ctx.anomaly(r.code, this.ts);
      else this.emit(dir, r.message);
      if (r.next <= off) return;
      off = r.next;
    }
  }

  private emit(dir: Dir, m: Hl7Decoded): void {
    const { ctx } = this;
    ctx.env.countApp('hl7');
    ctx.emit(hl7Event(ctx, dir === 0 ? ctx.client : ctx.server, dir === 0 ? ctx.server : ctx.client, this.ts, m));
  }
}

/**
 * The `hl7-message` of one decoded message: one literal with every key (undefined where absent), in
 * the event's key order; decoder extras (orders, errors) stay out of the event vocabulary. MLLP
 * streams and HL7 logged inside syslog both emit through it.
 */
export function hl7Event(ctx: FlowContext, src: Endpoint, dst: Endpoint, ts: number, m: Hl7Decoded): Hl7Message {
  return {
    type: 'hl7-message',
    ts,
    flowId: ctx.flowId,
    src,
    dst,
    vlan: ctx.vlan,
    messageType: m.messageType,
    sendingApp: m.sendingApp,
    sendingFacility: m.sendingFacility,
    receivingApp: m.receivingApp,
    receivingFacility: m.receivingFacility,
    time: m.time,
    controlId: m.controlId,
    version: m.version,
    location: m.location,
    ackCode: m.ackCode,
    ackControlId: m.ackControlId,
    patientHashes: m.patientHashes,
    fieldsPresent: m.fieldsPresent,
    observations: m.observations,
    equipment: m.equipment.length > 0 ? m.equipment : undefined,
    segments: m.segments,
    bytes: m.bytes,
    proxied: ctx.tunnel,
  };
}

export const hl7App: TcpAppFactory = {
  name: 'hl7',
  ports: [2575],
  probe: (_dir, bytes) => probeHl7(bytes),
  create: (ctx) => new Hl7Stream(ctx),
};
