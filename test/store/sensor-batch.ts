// A sensor's ingest batch (src/contract/ingest.ts) for tests: one infusion pump (fictional), one
// alert, a flow, an address, and an HL7 exposure with one salted patient hash.
import type { IngestBatch } from '../../src/contract/ingest.js';

export const PUMP_MAC = '00:11:22:33:44:55';
export const PATIENT_HASH = 'c0ffee'.repeat(5).slice(0, 32);

export function sensorBatch(sensor: string, seq = 0, source = `src-${sensor}`): IngestBatch {
  const t = `2026-01-01T00:0${seq % 10}:00.000Z`;
  return {
    v: 1,
    sensor,
    source,
    seq,
    batch: `${source}:${seq}`,
    sentAt: t,
    records: [
      {
        type: 'device',
        id: PUMP_MAC,
        ips: ['10.1.2.3'],
        model: 'PUMP-9',
        advisories: [],
        first: t,
        last: t,
        packets: 10,
        bytes: 1000,
      },
      {
        type: 'alert',
        rule: 'phi.cleartext',
        severity: 'high',
        first: t,
        last: t,
        count: 2,
        src: { ip: '10.1.2.3', port: 40000, mac: PUMP_MAC },
        dst: { ip: '203.0.113.9', port: 2575 },
        device: { id: PUMP_MAC, model: 'PUMP-9' },
        message: 'HL7 with patient fields in clear to an outside address',
        evidence: { fields: ['PID-5'] },
      },
    ],
    rows: {
      flows: [
        {
          device_id: PUMP_MAC,
          peer_ip: '203.0.113.9',
          proto: 'tcp',
          port: 2575,
          app: 'hl7',
          bucket: 1767225600,
          zone: 'outside',
          flows: 1,
          packets: 10,
          bytes: 1000,
        },
      ],
      addresses: [{ device_id: PUMP_MAC, ip: '10.1.2.3', first: t, last: t }],
      dns: [],
      exposure: [
        {
          ip: '203.0.113.9',
          port: 2575,
          protocol: 'hl7',
          messages: 2,
          first: t,
          last: t,
          fields: ['PID-5'],
          devices: [PUMP_MAC],
          proxies: [],
          direct: true,
        },
      ],
      patients: [{ ip: '203.0.113.9', port: 2575, patient_hash: PATIENT_HASH }],
      minutes: [{ ip: '203.0.113.9', port: 2575, minute: '2026-01-01T00:00', messages: 2 }],
      proxyRequests: [],
    },
  };
}
