// IHE PCD-01 messages (HL7 v2.6): ORU^R01 with vitals as IEEE 11073 MDC-coded OBX segments,
// ADT^A01/A03 on admit/discharge, and the central station's ACK. MLLP framing: 0x0B … 0x1C 0x0D.

/** The patient a message is about (fictional: the simulator's invented list). */
export interface Demographics {
  readonly mrn: string;
  /** HL7 XPN: FAMILY^GIVEN. */
  readonly name: string;
  readonly birthDate: string; // YYYYMMDD
  readonly sex: 'F' | 'M' | 'U';
}

export interface Vitals {
  readonly spo2: number;
  readonly pulse: number;
  readonly hr: number;
  readonly resp: number;
  readonly temp: number; // °C, one decimal
  /** Last NIBP reading, with the time it was taken (µs); absent before the first cycle. */
  readonly nibp?: { readonly sys: number; readonly dia: number; readonly mean: number; readonly at: number };
}

export interface Hl7Header {
  readonly sendingApp: string;
  readonly sendingFacility: string;
  readonly receivingApp: string;
  readonly receivingFacility: string;
  readonly controlId: string;
}

function hl7Time(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

function msh(h: Hl7Header, t: number, type: string): string {
  return `MSH|^~\\&|${h.sendingApp}|${h.sendingFacility}|${h.receivingApp}|${h.receivingFacility}|${hl7Time(t)}||${type}|${h.controlId}|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`;
}

function pid(p: Demographics): string {
  return `PID|||${p.mrn}^^^WARD^MR||${p.name}^^^^L||${p.birthDate}|${p.sex}`;
}

function pv1(bed: string): string {
  return `PV1||I|${bed}`;
}

// [vital, OBX-3, OBX-6, OBX-4 sub-id, OBX-7 alarm limits]
const VITALS: readonly [keyof Omit<Vitals, 'nibp'>, string, string, string, string][] = [
  ['hr', '147842^MDC_ECG_HEART_RATE^MDC', '264864^MDC_DIM_BEAT_PER_MIN^MDC', '1.1.1.1', '50-120'],
  ['spo2', '150456^MDC_PULS_OXIM_SAT_O2^MDC', '262688^MDC_DIM_PERCENT^MDC', '1.2.1.1', '90-100'],
  ['pulse', '149530^MDC_PULS_OXIM_PULS_RATE^MDC', '264864^MDC_DIM_BEAT_PER_MIN^MDC', '1.2.1.2', '50-120'],
  ['resp', '151562^MDC_RESP_RATE^MDC', '264928^MDC_DIM_RESP_PER_MIN^MDC', '1.3.1.1', '8-30'],
  ['temp', '150344^MDC_TEMP^MDC', '268192^MDC_DIM_DEGC^MDC', '1.4.1.1', '35.5-38.5'],
];

/** ORU^R01: one OBR for the monitor, one OBX per vital; NIBP while the last reading is recent. */
export function oru(h: Hl7Header, t: number, p: Demographics, bed: string, v: Vitals, device: string): string {
  const ts = hl7Time(t);
  const segs = [
    msh(h, t, 'ORU^R01^ORU_R01'),
    pid(p),
    pv1(bed),
    `OBR|1|${h.controlId}^${h.sendingApp}|${h.controlId}^${h.sendingApp}|182777000^monitoring of patient^SNOMED-CT|||${ts}`,
  ];
  let n = 1;
  segs.push(`OBX|${n++}||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||${device}`);
  // PCD-01 carries the equipment identifier (OBX-18) and alarm limits (OBX-7) on each
  // observation; with NIBP the message outgrows one 1460-byte segment, as real ones do.
  for (const [key, code, unit, sub, range] of VITALS) {
    const val = key === 'temp' ? v.temp.toFixed(1) : String(v[key]);
    segs.push(`OBX|${n++}|NM|${code}|${sub}|${val}|${unit}|${range}||||R|||${ts}||||${device}`);
  }
  if (v.nibp && t - v.nibp.at < 10 * 60e6) {
    const at = hl7Time(v.nibp.at);
    const mmhg = '266016^MDC_DIM_MMHG^MDC';
    segs.push(
      `OBX|${n++}|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.5.1.1|${v.nibp.sys}|${mmhg}|90-160||||R|||${at}||||${device}`,
    );
    segs.push(
      `OBX|${n++}|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.5.1.2|${v.nibp.dia}|${mmhg}|50-90||||R|||${at}||||${device}`,
    );
    segs.push(
      `OBX|${n++}|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.5.1.3|${v.nibp.mean}|${mmhg}|60-110||||R|||${at}||||${device}`,
    );
  }
  return `${segs.join('\r')}\r`;
}

/** ADT^A01 (admit) or ADT^A03 (discharge). */
export function adt(h: Hl7Header, t: number, event: 'A01' | 'A03', p: Demographics, bed: string): string {
  return `${[msh(h, t, `ADT^${event}^ADT_A01`), `EVN|${event}|${hl7Time(t)}`, pid(p), pv1(bed)].join('\r')}\r`;
}

/** The receiver's ACK for a message with control id `ackOf`; AE/AR carry an ERR segment. */
export function ack(h: Hl7Header, t: number, code: 'AA' | 'AE' | 'AR', ackOf: string): string {
  const segs = [msh(h, t, 'ACK^R01^ACK'), `MSA|${code}|${ackOf}`];
  if (code !== 'AA')
    segs.push(
      `ERR|||${code === 'AE' ? '207^Application internal error^HL70357' : '101^Required field missing^HL70357'}|E`,
    );
  return `${segs.join('\r')}\r`;
}

const enc = new TextEncoder();

export function mllp(message: string): Uint8Array {
  const body = enc.encode(message);
  const out = new Uint8Array(body.length + 3);
  out[0] = 0x0b;
  out.set(body, 1);
  out[body.length + 1] = 0x1c;
  out[body.length + 2] = 0x0d;
  return out;
}

/** Split a stream of MLLP bytes into messages; returns the messages and the unconsumed rest. */
export function unframe(buf: Uint8Array): { messages: string[]; rest: Uint8Array } {
  const dec = new TextDecoder();
  const messages: string[] = [];
  let start = buf.indexOf(0x0b);
  while (start >= 0) {
    const end = buf.indexOf(0x1c, start + 1);
    if (end < 0 || end + 1 >= buf.length) break;
    messages.push(dec.decode(buf.subarray(start + 1, end)));
    const next = end + (buf[end + 1] === 0x0d ? 2 : 1);
    buf = buf.subarray(next);
    start = buf.indexOf(0x0b);
  }
  return { messages, rest: start < 0 ? new Uint8Array(0) : buf };
}

/** A field of the first segment named `seg` (MSH counts its field separator as field 1). */
export function field(message: string, seg: string, n: number): string | undefined {
  for (const line of message.split('\r')) {
    if (!line.startsWith(`${seg}|`)) continue;
    const parts = line.split('|');
    return seg === 'MSH' ? parts[n - 1] : parts[n];
  }
  return undefined;
}
