// Builders of synthetic events for inventory tests. All addresses, names and identifiers are
// fictional; outside addresses are from the documentation ranges (203.0.113.0/24, 198.51.100.0/24).
import type {
  DhcpLease,
  DicomAssociation,
  Endpoint,
  FlowEnd,
  FlowStart,
  Hl7Message,
  Hl7Observation,
  L4Proto,
  WardEvent,
} from '../../src/events.js';

export const T0 = Date.UTC(2025, 0, 30, 8, 0, 0) * 1000; // µs

let nextFlow = 1;

export function ep(ip: string, port?: number, mac?: string): Endpoint {
  return { ip, ...(port !== undefined ? { port } : {}), ...(mac !== undefined ? { mac } : {}) };
}

/** A whole flow: start and end, with packets/bytes each way (responder answered when pkts[1] > 0). */
export function flow(
  src: Endpoint,
  dst: Endpoint,
  opts: { proto?: L4Proto; ts?: number; syn?: boolean; packets?: [number, number]; bytes?: [number, number] } = {},
): { start: FlowStart; end: FlowEnd; flowId: number } {
  const flowId = nextFlow++;
  const ts = opts.ts ?? T0;
  const proto = opts.proto ?? 'tcp';
  const packets = opts.packets ?? [5, 4];
  const bytes = opts.bytes ?? [600, 400];
  return {
    flowId,
    start: { type: 'flow-start', ts, flowId, src, dst, proto, syn: opts.syn ?? proto === 'tcp' },
    end: {
      type: 'flow-end',
      ts: ts + 1_000_000,
      flowId,
      src,
      dst,
      proto,
      first: ts,
      last: ts + 1_000_000,
      packets,
      bytes,
      reason: 'fin',
    },
  };
}

export function hl7(
  flowId: number,
  src: Endpoint,
  dst: Endpoint,
  messageType: string,
  opts: Partial<Pick<Hl7Message, 'sendingApp' | 'sendingFacility' | 'receivingApp' | 'ackCode'>> & {
    observations?: Hl7Observation[];
    ts?: number;
  } = {},
): Hl7Message {
  return {
    type: 'hl7-message',
    ts: opts.ts ?? T0 + 500,
    flowId,
    src,
    dst,
    messageType,
    ...(opts.sendingApp !== undefined ? { sendingApp: opts.sendingApp } : {}),
    ...(opts.sendingFacility !== undefined ? { sendingFacility: opts.sendingFacility } : {}),
    ...(opts.receivingApp !== undefined ? { receivingApp: opts.receivingApp } : {}),
    ...(opts.ackCode !== undefined ? { ackCode: opts.ackCode } : {}),
    patientHashes: messageType.startsWith('ORU') ? ['a1b2c3'] : [],
    fieldsPresent: messageType.startsWith('ORU') ? ['PID-3', 'PID-5'] : [],
    observations: opts.observations ?? [],
    segments: 4,
    bytes: 300,
  };
}

export const VITALS: Hl7Observation[] = [
  { code: '150456', text: 'MDC_PULS_OXIM_SAT_O2', vital: 'spo2', value: '97', unit: '262688' },
  { code: '147842', text: 'MDC_ECG_HEART_RATE', vital: 'hr', value: '72', unit: '264864' },
];

export function dhcp(
  msgType: string,
  clientMac: string,
  src: Endpoint,
  dst: Endpoint,
  more: Partial<Omit<DhcpLease, 'type' | 'msgType' | 'clientMac' | 'src' | 'dst' | 'ts' | 'xid'>> = {},
): DhcpLease {
  return { type: 'dhcp-lease', ts: T0, msgType, clientMac, xid: 0x1234, src, dst, ...more };
}

export function dicomRq(
  flowId: number,
  src: Endpoint,
  dst: Endpoint,
  callingAe: string,
  calledAe: string,
  sop?: string,
): DicomAssociation {
  return {
    type: 'dicom-association',
    ts: T0 + 200,
    flowId,
    src,
    dst,
    pdu: 'rq',
    callingAe,
    calledAe,
    ...(sop !== undefined ? { contexts: [{ id: 1, name: sop, transferSyntaxes: ['1.2.840.10008.1.2'] }] } : {}),
  };
}

export function feed(inv: { onEvent(ev: WardEvent): void }, evs: readonly WardEvent[]): void {
  for (const ev of evs) inv.onEvent(ev);
}
