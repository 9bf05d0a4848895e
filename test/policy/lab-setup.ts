// What the policy lab e2e adds to the lab before enforcing: a pump on its own macvlan, outside
// hosts (the pump's update host, another host, a named admin host, an upstream DNS server), the
// listeners and a capture in ww-out; and policy A, the learnt proposal made enforceable.
import { join } from 'node:path';
import type { PolicyFile } from '../../src/contract/policy.js';
import { NS } from '../../src/lab/net.js';
import { PEER, type Procs, read, sh, waitFor } from './lab-support.js';

export const PUMP = '10.40.12.106';
export const MON1 = '10.40.12.101';
export const CMS = '10.40.12.105';
export const UPDATE = 'update.pump-vendor.example';
export const ADMIN = '203.0.113.9';

/** Learnt monitors in enforce mode (MON1 also admits telnet from ADMIN), plus the pump by DNS name. */
export function policyA(learnt: PolicyFile): PolicyFile {
  const mon = learnt.devices.filter((d) => [MON1, '10.40.12.102', CMS].includes(d.match.ip ?? ''));
  if (mon.length !== 3) throw new Error(`learn proposed ${mon.length} of the 3 monitors`);
  const telnet = { direction: 'in' as const, peer: ADMIN, proto: 'tcp' as const, port: 23 };
  return {
    version: 2,
    resolver: '10.40.12.1',
    devices: [
      ...mon.map((d) => ({
        ...d,
        mode: 'enforce' as const,
        allow: d.match.ip === MON1 ? [...d.allow, telnet] : d.allow,
      })),
      {
        name: 'pump',
        match: { ip: PUMP },
        mode: 'enforce',
        allow: [{ peer: UPDATE, proto: 'tcp', port: 443 }],
        deny: [],
      },
    ],
  };
}

function ip(...a: string[]): void {
  const r = sh(['ip', ...a]);
  if (r.status !== 0) throw new Error(`ip ${a.join(' ')}: ${r.stderr}`);
}

export function growLab(): void {
  const w = ['-n', NS.ward];
  ip(...w, 'link', 'add', 'm4', 'link', 'eth0', 'address', '02:57:77:00:00:04', 'type', 'macvlan', 'mode', 'bridge');
  ip(...w, 'addr', 'add', `${PUMP}/24`, 'dev', 'm4');
  ip(...w, 'link', 'set', 'm4', 'up');
  ip(...w, 'rule', 'add', 'from', PUMP, 'table', '104');
  ip(...w, 'route', 'add', '10.40.12.0/24', 'dev', 'm4', 'src', PUMP, 'table', '104');
  ip(...w, 'route', 'add', 'default', 'via', '10.40.12.1', 'dev', 'm4', 'table', '104');
  for (const a of [ADMIN, '203.0.113.53', '203.0.113.80', '203.0.113.81'])
    ip('-n', NS.out, 'addr', 'add', `${a}/24`, 'dev', 'eth0');
}

const DNSMASQ = [
  'dnsmasq',
  '-k',
  '--no-resolv',
  '--no-hosts',
  '--bind-interfaces',
  '--user=root',
  '--pid-file=',
  '--log-facility=-',
];

/** The site resolver on the gateway, forwarding upstream and filling the nft sets. */
export function siteResolver(procs: Procs, conf: string) {
  return procs.start(
    NS.gw,
    [...DNSMASQ, '--listen-address=10.40.12.1', '--server=203.0.113.53', `--conf-file=${conf}`],
    'dns-site',
  );
}

/** Servers, listeners and the ww-out capture; resolves once all are ready. Returns their logs. */
export async function startServers(procs: Procs, dir: string): Promise<{ central: string; outPcap: string }> {
  const listen = (ns: string, host: string, port: number, log: string) =>
    procs.start(ns, [process.execPath, PEER, 'listen', JSON.stringify({ host, ports: [port] })], log);
  const servers = [
    procs.agent(NS.cs, { role: 'central', host: '10.40.12.20', port: 2575 }, 'central'),
    procs.agent(NS.out, { role: 'central', host: '203.0.113.120', port: 515 }, 'hl7-sink'),
    procs.agent(NS.out, { role: 'rpc', host: '203.0.113.119' }, 'rpc'),
    listen(NS.out, '0.0.0.0', 443, 'https'),
    listen(NS.ward, MON1, 23, 'telnet'),
    procs.start(
      NS.out,
      [...DNSMASQ, '--listen-address=203.0.113.53', '--log-queries', `--address=/${UPDATE}/203.0.113.80`],
      'dns-upstream',
    ),
  ];
  for (const s of servers) await waitFor(() => /ready|started, version/.test(read(s.log)), 20_000, s.log);
  const outPcap = join(dir, 'out.pcap');
  const d = procs.start(NS.out, ['tcpdump', '-i', 'eth0', '-n', '-U', '-w', outPcap, '-Z', 'root'], 'tcpdump-out');
  await waitFor(() => read(d.log).includes('listening on'), 10_000, 'tcpdump in ww-out');
  return { central: servers[0]!.log, outPcap };
}
