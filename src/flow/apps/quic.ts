// QUIC analyzer: the client's Initial packets (v1, RFC 9001; v2, RFC 9369) are decrypted with
// the keys every observer can derive from the Destination Connection ID, their CRYPTO frames
// reassembled (src/decode/quic.ts), and the ClientHello decoded by the TLS decoder: one
// `tls-hello` with `transport: 'quic'`. The crypto lives here (node:crypto) because decode/ is
// pure. Only client Initials are opened; after the hello (or QUIC_MAX_INITIALS Initials) the
// flow is only counted.
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import {
  CryptoStream,
  initialFrames,
  isQuicLongHeader,
  openPacket,
  parseLongHeader,
  QUIC_INITIAL,
  QUIC_MAX_INITIALS,
  QUIC_V2,
  QuicHeader,
  type QuicInitialCrypto,
  Varint,
} from '../../decode/quic.js';
import { decodeClientHello } from '../../decode/tls.js';
import { helloDigests } from './tls.js';
import type { TlsHello } from '../../events.js';
import type { DatagramApp, Dir, FlowContext, ProbeResult, UdpAppFactory } from '../app.js';

const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex'); // RFC 9001 §5.2
const SALT_V2 = Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex'); // RFC 9369 §3.3.1

export interface InitialKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly hp: Buffer;
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, for lengths up to one SHA-256 block. */
function expandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  const full = `tls13 ${label}`;
  const info = Buffer.alloc(2 + 1 + full.length + 1 + 1);
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  info.write(full, 3, 'latin1');
  info[3 + full.length] = 0; // context length
  info[4 + full.length] = 1; // HKDF-Expand's block counter T(1)
  return createHmac('sha256', secret).update(info).digest().subarray(0, length);
}

/** The client's Initial keys for `version` from the Destination Connection ID (RFC 9001 §5.2). */
export function clientInitialKeys(version: number, dcid: Uint8Array): InitialKeys & { secret: Buffer } {
  const v2 = version === QUIC_V2;
  const initial = createHmac('sha256', v2 ? SALT_V2 : SALT_V1)
    .update(dcid)
    .digest(); // HKDF-Extract
  const secret = expandLabel(initial, 'client in', 32);
  const p = v2 ? 'quicv2 ' : 'quic ';
  return {
    secret,
    key: expandLabel(secret, `${p}key`, 16),
    iv: expandLabel(secret, `${p}iv`, 12),
    hp: expandLabel(secret, `${p}hp`, 16),
  };
}

export const nodeQuicCrypto: QuicInitialCrypto<InitialKeys> = {
  hpMask(keys, sample) {
    const c = createCipheriv('aes-128-ecb', keys.hp, null);
    c.setAutoPadding(false);
    return c.update(sample).subarray(0, 5);
  },
  open(keys, pn, aad, sealed) {
    if (sealed.length < 16) return null;
    const nonce = Buffer.from(keys.iv);
    // The packet number, big-endian, XORed into the IV's low bytes (RFC 9001 §5.3).
    let x = pn;
    for (let i = 11; i >= 4 && x > 0; i--) {
      nonce[i]! ^= x % 256;
      x = Math.floor(x / 256);
    }
    try {
      const d = createDecipheriv('aes-128-gcm', keys.key, nonce);
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      const a = d.update(sealed.subarray(0, sealed.length - 16));
      const b = d.final();
      return b.length === 0 ? a : Buffer.concat([a, b]);
    } catch {
      return null; // the tag did not verify
    }
  },
};

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Per-flow state; the header and varint readers are one per flow (not module-level). */
class QuicFlow implements DatagramApp {
  private readonly h = new QuicHeader();
  private readonly v = new Varint();
  private crypto: CryptoStream | null = new CryptoStream();
  private keys: InitialKeys | null = null;
  private dcid: Uint8Array | null = null;
  private version = 0;
  private largest = -1;
  private initials = 0;
  private done = false;

  constructor(private readonly ctx: FlowContext) {}

  datagram(dir: Dir, payload: Uint8Array, ts: number): void {
    if (this.done || dir !== 0) return;
    const h = this.h;
    let off = 0;
    // Coalesced packets (RFC 9000 §12.2): each turn moves past one whole long-header packet.
    for (let n = 0; n < 8 && off < payload.length && !this.done; n++) {
      const r = parseLongHeader(payload, off, payload.length, h, this.v);
      if (r === 'not') return; // a short header: 1-RTT, nothing more in the clear
      if (r === 'bad') {
        this.ctx.anomaly('quic.bad-initial', ts);
        return;
      }
      if (h.type === QUIC_INITIAL) this.initial(payload, ts);
      if (h.end <= off) return;
      off = h.end;
    }
  }

  private initial(d: Uint8Array, ts: number): void {
    const h = this.h;
    const dcid = d.subarray(h.dcidOff, h.dcidOff + h.dcidLen);
    if (this.keys === null || this.version !== h.version) this.rekey(h.version, dcid);
    let r = openPacket(d, h, this.keys!, nodeQuicCrypto, this.largest);
    // After a Retry the client starts over with the server's connection id: new keys.
    if (r.kind === 'anomaly' && r.code === 'quic.decrypt-failed' && !sameBytes(dcid, this.dcid!)) {
      const before = this.keys;
      this.rekey(h.version, dcid);
      r = openPacket(d, h, this.keys!, nodeQuicCrypto, this.largest);
      if (r.kind !== 'ok') this.keys = before;
    }
    if (r.kind !== 'ok') {
      this.ctx.anomaly(r.code, ts);
      return;
    }
    if (r.pn > this.largest) this.largest = r.pn;
    const cs = this.crypto!;
    const bad = initialFrames(r.payload, this.v, cs);
    if (bad !== null) this.ctx.anomaly(bad, ts);
    const n = cs.firstMessage();
    if (n === -2) {
      this.ctx.anomaly('quic.crypto-overflow', ts);
      this.finish();
    } else if (n > 0) {
      const hello = decodeClientHello(cs.buf, 0, n);
      if (hello.kind === 'ok') {
        const c = this.ctx;
        c.env.countApp('quic');
        // JA4's transport letter is `q` for QUIC (FoxIO's spec); JA3 is the same string as over TCP.
        const fp = helloDigests(hello.value.fingerprint, 'q');
        const ev: TlsHello = {
          type: 'tls-hello',
          ts,
          flowId: c.flowId,
          src: c.client,
          dst: c.server,
          vlan: c.vlan,
          sni: hello.value.sni,
          alpn: hello.value.alpn,
          version: hello.value.version,
          certSubject: undefined,
          transport: 'quic',
          ja4: fp.ja4,
          ja3: fp.ja3,
        };
        c.emit(ev);
      } else if (hello.kind === 'anomaly') this.ctx.anomaly(hello.code, ts);
      this.finish();
    } else if (++this.initials >= QUIC_MAX_INITIALS) {
      this.ctx.anomaly('quic.hello-incomplete', ts);
      this.finish();
    }
  }

  private rekey(version: number, dcid: Uint8Array): void {
    this.version = version;
    this.dcid = dcid.slice();
    this.keys = clientInitialKeys(version, dcid);
  }

  private finish(): void {
    this.done = true;
    this.crypto = null;
    this.keys = null;
  }

  end(ts: number): void {
    if (!this.done && this.crypto !== null && this.crypto.buf.length > 0) this.ctx.anomaly('quic.hello-incomplete', ts);
    this.finish();
  }
}

export const quicApp: UdpAppFactory = {
  name: 'quic',
  ports: [443, 8443, 4433],
  probe(dir: Dir, b: Uint8Array): ProbeResult {
    // A client's first datagram is an Initial, padded to at least 1200 bytes (RFC 9000 §14.1).
    if (dir !== 0 || !isQuicLongHeader(b, 0, b.length)) return 'no';
    const v2 = b[1] === 0x6b;
    const type = (b[0]! >> 4) & 3;
    return type === (v2 ? 1 : 0) && b[5]! <= 20 ? 'yes' : 'no';
  },
  create(ctx: FlowContext): DatagramApp {
    return new QuicFlow(ctx);
  },
};
