// TLS analyzer: joins records into handshake messages per direction (a ClientHello may span
// several records and TCP segments), decodes ClientHello, ServerHello and, for TLS ≤ 1.2, the
// server certificate's subject CN; emits one `tls-hello` per ClientHello once the server side
// has said what it will say in the clear (or at flow end). Each direction buffers at most
// 16 KiB; past that, or after the handshake, bytes are dropped without copying.
// Fingerprints are hashed here (decode/ may not use node:crypto): JA4 and JA3 of the hello, the
// SHA-256 of each certificate of the chain (whole certificates that fit in the buffer).

import { createHash } from 'node:crypto';

import { concat } from '../../decode/bytes.js';
import {
  decodeCertificateCn,
  decodeClientHello,
  decodeServerHello,
  decodeSslv2Hello,
  type ClientHello,
  TLS_HANDSHAKE,
  tlsRecordHeader,
} from '../../decode/tls.js';
import type { ClientFingerprint } from '../../decode/tls-fingerprint.js';
import { decodeCertificateChain } from '../../decode/x509.js';
import type { TlsCertificate, TlsHello } from '../../events.js';
import { holdBytes } from '../app.js';
import type { Dir, FlowContext, ProbeResult, StreamApp, TcpAppFactory } from '../app.js';

const CAP = 16 * 1024;
/** The empty buffer every side starts with: nothing is allocated until bytes must be kept. */
const EMPTY = new Uint8Array(0);

class Side {
  rec: Uint8Array = EMPTY; // undecoded record bytes (owned: a record that spans segments)
  hs: Uint8Array = EMPTY; // handshake bytes joined from records
  /** `hs` is a view of the caller's bytes, valid only during `data`: copy what is left. */
  hsBorrowed = false;
  done = false;
  started = false;
  /** Of the run's budget for held bytes (holdBytes): what `rec` and `hs` keep between calls. */
  had = 0;
}

// A ward's devices run a few TLS stacks that send the same hello flow after flow, so the
// fingerprint digests are kept by their input string (cipher and extension lists: nothing
// private): a Map lookup instead of three node:crypto hashes a hello (bounded, cleared when full;
// a JA4_c string of 109 characters: SHA-256 to hex about 960 ns, a hit on a freshly built key 290 ns).
const DIGESTS_MAX = 4096;
const sha256Of = new Map<string, string>();
const md5Of = new Map<string, string>();

/** The hex digest of `s`, its first `chars` characters. */
function digest(memo: Map<string, string>, alg: 'sha256' | 'md5', s: string, chars: number): string {
  let d = memo.get(s);
  if (d === undefined) {
    d = createHash(alg).update(s).digest('hex').slice(0, chars);
    if (memo.size >= DIGESTS_MAX) memo.clear();
    memo.set(s, d);
  }
  return d;
}

function h12(s: string): string {
  return s === '' ? '000000000000' : digest(sha256Of, 'sha256', s, 12);
}

/** JA4 of a decoded hello; `transport` is 't' (TLS over TCP), 'q' (QUIC) or 'd' (DTLS). */
export function ja4Of(fp: ClientFingerprint, transport: 't' | 'q' | 'd'): string {
  return `${transport}${fp.ja4.a}_${h12(fp.ja4.b)}_${h12(fp.ja4.c)}`;
}

/** JA3 (MD5 hex of the JA3 string). */
export function ja3Of(fp: ClientFingerprint): string {
  return digest(md5Of, 'md5', fp.ja3, 32);
}

/** A `tls-hello`'s two fingerprints; both undefined when the hello gave none. */
export interface HelloDigests {
  readonly ja4: string | undefined;
  readonly ja3: string | undefined;
}

const NO_DIGESTS: HelloDigests = { ja4: undefined, ja3: undefined };

/** JA4 and JA3 of a hello (TLS over TCP and QUIC both emit `tls-hello`). */
export function helloDigests(fp: ClientFingerprint | undefined, transport: 't' | 'q' | 'd'): HelloDigests {
  return fp === undefined ? NO_DIGESTS : { ja4: ja4Of(fp, transport), ja3: ja3Of(fp) };
}

/** The certificates of a Certificate message in `b` from `off` (whole ones before `end`), hashed. */
export function certificatesOf(
  b: Uint8Array,
  off: number,
  end: number,
): { certs: TlsCertificate[]; malformed: boolean } {
  const chain = decodeCertificateChain(b, off, end);
  const certs = chain.certs.map((c) => ({
    sha256: createHash('sha256').update(b.subarray(c.derStart, c.derEnd)).digest('hex'),
    subject: c.subject,
    issuer: c.issuer,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    selfSigned: c.selfSigned,
  }));
  return { certs, malformed: chain.malformed };
}

class TlsStream implements StreamApp {
  private readonly side0 = new Side();
  private readonly side1 = new Side();
  private hello: ClientHello | null = null;
  private helloTs = 0;
  private serverDone = false;
  private emitted = false;
  private cn: string | undefined;
  private certs: TlsCertificate[] | undefined;

  constructor(private readonly ctx: FlowContext) {}

  /** Both directions parsed as far as we go (hello, server hello, certificate): the rest is ciphertext. */
  get finished(): boolean {
    return this.emitted && this.side0.done && this.side1.done;
  }

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    const s = dir === 0 ? this.side0 : this.side1;
    if (s.done) return;
    if (!s.started) {
      s.started = true;
      if (bytes.length > 0 && bytes[0]! & 0x80) {
        const v2 = decodeSslv2Hello(bytes, 0, bytes.length);
        if (v2.kind === 'ok') this.gotHello(v2.value, ts);
        s.done = true;
        return;
      }
    }
    const buf = concat(s.rec, bytes);
    let p = 0;
    // Each iteration consumes one whole record (≥5 bytes) or leaves the loop.
    while (!s.done) {
      const r = tlsRecordHeader(buf, p, buf.length);
      if (r.kind === 'more') break;
      if (r.kind !== 'ok') {
        if (r.kind === 'anomaly') this.ctx.anomaly(r.code, ts);
        this.stop(dir);
        break;
      }
      const end = p + 5 + r.value.length;
      if (end > buf.length) break;
      if (r.value.type === TLS_HANDSHAKE) {
        if (s.hs.length + r.value.length > CAP) this.stop(dir);
        else {
          // A record that starts the handshake bytes is parsed in place; only a remainder is kept.
          if (s.hs.length === 0) {
            s.hs = buf.subarray(p + 5, end);
            s.hsBorrowed = true;
          } else s.hs = concat(s.hs, buf.slice(p + 5, end));
          this.handshake(dir, ts);
        }
      } else if (dir === 1) this.stop(1); // ChangeCipherSpec/alert/data: nothing more in clear
      p = end;
    }
    const rest = buf.length - p;
    if (s.done || rest > CAP) {
      s.rec = EMPTY;
      this.stop(dir);
    } else s.rec = rest === 0 ? EMPTY : buf.slice(p);
    this.hold(s, dir, ts);
  }

  /** What a side keeps against the run's budget; refused, the side stops as past its own cap. */
  private hold(s: Side, dir: Dir, ts: number): void {
    const now = s.rec.length + s.hs.length;
    const h = holdBytes(this.ctx, s.had, now, ts);
    s.had = Math.max(h, 0);
    if (h < 0) this.stop(dir);
  }

  private handshake(dir: Dir, ts: number): void {
    const s = dir === 0 ? this.side0 : this.side1;
    let p = 0;
    // Each iteration consumes one whole handshake message (≥4 bytes) or leaves the loop.
    while (!s.done && s.hs.length - p >= 4) {
      const type = s.hs[p]!;
      const end = p + 4 + ((s.hs[p + 1]! << 16) | (s.hs[p + 2]! << 8) | s.hs[p + 3]!);
      if (type === 11) {
        // The whole chain is wanted: wait for the message (the buffer cap, a gap or the next
        // record type ends the wait early, and `stop` reads what whole certificates there are).
        if (end > s.hs.length) break;
        this.readCertificates(s.hs, p, end, ts);
        this.stop(dir);
        break;
      }
      if (end > s.hs.length) break;
      if (type === 1) {
        const r = decodeClientHello(s.hs, p, end);
        if (r.kind === 'ok') this.gotHello(r.value, ts);
        else if (r.kind === 'anomaly') this.ctx.anomaly(r.code, ts);
        s.done = true;
      } else if (type === 2) {
        const r = decodeServerHello(s.hs, p, end);
        if (r.kind === 'anomaly') this.ctx.anomaly(r.code, ts);
        // TLS 1.3 encrypts everything after the ServerHello, the certificate included.
        if (r.kind !== 'ok' || r.value.version >= 0x0304) this.stop(dir);
      } else if (type === 14) this.stop(dir); // ServerHelloDone: no certificate was sent
      p = end;
    }
    const hs = s.hs;
    if (s.done || p >= hs.length) s.hs = EMPTY;
    else s.hs = s.hsBorrowed ? hs.slice(p) : hs.subarray(p);
    s.hsBorrowed = false;
  }

  private gotHello(h: ClientHello, ts: number): void {
    if (this.hello !== null) return;
    this.hello = h;
    this.helloTs = ts;
    this.ctx.env.countApp('tls');
    this.side0.done = true;
    this.maybeEmit(false);
  }

  /** Subject CN of the first certificate (as before) and the chain; `end` may cut the message short. */
  private readCertificates(hs: Uint8Array, p: number, end: number, ts: number): void {
    if (this.certs !== undefined) return;
    const c = decodeCertificateCn(hs, p, end);
    if (c.kind === 'ok') this.cn = c.value;
    else if (c.kind === 'anomaly') this.ctx.anomaly(c.code, ts);
    const chain = certificatesOf(hs, p, end);
    this.certs = chain.certs;
    if (chain.malformed && c.kind !== 'anomaly') this.ctx.anomaly('tls.bad-certificate', ts);
  }

  private stop(dir: Dir): void {
    const s = dir === 0 ? this.side0 : this.side1;
    if (dir === 1 && !s.done && this.certs === undefined && s.hs.length >= 4 && s.hs[0] === 11)
      this.readCertificates(s.hs, 0, s.hs.length, this.helloTs);
    s.done = true;
    s.rec = EMPTY;
    s.hs = EMPTY;
    s.hsBorrowed = false;
    if (s.had > 0) {
      this.ctx.reserve?.(-s.had, this.helloTs);
      s.had = 0;
    }
    if (dir === 1) {
      this.serverDone = true;
      this.maybeEmit(false);
    }
  }

  private maybeEmit(force: boolean): void {
    if (this.emitted || this.hello === null || (!this.serverDone && !force)) return;
    this.emitted = true;
    const h = this.hello;
    const c = this.ctx;
    const fp = helloDigests(h.fingerprint, 't');
    // One literal with every key (undefined where absent), in the event's key order.
    const ev: TlsHello = {
      type: 'tls-hello',
      ts: this.helloTs,
      flowId: c.flowId,
      src: c.client,
      dst: c.server,
      vlan: c.vlan,
      sni: h.sni,
      alpn: h.alpn,
      version: h.version,
      certSubject: this.cn,
      ja4: fp.ja4,
      ja3: fp.ja3,
      certs: this.certs !== undefined && this.certs.length > 0 ? this.certs : undefined,
    };
    c.emit(ev);
  }

  gap(dir: Dir, _length: number, _ts: number): void {
    // Records cannot be resynchronised after a hole; keep what was learned.
    this.stop(dir);
  }

  end(_ts: number): void {
    this.maybeEmit(true);
  }
}

export const tlsApp: TcpAppFactory = {
  name: 'tls',
  ports: [443, 8443, 993, 995, 465, 636, 990, 992, 5061, 6514, 2762, 2484, 4433],
  probe(dir: Dir, b: Uint8Array): ProbeResult {
    if (b.length === 0) return 'more';
    if (b[0] === TLS_HANDSHAKE) {
      if (b.length < 6) return b.length >= 2 && b[1] !== 3 ? 'no' : 'more';
      // ClientHello from the originator; a ServerHello when only the responder was captured.
      return b[1] === 3 && b[2]! <= 4 && b[5] === (dir === 0 ? 1 : 2) ? 'yes' : 'no';
    }
    if (dir === 0 && b[0]! & 0x80) {
      const r = decodeSslv2Hello(b, 0, b.length);
      return r.kind === 'ok' ? 'yes' : r.kind === 'more' ? 'more' : 'no';
    }
    return 'no';
  },
  create(ctx: FlowContext): StreamApp {
    return new TlsStream(ctx);
  },
};
