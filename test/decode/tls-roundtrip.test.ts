// decode(encode(x)) for the TLS writer the simulator uses (src/decode/tls-encode.ts): seeded
// random SNI, ALPN lists and application-record sizes come back from the record and hello decoders.
import { describe, expect, it } from 'vitest';
import { decodeClientHello, decodeServerHello, tlsRecordHeader } from '../../src/decode/tls.js';
import { clientFinish, clientHello, serverFlight } from '../../src/decode/tls-encode.js';
import { Rng } from '../../src/sim/rng.js';

/** The records of a flight: [type, payload length] each, walked with the decoder's header reader. */
function records(b: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let off = 0; off < b.length; ) {
    const h = tlsRecordHeader(b, off, b.length);
    if (h.kind !== 'ok') throw new Error(`record at ${off}: ${h.kind}`);
    out.push([h.value.type, h.value.length]);
    off += 5 + h.value.length;
  }
  return out;
}
const label = (r: Rng, n: number) => {
  let s = '';
  for (let i = r.int(1, n); i > 0; i--) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[r.int(0, 35)];
  return s;
};

describe('TLS encode → decode', () => {
  for (const seed of [21, 22, 23, 24, 25, 26, 27, 28]) {
    it(`seed ${seed}: ClientHello, server flight and client finish survive`, () => {
      const r = new Rng(seed);
      const random = Uint8Array.from({ length: 96 }, () => r.int(0, 255));
      const sni = Array.from({ length: r.int(1, 4) }, () => label(r, 15)).join('.');
      const alpn = r.pick([[], ['h2'], ['h2', 'http/1.1'], [label(r, 10)]]);
      const ch = clientHello(sni, alpn, random);
      expect(records(ch)).toEqual([[22, ch.length - 5]]);
      const d = decodeClientHello(ch, 5, ch.length);
      if (d.kind !== 'ok') throw new Error(`client hello: ${d.kind}`);
      expect(d.value).toMatchObject({
        legacyVersion: 0x0303,
        version: 'TLS 1.3',
        sni,
        versions: [0x0304, 0x0303],
        sslv2: false,
      });
      expect(d.value.alpn).toEqual(alpn.length > 0 ? alpn : undefined);

      const app = Array.from({ length: r.int(0, 5) }, () => r.int(1, 4000));
      const sf = serverFlight(random, random.subarray(32), app);
      const recs = records(sf);
      expect(recs.map(([t]) => t)).toEqual([22, 20, ...app.map(() => 23)]);
      expect(recs.slice(2).map(([, n]) => n)).toEqual(app);
      const s = decodeServerHello(sf, 5, 5 + (recs[0]?.[1] ?? 0));
      if (s.kind !== 'ok') throw new Error(`server hello: ${s.kind}`);
      expect(s.value).toMatchObject({ legacyVersion: 0x0303, version: 0x0304 });

      const fin = clientFinish(random, app);
      expect(records(fin)).toEqual([[20, 1], ...app.map((n): [number, number] => [23, n])]);
    });
  }
});
