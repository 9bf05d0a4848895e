// decode(encode(x)) for the DICOM upper-layer writer the simulator uses (src/decode/dicom/encode.ts):
// seeded random AE titles and message sizes come back from the PDU decoder (A-ASSOCIATE RQ/AC,
// P-DATA fragments and their bytes, A-RELEASE).
import { describe, expect, it } from 'vitest';
import { decodeDicomPdu, readPduHeader } from '../../../src/decode/dicom/dicom.js';
import {
  APP_CONTEXT,
  associateAc,
  associateRq,
  CT_STORAGE,
  cStoreRq,
  ctImage,
  IMPLICIT_LE,
  MAX_PDU,
  pData,
  releaseRp,
  releaseRq,
} from '../../../src/decode/dicom/encode.js';
import { Rng } from '../../../src/sim/rng.js';

function pdu(b: Uint8Array) {
  const h = readPduHeader(b, 0, b.length);
  if (h.kind !== 'ok') throw new Error(`header: ${h.kind}`);
  expect(h.length).toBe(b.length - 6);
  const r = decodeDicomPdu(b, 0, b.length);
  if (r.kind !== 'ok') throw new Error(`pdu: ${r.kind}`);
  expect(r.anomaly).toBeUndefined();
  expect(r.next).toBe(b.length);
  return r.pdu;
}
const title = (r: Rng) => {
  let s = '';
  for (let i = r.int(1, 16); i > 0; i--) s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'[r.int(0, 36)];
  return s;
};

describe('DICOM encode → decode', () => {
  for (const seed of [61, 62, 63, 64, 65, 66, 67, 68]) {
    it(`seed ${seed}: association, P-DATA and release survive`, () => {
      const r = new Rng(seed);
      const called = title(r);
      const calling = title(r);
      expect(pdu(associateRq(called, calling))).toMatchObject({
        type: 'associate-rq',
        protocolVersion: 1,
        calledAe: called,
        callingAe: calling,
        appContext: APP_CONTEXT,
        contexts: [{ id: 1, abstractSyntax: CT_STORAGE, transferSyntaxes: [IMPLICIT_LE] }],
        maxLength: MAX_PDU,
      });
      expect(pdu(associateAc(called, calling))).toMatchObject({
        type: 'associate-ac',
        calledAe: called,
        callingAe: calling,
        contexts: [{ id: 1, result: 0, transferSyntaxes: [IMPLICIT_LE] }],
        maxLength: MAX_PDU,
      });

      const sop = `1.2.826.0.1.${r.u32()}.${r.int(1, 999)}`;
      const pixels = Uint8Array.from({ length: r.int(0, 3 * MAX_PDU) }, () => r.int(0, 255));
      for (const [isCommand, data] of [
        [true, cStoreRq(r.int(1, 65535), sop)],
        [false, ctImage(sop, 'FICTION^PATIENT', 'ID0', pixels)],
      ] as const) {
        const ctx = r.pick([1, 3, 5]);
        const parts = pData(ctx, isCommand, data);
        const got: Uint8Array[] = [];
        parts.forEach((b, i) => {
          const p = pdu(b);
          if (p.type !== 'p-data') throw new Error(p.type);
          expect(p.pdvs).toHaveLength(1);
          expect(p.pdvs[0]).toMatchObject({ contextId: ctx, command: isCommand, last: i === parts.length - 1 });
          const len = p.pdvs[0]?.length ?? 0;
          got.push(b.subarray(12, 10 + len)); // PDU header 6, PDV length 4, id + control 2
        });
        expect(Buffer.compare(Buffer.concat(got), data)).toBe(0);
      }
      expect(pdu(releaseRq())).toEqual({ type: 'release-rq' });
      expect(pdu(releaseRp())).toEqual({ type: 'release-rp' });
    });
  }
});
