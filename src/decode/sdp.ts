// SDP (RFC 8866) as carried in a SIP body: the media lines (m=) with the connection address (c=)
// each applies to — session level, or the media's own — so the RTP and RTCP flows they announce
// can be named when they appear. Nothing else of the session description is read.
import { canonicalIp } from '../net/addr.js';

export interface SdpMedia {
  readonly media: string; // 'audio' | 'video' | …
  readonly ip: string;
  readonly port: number;
  readonly proto: string; // 'RTP/AVP', 'RTP/SAVP', …
}

const MAX_MEDIA = 4;
const MAX_LINES = 64;

function line(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && s.length < 200; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
  }
  return s;
}

/** c=IN IP4 10.0.0.1 (a multicast TTL suffix '/127' dropped). */
function connection(v: string): string | undefined {
  const parts = v.split(' ');
  if (parts[0] !== 'IN' || (parts[1] !== 'IP4' && parts[1] !== 'IP6') || parts[2] === undefined) return undefined;
  // A name (allowed by the grammar) cannot be matched to a flow: skipped.
  return canonicalIp(parts[2].split('/')[0]!) ?? undefined;
}

/** The media of the SDP body [off, end); an empty list when it is none. */
export function sdpMedia(b: Uint8Array, off: number, end: number): SdpMedia[] {
  end = Math.min(end, b.length);
  const out: SdpMedia[] = [];
  let session: string | undefined;
  let pending: { media: string; port: number; proto: string; ip?: string } | undefined;
  const flush = () => {
    const ip = pending?.ip ?? session;
    if (pending !== undefined && ip !== undefined && pending.port > 0 && out.length < MAX_MEDIA)
      out.push({ media: pending.media, ip, port: pending.port, proto: pending.proto });
    pending = undefined;
  };
  let p = off;
  for (let n = 0; n < MAX_LINES && p < end; n++) {
    let e = p;
    while (e < end && b[e] !== 0x0a && b[e] !== 0x0d) e++;
    if (e - p >= 2 && b[p + 1] === 0x3d) {
      const t = b[p]!;
      const v = line(b, p + 2, e);
      if (t === 0x63) {
        // c=
        const ip = connection(v);
        if (pending !== undefined) pending.ip = ip ?? pending.ip;
        else session = ip ?? session;
      } else if (t === 0x6d) {
        // m=<media> <port>[/<count>] <proto> <fmt …>
        flush();
        const parts = v.split(' ');
        const port = Number.parseInt(parts[1] ?? '', 10);
        if (parts.length >= 3 && Number.isInteger(port) && port >= 0 && port < 65536)
          pending = { media: parts[0]!, port, proto: parts[2]! };
      }
    }
    p = e;
    while (p < end && (b[p] === 0x0a || b[p] === 0x0d)) p++;
  }
  flush();
  return out;
}
