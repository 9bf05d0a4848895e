// Compile a policy to nftables (DESIGN.md "Policy"): `table inet wardwatch` for routed traffic
// and `table bridge wardwatch` for traffic between ports of a ward bridge (the same device chains,
// without conntrack, which the bridge family lacks). One chain pair per device, named sets per
// device (its addresses, each DNS-name rule's set that dnsmasq fills, its grants with per-element
// timeouts), counters and a log prefix on every drop, schedules as `meta day`/`meta hour`.
// Every packet is judged, not only new connections: when a grant or a schedule window closes,
// open connections stop too. Pure text; the file replaces the tables atomically under `nft -f`.
import type { DevicePolicy, PolicyRule, Schedule } from '../../contract/policy.js';
import { isAddressPeer, remoteAccessPorts } from '../match.js';
import { type CompileInput, compiledDevices, type CompiledDevice, scheduleTz } from './plan.js';

const DAY_NAMES: Record<string, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};
/** ct mark of connections admitted by a DNS-name rule: they outlive their set element. */
const NAME_MARK = '0x00000077';
/** nftables keeps timeouts in 32-bit milliseconds; longer grants are re-applied before then. */
const MAX_TIMEOUT_S = 30 * 86_400;

function when(s: Schedule | undefined): string {
  if (s === undefined) return '';
  const parts: string[] = [];
  if (s.days !== undefined) parts.push(`meta day { ${s.days.map((d) => `"${DAY_NAMES[d]}"`).join(', ')} }`);
  if (s.hours !== undefined) parts.push(`meta hour "${s.hours.slice(0, 5)}"-"${s.hours.slice(6)}"`);
  return `${parts.join(' ')} `;
}

function l4(r: Pick<PolicyRule, 'proto' | 'port'>, side: 'dport' | 'sport'): string {
  if (r.proto === 'any') return r.port !== undefined ? `meta l4proto { tcp, udp } th ${side} ${r.port} ` : '';
  if (r.proto === 'icmp') return 'meta l4proto icmp ';
  return r.port !== undefined ? `${r.proto} ${side} ${r.port} ` : `meta l4proto ${r.proto} `;
}

const v6 = (peer: string) => peer.includes(':');

function peerExpr(peer: string, dir: 'saddr' | 'daddr', set: string | undefined): string {
  if (set !== undefined) return `ip ${dir} @${set} `;
  return `${v6(peer) ? 'ip6' : 'ip'} ${dir} ${peer} `;
}

/**
 * Drops are counted and logged. What the device itself sends is rejected rather than silently
 * dropped: firmware that waits minutes on a hung connect (to its backdoor) may stall its
 * clinical feed meanwhile; a refusal lets it carry on at once.
 */
function drop(d: CompiledDevice & { family: string }, what: string, side: 'out' | 'in' = 'in'): string {
  // The bridge family cannot reject without br_netfilter modules; there it drops.
  return `counter log prefix "wardwatch ${d.tag} ${what}: " ${side === 'out' && d.family === 'inet' ? 'reject' : 'drop'}`;
}

function deviceChains(compiled: CompiledDevice, family: 'inet' | 'bridge', site: readonly string[]): string[] {
  const d = { ...compiled, family };
  const ct = family === 'inet';
  const est = ct ? 'ct state established,related ' : '';
  const p: DevicePolicy = d.policy;
  const out: string[] = [];
  const inn: string[] = [];
  out.push('udp sport 68 udp dport 67 accept');
  inn.push('udp sport 67 udp dport 68 accept');
  if (p.mode === 'quarantine') {
    out.push(drop(d, 'quarantine', 'out'));
    inn.push(drop(d, 'quarantine'));
    return chainText(d, out, inn);
  }
  if (ct) {
    out.push(`ct mark ${NAME_MARK} ct state established,related counter accept`);
    inn.push(`ct mark ${NAME_MARK} ct state established,related counter accept`);
  }
  const dev = when(p.schedule);
  // Outside the device's own schedule only DHCP passes: every accept below carries it.
  p.deny.forEach((r, i) => {
    const line = `${peerExpr(r.peer, (r.direction ?? 'out') === 'out' ? 'daddr' : 'saddr', d.nameSets[`deny${i}`])}${l4(r, 'dport')}${when(r.schedule)}${drop(d, 'deny', (r.direction ?? 'out') === 'out' ? 'out' : 'in')}`;
    ((r.direction ?? 'out') === 'out' ? out : inn).push(line);
  });
  out.push(`ip daddr @${d.tag}_grant ${dev}counter accept`);
  inn.push(`ip saddr @${d.tag}_grant ${dev}${est}counter accept`);
  if (d.resolver !== undefined) {
    out.push(`ip daddr ${d.resolver} meta l4proto { tcp, udp } th dport 53 ${dev}counter accept`);
    inn.push(`ip saddr ${d.resolver} meta l4proto { tcp, udp } th sport 53 ${dev}counter accept`);
  }
  p.allow.forEach((r, i) => {
    const set = d.nameSets[`allow${i}`];
    if (set === undefined && !isAddressPeer(r.peer)) return;
    const w = `${dev}${when(r.schedule)}`;
    if ((r.direction ?? 'out') === 'out') {
      const mark = set !== undefined && ct ? `ct mark set ${NAME_MARK} ` : '';
      out.push(`${peerExpr(r.peer, 'daddr', set)}${l4(r, 'dport')}${w}${mark}counter accept`);
      inn.push(`${peerExpr(r.peer, 'saddr', set)}${l4(r, 'sport')}${w}${est}counter accept`);
    } else {
      inn.push(`${peerExpr(r.peer, 'saddr', set)}${l4(r, 'dport')}${w}counter accept`);
      out.push(`${peerExpr(r.peer, 'daddr', set)}${l4(r, 'sport')}${w}${est}counter accept`);
    }
  });
  inn.push(`tcp dport { ${remoteAccessPorts(p).join(', ')} } ${drop(d, 'remote-access')}`);
  if (p.mode === 'local-only' && site.length > 0) {
    const s4 = site.filter((c) => !v6(c));
    if (s4.length > 0) {
      out.push(`ip daddr { ${s4.join(', ')} } ${dev}counter accept`);
      inn.push(`ip saddr { ${s4.join(', ')} } ${dev}counter accept`);
    }
  }
  out.push(drop(d, p.mode === 'local-only' ? 'local-only' : 'drop', 'out'));
  inn.push(drop(d, p.mode === 'local-only' ? 'local-only' : 'drop'));
  return chainText(d, out, inn);
}

function chainText(d: CompiledDevice & { family: string }, out: string[], inn: string[]): string[] {
  return [
    `  chain ${d.tag}_out {`,
    `    # ${d.label}: what it sends`,
    ...out.map((l) => `    ${l}`),
    '  }',
    `  chain ${d.tag}_in {`,
    `    # ${d.label}: what reaches it`,
    ...inn.map((l) => `    ${l}`),
    '  }',
  ];
}

function sets(d: CompiledDevice, timeoutS: number, now: number): string[] {
  const lines = [
    `  set ${d.tag}_addr {`,
    '    type ipv4_addr',
    `    elements = { ${d.addresses.join(', ')} }`,
    '  }',
    `  set ${d.tag}_grant {`,
    '    type ipv4_addr',
    '    flags interval, timeout',
  ];
  const grants = d.grants
    .map((g) => ({ to: g.to, s: Math.min(MAX_TIMEOUT_S, Math.floor((Date.parse(g.until) - now) / 1000)) }))
    .filter((g) => g.s > 0);
  if (grants.length > 0) lines.push(`    elements = { ${grants.map((g) => `${g.to} timeout ${g.s}s`).join(', ')} }`);
  lines.push('  }');
  for (const name of [...new Set(Object.values(d.nameSets))])
    lines.push(`  set ${name} {`, '    type ipv4_addr', '    flags timeout', `    timeout ${timeoutS}s`, '  }');
  return lines;
}

function table(
  family: 'inet' | 'bridge',
  devices: readonly CompiledDevice[],
  input: CompileInput,
  now: number,
): string[] {
  const timeoutS = (input.maxCacheTtl ?? 3600) + 60;
  const lines = [`table ${family} wardwatch`, `delete table ${family} wardwatch`, `table ${family} wardwatch {`];
  for (const d of devices) lines.push(...sets(d, timeoutS, now));
  lines.push(
    '  chain forward {',
    `    type filter hook forward priority ${family === 'inet' ? 'filter' : '0'}; policy accept;`,
  );
  for (const d of devices)
    lines.push(`    ip saddr @${d.tag}_addr jump ${d.tag}_out`, `    ip daddr @${d.tag}_addr jump ${d.tag}_in`);
  lines.push('  }');
  if (family === 'inet' && input.policy.resolver !== undefined && devices.length > 0) {
    // Device DNS goes to the site resolver whatever address it asked, so a hard-coded resolver
    // neither answers nor bypasses the name sets.
    lines.push('  chain dns_redirect {', '    type nat hook prerouting priority dstnat; policy accept;');
    for (const d of devices)
      lines.push(
        `    ip saddr @${d.tag}_addr ip daddr != ${input.policy.resolver} meta l4proto { tcp, udp } th dport 53 counter dnat ip to ${input.policy.resolver}`,
      );
    lines.push('  }');
  }
  for (const d of devices) lines.push(...deviceChains(d, family, input.site ?? []));
  lines.push('}');
  return lines;
}

/** The nftables ruleset text for `nft -f` (load it with TZ set to `timeZone`). */
export function compileNftables(input: CompileInput): { text: string; timeZone: string; warnings: string[] } {
  const now = input.now ?? Date.now();
  const { devices, warnings } = compiledDevices(input);
  const timeZone = scheduleTz(input.policy);
  const text = [
    `# wardwatch policy — generated by \`wardwatch policy compile\`; do not edit (regenerate instead).`,
    `# Schedules are in ${timeZone}: nft converts meta hour with the loader's TZ (apply sets it).`,
    ...table('inet', devices, input, now),
    ...table('bridge', devices, input, now),
    '',
  ].join('\n');
  return { text, timeZone, warnings };
}

export type { CompileInput } from './plan.js';
