// NTP writer for tests and the simulator: one 48-byte header (RFC 5905 §7.3).
import { Bytes } from '../bytes.js';

export interface NtpFields {
  readonly leap?: number;
  readonly version?: number;
  /** 1 symmetric active … 5 broadcast. */
  readonly mode: number;
  readonly stratum?: number;
  readonly poll?: number;
  /** Four bytes: an address for stratum ≥ 2, ASCII ('GPS') for stratum 1. */
  readonly refId?: Uint8Array;
  readonly transmitSecs?: number;
}

export function encodeNtp(f: NtpFields): Uint8Array {
  const w = new Bytes(48);
  w.u8((((f.leap ?? 0) & 3) << 6) | (((f.version ?? 4) & 7) << 3) | (f.mode & 7));
  w.u8(f.stratum ?? 0);
  w.u8(f.poll ?? 6);
  w.u8(0xe9); // precision 2^-23
  w.u32(0x00000100); // root delay
  w.u32(0x00000200); // root dispersion
  const ref = f.refId ?? new Uint8Array(4);
  for (let i = 0; i < 4; i++) w.u8(ref[i] ?? 0);
  w.zeros(24); // reference, origin, receive timestamps
  w.u32(f.transmitSecs ?? 0);
  w.u32(0x80000000);
  return w.done();
}
