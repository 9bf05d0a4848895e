// device.tls-change — after learning ended (config `learningUntil`), a site device sends a
// ClientHello whose JA4 it never sent while learning (new firmware, a new TLS library, or
// something else speaking from it), or a server it reached while learning shows a leaf
// certificate it did not show then (re-issued, or a man in the middle). Only devices and
// servers seen during learning are judged: a newcomer is device.new's business. Each new
// fingerprint is then learned, so it is reported once per device (or server), not per flow.
import type { WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';

/** Fingerprints learned per device, certificates per server (ip:port): more is noise, not a baseline. */
const PER_KEY = 16;
/** Devices and servers tracked: a ward has hundreds, not millions. */
const MAX_KEYS = 20_000;

class Learned {
  private readonly map = new Map<string, Set<string>>();
  full = false;

  /** Adds `v` under `key`; true when `key` already had values and `v` was not among them. */
  add(key: string, v: string, judge: boolean): { changed: boolean; before: string[] } {
    const s = this.map.get(key);
    if (s === undefined) {
      if (!judge) {
        if (this.map.size >= MAX_KEYS) this.full = true;
        else this.map.set(key, new Set([v]));
      }
      return { changed: false, before: [] };
    }
    if (s.has(v)) return { changed: false, before: [] };
    const before = [...s].sort();
    if (s.size < PER_KEY) s.add(v);
    return { changed: judge, before };
  }
}

export function createDeviceTlsChange(learningUntil: number): Rule {
  const clients = new Learned();
  const servers = new Learned();
  return {
    id: 'device.tls-change',
    types: ['tls-hello'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type !== 'tls-hello' || !ctx.zones.isSite(ev.src.ip)) return;
      const judge = ev.ts > learningUntil;
      const deviceId = ctx.deviceId(ev.src.ip, ev.src.mac);
      const learning = new Date(learningUntil / 1000).toISOString();
      if (ev.ja4 !== undefined) {
        const r = clients.add(deviceId, ev.ja4, judge);
        if (r.changed)
          ctx.raise({
            rule: 'device.tls-change',
            ts: ev.ts,
            src: ev.src,
            dst: ev.dst,
            deviceId,
            message: `${deviceId} (${ev.src.ip}) sent a TLS client fingerprint it did not use while learning (JA4 ${ev.ja4})`,
            evidence: {
              change: 'client-fingerprint',
              old: r.before,
              new: ev.ja4,
              ja3: ev.ja3,
              sni: ev.sni,
              peer: ev.dst.ip,
              learningUntil: learning,
            },
          });
      }
      const leaf = ev.certs?.[0];
      if (leaf !== undefined) {
        const server = `${ev.dst.ip}:${ev.dst.port ?? ''}`;
        const r = servers.add(server, leaf.sha256, judge);
        if (r.changed)
          ctx.raise({
            rule: 'device.tls-change',
            ts: ev.ts,
            src: ev.src,
            dst: ev.dst,
            deviceId,
            message: `server ${server} showed ${deviceId} a certificate it did not show while learning (${leaf.subject})`,
            evidence: {
              change: 'server-certificate',
              old: r.before,
              new: leaf.sha256,
              subject: leaf.subject,
              issuer: leaf.issuer,
              selfSigned: leaf.selfSigned,
              notAfter: leaf.notAfter,
              sni: ev.sni,
              peer: ev.dst.ip,
              learningUntil: learning,
            },
          });
      }
      if (clients.full || servers.full)
        ctx.warnOnce('device.tls-change: too many devices or servers to learn; the rest are not judged');
    },
  };
}
