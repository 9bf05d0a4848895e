// The HL7 decoder reads plain ASCII fields straight from the bytes (a cache of short output
// strings, OBX-2 and NM values checked without building strings) and MLLP searches with Node's
// Buffer search. These tests pin the cases where such a shortcut could part from the string
// path: escapes, a per-message escape character, non-ASCII whitespace, the 200-byte cut, views.
import { describe, expect, it } from 'vitest';
import { decodeHl7, type Hl7Decoded } from '../../../src/decode/hl7/hl7.js';
import { MllpDeframer, scanMllp } from '../../../src/decode/hl7/mllp.js';
import { ascii, concat } from '../../fixtures/medical/hex.js';
import { ACK_AA, mllp } from '../../fixtures/medical/hl7-messages.js';

const opts = { hashId: (id: string) => `h(${id})` };

function one(msg: string | Uint8Array): Hl7Decoded {
  const b = typeof msg === 'string' ? ascii(msg) : msg;
  const r = decodeHl7(b, 0, b.length, opts);
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.message;
}

/** One OBX-5 value (NM unless said otherwise) as decoded, or undefined when it was dropped. */
function nm(value: string | Uint8Array, type = 'NM'): string | undefined {
  const head = ascii(`MSH|^~\\&|A||||||ORU^R01|1|P|2.6\rOBX|1|${type}|150456^SPO2||`);
  const v = typeof value === 'string' ? ascii(value) : value;
  return one(concat(head, v, ascii('|%'))).observations[0]?.value;
}

describe('HL7 fast paths agree with the string path', () => {
  it('unescapes a cached field when a later message makes its bytes an escape', () => {
    const std = 'MSH|^~\\&|X#F#Y|F||||||ACK|1|P|2.6';
    expect(one(std).sendingApp).toBe('X#F#Y');
    // Same bytes, but this message declares '#' as its escape character: \F\ is the field separator.
    expect(one('MSH|^~#&|X#F#Y|F||||||ACK|1|P|2.6').sendingApp).toBe('X|Y');
    expect(one(std).sendingApp).toBe('X#F#Y');
  });

  it('reads OBX-2 written with escapes as the type it spells', () => {
    expect(nm('97', 'N\\X4D\\')).toBe('97');
    expect(nm('97', 'NMX')).toBeUndefined();
    expect(nm('<^35.0', 'SN')).toBe('<35.0');
  });

  it('trims and validates NM values as String.prototype.trim and the number pattern do', () => {
    expect(nm(' 97 ')).toBe('97');
    expect(nm('\t-1.5\v')).toBe('-1.5');
    expect(nm('5.')).toBe('5.');
    expect(nm('.5')).toBe('.5');
    for (const bad of ['.', '+', '-', '1e3', '9 7', '0x10', '""']) expect(nm(bad)).toBeUndefined();
    expect(nm(concat(Uint8Array.of(0xc2, 0xa0), ascii('97')))).toBe('97'); // UTF-8 NBSP is trimmed too
    expect(nm('\\X39\\7')).toBe('97'); // an escaped digit
    expect(nm(`${' '.repeat(199)}7`)).toBe('7');
    expect(nm(`${' '.repeat(200)}7`)).toBeUndefined(); // cut at 200 bytes before trimming
  });

  it('cuts long fields at 200 bytes whether or not they are cached', () => {
    const long = 'A'.repeat(300);
    expect(one(`MSH|^~\\&|${long}|B|C||||ACK|1|P|2.6`)).toMatchObject({
      sendingApp: 'A'.repeat(200),
      sendingFacility: 'B',
      receivingApp: 'C',
    });
  });

  it('finds identifying fields past the ones read, and none beyond the 40 tracked', () => {
    const pid = (n: number) => `PID${'|'.repeat(n)}X`;
    const m = (n: number) => one(`MSH|^~\\&|A||||||ADT^A01|1|P|2.5\r${pid(n)}`).fieldsPresent;
    expect(m(29)).toEqual(['PID-29']);
    expect(m(39)).toEqual([]);
    expect(one('MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rZZZ|1|2|3\rPV1||I|W^1|').location).toBe('W^1');
  });

  it('MLLP searches stay inside a Uint8Array view', () => {
    // FS and VT bytes before and after the view must not be seen.
    const whole = concat(Uint8Array.of(0x0b, 0x1c, 0x0d), mllp(ACK_AA), Uint8Array.of(0x0b, 0x41, 0x1c));
    const view = whole.subarray(3, 3 + mllp(ACK_AA).length);
    expect(scanMllp(view, 0, view.length)).toMatchObject({ kind: 'ok', start: 1, end: view.length - 2 });
    const frames: string[] = [];
    const d = new MllpDeframer({ frame: (p) => frames.push(new TextDecoder().decode(p)), anomaly: () => {} });
    d.push(view.subarray(0, 10));
    d.push(view.subarray(10));
    d.push(whole.subarray(whole.length - 2, whole.length - 1)); // 'A' alone: junk, no frame
    expect(frames).toEqual([ACK_AA]);
  });
});
