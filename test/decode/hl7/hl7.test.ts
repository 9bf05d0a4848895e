import { describe, expect, it } from 'vitest';
import { type Hl7Decoded, type Hl7Result, decodeHl7, HL7_ANOMALIES, Hl7Reader } from '../../../src/decode/hl7/hl7.js';
import { encodeHl7, encodeHl7Bytes, type Hl7Draft } from '../../../src/decode/hl7/encode.js';
import { MDC_VITALS, vitalFor } from '../../../src/decode/hl7/vitals.js';
import { ascii } from '../../fixtures/medical/hex.js';
import { ACK_AA, ACK_AE, ADT_A01, FICTIONAL, ORU_R01 } from '../../fixtures/medical/hl7-messages.js';
import { mutate, rng } from '../../fixtures/medical/fuzz.js';

const hashId = (id: string) => `h(${id.length})`;
const opts = { hashId };

function decodeAll(buf: Uint8Array): Hl7Result[] {
  const out: Hl7Result[] = [];
  let off = 0;
  for (let guard = 0; off < buf.length && guard < 10_000; guard++) {
    const r = decodeHl7(buf, off, buf.length, opts);
    out.push(r);
    if (r.kind === 'not') break;
    if (r.next <= off) throw new Error('decoder did not advance');
    off = r.next;
  }
  return out;
}

function one(msg: string): Hl7Decoded {
  const r = decodeHl7(ascii(msg), 0, msg.length, opts);
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.message;
}

// Delimiters '#:*!@' instead of '|^~\&': a decode that leaked its state into another would split wrong.
const ALT = 'MSH#:*!@#APP:X#FAC###20250101##ORU:R01#C1#P#2.3\rPID###A!S!1*B!T!2\rOBX#1#NM#150456:SPO2#1#98#%';

describe('decodeHl7 readers', () => {
  it('is re-entrant: a decode inside hashId leaves the outer message intact', () => {
    const inner: Hl7Result[] = [];
    const nested = decodeHl7(ascii(ORU_R01), 0, ORU_R01.length, {
      hashId: (id) => {
        inner.push(decodeHl7(ascii(ALT), 0, ALT.length, opts));
        return hashId(id);
      },
    });
    expect(inner).toHaveLength(2);
    expect(nested).toEqual(decodeHl7(ascii(ORU_R01), 0, ORU_R01.length, opts));
    for (const r of inner) expect(r).toEqual(decodeHl7(ascii(ALT), 0, ALT.length, opts));
    if (nested.kind === 'ok') expect(nested.message.observations).toHaveLength(7);
  });

  it('two streams with their own readers, interleaved, decode as they do one after the other', () => {
    const a = ascii([ORU_R01, ACK_AA, ADT_A01, ACK_AE].join('\r'));
    const b = ascii([ALT, ORU_R01, ALT].join('\r'));
    const ra = new Hl7Reader();
    const rb = new Hl7Reader();
    const got: [Hl7Result[], Hl7Result[]] = [[], []];
    const off = [0, 0];
    for (let turn = 0; turn < 20; turn++) {
      const k = turn % 2;
      const buf = k === 0 ? a : b;
      if (off[k]! >= buf.length) continue;
      const r = decodeHl7(buf, off[k]!, buf.length, opts, k === 0 ? ra : rb);
      got[k].push(r);
      off[k] = r.kind === 'not' ? buf.length : r.next;
    }
    expect(got[0]).toEqual(decodeAll(a));
    expect(got[1]).toEqual(decodeAll(b));
    expect(got[0].map((r) => (r.kind === 'ok' ? r.message.messageType : r.kind))).toEqual([
      'ORU^R01',
      'ACK^R01',
      'ADT^A01',
      'ACK',
    ]);
  });
});

describe('decodeHl7', () => {
  it('decodes an IHE PCD-01 ORU^R01: header, hashed ids, fields present, numeric vitals only', () => {
    const ids: string[] = [];
    const r = decodeHl7(ascii(ORU_R01), 0, ORU_R01.length, { hashId: (id) => `H${ids.push(id)}` });
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    const m = r.message;
    expect(ids).toEqual([FICTIONAL.mrn, FICTIONAL.altId]);
    expect(m).toMatchObject({
      messageType: 'ORU^R01',
      sendingApp: 'CMS8000',
      sendingFacility: 'WARD3',
      receivingApp: 'CENTRAL',
      receivingFacility: 'HOSP',
      time: '20250130101500+0000',
      controlId: 'MSG00001',
      version: '2.6',
      patientHashes: ['H1', 'H2'],
      fieldsPresent: ['PID-3', 'PID-5', 'PID-7', 'PID-8', 'PID-11', 'PID-13'],
      location: 'ICU^12^1',
      segments: 13,
      bytes: ORU_R01.length,
      orders: [{ placerId: 'PL123', fillerId: 'FI456', code: '182777000' }],
    });
    expect(m.observations).toEqual([
      { code: '150456', text: 'MDC_PULS_OXIM_SAT_O2', vital: 'spo2', value: '97', unit: '262688', status: 'R' },
      { code: '149530', text: 'MDC_PULS_OXIM_PULS_RATE', vital: 'pulse', value: '72', unit: '264864', status: 'R' },
      { code: '147842', text: 'MDC_ECG_HEART_RATE', vital: 'hr', value: '71', unit: '264864', status: 'R' },
      {
        code: '150021',
        text: 'MDC_PRESS_BLD_NONINV_SYS',
        vital: 'nibp-sys',
        value: '118',
        unit: '266016',
        status: 'R',
      },
      { code: '150022', text: 'MDC_PRESS_BLD_NONINV_DIA', vital: 'nibp-dia', value: '76', unit: '266016', status: 'R' },
      {
        code: '150023',
        text: 'MDC_PRESS_BLD_NONINV_MEAN',
        vital: 'nibp-mean',
        value: '90',
        unit: '266016',
        status: 'R',
      },
      { code: '150364', text: 'MDC_TEMP_BODY', vital: 'temp', value: '<35.0', unit: '268192', status: 'R' },
    ]);
    expect(JSON.stringify(m)).not.toMatch(/TESTPATIENT|FICTIONA|19010203|MRN4711|ALT-0042|Nowhere|555-0100/);
  });

  it('decodes ACK AA and AE (MSA-1/2, ERR-3)', () => {
    expect(one(ACK_AA)).toMatchObject({ messageType: 'ACK^R01', ackCode: 'AA', ackControlId: 'MSG00001', segments: 2 });
    const ae = one(ACK_AE);
    expect(ae).toMatchObject({ messageType: 'ACK', ackCode: 'AE', ackControlId: 'MSG00002', errors: ['207'] });
    expect(ae.patientHashes).toEqual([]);
  });

  it('decodes ADT^A01 with escape sequences and notes PID-19 / NK1-2', () => {
    const m = one(ADT_A01);
    expect(m.messageType).toBe('ADT^A01');
    expect(m.sendingFacility).toBe('St Mary&Co');
    expect(m.location).toBe('W3|B^0012^A');
    expect(m.fieldsPresent).toEqual(['PID-3', 'PID-5', 'PID-7', 'PID-8', 'PID-19', 'NK1-2']);
    expect(JSON.stringify(m)).not.toMatch(/TESTPATIENT|123-45-6789|19010203/);
  });

  it('tolerates LF and CRLF segment ends and a v2.7 truncation character', () => {
    expect(one(ORU_R01.replaceAll('\r', '\n')).observations).toHaveLength(7);
    expect(one(ORU_R01.replaceAll('\r', '\r\n')).segments).toBe(13);
    const v27 = ACK_AA.replace('^~\\&', '^~\\&#');
    expect(one(v27)).toMatchObject({ ackCode: 'AA', sendingApp: 'CENTRAL' });
  });

  it('decodes non-standard delimiters declared in MSH-1/MSH-2', () => {
    const alt = 'MSH#:*!@#APP:X#FAC###20250101##ORU:R01#C1#P#2.3\rPID###A!S!1*B!T!2\rOBX#1#NM#150456:SPO2#1#98#%';
    const ids: string[] = [];
    const r = decodeHl7(ascii(alt), 0, alt.length, { hashId: (id) => `H${ids.push(id)}` });
    if (r.kind !== 'ok') throw new Error(r.kind);
    const m = r.message;
    expect(m).toMatchObject({ messageType: 'ORU^R01', sendingApp: 'APP', controlId: 'C1', version: '2.3' });
    expect(ids).toEqual(['A:1', 'B@2']); // \S\ and \T\ (here !S! and !T!) restore ':' and '@'
    expect(m.observations).toEqual([{ code: '150456', text: 'SPO2', vital: 'spo2', value: '98', unit: '%' }]);
  });

  it('splits a batch (FHS/BHS … BTS/FTS): each MSH starts a message', () => {
    const batch = ['FHS|^~\\&|CMS8000', 'BHS|^~\\&|CMS8000', ORU_R01, ACK_AA, 'BTS|2', 'FTS|1'].join('\r');
    const rs = decodeAll(ascii(batch));
    expect(rs.map((r) => (r.kind === 'ok' ? r.message.messageType : r.kind))).toEqual(['ORU^R01', 'ACK^R01', 'not']);
  });

  it('names hostile inputs: missing MSH, wrong delimiters, oversize', () => {
    expect(decodeAll(ascii('PID|||X\rOBX|1|NM|1|2|3'))).toEqual([
      { kind: 'anomaly', code: 'hl7.missing-msh', next: 22 },
    ]);
    expect(decodeHl7(ascii('MSHA^~\\&|X'), 0, 10, opts)).toMatchObject({ kind: 'anomaly', code: 'hl7.bad-delimiters' });
    expect(decodeHl7(ascii('MSH|^^\\&|X'), 0, 10, opts)).toMatchObject({ kind: 'anomaly', code: 'hl7.bad-delimiters' });
    expect(decodeHl7(ascii('MSH|AB|X'), 0, 8, opts)).toMatchObject({ kind: 'anomaly', code: 'hl7.bad-delimiters' });
    expect(decodeHl7(ascii('MSH\r'), 0, 4, opts)).toMatchObject({ kind: 'anomaly', code: 'hl7.bad-delimiters' });
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x41);
    big.set(ascii(ORU_R01));
    expect(decodeHl7(big, 0, big.length, opts)).toEqual({ kind: 'anomaly', code: 'hl7.oversize', next: big.length });
    expect(HL7_ANOMALIES).toContain('hl7.oversize');
  });

  it('stays linear on a long message with no LF and huge fields', () => {
    const seg = `OBX|1|NM|150456^X|1|${'9'.repeat(5000)}|%`;
    const msg = [ACK_AA, ...Array.from({ length: 150 }, () => seg)].join('\r');
    const t0 = performance.now();
    const m = one(msg);
    expect(m.observations).toHaveLength(150);
    expect(m.observations[0]!.value.length).toBeLessThanOrEqual(200);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('round-trips encode → decode', () => {
    const draft: Hl7Draft = {
      messageType: 'ORU^R01',
      sendingApp: 'SIM|MON', // a field separator inside a value is escaped and restored
      sendingFacility: 'WARD^3',
      receivingApp: 'CENTRAL',
      receivingFacility: 'HOSP',
      time: '20250130101500',
      controlId: 'C\\42',
      version: '2.6',
      patient: { ids: ['X1', 'Y22'], name: 'FAKE^PATIENT', birthDate: '19000101', sex: 'M' },
      location: 'ICU^7^2',
      observations: [
        { code: '150456', text: 'MDC_PULS_OXIM_SAT_O2', value: '96', unit: '262688', status: 'R' },
        { code: '151708', text: 'MDC_AWAY_CO2_ET', value: '4.5', unit: '266016', status: 'F' },
        { code: '999', valueType: 'TX', value: 'free text never leaves' },
      ],
    };
    const m = one(encodeHl7(draft));
    expect(m).toEqual({
      messageType: 'ORU^R01',
      sendingApp: 'SIM|MON',
      sendingFacility: 'WARD^3',
      receivingApp: 'CENTRAL',
      receivingFacility: 'HOSP',
      time: '20250130101500',
      controlId: 'C\\42',
      version: '2.6',
      patientHashes: ['h(2)', 'h(3)'],
      fieldsPresent: ['PID-3', 'PID-5', 'PID-7', 'PID-8'],
      location: 'ICU^7^2',
      observations: [
        { code: '150456', text: 'MDC_PULS_OXIM_SAT_O2', vital: 'spo2', value: '96', unit: '262688', status: 'R' },
        { code: '151708', text: 'MDC_AWAY_CO2_ET', vital: 'etco2', value: '4.5', unit: '266016', status: 'F' },
      ],
      segments: 7,
      bytes: encodeHl7(draft).length,
      orders: [{ code: '182777000' }],
      errors: [],
      equipment: [],
    });
    const ack = one(encodeHl7({ messageType: 'ACK', controlId: 'A1', ackCode: 'AE', ackControlId: 'C1' }));
    expect(ack).toMatchObject({ messageType: 'ACK', controlId: 'A1', ackCode: 'AE', ackControlId: 'C1', segments: 2 });
    expect(encodeHl7Bytes(draft).length).toBe(encodeHl7(draft).length);
  });

  it('every truncated prefix decodes or names an anomaly, never throws', () => {
    for (const msg of [ORU_R01, ACK_AE, ADT_A01]) {
      const b = ascii(msg);
      for (let n = 0; n <= b.length; n++) {
        for (const r of decodeAll(b.subarray(0, n))) {
          expect(['ok', 'not', 'anomaly']).toContain(r.kind);
          if (r.kind === 'ok') expect(JSON.stringify(r.message)).not.toMatch(/TESTPATIENT|FICTIONA|19010203/);
        }
      }
    }
  });

  it('survives a seeded fuzz loop without throwing or leaking names', () => {
    const r = rng(0x48_4c_37);
    const bases = [ORU_R01, ACK_AA, ACK_AE, ADT_A01].map(ascii);
    for (let i = 0; i < 3000; i++) {
      const b = mutate(bases[i % bases.length]!, r);
      for (const res of decodeAll(b)) {
        if (res.kind === 'ok') {
          expect(res.message.observations.every((o) => /^[<>=]*[+-]?[\d.]*[-+/.:]?[+-]?[\d.]*$/.test(o.value))).toBe(
            true,
          );
          expect(JSON.stringify(res.message)).not.toMatch(/TESTPATIENT|FICTIONA/);
        }
      }
    }
  });

  it('maps IEEE 11073 MDC codes to named vitals', () => {
    expect(vitalFor('150456')).toBe('spo2');
    expect(vitalFor('151594')).toBe('resp');
    expect(vitalFor('150039')).toBe('abp-mean');
    expect(vitalFor('188448')).toBe('temp');
    expect(vitalFor('12345')).toBeUndefined();
    expect(new Set(MDC_VITALS.values())).toEqual(
      new Set([
        'spo2',
        'pulse',
        'hr',
        'nibp-sys',
        'nibp-dia',
        'nibp-mean',
        'abp-sys',
        'abp-dia',
        'abp-mean',
        'temp',
        'resp',
        'etco2',
      ]),
    );
  });
});
