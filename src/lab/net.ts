// The lab's network: four namespaces joined by veth pairs, nothing in the host's own namespace.
//
//   ww-ward (monitors on macvlans m1-m3) ──┐
//                                          ├─ wwbr0 in ww-gw (10.40.12.1) ── ww-gw routes ── ww-out (203.0.113.0/24)
//   ww-cs   (central station, 10.40.12.20)─┘
//
// The central station has its own namespace because traffic between two addresses of one
// namespace never crosses a veth: with it in ww-ward the gateway's capture could not see the
// clinical feed. The capture point is ww-gw's port toward ww-ward, so it sees every frame the
// monitors send, local or outbound. No namespace has a route beyond 203.0.113.0/24.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WardwatchError } from '../errors.js';

export const NS = { ward: 'ww-ward', cs: 'ww-cs', gw: 'ww-gw', out: 'ww-out' } as const;
export const CAPTURE_IF = 'ww-g-ward';
export const WARD_NET = '10.40.12.0/24';
export const GW_WARD = '10.40.12.1';
export const CENTRAL_IP = '10.40.12.20';
export const MONITOR_IPS = ['10.40.12.101', '10.40.12.102', '10.40.12.105'] as const;
export const OUT_NET = '203.0.113.0/24';
export const NFS_STANDIN = '203.0.113.119';
export const HL7_STANDIN = '203.0.113.120';

export interface LabState {
  pids: { pid: number; role: string }[];
}

/** Where the lab keeps its state (PIDs, logs, config): /run when writable, else the temp dir. */
export function stateDir(): string {
  const base =
    process.env.WARDWATCH_LAB_DIR ??
    (existsSync('/run') && process.getuid?.() === 0 ? '/run/wardwatch-lab' : join(tmpdir(), 'wardwatch-lab'));
  mkdirSync(base, { recursive: true });
  return base;
}

export function readState(): LabState {
  const p = join(stateDir(), 'state.json');
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LabState;
  } catch {
    return { pids: [] };
  }
}

export function writeState(s: LabState): void {
  writeFileSync(join(stateDir(), 'state.json'), `${JSON.stringify(s, null, 2)}\n`);
}

/** Root and iproute2 are required; say so plainly instead of failing halfway. */
export function checkPrivileges(): void {
  if (process.platform !== 'linux') throw new WardwatchError('WW_LAB', 'the lab needs Linux network namespaces');
  if (process.getuid?.() !== 0)
    throw new WardwatchError(
      'WW_LAB',
      'the lab needs root (network namespaces, veth pairs): run it with sudo, or as root in a container with CAP_NET_ADMIN',
    );
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0)
    throw new WardwatchError('WW_LAB', "the lab needs the 'ip' command (iproute2): apt-get install iproute2");
}

function ip(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const msg = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e);
    throw new WardwatchError('WW_LAB', `ip ${args.join(' ')}: ${msg}`);
  }
}

function nsExec(ns: string, cmd: string[]): void {
  ip(['netns', 'exec', ns, ...cmd]);
}

export function namespaces(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.length > 0);
}

/** True when every namespace exists and the gateway's capture port is up. */
export function isUp(): boolean {
  const have = new Set(namespaces());
  if (!Object.values(NS).every((n) => have.has(n))) return false;
  return spawnSync('ip', ['-n', NS.gw, 'link', 'show', CAPTURE_IF], { stdio: 'ignore' }).status === 0;
}

/** Build the topology; a no-op when it is already there, rebuilt when half there. */
export function labUp(): { created: boolean } {
  checkPrivileges();
  if (isUp()) return { created: false };
  removeNamespaces();
  try {
    for (const ns of Object.values(NS)) {
      ip(['netns', 'add', ns]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      // IPv4 only: no router solicitations or link-local chatter in the capture.
      nsExec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    // veth pairs are created with both ends directly inside their namespaces.
    ip(['link', 'add', CAPTURE_IF, 'netns', NS.gw, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.ward]);
    ip(['link', 'add', 'ww-g-cs', 'netns', NS.gw, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.cs]);
    ip(['link', 'add', 'ww-g-out', 'netns', NS.gw, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.out]);
    ip(['-n', NS.gw, 'link', 'add', 'wwbr0', 'type', 'bridge']);
    for (const port of [CAPTURE_IF, 'ww-g-cs']) ip(['-n', NS.gw, 'link', 'set', port, 'master', 'wwbr0']);
    for (const l of ['wwbr0', CAPTURE_IF, 'ww-g-cs', 'ww-g-out']) ip(['-n', NS.gw, 'link', 'set', l, 'up']);
    ip(['-n', NS.gw, 'addr', 'add', `${GW_WARD}/24`, 'dev', 'wwbr0']);
    ip(['-n', NS.gw, 'addr', 'add', '203.0.113.1/24', 'dev', 'ww-g-out']);
    nsExec(NS.gw, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);

    // Each monitor gets its own macvlan interface (own MAC) on the ward uplink, so the gateway
    // sees three devices, not one MAC with three addresses. Source-based rules send each
    // monitor's traffic out of its own interface; arp_ignore/announce stop one interface
    // answering ARP for another's address.
    ip(['-n', NS.ward, 'link', 'set', 'eth0', 'up']);
    nsExec(NS.ward, ['sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
    MONITOR_IPS.forEach((a, i) => {
      const dev = `m${i + 1}`;
      const table = String(101 + i);
      ip([
        '-n',
        NS.ward,
        'link',
        'add',
        dev,
        'link',
        'eth0',
        'address',
        `02:57:77:00:00:${String(i + 1).padStart(2, '0')}`,
        'type',
        'macvlan',
        'mode',
        'bridge',
      ]);
      ip(['-n', NS.ward, 'addr', 'add', `${a}/24`, 'dev', dev]);
      ip(['-n', NS.ward, 'link', 'set', dev, 'up']);
      ip(['-n', NS.ward, 'rule', 'add', 'from', a, 'table', table]);
      ip(['-n', NS.ward, 'route', 'add', WARD_NET, 'dev', dev, 'src', a, 'table', table]);
      ip(['-n', NS.ward, 'route', 'add', 'default', 'via', GW_WARD, 'dev', dev, 'table', table]);
    });
    ip(['-n', NS.ward, 'route', 'add', 'default', 'via', GW_WARD]);

    ip(['-n', NS.cs, 'link', 'set', 'eth0', 'up']);
    ip(['-n', NS.cs, 'addr', 'add', `${CENTRAL_IP}/24`, 'dev', 'eth0']);
    ip(['-n', NS.cs, 'route', 'add', 'default', 'via', GW_WARD]);

    ip(['-n', NS.out, 'link', 'set', 'eth0', 'up']);
    for (const a of ['203.0.113.2', NFS_STANDIN, HL7_STANDIN])
      ip(['-n', NS.out, 'addr', 'add', `${a}/24`, 'dev', 'eth0']);
    ip(['-n', NS.out, 'route', 'add', 'default', 'via', '203.0.113.1']);
  } catch (e) {
    removeNamespaces();
    throw e;
  }
  return { created: true };
}

/** Delete the lab's namespaces (their veths, bridge, addresses and any nftables tables go with them). */
export function removeNamespaces(): string[] {
  const have = new Set(namespaces());
  const removed: string[] = [];
  for (const ns of Object.values(NS)) {
    if (!have.has(ns)) continue;
    spawnSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
    removed.push(ns);
  }
  return removed;
}
