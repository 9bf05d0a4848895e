// egress.beacon — regular repeated connections from a device to the same outside address and
// port: a call-home. Regular = the coefficient of variation of the intervals between flow
// starts is below `beacon.maxJitter`, over at least `beacon.minCount` connections.
import type { Endpoint, Micros, WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';

interface Series {
  src: Endpoint;
  dst: Endpoint;
  proto: string;
  times: Micros[];
}

const MAX_SERIES = 20_000;
const MAX_TIMES = 10_000;

export interface BeaconStats {
  count: number;
  meanSeconds: number;
  jitter: number;
}

/** Interval statistics of sorted start times; undefined below two intervals. */
export function intervalStats(times: readonly Micros[]): BeaconStats | undefined {
  if (times.length < 3) return undefined;
  const iv: number[] = [];
  for (let i = 1; i < times.length; i++) iv.push(((times[i] ?? 0) - (times[i - 1] ?? 0)) / 1e6);
  const mean = iv.reduce((a, b) => a + b, 0) / iv.length;
  if (mean <= 0) return { count: times.length, meanSeconds: 0, jitter: Number.POSITIVE_INFINITY };
  const sd = Math.sqrt(iv.reduce((a, b) => a + (b - mean) ** 2, 0) / iv.length);
  return { count: times.length, meanSeconds: mean, jitter: sd / mean };
}

export function createEgressBeacon(): Rule {
  const series = new Map<string, Series>();
  return {
    id: 'egress.beacon',
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type !== 'flow-start' || (ev.proto !== 'tcp' && ev.proto !== 'udp')) return;
      if (!ctx.zones.isSite(ev.src.ip) || !ctx.zones.isOutside(ev.dst.ip)) return;
      const key = `${ev.src.ip}|${ev.dst.ip}|${ev.dst.port ?? ''}|${ev.proto}`;
      let s = series.get(key);
      if (s === undefined) {
        if (series.size >= MAX_SERIES) {
          ctx.warnOnce('egress.beacon: too many (device, destination) series; later ones are not tracked');
          return;
        }
        s = { src: ev.src, dst: ev.dst, proto: ev.proto, times: [] };
        series.set(key, s);
      }
      if (s.times.length < MAX_TIMES) s.times.push(ev.ts);
    },
    finish(ctx: Context): void {
      const { minCount, maxJitter, minIntervalSeconds } = ctx.config.beacon;
      for (const s of series.values()) {
        if (s.times.length < minCount) continue;
        const times = [...s.times].sort((a, b) => a - b);
        const st = intervalStats(times);
        if (st === undefined || st.jitter >= maxJitter || st.meanSeconds < minIntervalSeconds) continue;
        const first = times[0] ?? 0;
        const last = times[times.length - 1] ?? first;
        ctx.raise({
          rule: 'egress.beacon',
          ts: first,
          last,
          count: times.length,
          src: s.src,
          dst: s.dst,
          deviceId: ctx.deviceId(s.src.ip, s.src.mac),
          message: `connects to outside address ${s.dst.ip} port ${s.dst.port ?? '?'} every ${st.meanSeconds.toFixed(1)} s (${times.length} times, regular)`,
          evidence: {
            proto: s.proto,
            count: times.length,
            intervalSeconds: Math.round(st.meanSeconds * 1000) / 1000,
            jitter: Math.round(st.jitter * 1000) / 1000,
          },
        });
      }
    },
  };
}
