// What HL7 says of its equipment (issue 16): PRT-10 (the v2.7+ participation device) and OBX-18
// (equipment instance identifier) leave the decoder as equipment, never a person or a patient;
// an infusion pump named there is an infusion pump, and ADT/order senders (MSH-3/4) are
// clinical information systems. Decoder fixtures plus a capture written with our writer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frameMllp } from '../../src/decode/hl7/encode.js';
import { decodeHl7 } from '../../src/decode/hl7/hl7.js';
import type { Hl7Message } from '../../src/events.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { host } from '../../src/sim/wire.js';
import { T0, tcp, writeSim } from '../detect/wire-captures.js';

const enc = new TextEncoder();
const hashId = (id: string) => `h(${id.length})`;
const decode = (text: string) => {
  const b = enc.encode(text);
  const r = decodeHl7(b, 0, b.length, { hashId });
  if (r.kind !== 'ok') throw new Error(r.kind);
  return r.message;
};

// Fictional patient (PID-5 EXAMPLE^ALEX, born 1970-01-01) and a fictional nurse in PRT-5.
const PUMP_ORU = [
  'MSH|^~\\&|PUMPGW^0012D3FFFE000001^EUI-64|WARD3|EMR|HOSP|20250130090000||ORU^R42^ORU_R01|P1|P|2.7',
  'PID|||FICT-0001^^^WW^MR||EXAMPLE^ALEX||19700101|U',
  'PRT|1|UC||EQUIP^Equipment^HL70912|NURSE^NORA^^^^^^^^^^^^RN||||||PUMP-7^Alaris^0012D3FFFE5A1234^EUI-64',
  'OBR|1|||69985^MDC_DEV_PUMP_INFUS_MDS^MDC',
  'OBX|1|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.1|25|265266^MDC_DIM_MILLI_L_PER_HR^MDC|||||R|||20250130090000||||PUMP-7^Alaris^0012D3FFFE5A1234^EUI-64',
].join('\r');

const ADT = [
  'MSH|^~\\&|EPIC|HOSP|CENTRAL|WARD3|20250130085900||ADT^A01^ADT_A01|A1|P|2.5',
  'PID|||FICT-0002^^^WW^MR||EXAMPLE^SAM||19800202|F',
  'PV1|1|I|WARD3^12^1',
].join('\r');

describe('HL7 equipment in the decoder', () => {
  it('reads PRT-10 and OBX-18 as equipment, once each, and nothing of PRT-5 or the patient', () => {
    const m = decode(PUMP_ORU);
    expect(m.equipment).toEqual(['PUMP-7^Alaris^0012D3FFFE5A1234^EUI-64']);
    const out = JSON.stringify(m);
    for (const phi of ['NURSE', 'NORA', 'EXAMPLE', 'ALEX', '19700101', 'FICT-0001']) expect(out).not.toContain(phi);
    expect(m.fieldsPresent).toEqual(expect.arrayContaining(['PID-3', 'PID-5', 'PID-7']));
  });

  it('gives an empty list when no segment names equipment, and reads OBX-18 without PRT', () => {
    expect(decode(ADT).equipment).toEqual([]);
    const obxOnly = `MSH|^~\\&|MON|W||||||ORU^R01|1|P|2.6\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|||||||||||||MON-3^^0012D3FFFE000003^EUI-64`;
    expect(decode(obxOnly).equipment).toEqual(['MON-3^0012D3FFFE000003^EUI-64']);
  });
});

describe('identification from HL7 equipment and message types', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-hl7-equipment-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pumpGw = host('pump', '00:0c:29:aa:bb:31', '10.1.1.31');
  const ehr = host('ehr', '00:0c:29:aa:bb:40', '10.1.1.40');
  const central = host('central', '00:0c:29:aa:bb:02', '10.1.1.2');

  it('a pump named in PRT is an infusion pump; an ADT sender is a clinical-system; the event carries equipment only', async () => {
    const file = writeSim(dir, 'hl7-equipment.pcap', (sim) => {
      const t = tcp(sim, T0 + 1e6, pumpGw, central, 2575, frameMllp(enc.encode(PUMP_ORU)));
      tcp(sim, t + 1e6, ehr, central, 2575, frameMllp(enc.encode(ADT)));
    });
    const events: Hl7Message[] = [];
    const r = await analyzeCaptures([file], {
      salt: '00'.repeat(32),
      onEvent: (ev) => {
        if (ev.type === 'hl7-message') events.push(ev);
      },
    });
    expect(events.map((e) => [e.messageType, e.equipment ?? null])).toEqual([
      ['ORU^R42', ['PUMP-7^Alaris^0012D3FFFE5A1234^EUI-64']],
      ['ADT^A01', null],
    ]);
    const pump = r.devices.find((d) => d.id === '00:0c:29:aa:bb:31');
    expect(pump?.class).toBe('infusion-pump');
    expect(pump?.reasons?.join(' ')).toContain('name their equipment an infusion pump');
    const sys = r.devices.find((d) => d.id === '00:0c:29:aa:bb:40');
    expect(sys?.class).toBe('clinical-system');
    expect(sys?.reasons?.join(' ')).toContain('EPIC');
    expect(JSON.stringify(r.devices)).not.toMatch(/EXAMPLE|NURSE|19700101|19800202/);
  });
});
