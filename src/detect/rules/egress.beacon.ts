// egress.beacon — regular repeated connections from a device to the same outside address and
// port: a call-home. Regular = the coefficient of variation of the intervals between flow
// starts is below `beacon.maxJitter`, over at least `beacon.minCount` connections. Judged at
// finish; a stream hears it at the first tick once enough regular periods are seen (`early`).
// A request to a proxy for an outside address (`proxy-request`: CONNECT, a forwarded HTTP request,
// SOCKS) is a connection to that address: it joins the same series as direct ones (one series and
// one alert per peer, as egress.ioc and egress.no-dns), and the proxies are named. A target given
// as a name is not counted here: it has no address on the wire.
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
  /** Proxies the connections went through (`host:port`, a few), and the first proxied one's flow. */
  proxies?: string[];
  flow?: { readonly src: Endpoint; readonly dst: Endpoint };
}

/** Proxies named per series. */
const MAX_PROXIES = 4;

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
        message: `connects to outside address ${s.dst.ip} port ${s.dst.port ?? '?'} every ${st.meanSeconds.toFixed(1)} s (${s.count} times, regular)${s.proxies !== undefined ? `, through proxy ${s.proxies.join(', ')}` : ''}`,
        ...(s.flow !== undefined ? { flow: s.flow } : {}),
        evidence: {
          proto: s.proto,
          count: s.count,
          intervalSeconds: Math.round(st.meanSeconds * 1000) / 1000,
          jitter: Math.round(st.jitter * 1000) / 1000,
          ...(s.proxies !== undefined ? { proxies: [...s.proxies] } : {}),
        },
      });
    }
  };
  return {
    id: 'egress.beacon',
    types: ['flow-start', 'proxy-request'],
    onEvent(ev: WardEvent, ctx: Context): void {
      let dst: Endpoint;
      let proto: string;
      if (ev.type === 'proxy-request') {
        if (ev.targetIp === undefined || (ev.command !== 'connect' && ev.command !== 'forward')) return;
        dst = { ip: ev.targetIp, port: ev.targetPort };
        proto = 'tcp';
      } else if (ev.type === 'flow-start' && (ev.proto === 'tcp' || ev.proto === 'udp')) {
        dst = ev.dst;
        proto = ev.proto;
      } else return;
      if (!ctx.isEgress(ev.src, dst)) return; // site → outside
      let byDst = bySrc.get(ev.src.ip);
      const pair = byDst?.get(dst.ip);
      let s: Series | undefined;
      if (pair !== undefined)
        for (const x of pair)
          if (x.port === dst.port && x.proto === proto) {
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
          dst,
          port: dst.port,
          proto,
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
          byDst.set(dst.ip, [s]);
        }
      }
      if (ev.type === 'proxy-request') {
        const proxy = ev.dst.ip.includes(':') ? `[${ev.dst.ip}]:${ev.dst.port}` : `${ev.dst.ip}:${ev.dst.port}`;
        if (s.proxies === undefined) {
          s.proxies = [proxy];
          if (s.count === 0) s.flow = { src: ev.src, dst: ev.dst };
        } else if (s.proxies.length < MAX_PROXIES && !s.proxies.includes(proxy)) s.proxies.push(proxy);
      }
      addStart(s, ev.ts);
    },
    finish: judge,
    early: judge,
  };
}
