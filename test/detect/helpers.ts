// Synthetic event builders for detector tests. Times are seconds from T0 (converted to µs).
import { parseConfig } from '../../src/config/config.js';
import { Detector } from '../../src/detect/detector.js';
import { configIndicators } from '../../src/config/indicators.js';
import type { PolicyFile } from '../../src/contract/policy.js';
import type { AlertRecord, DeviceRecord } from '../../src/contract/records.js';
import type { DnsAnswer, FlowStart, Hl7Message, ProxyRequest, RpcCall, WardEvent } from '../../src/events.js';

export const T0 = Date.UTC(2025, 0, 30, 12, 0, 0) * 1000;
export const at = (s: number) => T0 + s * 1e6;
export const MON = { ip: '10.1.1.10', mac: '00:0c:29:aa:bb:01' };
export const CENTRAL = { ip: '10.1.1.2', mac: '00:0c:29:aa:bb:02' };
export const NOW = Date.UTC(2025, 5, 1);

let flowId = 1;

export function flow(
  s: number,
  src: { ip: string; mac?: string },
  dst: string,
  port: number,
  proto: 'tcp' | 'udp' = 'tcp',
  syn = true,
): FlowStart {
  return {
    type: 'flow-start',
    ts: at(s),
    flowId: flowId++,
    src: { ...src, port: 40000 + (flowId % 1000) },
    dst: { ip: dst, port },
    proto,
    syn,
  };
}

export function dns(
  s: number,
  asker: string,
  name: string,
  address: string,
  ttl = 60,
  chain: string[] = [],
): DnsAnswer {
  const answers = [
    ...chain.map((c, i) => ({ name: i === 0 ? name : (chain[i - 1] ?? name), type: 'CNAME', ttl, data: c })),
    { name: chain.at(-1) ?? name, type: address.includes(':') ? 'AAAA' : 'A', ttl, data: address },
  ];
  return {
    type: 'dns-answer',
    ts: at(s),
    flowId: flowId++,
    asker,
    server: '10.1.1.1',
    id: 1,
    rcode: 0,
    query: name,
    qtype: address.includes(':') ? 'AAAA' : 'A',
    answers,
    resolved: [{ address, name, ttl, chain }],
  };
}

export function hl7(
  s: number,
  src: { ip: string; mac?: string },
  dst: string,
  port: number,
  hashes: string[],
  fields = ['PID-3', 'PID-5', 'PID-7'],
): Hl7Message {
  return {
    type: 'hl7-message',
    ts: at(s),
    flowId: flowId++,
    src: { ...src, port: 40001 },
    dst: { ip: dst, port },
    messageType: 'ORU^R01',
    sendingApp: 'CMS8000',
    patientHashes: hashes,
    fieldsPresent: hashes.length || fields.length ? fields : [],
    observations: [],
    segments: 5,
    bytes: 300,
  };
}

export function rpc(s: number, dst: string, prog: number, progName: string, procName: string, path?: string): RpcCall {
  return {
    type: 'rpc-call',
    ts: at(s),
    flowId: flowId++,
    src: { ...MON, port: 800 },
    dst: { ip: dst, port: prog === 100000 ? 111 : 2049 },
    transport: 'tcp',
    xid: 1,
    prog,
    progName,
    vers: 3,
    proc: 1,
    procName,
    ...(path !== undefined ? { path } : {}),
  };
}

export const PROXY = { ip: '10.1.1.5', port: 3128 };

/** A request to `PROXY` for `target` (`host:port`; an address literal is also `targetIp`), granted unless said. */
export function proxyReq(
  s: number,
  src: { ip: string; mac?: string },
  target: string,
  opts: { protocol?: ProxyRequest['protocol']; command?: ProxyRequest['command']; status?: number | null } = {},
): ProxyRequest {
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon).replace(/^\[|\]$/g, '');
  const status = opts.status === undefined ? 200 : opts.status;
  return {
    type: 'proxy-request',
    ts: at(s),
    flowId: flowId++,
    src: { ...src, port: 41000 + (flowId % 1000) },
    dst: PROXY,
    protocol: opts.protocol ?? 'http',
    command: opts.command ?? 'connect',
    targetHost: host,
    targetIp: /^[\d.]+$|:/.test(host) ? host : undefined,
    targetPort: Number(target.slice(colon + 1)),
    answered: status !== null,
    granted: status === null ? undefined : status === 200 || status === 90 || status === 0,
    status: status ?? undefined,
  };
}

export function device(id: string, ip: string, extra: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    type: 'device',
    id,
    ips: [ip],
    advisories: [],
    first: new Date(at(0) / 1000).toISOString(),
    last: new Date(at(100) / 1000).toISOString(),
    ...extra,
  };
}

/** Run events through a detector built from YAML config text. */
export function run(
  events: WardEvent[],
  yaml = 'shippedIndicators: true\n',
  opts: { devices?: DeviceRecord[]; policy?: PolicyFile } = {},
): { alerts: AlertRecord[]; detector: Detector } {
  const config = parseConfig(yaml, 'test.yaml');
  const detector = new Detector({ config, indicators: configIndicators(config), policy: opts.policy, now: NOW });
  for (const ev of events) detector.onEvent(ev);
  return { alerts: detector.finish(opts.devices ?? []), detector };
}

export function rules(alerts: AlertRecord[]): string[] {
  return alerts.map((a) => a.rule);
}
