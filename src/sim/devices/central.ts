// The central station: receives PCD-01 messages over MLLP, ACKs each one, and keeps the latest
// vitals per bed. Shared by the file simulator and the live server (src/sim/live/central.ts).
import type { Rng } from '../rng.js';
import { ack, field, type Hl7Header } from '../../decode/hl7/messages.js';

export interface BedState {
  readonly bed: string;
  readonly messages: number;
  readonly lastType: string;
  /** MDC code name → value, from the latest ORU. */
  readonly vitals: Readonly<Record<string, string>>;
}

const CODES: Readonly<Record<string, string>> = {
  '147842': 'hr',
  '150456': 'spo2',
  '149530': 'pulse',
  '151562': 'resp',
  '150344': 'temp',
  '150021': 'nibp-sys',
  '150022': 'nibp-dia',
  '150023': 'nibp-mean',
};

export function vitalsOf(message: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const seg of message.split('\r')) {
    if (!seg.startsWith('OBX|')) continue;
    const f = seg.split('|');
    const code = (f[3] ?? '').split('^')[0] ?? '';
    const name = CODES[code];
    if (name && f[5]) out[name] = f[5];
  }
  return out;
}

export class CentralLogic {
  readonly beds = new Map<string, BedState>();
  received = 0;
  private ackSeq = 0;

  /**
   * @param rng when given, a small share of messages is answered AE (application error),
   *   so the monitor's retransmission path shows in captures.
   */
  constructor(
    readonly app = 'CENTRAL',
    readonly facility = 'WARD',
    private readonly rng?: Rng,
    private readonly errorRate = 0.01,
  ) {}

  /** Take one message; return the ACK text (AR when it is not HL7 we can use). */
  receive(message: string, t: number): { ack: string; code: 'AA' | 'AE' | 'AR'; bed?: string } {
    this.received++;
    const controlId = field(message, 'MSH', 10) ?? '';
    const type = field(message, 'MSH', 9) ?? '';
    const sender = (field(message, 'MSH', 3) ?? '').split('^')[0] ?? '';
    const h: Hl7Header = {
      sendingApp: this.app,
      sendingFacility: this.facility,
      receivingApp: sender,
      receivingFacility: field(message, 'MSH', 4) ?? '',
      controlId: `A${++this.ackSeq}`,
    };
    if (!message.startsWith('MSH|') || controlId === '') return { ack: ack(h, t, 'AR', controlId), code: 'AR' };
    if (this.rng && this.rng.next() < this.errorRate) return { ack: ack(h, t, 'AE', controlId), code: 'AE' };
    const bed = field(message, 'PV1', 3) || undefined;
    if (bed) {
      const prev = this.beds.get(bed);
      const vitals = type.startsWith('ORU') ? vitalsOf(message) : (prev?.vitals ?? {});
      this.beds.set(bed, {
        bed,
        messages: (prev?.messages ?? 0) + 1,
        lastType: type.split('^').slice(0, 2).join('^'),
        vitals,
      });
    }
    return { ack: ack(h, t, 'AA', controlId), code: 'AA', bed };
  }
}
