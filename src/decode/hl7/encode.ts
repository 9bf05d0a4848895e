// HL7 v2 encoder for tests and the simulator: the inverse of decodeHl7 for the fields it
// reads (decode(encode(x)) gives x back, with patient data reduced to hashes and field names).
// Standard delimiters |^~\& (HL7 v2.x ch. 2 §2.5.4); segments end with CR.

import { escapeHl7, type Hl7Delims } from './text.js';

export { frameMllp } from './mllp.js';

export interface Hl7DraftObservation {
  readonly code: string;
  readonly text?: string;
  /** OBX-2; 'NM' by default. */
  readonly valueType?: string;
  readonly value: string;
  readonly unit?: string;
  readonly status?: string;
}

/** A message to encode. Fictional patient data only (tests, simulator). */
export interface Hl7Draft {
  readonly messageType: string; // 'ORU^R01', 'ACK', 'ADT^A01' (components separated by '^')
  readonly sendingApp?: string;
  readonly sendingFacility?: string;
  readonly receivingApp?: string;
  readonly receivingFacility?: string;
  readonly time?: string;
  readonly controlId?: string;
  readonly version?: string;
  readonly patient?: {
    readonly ids: readonly string[]; // PID-3 repetitions (component 1)
    readonly name?: string; // PID-5, components separated by '^' ('DOE^JANE')
    readonly birthDate?: string; // PID-7
    readonly sex?: string; // PID-8
  };
  readonly location?: string; // PV1-3, components separated by '^'
  readonly observations?: readonly Hl7DraftObservation[];
  readonly ackCode?: string;
  readonly ackControlId?: string;
}

const STD: Hl7Delims = { field: 0x7c, comp: 0x5e, rep: 0x7e, esc: 0x5c, sub: 0x26 };

const esc = (v: string | undefined) => (v === undefined ? '' : escapeHl7(v, STD));
/** A value whose '^' are component separators: escape each component on its own. */
const comps = (v: string | undefined) => (v === undefined ? '' : v.split('^').map(esc).join('^'));

function seg(id: string, fields: readonly string[]): string {
  let n = fields.length;
  while (n > 0 && fields[n - 1] === '') n--;
  return [id, ...fields.slice(0, n)].join('|');
}

/** The message as text, segments separated by CR (no trailing CR after the last, as MLLP senders do). */
export function encodeHl7(d: Hl7Draft): string {
  const segs: string[] = [];
  // MSH-1 is the '|' after MSH, MSH-2 the encoding characters; MSH-11 processing id 'P'.
  segs.push(
    `MSH|^~\\&|${esc(d.sendingApp)}|${esc(d.sendingFacility)}|${esc(d.receivingApp)}|${esc(d.receivingFacility)}|` +
      `${esc(d.time)}||${comps(d.messageType)}|${esc(d.controlId)}|P|${esc(d.version)}`,
  );
  if (d.ackCode !== undefined || d.ackControlId !== undefined)
    segs.push(seg('MSA', [esc(d.ackCode), esc(d.ackControlId)]));
  if (d.patient) {
    const p = d.patient;
    const f: string[] = ['1', '', p.ids.map(esc).join('~'), '', comps(p.name), '', esc(p.birthDate), esc(p.sex)];
    segs.push(seg('PID', f));
  }
  if (d.location !== undefined) segs.push(seg('PV1', ['1', 'I', comps(d.location)]));
  const obs = d.observations ?? [];
  if (obs.length > 0) segs.push(seg('OBR', ['1', '', '', '182777000^monitoring of patient^SCT']));
  obs.forEach((o, i) => {
    const id = o.text === undefined ? esc(o.code) : `${esc(o.code)}^${esc(o.text)}^MDC`;
    const type = o.valueType ?? 'NM';
    const value = type === 'SN' ? comps(o.value) : esc(o.value);
    segs.push(seg('OBX', [String(i + 1), type, id, '', value, esc(o.unit), '', '', '', '', esc(o.status)]));
  });
  return segs.join('\r');
}

/** Encode and encode as UTF-8 bytes. */
export function encodeHl7Bytes(d: Hl7Draft): Uint8Array {
  return new TextEncoder().encode(encodeHl7(d));
}
