// inbound.outside — an outside address opens connections or makes RPC calls into site devices
// (DESIGN.md). What matters is what answered: one alert per (outside host, device, service) that
// replied, raised when the answer is known (the flow's end, or the RPC reply), graded high when
// a remote-access or RPC service replied; every other answered service is medium. Attempts that
// got no answer (a sweep of closed ports) are counted per outside host and raised once, grouped,
// at low, when input ends.
import type { Micros, WardEvent } from '../../events.js';
import { type Context, type Evidence, mergeEvidence, type Rule } from '../context.js';
import { OldestFirst } from '../../net/oldest.js';

/** Services that hand a remote party a shell, a desktop or files: an answer from one is serious. */
const REMOTE: Readonly<Record<number, string>> = {
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  445: 'smb',
  512: 'rexec',
  513: 'rlogin',
  514: 'rsh',
  3389: 'rdp',
  5800: 'vnc-http',
  5900: 'vnc',
  5901: 'vnc',
  5938: 'teamviewer',
  5985: 'winrm',
  5986: 'winrm',
};
/** ONC-RPC and DCE-RPC entry points (the portmapper answers for every RPC program behind it). */
const RPC: Readonly<Record<number, string>> = { 111: 'portmap', 135: 'msrpc', 2049: 'nfs', 20048: 'mountd' };
const OTHER: Readonly<Record<number, string>> = {
  80: 'http',
  443: 'https',
  104: 'dicom',
  2575: 'hl7',
  161: 'snmp',
  69: 'tftp',
  8080: 'http',
};
/** Flows from outside awaiting their end, outside hosts tracked, and per-host lists: bounded. */
const MAX_FLOWS = 65_536;
const MAX_SOURCES = 4096;
const MAX_LIST = 256;

interface Source {
  readonly devices: Set<string>;
  readonly answeredDevices: Set<string>;
  readonly ports: Set<string>;
  /** Devices that left an attempt unanswered (the scan's targets). */
  readonly silent: Set<string>;
  first: Micros;
  last: Micros;
  unanswered: number;
}

function serviceOf(port: number | undefined, proto: string): { name: string; kind: 'remote' | 'rpc' | 'other' } {
  if (port === undefined) return { name: proto, kind: 'other' };
  const r = REMOTE[port];
  if (r !== undefined) return { name: r, kind: 'remote' };
  const p = RPC[port];
  if (p !== undefined) return { name: p, kind: 'rpc' };
  return { name: OTHER[port] ?? `${proto}/${port}`, kind: 'other' };
}

export function createInboundOutside(): Rule {
  /** Inbound flows by id: whether the SYN was seen (an originator we trust) and the start time. */
  const open = new Map<number, { syn: boolean; ts: Micros }>();
  const openOldest = new OldestFirst(open);
  const sources = new Map<string, Source>();
  let dropped = 0;

  const source = (ip: string, device: string, ts: Micros): Source | undefined => {
    // Bounded: outside hosts past MAX_SOURCES are counted, not tracked.
    let s = sources.get(ip);
    if (s === undefined) {
      if (sources.size >= MAX_SOURCES) {
        dropped++;
        return undefined;
      }
      s = {
        devices: new Set(),
        answeredDevices: new Set(),
        ports: new Set(),
        silent: new Set(),
        first: ts,
        last: ts,
        unanswered: 0,
      };
      sources.set(ip, s);
    }
    if (s.devices.size < MAX_LIST) s.devices.add(device);
    if (ts < s.first) s.first = ts;
    if (ts > s.last) s.last = ts;
    return s;
  };

  const answered = (
    ctx: Context,
    ts: Micros,
    ev: { src: { ip: string; port?: number }; dst: { ip: string; port?: number; mac?: string } },
    proto: string,
    extra: Evidence,
    rpcReplied: boolean,
  ): void => {
    const { src, dst } = ev;
    const s = source(src.ip, dst.ip, ts);
    if (s !== undefined && s.answeredDevices.size < MAX_LIST) s.answeredDevices.add(dst.ip);
    const svc = serviceOf(dst.port, proto);
    const serious = svc.kind !== 'other' || rpcReplied;
    ctx.raise({
      rule: 'inbound.outside',
      ts,
      src: { ip: src.ip },
      dst,
      deviceId: ctx.deviceId(dst.ip, dst.mac),
      message: `outside address ${src.ip} reached ${svc.name}${dst.port !== undefined ? ` (${proto} ${dst.port})` : ''} on this device, and it answered${serious ? ` — a ${svc.kind === 'remote' ? 'remote-access' : 'RPC'} service open to the outside` : ''}`,
      evidence: {
        services: [svc.name],
        port: dst.port,
        proto,
        answered: true,
        remoteAccess: svc.kind === 'remote',
        rpc: svc.kind === 'rpc' || rpcReplied,
        flows: 1,
        ...extra,
      },
      severity: serious ? 'high' : 'medium',
    });
  };

  return {
    id: 'inbound.outside',
    types: ['flow-start', 'flow-end', 'rpc-call'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type === 'flow-start') {
        if (!ctx.zones.isOutside(ev.src.ip) || !ctx.zones.isSite(ev.dst.ip)) return;
        if (ev.proto !== 'tcp' && ev.proto !== 'udp') return;
        // A TCP flow seen mid-way was oriented by its ports: only a SYN says who opened it. UDP
        // has no SYN: a caller uses an ephemeral port, while a first packet from a service port
        // (a DNS answer to a query sent before the capture, 53 ↔ 53 between servers) is no call in.
        if (ev.proto === 'tcp' && !ev.syn) return;
        if (ev.proto === 'udp' && (ev.src.port === undefined || ev.src.port < 1024 || ev.src.port === ev.dst.port))
          return;
        if (open.size >= MAX_FLOWS) {
          openOldest.take();
          dropped++;
        }
        open.set(ev.flowId, { syn: ev.syn, ts: ev.ts });
        source(ev.src.ip, ev.dst.ip, ev.ts);
        return;
      }
      if (ev.type === 'rpc-call') {
        if (!ctx.zones.isOutside(ev.src.ip) || !ctx.zones.isSite(ev.dst.ip) || ev.reply === undefined) return;
        // The device's RPC service replied to an outside caller (accepted or not, it is listening).
        const proc = `${ev.progName ?? `prog${ev.prog}`}.${ev.procName ?? `proc${ev.proc}`}`;
        answered(
          ctx,
          ev.ts,
          ev,
          ev.transport,
          {
            rpcCalls: [proc],
            rpcReplies: [ev.reply.accepted && ev.reply.status === 0 ? 'ok' : `status ${ev.reply.status}`],
            ...(ev.path !== undefined ? { paths: [ev.path] } : {}),
          },
          true,
        );
        return;
      }
      if (ev.type !== 'flow-end') return;
      const o = open.get(ev.flowId);
      if (o === undefined) return;
      open.delete(ev.flowId);
      // Answered: the device sent something back — but SYN → RST is a closed port (refused).
      const [out, back] = ev.packets;
      const reply = back > 0 && !(ev.proto === 'tcp' && ev.reason === 'rst' && out <= 1);
      if (reply) {
        answered(
          ctx,
          o.ts,
          ev,
          ev.proto,
          { bytes: [ev.bytes[0], ev.bytes[1]], ...(ev.app !== undefined ? { apps: [ev.app] } : {}) },
          false,
        );
        return;
      }
      const s = sources.get(ev.src.ip);
      if (s === undefined) return;
      s.unanswered++;
      if (s.ports.size < MAX_LIST) s.ports.add(`${ev.proto}/${ev.dst.port ?? '?'}`);
      if (s.silent.size < MAX_LIST) s.silent.add(ev.dst.ip);
    },
    finish(ctx: Context): void {
      for (const [ip, s] of sources) {
        if (s.unanswered === 0) continue;
        const n = s.devices.size;
        const ports = [...s.ports].sort();
        const target = s.silent.values().next().value ?? ip;
        ctx.raise({
          rule: 'inbound.outside',
          ts: s.first,
          last: s.last,
          count: s.unanswered,
          src: { ip },
          dst: { ip: target },
          deviceId: ctx.deviceId(target),
          message: `outside address ${ip} tried ${n} site device${n === 1 ? '' : 's'} on ${ports.length} port${ports.length === 1 ? '' : 's'}: ${s.unanswered} attempt${s.unanswered === 1 ? '' : 's'} got no answer${s.answeredDevices.size > 0 ? ` (${s.answeredDevices.size} device${s.answeredDevices.size === 1 ? '' : 's'} did answer: see their alerts)` : ''}`,
          evidence: {
            scan: true,
            answered: false,
            unanswered: s.unanswered,
            devicesTried: n,
            devicesUnanswered: s.silent.size,
            ports: ports.slice(0, 50),
            devices: [...s.silent].sort().slice(0, 50),
          },
          severity: 'low',
        });
      }
      if (dropped > 0) ctx.warnOnce(`inbound.outside: ${dropped} inbound flows or outside hosts not tracked (limit)`);
    },
    merge(a: Evidence, b: Evidence): Evidence {
      const m = mergeEvidence(a, b);
      m.flows = Number(a.flows ?? 0) + Number(b.flows ?? 0);
      m.remoteAccess = a.remoteAccess === true || b.remoteAccess === true;
      m.rpc = a.rpc === true || b.rpc === true;
      return m;
    },
    annotate(alert): void {
      if (alert.evidence.scan === true) return;
      const s = sources.get(alert.src.ip);
      if (s === undefined) return;
      // How far the outside host got: every device it tried and every one that answered it.
      alert.evidence.devicesTried = s.devices.size;
      alert.evidence.devicesAnswered = s.answeredDevices.size;
    },
  };
}
