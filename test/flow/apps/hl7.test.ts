import { describe, expect, it } from 'vitest';
import type { Hl7Message } from '../../../src/events.js';
import { hl7App, probeHl7 } from '../../../src/flow/apps/hl7.js';
import { ascii, concat } from '../../fixtures/medical/hex.js';
import { ACK_AA, ADT_A01, FICTIONAL, mllp, ORU_R01 } from '../../fixtures/medical/hl7-messages.js';
import { fakeContext } from '../../fixtures/medical/fake-context.js';

const monitor = { ip: '10.1.3.21', port: 49152, mac: '00:11:22:33:44:55' };
const outside = { ip: '202.114.4.120', port: 515 };

describe('hl7App', () => {
  it('probes by content on any port', () => {
    expect(probeHl7(mllp(ACK_AA))).toBe('yes');
    expect(probeHl7(concat(ascii('\r\n'), mllp(ACK_AA)))).toBe('yes');
    expect(probeHl7(Uint8Array.of(0x0b, 0x4d))).toBe('more');
    expect(probeHl7(Uint8Array.of())).toBe('more');
    expect(probeHl7(ascii('GET / HTTP/1.1\r\n'))).toBe('no');
    expect(probeHl7(Uint8Array.of(0x0b, 0x50, 0x49, 0x44))).toBe('no');
    expect(hl7App.ports).toEqual([2575]);
  });

  it('emits one hl7-message per message with src = sender, and counts them', () => {
    const rec = fakeContext('tcp', monitor, outside);
    const app = hl7App.create(rec.ctx);
    const oru = mllp(ORU_R01);
    app.data(0, oru.subarray(0, 100), 1_000);
    app.data(0, oru.subarray(100), 2_000);
    app.data(1, mllp(ACK_AA), 3_000);
    app.end(4_000);
    const msgs = rec.events.filter((e): e is Hl7Message => e.type === 'hl7-message');
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatchObject({
      ts: 2_000,
      flowId: 7,
      src: monitor,
      dst: outside,
      messageType: 'ORU^R01',
      sendingApp: 'CMS8000',
      controlId: 'MSG00001',
      fieldsPresent: ['PID-3', 'PID-5', 'PID-7', 'PID-8', 'PID-11', 'PID-13'],
      location: 'ICU^12^1',
    });
    expect(msgs[0]!.patientHashes).toHaveLength(2);
    expect(msgs[0]!.patientHashes[0]).toMatch(/^salted:/);
    expect(msgs[0]!.observations.map((o) => o.vital)).toEqual([
      'spo2',
      'pulse',
      'hr',
      'nibp-sys',
      'nibp-dia',
      'nibp-mean',
      'temp',
    ]);
    expect(msgs[0]).not.toHaveProperty('orders');
    expect(msgs[1]).toMatchObject({
      src: outside,
      dst: monitor,
      messageType: 'ACK^R01',
      ackCode: 'AA',
      ackControlId: 'MSG00001',
    });
    expect(rec.counts).toEqual({ hl7: 2 });
    expect(rec.anomalies).toEqual([]);
  });

  it('never lets the fictional name, birth date or MRN into any emitted event', () => {
    const rec = fakeContext('tcp', monitor, outside);
    const app = hl7App.create(rec.ctx);
    app.data(0, concat(mllp(ORU_R01), mllp(ADT_A01)), 1);
    app.data(0, concat(Uint8Array.of(0x0b), ascii(ORU_R01.slice(0, 300))), 2); // left unterminated
    app.end(3);
    const json = JSON.stringify(rec.events);
    expect(rec.events.filter((e) => e.type === 'hl7-message')).toHaveLength(2);
    for (const secret of [...Object.values(FICTIONAL), '123-45-6789', 'Springfield'])
      expect(json).not.toContain(secret);
    expect(rec.anomalies.map((a) => a.code)).toEqual(['mllp.unterminated']);
  });

  it('reports hostile frames as anomalies and keeps going', () => {
    const rec = fakeContext('tcp');
    const app = hl7App.create(rec.ctx);
    app.data(0, mllp('PID|||X'), 1); // missing MSH
    app.data(0, mllp('MSHA^~\\&|X'), 2); // wrong delimiters
    app.gap(0, 100, 3);
    app.data(0, concat(ascii('tail'), Uint8Array.of(0x1c, 0x0d), mllp(ACK_AA)), 4);
    expect(rec.anomalies.map((a) => a.code)).toEqual([
      'hl7.missing-msh',
      'hl7.bad-delimiters', // the tail after the gap is skipped quietly, not reported as junk
    ]);
    expect(rec.events.filter((e) => e.type === 'hl7-message')).toHaveLength(1);
  });

  it('drops a 10 MB message with one anomaly, bounded memory, and keeps decoding after it', () => {
    const rec = fakeContext('tcp');
    const app = hl7App.create(rec.ctx);
    const heapBefore = process.memoryUsage().heapUsed;
    app.data(0, concat(Uint8Array.of(0x0b), ascii(ORU_R01)), 1);
    const chunk = ascii(`OBX|1|NM|150456^X|1|${'9'.repeat(65_000)}\r`);
    for (let i = 0; i < 160; i++) app.data(0, chunk, 2); // ~10 MB inside one frame
    app.data(0, concat(Uint8Array.of(0x1c, 0x0d), mllp(ACK_AA)), 3);
    expect(rec.anomalies.map((a) => a.code)).toEqual(['mllp.unterminated']);
    expect(rec.events.filter((e) => e.type === 'hl7-message')).toHaveLength(1);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
  });
});
