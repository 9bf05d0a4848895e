// TLS ClientHello (SNI, ALPN, TLS 1.3 offered) and a matching ServerHello with opaque
// encrypted records after it: what a passive observer sees of an HTTPS session.
import { Bytes } from './bytes.js';

function ext(b: Bytes, type: number, body: (e: Bytes) => void): void {
  b.u16(type);
  const fill = b.lengthField(2);
  body(b);
  fill();
}

function record(b: Bytes, type: number, body: (r: Bytes) => void): void {
  b.u8(type).u16(0x0303);
  const fill = b.lengthField(2);
  body(b);
  fill();
}

/** `random` supplies the 32-byte random, 32-byte session id and 32-byte key share (96 bytes). */
export function clientHello(sni: string, alpn: readonly string[], random: Uint8Array): Uint8Array {
  const b = new Bytes();
  record(b, 22, (r) => {
    r.u8(1); // ClientHello
    const hs = r.lengthField(3);
    r.u16(0x0303).bytes(random.subarray(0, 32));
    r.u8(32).bytes(random.subarray(32, 64));
    r.u16(10).u16(0x1301).u16(0x1302).u16(0x1303).u16(0xc02f).u16(0xc030);
    r.u8(1).u8(0);
    const exts = r.lengthField(2);
    ext(r, 0, (e) => {
      const list = e.lengthField(2);
      e.u8(0).u16(sni.length).ascii(sni);
      list();
    });
    ext(r, 10, (e) => e.u16(4).u16(0x001d).u16(0x0017));
    ext(r, 13, (e) => e.u16(6).u16(0x0403).u16(0x0804).u16(0x0401));
    if (alpn.length > 0) {
      ext(r, 16, (e) => {
        const list = e.lengthField(2);
        for (const p of alpn) e.u8(p.length).ascii(p);
        list();
      });
    }
    ext(r, 43, (e) => e.u8(4).u16(0x0304).u16(0x0303));
    ext(r, 51, (e) => {
      const list = e.lengthField(2);
      e.u16(0x001d).u16(32).bytes(random.subarray(64, 96));
      list();
    });
    exts();
    hs();
  });
  return b.done();
}

/** ServerHello (TLS 1.3), ChangeCipherSpec, then `appRecords` opaque application-data records. */
export function serverFlight(random: Uint8Array, sessionId: Uint8Array, appBytes: readonly number[]): Uint8Array {
  const b = new Bytes();
  record(b, 22, (r) => {
    r.u8(2);
    const hs = r.lengthField(3);
    r.u16(0x0303).bytes(random.subarray(0, 32));
    r.u8(32).bytes(sessionId.subarray(0, 32));
    r.u16(0x1301).u8(0);
    const exts = r.lengthField(2);
    ext(r, 43, (e) => e.u16(0x0304));
    ext(r, 51, (e) => e.u16(0x001d).u16(32).bytes(random.subarray(32, 64)));
    exts();
    hs();
  });
  record(b, 20, (r) => r.u8(1));
  for (const n of appBytes)
    record(b, 23, (r) => r.bytes(random.subarray(0, Math.min(n, random.length))).zeros(Math.max(0, n - random.length)));
  return b.done();
}

/** Client's ChangeCipherSpec + encrypted Finished and request, as opaque records. */
export function clientFinish(random: Uint8Array, appBytes: readonly number[]): Uint8Array {
  const b = new Bytes();
  record(b, 20, (r) => r.u8(1));
  for (const n of appBytes)
    record(b, 23, (r) => r.bytes(random.subarray(0, Math.min(n, random.length))).zeros(Math.max(0, n - random.length)));
  return b.done();
}
