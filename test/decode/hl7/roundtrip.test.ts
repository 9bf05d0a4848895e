// decode(encode(x)) for the HL7 writers (src/decode/hl7/encode.ts and the simulator's messages.ts):
// seeded random messages come back field for field, except patient identity, which comes back
// only as salted hashes of the PID-3 identifiers and the names of the PID fields present.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeHl7, type Hl7Draft } from '../../../src/decode/hl7/encode.js';
import { decodeHl7, type Hl7Decoded } from '../../../src/decode/hl7/hl7.js';
import { adt, oru } from '../../../src/decode/hl7/messages.js';
import { Rng } from '../../../src/sim/rng.js';

const SALT = 'roundtrip-salt';
const hashId = (id: string) => createHmac('sha256', SALT).update(id).digest('hex').slice(0, 16);

function decode(text: string): Hl7Decoded {
  const b = new TextEncoder().encode(text);
  const r = decodeHl7(b, 0, b.length, { hashId });
  if (r.kind !== 'ok') throw new Error(`decode: ${r.kind}${r.kind === 'anomaly' ? ` ${r.code}` : ''}`);
  return r.message;
}
function word(r: Rng, n: number, chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
  let s = '';
  for (let i = r.int(1, n); i > 0; i--) s += chars[r.int(0, chars.length - 1)];
  return s;
}
const MDC = [
  ['150456', 'MDC_PULS_OXIM_SAT_O2', 'spo2'],
  ['147842', 'MDC_ECG_HEART_RATE', 'hr'],
  ['151562', 'MDC_RESP_RATE', 'resp'],
] as const;

describe('HL7 encodeHl7 → decodeHl7', () => {
  for (const seed of [31, 32, 33, 34, 35, 36, 37, 38]) {
    it(`seed ${seed}: header, location and observations survive; the patient only as hashes`, () => {
      const r = new Rng(seed);
      const ids = Array.from({ length: r.int(1, 3) }, () => `MRN${word(r, 8)}`);
      const name = `${word(r, 10)}^${word(r, 8)}`;
      const birthDate = `19${r.int(10, 99)}0${r.int(1, 9)}1${r.int(0, 9)}`;
      const obs = Array.from({ length: r.int(0, 6) }, () => {
        const [code, text] = r.pick(MDC);
        return { code, text, value: String(r.int(0, 250)), unit: word(r, 6), status: r.pick(['F', 'R']) };
      });
      const draft: Hl7Draft = {
        messageType: r.pick(['ORU^R01^ORU_R01', 'ADT^A01', 'ORU^R01']),
        sendingApp: word(r, 12),
        sendingFacility: word(r, 8),
        receivingApp: word(r, 12),
        receivingFacility: word(r, 8),
        time: `2025${r.int(10, 12)}${r.int(10, 28)}101500`,
        controlId: `MSG${r.u32()}`,
        version: r.pick(['2.3', '2.5', '2.6']),
        patient: { ids, name, birthDate, sex: r.pick(['F', 'M', 'U']) },
        location: `ICU^${r.int(1, 40)}^1`,
        observations: obs,
      };
      const m = decode(encodeHl7(draft));
      expect(m).toMatchObject({
        // MSH-9 as type^event: the message structure (component 3) is not read.
        messageType: draft.messageType.split('^').slice(0, 2).join('^'),
        sendingApp: draft.sendingApp,
        sendingFacility: draft.sendingFacility,
        receivingApp: draft.receivingApp,
        receivingFacility: draft.receivingFacility,
        time: draft.time,
        controlId: draft.controlId,
        version: draft.version,
        location: draft.location,
      });
      expect(
        m.observations.map(({ code, text, value, unit, status }) => ({ code, text, value, unit, status })),
      ).toEqual(obs);
      expect(m.observations.map((o) => o.vital)).toEqual(obs.map((o) => MDC.find(([c]) => c === o.code)?.[2]));
      // The patient: salted hashes of the identifiers and the names of the fields present, nothing else.
      expect(m.patientHashes).toEqual(ids.map(hashId));
      expect(m.fieldsPresent).toEqual(['PID-3', 'PID-5', 'PID-7', 'PID-8']);
      const out = JSON.stringify(m);
      for (const secret of [...ids, ...name.split('^'), birthDate]) expect(out).not.toContain(secret);
    });
  }

  it('an ACK carries its code and the acknowledged control id', () => {
    const m = decode(encodeHl7({ messageType: 'ACK', controlId: 'A1', ackCode: 'AE', ackControlId: 'MSG7' }));
    expect(m).toMatchObject({ messageType: 'ACK', controlId: 'A1', ackCode: 'AE', ackControlId: 'MSG7' });
    expect(m.patientHashes).toEqual([]);
    expect(m.fieldsPresent).toEqual([]);
  });
});

describe('HL7 simulator messages (messages.ts) → decodeHl7', () => {
  for (const seed of [41, 42, 43, 44]) {
    it(`seed ${seed}: ORU^R01 and ADT carry header, bed and vitals; the patient only as hashes`, () => {
      const r = new Rng(seed);
      const h = {
        sendingApp: word(r, 10),
        sendingFacility: word(r, 6),
        receivingApp: word(r, 10),
        receivingFacility: word(r, 6),
        controlId: `C${r.u32()}`,
      };
      const p = {
        mrn: `MRN${word(r, 8)}`,
        name: `${word(r, 9)}^${word(r, 7)}`,
        birthDate: '19700101',
        sex: 'F' as const,
      };
      const bed = `ICU^${r.int(1, 30)}^1`;
      const v = { spo2: r.int(85, 100), pulse: r.int(40, 150), hr: r.int(40, 150), resp: r.int(6, 30), temp: 36.6 };
      const t = Date.UTC(2025, 0, 30, 10, 15, r.int(0, 59)) * 1000;
      const m = decode(oru(h, t, p, bed, v, 'MON1'));
      expect(m).toMatchObject({ messageType: 'ORU^R01', ...h, location: bed, version: '2.6' });
      const byVital = Object.fromEntries(m.observations.filter((o) => o.vital).map((o) => [o.vital, Number(o.value)]));
      expect(byVital).toMatchObject({ spo2: v.spo2, pulse: v.pulse, hr: v.hr, resp: v.resp });
      expect(m.patientHashes).toEqual([hashId(p.mrn)]);
      expect(m.fieldsPresent).toEqual(['PID-3', 'PID-5', 'PID-7', 'PID-8']);
      expect(JSON.stringify(m)).not.toContain(p.mrn);

      const a = decode(adt(h, t, r.pick(['A01', 'A03'] as const), p, bed));
      expect(a.messageType).toMatch(/^ADT\^A0[13]/);
      expect(a).toMatchObject({ location: bed, patientHashes: [hashId(p.mrn)] });
    });
  }
});
