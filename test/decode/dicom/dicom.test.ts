import { describe, expect, it } from 'vitest';
import { DICOM_ANOMALIES, decodeDicomPdu, readPduHeader } from '../../../src/decode/dicom/dicom.js';
import { abortText, rejectText, uidName } from '../../../src/decode/dicom/names.js';
import {
  ABORT,
  ASSOCIATE_AC,
  ASSOCIATE_RJ,
  ASSOCIATE_RQ,
  P_DATA,
  RELEASE_RP,
  RELEASE_RQ,
} from '../../fixtures/medical/dicom-pdus.js';
import { mutate, rng } from '../../fixtures/medical/fuzz.js';

const ALL = [ASSOCIATE_RQ, ASSOCIATE_AC, ASSOCIATE_RJ, P_DATA, RELEASE_RQ, RELEASE_RP, ABORT];
const decode = (b: Uint8Array) => decodeDicomPdu(b, 0, b.length);

describe('decodeDicomPdu', () => {
  it('fixture lengths match their headers', () => {
    for (const b of ALL) expect(readPduHeader(b, 0, b.length)).toMatchObject({ kind: 'ok', length: b.length - 6 });
  });

  it('decodes A-ASSOCIATE-RQ: AE titles, context, presentation contexts, user info', () => {
    expect(decode(ASSOCIATE_RQ)).toEqual({
      kind: 'ok',
      next: ASSOCIATE_RQ.length,
      pdu: {
        type: 'associate-rq',
        protocolVersion: 1,
        calledAe: 'STORESCP',
        callingAe: 'MONITOR01',
        appContext: '1.2.840.10008.3.1.1.1',
        contexts: [
          { id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntaxes: ['1.2.840.10008.1.2'] },
          {
            id: 3,
            abstractSyntax: '1.2.840.10008.5.1.4.1.1.2',
            transferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.4.50'],
          },
        ],
        maxLength: 16384,
        implementationClass: '1.2.276.0.7230010.3.0.3.6.4',
        implementationVersion: 'OFFIS_DCMTK_364',
      },
    });
  });

  it('decodes A-ASSOCIATE-AC with per-context results', () => {
    const r = decode(ASSOCIATE_AC);
    expect(r).toMatchObject({
      kind: 'ok',
      pdu: {
        type: 'associate-ac',
        calledAe: 'STORESCP',
        maxLength: 65536,
        contexts: [
          { id: 1, transferSyntaxes: ['1.2.840.10008.1.2'], result: 0 },
          { id: 3, transferSyntaxes: [''], result: 4 },
        ],
      },
    });
    expect(r).not.toHaveProperty('anomaly');
  });

  it('decodes RJ, P-DATA PDV headers, release and abort', () => {
    expect(decode(ASSOCIATE_RJ)).toMatchObject({
      pdu: {
        type: 'associate-rj',
        result: 1,
        source: 1,
        reason: 7,
        text: 'rejected-permanent/service-user/called-AE-title-not-recognized',
      },
    });
    expect(decode(P_DATA)).toEqual({
      kind: 'ok',
      next: P_DATA.length,
      pdu: {
        type: 'p-data',
        pdvs: [
          { length: 6, contextId: 1, command: true, last: true },
          { length: 6, contextId: 3, command: false, last: false },
        ],
      },
    });
    expect(decode(RELEASE_RQ)).toMatchObject({ pdu: { type: 'release-rq' } });
    expect(decode(RELEASE_RP)).toMatchObject({ pdu: { type: 'release-rp' } });
    expect(decode(ABORT)).toMatchObject({
      pdu: { type: 'abort', source: 2, reason: 2, text: 'service-provider/unexpected-PDU' },
    });
  });

  it('names hostile PDUs: bad type, huge length, items beyond the PDU', () => {
    expect(decode(Uint8Array.of(0x09, 0, 0, 0, 0, 4, 0, 0, 0, 0))).toEqual({
      kind: 'anomaly',
      code: 'dicom.bad-pdu-type',
    });
    expect(decode(Uint8Array.of(0x04, 0, 0x7f, 0xff, 0xff, 0xff))).toEqual({
      kind: 'anomaly',
      code: 'dicom.pdu-too-long',
    });
    const overrun = ASSOCIATE_RQ.slice();
    overrun[74 + 25 + 2] = 0xff; // first presentation context item claims 0xff2e bytes
    const r = decode(overrun);
    expect(r).toMatchObject({
      kind: 'ok',
      anomaly: 'dicom.item-overrun',
      pdu: { calledAe: 'STORESCP', appContext: '1.2.840.10008.3.1.1.1', contexts: [] },
    });
    const sub = ASSOCIATE_RQ.slice();
    sub[74 + 25 + 8 + 3] = 0x60; // abstract syntax sub-item longer than its context item
    expect(decode(sub)).toMatchObject({ kind: 'ok', anomaly: 'dicom.item-overrun' });
    const pdv = P_DATA.slice();
    pdv[9] = 0x40; // PDV length 64 > PDU
    expect(decode(pdv)).toMatchObject({ kind: 'ok', anomaly: 'dicom.item-overrun', pdu: { pdvs: [] } });
    expect(DICOM_ANOMALIES).toEqual(['dicom.bad-pdu-type', 'dicom.item-overrun', 'dicom.pdu-too-long']);
  });

  it('every truncated prefix needs more, never throws', () => {
    for (const b of ALL) for (let n = 0; n < b.length; n++) expect(decodeDicomPdu(b, 0, n)).toEqual({ kind: 'more' });
  });

  it('survives a seeded fuzz loop', () => {
    const r = rng(0xd1c0);
    for (let i = 0; i < 5000; i++) {
      const b = mutate(ALL[i % ALL.length]!, r);
      const d = decode(b);
      expect(['ok', 'more', 'anomaly']).toContain(d.kind);
      if (d.kind === 'ok' && (d.pdu.type === 'associate-rq' || d.pdu.type === 'associate-ac')) {
        expect(d.pdu.calledAe.length).toBeLessThanOrEqual(16);
        expect(d.pdu.contexts.length).toBeLessThanOrEqual(128);
      }
    }
  });

  it('names SOP classes, transfer syntaxes and reasons', () => {
    expect(uidName('1.2.840.10008.1.1')).toBe('Verification');
    expect(uidName('1.2.840.10008.5.1.4.31')).toBe('Modality Worklist Information Model - FIND');
    expect(uidName('1.2.840.10008.5.1.4.1.2.2.2')).toBe('Study Root Q/R - MOVE');
    expect(uidName('1.2.840.10008.1.2.4.91')).toBe('JPEG 2000');
    expect(uidName('1.2.840.10008.1.2.5')).toBe('RLE Lossless');
    expect(rejectText(2, 3, 1)).toBe('rejected-transient/service-provider-presentation/temporary-congestion');
    expect(abortText(0, 0)).toBe('service-user');
  });
});
