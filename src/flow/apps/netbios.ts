// NetBIOS name service (UDP 137) and datagram service (UDP 138) analyzers. Each datagram that
// says who someone is becomes a `host-identity`: a registration or refresh (the sender claims
// names), a positive query response or node status response (the responder's names), a browser
// host announcement (name, workgroup, OS version, server roles, comment).

import { decodeNbdgm, isNbdgmData } from '../../decode/netbios/dgm.js';
import { suffixRole } from '../../decode/netbios/name.js';
import { decodeNbns, looksLikeNbns, type NbnsClaim } from '../../decode/netbios/nbns.js';
import type { Endpoint, HostIdentity } from '../../events.js';
import { type Dir, datagramApp, type FlowContext, type ProbeResult, type UdpAppFactory } from '../app.js';

/** SV_TYPE_* bits of a browser announcement ([MS-RAP] §5.1.1.1) worth naming. */
const SERVER_TYPES: readonly [number, string][] = [
  [0x00000002, 'file-server'],
  [0x00000004, 'sql-server'],
  [0x00000008, 'domain-controller'],
  [0x00000020, 'time-source'],
  [0x00000040, 'afp-server'],
  [0x00000200, 'print-server'],
  [0x00000400, 'dial-in'],
  [0x00000800, 'unix'],
  [0x00040000, 'master-browser'],
];

function emit(
  ctx: FlowContext,
  via: 'nbns' | 'nbdgm',
  host: Endpoint,
  ts: number,
  f: Omit<HostIdentity, 'type' | 'ts' | 'flowId' | 'src' | 'dst' | 'vlan' | 'via' | 'host'>,
): void {
  const ev: HostIdentity = {
    type: 'host-identity',
    ts,
    flowId: ctx.flowId,
    src: ctx.client,
    dst: ctx.server,
    vlan: ctx.vlan,
    via,
    host,
    names: f.names,
    workgroup: f.workgroup,
    os: f.os,
    software: f.software,
    services: f.services,
    location: f.location,
  };
  ctx.emit(ev);
}

/** Unique names are the host's; a group name with suffix 0x00 is its workgroup. */
function fromClaims(claims: readonly NbnsClaim[]): { names: string[]; workgroup?: string; services: string[] } {
  const names: string[] = [];
  const services: string[] = [];
  let workgroup: string | undefined;
  for (const c of claims) {
    if (c.group) {
      if (c.suffix === 0x00 && workgroup === undefined) workgroup = c.name;
      continue;
    }
    if (!names.includes(c.name)) names.push(c.name);
    const role = suffixRole(c.suffix, false);
    if (role !== 'workstation' && !role.startsWith('0x') && !services.includes(role)) services.push(role);
  }
  return { names, workgroup, services };
}

export const nbnsApp: UdpAppFactory = {
  name: 'netbios-ns',
  ports: [137],
  probe(_dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult {
    return (srcPort === 137 || dstPort === 137) && looksLikeNbns(payload) ? 'yes' : 'no';
  },
  create: datagramApp(
    'netbios-ns',
    (payload) => decodeNbns(payload, 0, payload.length),
    (r, ctx, ts, sender) => {
      const m = r.msg;
      // A request claims names for its sender only when it registers or refreshes them; a
      // response names its sender (a node status) or the address it answers for (a query).
      const claims = m.response
        ? m.rcode === 0 && (m.opcode === 'query' || m.opcode === 'registration')
          ? m.claims.filter((c) => c.ip === undefined || c.ip === sender.ip)
          : []
        : m.opcode === 'registration' || m.opcode === 'refresh' || m.opcode === 'multihomed'
          ? m.claims.filter((c) => c.ip === undefined || c.ip === sender.ip)
          : [];
      if (claims.length === 0) return;
      const f = fromClaims(claims);
      if (f.names.length === 0 && f.workgroup === undefined) return;
      emit(ctx, 'nbns', sender, ts, { ...f, os: undefined, software: undefined, location: undefined });
    },
  ),
};

export const nbdgmApp: UdpAppFactory = {
  name: 'netbios-dgm',
  ports: [138],
  probe(_dir: Dir, payload: Uint8Array, srcPort: number, dstPort: number): ProbeResult {
    return (srcPort === 138 || dstPort === 138) && isNbdgmData(payload) ? 'yes' : 'no';
  },
  create: datagramApp(
    'netbios-dgm',
    (payload) => decodeNbdgm(payload, 0, payload.length),
    (r, ctx, ts, sender) => {
      const m = r.msg;
      const a = m.announcement;
      if (a === undefined) {
        if (m.sourceName !== undefined && m.sourceSuffix === 0x00 && m.sourceIp === sender.ip)
          emit(ctx, 'nbdgm', sender, ts, {
            names: [m.sourceName],
            services: [],
            workgroup: undefined,
            os: undefined,
            software: undefined,
            location: undefined,
          });
        return;
      }
      if (a.kind === 'domain') {
        emit(ctx, 'nbdgm', sender, ts, {
          names: [],
          workgroup: a.name || undefined,
          services: ['master-browser'],
          os: undefined,
          software: undefined,
          location: undefined,
        });
        return;
      }
      const services = SERVER_TYPES.filter(([bit]) => (a.serverType & bit) !== 0).map(([, n]) => n);
      emit(ctx, 'nbdgm', sender, ts, {
        names: a.name === '' ? [] : [a.name],
        workgroup: m.destName !== undefined && m.destSuffix === 0x1d ? m.destName : undefined,
        os: `${a.osMajor}.${a.osMinor} (browser announcement)`,
        software: a.comment === '' ? undefined : a.comment,
        services,
        location: undefined,
      });
    },
  ),
};
