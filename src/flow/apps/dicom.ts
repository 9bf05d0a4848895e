// DICOM upper layer analyzer: follows PDUs in each direction, buffering association PDUs
// (small) and skipping P-DATA bodies (image data) without storing them. Each A-ASSOCIATE-RQ/
// AC/RJ, A-RELEASE-RQ and A-ABORT becomes a `dicom-association` whose src is its sender.

import type { DicomAssociation, Endpoint } from '../../events.js';
import { type DicomAssociate, type DicomPdu, decodeDicomPdu, readPduHeader } from '../../decode/dicom/dicom.js';
import { uidName } from '../../decode/dicom/names.js';
import type { Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory } from '../app.js';

/** Association PDUs longer than this are skipped ('dicom.pdu-too-long'); real ones are a few KiB. */
const MAX_BUFFERED = 256 * 1024;

/** A-ASSOCIATE-RQ: type 0x01, reserved 0, a plausible length, protocol version 0x0001 (PS3.8 §9.3.2). */
export function probeDicom(b: Uint8Array): ProbeResult {
  if (b.length < 8) return b.length > 0 && b[0] !== 0x01 ? 'no' : 'more';
  if (b[0] !== 0x01 || b[1] !== 0x00) return 'no';
  const len = ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0;
  return len >= 68 && len <= MAX_BUFFERED && b[6] === 0x00 && b[7] === 0x01 ? 'yes' : 'no';
}

class Direction {
  readonly hdr = new Uint8Array(6);
  hdrLen = 0;
  /** Bytes of the current PDU body still to come. */
  need = 0;
  /** Body bytes are being skipped rather than buffered. */
  skipping = false;
  pdu: Uint8Array | undefined;
  pduLen = 0;
  dead = false;
}

class DicomStream implements StreamApp {
  private readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];
  /** Abstract syntax per presentation context id, from the RQ, to name the AC's contexts. */
  private readonly proposed = new Map<number, string>();

  constructor(private readonly ctx: FlowContext) {}

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    const d = this.dirs[dir];
    let off = 0;
    // Each pass consumes at least one byte, or stops the direction.
    while (off < bytes.length && !d.dead) {
      if (d.need === 0 && d.pdu === undefined && !d.skipping) {
        const n = Math.min(6 - d.hdrLen, bytes.length - off);
        d.hdr.set(bytes.subarray(off, off + n), d.hdrLen);
        d.hdrLen += n;
        off += n;
        if (d.hdrLen === 6) this.header(dir, d, ts);
        continue;
      }
      const n = Math.min(d.need, bytes.length - off);
      if (d.pdu) d.pdu.set(bytes.subarray(off, off + n), d.pduLen);
      d.pduLen += n;
      d.need -= n;
      off += n;
      if (d.need === 0) this.finish(dir, d, ts);
    }
  }

  /** PDU boundaries cannot be found again after lost bytes. */
  gap(dir: Dir, _length: number, _ts: number): void {
    this.dirs[dir].dead = true;
  }

  end(_ts: number): void {}

  private header(dir: Dir, d: Direction, ts: number): void {
    d.hdrLen = 0;
    const h = readPduHeader(d.hdr, 0, 6);
    if (h.kind !== 'ok') {
      if (h.kind === 'anomaly') this.ctx.anomaly(h.code, ts);
      d.dead = true;
      return;
    }
    d.need = h.length;
    d.pduLen = 0;
    if (h.type === 4 || h.length > MAX_BUFFERED) {
      if (h.type !== 4) this.ctx.anomaly('dicom.pdu-too-long', ts, `type ${h.type}, ${h.length} bytes`);
      d.skipping = true;
    } else if (this.ctx.reserve?.(6 + h.length, ts) === false) {
      d.skipping = true; // the run's budget for held bytes is spent (stream.memcap): not kept
    } else {
      d.pdu = new Uint8Array(6 + h.length);
      d.pdu.set(d.hdr);
      d.pduLen = 6;
    }
    if (d.need === 0) this.finish(dir, d, ts);
  }

  private finish(dir: Dir, d: Direction, ts: number): void {
    const buf = d.pdu;
    d.pdu = undefined;
    d.skipping = false;
    if (!buf) return;
    this.ctx.reserve?.(-buf.length, ts);
    const r = decodeDicomPdu(buf, 0, buf.length);
    if (r.kind !== 'ok') return;
    if (r.anomaly) this.ctx.anomaly(r.anomaly, ts);
    this.emit(dir, r.pdu, ts);
  }

  private emit(dir: Dir, pdu: DicomPdu, ts: number): void {
    let body: Partial<DicomAssociation> & Pick<DicomAssociation, 'pdu'>;
    switch (pdu.type) {
      case 'associate-rq':
      case 'associate-ac':
        body = this.associate(pdu);
        break;
      case 'associate-rj':
        body = { pdu: 'rj', rejectReason: pdu.text };
        break;
      case 'abort':
        body = { pdu: 'abort', rejectReason: pdu.text };
        break;
      case 'release-rq':
        body = { pdu: 'release' };
        break;
      default:
        return; // P-DATA and A-RELEASE-RP add nothing to the association's story
    }
    const { ctx } = this;
    const src: Endpoint = dir === 0 ? ctx.client : ctx.server;
    const dst: Endpoint = dir === 0 ? ctx.server : ctx.client;
    ctx.env.countApp('dicom');
    ctx.emit({
      type: 'dicom-association',
      ts,
      flowId: ctx.flowId,
      src,
      dst,
      ...(ctx.vlan !== undefined ? { vlan: ctx.vlan } : {}),
      ...body,
    });
  }

  private associate(a: DicomAssociate): Partial<DicomAssociation> & Pick<DicomAssociation, 'pdu'> {
    const rq = a.type === 'associate-rq';
    const contexts = a.contexts.map((c) => {
      if (rq && c.abstractSyntax !== undefined) this.proposed.set(c.id, c.abstractSyntax);
      const abstractSyntax = c.abstractSyntax ?? this.proposed.get(c.id);
      const name = abstractSyntax !== undefined ? uidName(abstractSyntax) : undefined;
      return {
        id: c.id,
        ...(abstractSyntax !== undefined ? { abstractSyntax } : {}),
        ...(name !== undefined ? { name } : {}),
        transferSyntaxes: c.transferSyntaxes,
        ...(c.result !== undefined ? { result: c.result } : {}),
      };
    });
    return {
      pdu: rq ? 'rq' : 'ac',
      calledAe: a.calledAe,
      callingAe: a.callingAe,
      ...(a.appContext !== undefined ? { appContext: a.appContext } : {}),
      contexts,
      ...(a.maxLength !== undefined ? { maxLength: a.maxLength } : {}),
      ...(a.implementationClass !== undefined ? { implementationClass: a.implementationClass } : {}),
      ...(a.implementationVersion !== undefined ? { implementationVersion: a.implementationVersion } : {}),
    };
  }
}

export const dicomApp: TcpAppFactory = {
  name: 'dicom',
  ports: [104, 11112],
  probe: (_dir, bytes) => probeDicom(bytes),
  create: (ctx) => new DicomStream(ctx),
};
