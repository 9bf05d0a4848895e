// egress.beacon — regular repeated connections from a device to the same outside address and
// port: a call-home. Regular = the coefficient of variation of the intervals between flow
// starts is below `beacon.maxJitter`, over at least `beacon.minCount` connections. Judged at
// finish; a stream hears it at the first tick once enough regular periods are seen (`early`).
import type { Endpoint, Micros, WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';

// Memory is O(1) per series: the intervals' mean and variance are kept as running sums
// (Welford), not the connection times, so a long capture cannot grow it. Captures are read in
// time order; an earlier start (a second, older file) only moves `first`.
interface Series {
  src: Endpoint;
  dst: Endpoint;
  /** `dst.port`, kept here so the per-flow lookup reads only this object. */
  port: number | undefined;
  proto: string;
  count: number;
  first: Micros;
  last: Micros;
  /** Intervals seen, their running mean (s) and sum of squared deviations. */
  n: number;
  mean: number;
  m2: number;
}

const MAX_SERIES = 20_000;

export interface BeaconStats {
  count: number;
  meanSeconds: number;
  jitter: number;
}

/** Interval statistics of sorted start times; undefined below two intervals. */
export function intervalStats(times: readonly Micros[]): BeaconStats | undefined {
  if (times.length < 3) return undefined;
  const s: Series = {
    src: { ip: '' },
    dst: { ip: '' },
    port: undefined,
    proto: '',
    count: 0,
    first: 0,
    last: 0,
    n: 0,
    mean: 0,
    m2: 0,
  };
  for (const t of times) addStart(s, t);
  return seriesStats(s);
}

function addStart(s: Series, ts: Micros): void {
  s.count++;
  if (s.count === 1) {
    s.first = s.last = ts;
    return;
  }
  if (ts < s.last) {
    if (ts < s.first) s.first = ts;
    return;
  }
  const x = (ts - s.last) / 1e6;
  s.last = ts;
  s.n++;
  const d = x - s.mean;
  s.mean += d / s.n;
  s.m2 += d * (x - s.mean);
}

function seriesStats(s: Series): BeaconStats | undefined {
  if (s.n < 2) return undefined;
  if (s.mean <= 0) return { count: s.count, meanSeconds: 0, jitter: Number.POSITIVE_INFINITY };
  return { count: s.count, meanSeconds: s.mean, jitter: Math.sqrt(s.m2 / s.n) / s.mean };
}

export function createEgressBeacon(): Rule {
  // Looked up by source then destination address (interned strings, no key built per flow), then
  // a short scan over that pair's (port, protocol) series; `all` keeps creation order for finish.
  const bySrc = new Map<string, Map<string, Series[]>>();
  const all: Series[] = [];
  const judge = (ctx: Context): void => {
    const { minCount, maxJitter, minIntervalSeconds } = ctx.config.beacon;
    for (const s of all) {
      if (s.count < minCount) continue;
      const st = seriesStats(s);
      if (st === undefined || st.jitter >= maxJitter || st.meanSeconds < minIntervalSeconds) continue;
      ctx.raise({
        rule: 'egress.beacon',
        ts: s.first,
        last: s.last,
        count: s.count,
        src: s.src,
        dst: s.dst,
        deviceId: ctx.deviceId(s.src.ip, s.src.mac),
        message: `connects to outside address ${s.dst.ip} port ${s.dst.port ?? '?'} every ${st.meanSeconds.toFixed(1)} s (${s.count} times, regular)`,
        evidence: {
          proto: s.proto,
          count: s.count,
          intervalSeconds: Math.round(st.meanSeconds * 1000) / 1000,
          jitter: Math.round(st.jitter * 1000) / 1000,
        },
      });
    }
  };
  return {
    id: 'egress.beacon',
    types: ['flow-start'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type !== 'flow-start' || (ev.proto !== 'tcp' && ev.proto !== 'udp')) return;
      if (!ctx.isEgress(ev.src, ev.dst)) return; // site → outside
      let byDst = bySrc.get(ev.src.ip);
      const pair = byDst?.get(ev.dst.ip);
      let s: Series | undefined;
      if (pair !== undefined)
        for (const x of pair)
          if (x.port === ev.dst.port && x.proto === ev.proto) {
            s = x;
            break;
          }
      if (s === undefined) {
        if (all.length >= MAX_SERIES) {
          ctx.warnOnce('egress.beacon: too many (device, destination) series; later ones are not tracked');
          return;
        }
        s = {
          src: ev.src,
          dst: ev.dst,
          port: ev.dst.port,
          proto: ev.proto,
          count: 0,
          first: 0,
          last: 0,
          n: 0,
          mean: 0,
          m2: 0,
        };
        all.push(s);
        if (pair !== undefined) pair.push(s);
        else {
          if (byDst === undefined) bySrc.set(ev.src.ip, (byDst = new Map()));
          byDst.set(ev.dst.ip, [s]);
        }
      }
      addStart(s, ev.ts);
    },
    finish: judge,
    early: judge,
  };
}
