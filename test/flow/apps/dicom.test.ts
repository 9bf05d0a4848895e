import { describe, expect, it } from 'vitest';
import type { DicomAssociation } from '../../../src/events.js';
import { dicomApp, probeDicom } from '../../../src/flow/apps/dicom.js';
import { concat } from '../../fixtures/medical/hex.js';
import { fakeContext } from '../../fixtures/medical/fake-context.js';
import {
  ABORT,
  ASSOCIATE_AC,
  ASSOCIATE_RJ,
  ASSOCIATE_RQ,
  P_DATA,
  RELEASE_RP,
  RELEASE_RQ,
} from '../../fixtures/medical/dicom-pdus.js';

const modality = { ip: '10.2.0.17', port: 50123 };
const pacs = { ip: '10.2.0.2', port: 104 };
const assocs = (evs: readonly { type: string }[]) =>
  evs.filter((e): e is DicomAssociation => e.type === 'dicom-association');

describe('dicomApp', () => {
  it('probes an A-ASSOCIATE-RQ by content', () => {
    expect(probeDicom(ASSOCIATE_RQ)).toBe('yes');
    expect(probeDicom(ASSOCIATE_RQ.subarray(0, 5))).toBe('more');
    expect(probeDicom(ASSOCIATE_AC)).toBe('no');
    expect(probeDicom(new TextEncoder().encode('GET / HTTP/1.1\r\n'))).toBe('no');
    expect(dicomApp.ports).toEqual([104, 11112]);
  });

  it('follows an association: RQ, AC (contexts named from the RQ), P-DATA skipped, release', () => {
    const rec = fakeContext('tcp', modality, pacs);
    const app = dicomApp.create(rec.ctx);
    const out = concat(ASSOCIATE_RQ, P_DATA, P_DATA, RELEASE_RQ);
    // byte-at-a-time for the client, whole PDUs for the server
    for (let i = 0; i < ASSOCIATE_RQ.length; i++) app.data(0, out.subarray(i, i + 1), 1);
    app.data(1, ASSOCIATE_AC, 2);
    app.data(0, out.subarray(ASSOCIATE_RQ.length), 3);
    app.data(1, RELEASE_RP, 4);
    app.end(5);
    const evs = assocs(rec.events);
    expect(evs.map((e) => e.pdu)).toEqual(['rq', 'ac', 'release']);
    expect(evs[0]).toMatchObject({
      src: modality,
      dst: pacs,
      calledAe: 'STORESCP',
      callingAe: 'MONITOR01',
      appContext: '1.2.840.10008.3.1.1.1',
      maxLength: 16384,
      implementationClass: '1.2.276.0.7230010.3.0.3.6.4',
      implementationVersion: 'OFFIS_DCMTK_364',
      contexts: [
        { id: 1, abstractSyntax: '1.2.840.10008.1.1', name: 'Verification', transferSyntaxes: ['1.2.840.10008.1.2'] },
        {
          id: 3,
          abstractSyntax: '1.2.840.10008.5.1.4.1.1.2',
          name: 'CT Image Storage',
          transferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.4.50'],
        },
      ],
    });
    expect(evs[1]).toMatchObject({
      src: pacs,
      dst: modality,
      contexts: [
        { id: 1, name: 'Verification', result: 0 },
        { id: 3, name: 'CT Image Storage', result: 4 },
      ],
    });
    expect(rec.counts).toEqual({ dicom: 3 });
    expect(rec.anomalies).toEqual([]);
  });

  it('reports rejection and abort', () => {
    const rec = fakeContext('tcp', modality, pacs);
    const app = dicomApp.create(rec.ctx);
    app.data(0, ASSOCIATE_RQ, 1);
    app.data(1, concat(ASSOCIATE_RJ, ABORT), 2);
    expect(assocs(rec.events).map((e) => [e.pdu, e.rejectReason])).toEqual([
      ['rq', undefined],
      ['rj', 'rejected-permanent/service-user/called-AE-title-not-recognized'],
      ['abort', 'service-provider/unexpected-PDU'],
    ]);
  });

  it('skips a huge P-DATA without buffering, and stops on hostile PDUs', () => {
    const rec = fakeContext('tcp', modality, pacs);
    const app = dicomApp.create(rec.ctx);
    app.data(0, concat(ASSOCIATE_RQ, Uint8Array.of(0x04, 0, 0x00, 0xa0, 0x00, 0x00)), 1); // P-DATA of 10 MiB
    const chunk = new Uint8Array(1 << 20);
    for (let i = 0; i < 10; i++) app.data(0, chunk, 2);
    app.data(0, RELEASE_RQ, 3);
    expect(assocs(rec.events).map((e) => e.pdu)).toEqual(['rq', 'release']);
    app.data(1, Uint8Array.of(0x04, 0, 0x7f, 0xff, 0xff, 0xff), 4); // 2 GiB claimed
    app.data(1, ASSOCIATE_AC, 5); // ignored: the direction is lost
    const overrun = ASSOCIATE_RQ.slice();
    overrun[74 + 25 + 2] = 0xff;
    app.data(0, overrun, 6);
    app.data(0, Uint8Array.of(0x66, 0, 0, 0, 0, 4), 7);
    expect(rec.anomalies.map((a) => a.code)).toEqual([
      'dicom.pdu-too-long',
      'dicom.item-overrun',
      'dicom.bad-pdu-type',
    ]);
    expect(assocs(rec.events).map((e) => e.pdu)).toEqual(['rq', 'release', 'rq']);
  });
});
