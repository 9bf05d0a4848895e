// DICOM upper layer (PS3.8): A-ASSOCIATE-RQ/AC, P-DATA-TF carrying a C-STORE of one image in
// Implicit VR Little Endian, A-RELEASE-RQ/RP.
import { Bytes } from '../bytes.js';

export const APP_CONTEXT = '1.2.840.10008.3.1.1.1';
export const CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
const IMPL_CLASS = '1.2.826.0.1.3680043.9.7133.1';
export const MAX_PDU = 16384;

function ae(b: Bytes, title: string): void {
  b.ascii(title.padEnd(16, ' ').slice(0, 16));
}

function item(b: Bytes, type: number, body: (i: Bytes) => void): void {
  b.u8(type).u8(0);
  const fill = b.lengthField(2);
  body(b);
  fill();
}

function uid(b: Bytes, type: number, u: string): void {
  item(b, type, (i) => i.ascii(u));
}

function assoc(type: 1 | 2, called: string, calling: string, ctx: (b: Bytes) => void): Uint8Array {
  const b = new Bytes();
  b.u8(type).u8(0);
  const fill = b.lengthField(4);
  b.u16(1).u16(0);
  ae(b, called);
  ae(b, calling);
  b.zeros(32);
  uid(b, 0x10, APP_CONTEXT);
  ctx(b);
  item(b, 0x50, (u) => {
    item(u, 0x51, (m) => m.u32(MAX_PDU));
    uid(u, 0x52, IMPL_CLASS);
    item(u, 0x55, (v) => v.ascii('WARDWATCH_SIM'));
  });
  fill();
  return b.done();
}

export function associateRq(called: string, calling: string): Uint8Array {
  return assoc(1, called, calling, (b) =>
    item(b, 0x20, (p) => {
      p.u8(1).zeros(3);
      uid(p, 0x30, CT_STORAGE);
      uid(p, 0x40, IMPLICIT_LE);
    }),
  );
}

export function associateAc(called: string, calling: string): Uint8Array {
  return assoc(2, called, calling, (b) =>
    item(b, 0x21, (p) => {
      p.u8(1).u8(0).u8(0).u8(0); // id 1, reserved, result 0 = acceptance, reserved
      uid(p, 0x40, IMPLICIT_LE);
    }),
  );
}

export function releaseRq(): Uint8Array {
  return Uint8Array.from([5, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
}

export function releaseRp(): Uint8Array {
  return Uint8Array.from([6, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
}

/** Implicit VR LE element: tag group/element, u32 length, value (padded to even length). */
function el(b: Bytes, group: number, elem: number, value: Uint8Array | string | number, u16 = false): void {
  let v: Uint8Array;
  if (typeof value === 'number') {
    v = new Uint8Array(u16 ? 2 : 4);
    const dv = new DataView(v.buffer);
    if (u16) dv.setUint16(0, value, true);
    else dv.setUint32(0, value, true);
  } else if (typeof value === 'string') {
    const s = value.length % 2 ? `${value}${value.includes('.') && /^[0-9.]+$/.test(value) ? '\0' : ' '}` : value;
    v = new TextEncoder().encode(s);
  } else v = value;
  const h = new Uint8Array(8);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, group, true);
  dv.setUint16(2, elem, true);
  dv.setUint32(4, v.length, true);
  b.bytes(h).bytes(v);
}

function command(fill: (b: Bytes) => void): Uint8Array {
  const body = new Bytes();
  fill(body);
  const bodyBytes = body.done();
  const b = new Bytes();
  el(b, 0, 0, bodyBytes.length);
  b.bytes(bodyBytes);
  return b.done();
}

export function cStoreRq(msgId: number, sopInstance: string): Uint8Array {
  return command((b) => {
    el(b, 0, 0x0002, CT_STORAGE);
    el(b, 0, 0x0100, 0x0001, true);
    el(b, 0, 0x0110, msgId, true);
    el(b, 0, 0x0700, 0, true);
    el(b, 0, 0x0800, 0x0000, true); // a data set follows
    el(b, 0, 0x1000, sopInstance);
  });
}

export function cStoreRsp(msgId: number, sopInstance: string): Uint8Array {
  return command((b) => {
    el(b, 0, 0x0002, CT_STORAGE);
    el(b, 0, 0x0100, 0x8001, true);
    el(b, 0, 0x0120, msgId, true);
    el(b, 0, 0x0800, 0x0101, true); // no data set
    el(b, 0, 0x0900, 0x0000, true); // success
    el(b, 0, 0x1000, sopInstance);
  });
}

/** An image data set with fictional demographics; `pixels` becomes (7FE0,0010). */
export function ctImage(sopInstance: string, patientName: string, patientId: string, pixels: Uint8Array): Uint8Array {
  const b = new Bytes(pixels.length + 512);
  el(b, 0x0008, 0x0016, CT_STORAGE);
  el(b, 0x0008, 0x0018, sopInstance);
  el(b, 0x0008, 0x0060, 'CT');
  el(b, 0x0010, 0x0010, patientName);
  el(b, 0x0010, 0x0020, patientId);
  el(b, 0x0028, 0x0010, 256, true);
  el(b, 0x0028, 0x0011, Math.max(1, Math.floor(pixels.length / 512)), true);
  el(b, 0x7fe0, 0x0010, pixels);
  return b.done();
}

/**
 * P-DATA-TF PDUs for one message part (command or data set), each PDV at most fitting
 * MAX_PDU; the last fragment carries the "last" bit.
 */
export function pData(ctxId: number, isCommand: boolean, data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const maxPdv = MAX_PDU - 6 - 2; // PDU header, PDV header's id + control
  for (let off = 0; off < data.length || off === 0; off += maxPdv) {
    const len = Math.min(maxPdv, data.length - off);
    const last = off + len >= data.length;
    const b = new Bytes(len + 12);
    b.u8(4)
      .u8(0)
      .u32(len + 6)
      .u32(len + 2)
      .u8(ctxId)
      .u8((isCommand ? 1 : 0) | (last ? 2 : 0));
    b.bytes(data.subarray(off, off + len));
    out.push(b.done());
    if (last) break;
  }
  return out;
}
