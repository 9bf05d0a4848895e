// Compile a policy to nftables (DESIGN.md "Policy"): `table inet wardwatch` for routed traffic
// and `table bridge wardwatch` for traffic between ports of a ward bridge (the same device chains,
// without conntrack, which the bridge family lacks). One chain pair per device, named sets per
// device (its addresses, each DNS-name rule's set that dnsmasq fills, its grants with per-element
// timeouts), counters and a log prefix on every drop, schedules as `meta day`/`meta hour`.
// Every packet is judged, not only new connections: when a grant or a schedule window closes,
// open connections stop too. IPv6 device addresses get their own sets (`ip6` rules in the same
// chains, ND and DHCPv6 passing like ARP and DHCP); every name set has an IPv6 twin. A grant to a
// DNS name is a set the resolver fills, accepted only until `meta time` reaches its end. Hours
// that wrap midnight become the night from each listed day into the next morning. Pure text;
// the file replaces the tables atomically under `nft -f`.
import type { DevicePolicy, PolicyRule, Schedule } from '../../contract/policy.js';
import { isAddressPeer, remoteAccessPorts, wrapsMidnight } from '../match.js';
import { type CompileInput, compiledDevices, type CompiledDevice, isV6, scheduleTz, set6 } from './plan.js';

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

const NEXT_DAY: Record<string, string> = {
  mon: 'tue',
  tue: 'wed',
  wed: 'thu',
  thu: 'fri',
  fri: 'sat',
  sat: 'sun',
  sun: 'mon',
};

/** nft takes "HH:MM" and "HH:MM:SS" up to 23:59:59; our end of day "24:00" is the last second. */
const hour = (hm: string) => (hm === '24:00' ? '23:59:59' : hm);
const dayList = (days: readonly string[]) => `meta day { ${days.map((d) => `"${DAY_NAMES[d]}"`).join(', ')} } `;

/**
 * The match prefixes of a schedule, one per alternative (a rule is written once per prefix):
 * [''] without a schedule. Hours across midnight with days are two windows — the listed days
 * from the start to midnight, the days after them from midnight to the end; without days nft
 * takes the wrapped range itself.
 */
function whens(s: Schedule | undefined): string[] {
  if (s === undefined) return [''];
  const h = s.hours;
  if (h === undefined) return [s.days !== undefined ? dayList(s.days) : ''];
  const start = h.slice(0, 5);
  const end = h.slice(6);
  if (!wrapsMidnight(h) || s.days === undefined)
    return [`${s.days !== undefined ? dayList(s.days) : ''}meta hour "${start}"-"${hour(end)}" `];
  return [
    `${dayList(s.days)}meta hour "${start}"-"23:59:59" `,
    `${dayList(s.days.map((d) => NEXT_DAY[d] as string))}meta hour "00:00"-"${hour(end)}" `,
  ];
}

/** Every combination of the device's and the rule's schedule windows. */
function windows(dev: readonly string[], rule: Schedule | undefined): string[] {
  const r = whens(rule);
  return dev.flatMap((d) => r.map((x) => `${d}${x}`));
}

/** "YYYY-MM-DD HH:MM:SS" of `ms` in `tz`: nft reads `meta time` in the loader's time zone. */
function nftDate(ms: number, tz: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

function l4(r: Pick<PolicyRule, 'proto' | 'port'>, side: 'dport' | 'sport'): string {
  if (r.proto === 'any') return r.port !== undefined ? `meta l4proto { tcp, udp } th ${side} ${r.port} ` : '';
  if (r.proto === 'icmp') return 'meta l4proto icmp ';
  return r.port !== undefined ? `${r.proto} ${side} ${r.port} ` : `meta l4proto ${r.proto} `;
}

const v6 = isV6;

/** The address matches of a peer: one for an address or CIDR, an IPv4 and an IPv6 one for a name set. */
function peerExprs(peer: string, dir: 'saddr' | 'daddr', set: string | undefined): string[] {
  if (set !== undefined) return [`ip ${dir} @${set} `, `ip6 ${dir} @${set6(set)} `];
  return [`${v6(peer) ? 'ip6' : 'ip'} ${dir} ${peer} `];
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

function deviceChains(
  compiled: CompiledDevice,
  family: 'inet' | 'bridge',
  site: readonly string[],
  tz: string,
): string[] {
  const d = { ...compiled, family };
  const ct = family === 'inet';
  const est = ct ? 'ct state established,related ' : '';
  const p: DevicePolicy = d.policy;
  const out: string[] = [];
  const inn: string[] = [];
  out.push('udp sport 68 udp dport 67 accept');
  inn.push('udp sport 67 udp dport 68 accept');
  if (d.addresses.some(v6)) {
    // IPv6's ARP and DHCP: neighbour and router discovery, DHCPv6.
    const nd = 'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept';
    out.push(nd, 'udp sport 546 udp dport 547 accept');
    inn.push(nd, 'udp sport 547 udp dport 546 accept');
  }
  if (p.mode === 'quarantine') {
    out.push(drop(d, 'quarantine', 'out'));
    inn.push(drop(d, 'quarantine'));
    return chainText(d, out, inn);
  }
  if (ct) {
    out.push(`ct mark ${NAME_MARK} ct state established,related counter accept`);
    inn.push(`ct mark ${NAME_MARK} ct state established,related counter accept`);
  }
  // Outside the device's own schedule only DHCP passes: every accept below carries it.
  const dev = whens(p.schedule);
  p.deny.forEach((r, i) => {
    const outward = (r.direction ?? 'out') === 'out';
    for (const peer of peerExprs(r.peer, outward ? 'daddr' : 'saddr', d.nameSets[`deny${i}`]))
      for (const w of whens(r.schedule))
        (outward ? out : inn).push(`${peer}${l4(r, 'dport')}${w}${drop(d, 'deny', outward ? 'out' : 'in')}`);
  });
  for (const w of dev) {
    out.push(`ip daddr @${d.tag}_grant ${w}counter accept`, `ip6 daddr @${d.tag}_grant6 ${w}counter accept`);
    inn.push(
      `ip saddr @${d.tag}_grant ${w}${est}counter accept`,
      `ip6 saddr @${d.tag}_grant6 ${w}${est}counter accept`,
    );
  }
  for (const g of d.nameGrants) {
    // Until the grant ends, whatever the set holds: every packet is judged, so open connections close too.
    const until = `meta time < "${nftDate(Date.parse(g.grant.until), tz)}" `;
    const rule = { proto: g.grant.proto, ...(g.grant.port !== undefined ? { port: g.grant.port } : {}) };
    for (const w of dev)
      for (const [o, i] of [
        [`ip daddr @${g.set} `, `ip saddr @${g.set} `],
        [`ip6 daddr @${set6(g.set)} `, `ip6 saddr @${set6(g.set)} `],
      ]) {
        out.push(`${o}${l4(rule, 'dport')}${w}${until}counter accept`);
        inn.push(`${i}${l4(rule, 'sport')}${w}${until}${est}counter accept`);
      }
  }
  if (d.resolver !== undefined) {
    const fam = v6(d.resolver) ? 'ip6' : 'ip';
    for (const w of dev) {
      out.push(`${fam} daddr ${d.resolver} meta l4proto { tcp, udp } th dport 53 ${w}counter accept`);
      inn.push(`${fam} saddr ${d.resolver} meta l4proto { tcp, udp } th sport 53 ${w}counter accept`);
    }
  }
  p.allow.forEach((r, i) => {
    const set = d.nameSets[`allow${i}`];
    if (set === undefined && !isAddressPeer(r.peer)) return;
    const ws = windows(dev, r.schedule);
    const outward = (r.direction ?? 'out') === 'out';
    const mark = outward && set !== undefined && ct ? `ct mark set ${NAME_MARK} ` : '';
    for (const w of ws) {
      const dst = peerExprs(r.peer, 'daddr', set);
      const src = peerExprs(r.peer, 'saddr', set);
      dst.forEach((to, k) => {
        const from = src[k] as string;
        if (outward) {
          out.push(`${to}${l4(r, 'dport')}${w}${mark}counter accept`);
          inn.push(`${from}${l4(r, 'sport')}${w}${est}counter accept`);
        } else {
          inn.push(`${from}${l4(r, 'dport')}${w}counter accept`);
          out.push(`${to}${l4(r, 'sport')}${w}${est}counter accept`);
        }
      });
    }
  });
  inn.push(`tcp dport { ${remoteAccessPorts(p).join(', ')} } ${drop(d, 'remote-access')}`);
  if (p.mode === 'local-only' && site.length > 0) {
    for (const [fam, cidrs] of [
      ['ip', site.filter((c) => !v6(c))],
      ['ip6', site.filter(v6)],
    ] as const)
      if (cidrs.length > 0)
        for (const w of dev) {
          out.push(`${fam} daddr { ${cidrs.join(', ')} } ${w}counter accept`);
          inn.push(`${fam} saddr { ${cidrs.join(', ')} } ${w}counter accept`);
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

function addrSet(name: string, type: 'ipv4_addr' | 'ipv6_addr', elements: readonly string[]): string[] {
  return [
    `  set ${name} {`,
    `    type ${type}`,
    ...(elements.length > 0 ? [`    elements = { ${elements.join(', ')} }`] : []),
    '  }',
  ];
}

function grantSet(name: string, type: 'ipv4_addr' | 'ipv6_addr', grants: { to: string; s: number }[]): string[] {
  const lines = [`  set ${name} {`, `    type ${type}`, '    flags interval, timeout'];
  if (grants.length > 0) lines.push(`    elements = { ${grants.map((g) => `${g.to} timeout ${g.s}s`).join(', ')} }`);
  lines.push('  }');
  return lines;
}

function sets(d: CompiledDevice, timeoutS: number, now: number): string[] {
  const grants = d.grants
    .map((g) => ({ to: g.to, s: Math.min(MAX_TIMEOUT_S, Math.floor((Date.parse(g.until) - now) / 1000)) }))
    .filter((g) => g.s > 0);
  const lines = [
    ...addrSet(
      `${d.tag}_addr`,
      'ipv4_addr',
      d.addresses.filter((a) => !v6(a)),
    ),
    ...addrSet(`${d.tag}_addr6`, 'ipv6_addr', d.addresses.filter(v6)),
    ...grantSet(
      `${d.tag}_grant`,
      'ipv4_addr',
      grants.filter((g) => !v6(g.to)),
    ),
    ...grantSet(
      `${d.tag}_grant6`,
      'ipv6_addr',
      grants.filter((g) => v6(g.to)),
    ),
  ];
  const named = (name: string, t: number) => [
    ...[
      [name, 'ipv4_addr'],
      [set6(name), 'ipv6_addr'],
    ].flatMap(([n, type]) => [`  set ${n} {`, `    type ${type}`, '    flags timeout', `    timeout ${t}s`, '  }']),
  ];
  for (const name of [...new Set(Object.values(d.nameSets))]) lines.push(...named(name, timeoutS));
  for (const g of d.nameGrants) {
    const left = Math.max(1, Math.min(timeoutS, Math.ceil((Date.parse(g.grant.until) - now) / 1000)));
    lines.push(...named(g.set, left));
  }
  return lines;
}

function table(
  family: 'inet' | 'bridge',
  devices: readonly CompiledDevice[],
  input: CompileInput,
  now: number,
  tz: string,
): string[] {
  const timeoutS = (input.maxCacheTtl ?? 3600) + 60;
  const lines = [`table ${family} wardwatch`, `delete table ${family} wardwatch`, `table ${family} wardwatch {`];
  for (const d of devices) lines.push(...sets(d, timeoutS, now));
  lines.push(
    '  chain forward {',
    `    type filter hook forward priority ${family === 'inet' ? 'filter' : '0'}; policy accept;`,
  );
  for (const d of devices)
    lines.push(
      `    ip saddr @${d.tag}_addr jump ${d.tag}_out`,
      `    ip daddr @${d.tag}_addr jump ${d.tag}_in`,
      `    ip6 saddr @${d.tag}_addr6 jump ${d.tag}_out`,
      `    ip6 daddr @${d.tag}_addr6 jump ${d.tag}_in`,
    );
  lines.push('  }');
  if (family === 'inet' && input.policy.resolver !== undefined && devices.length > 0) {
    // Device DNS goes to the site resolver whatever address it asked, so a hard-coded resolver
    // neither answers nor bypasses the name sets.
    lines.push('  chain dns_redirect {', '    type nat hook prerouting priority dstnat; policy accept;');
    // (An IPv6 device asking another resolver stays blocked: nat does not cross families.)
    if (!v6(input.policy.resolver))
      for (const d of devices)
        lines.push(
          `    ip saddr @${d.tag}_addr ip daddr != ${input.policy.resolver} meta l4proto { tcp, udp } th dport 53 counter dnat ip to ${input.policy.resolver}`,
        );
    lines.push('  }');
  }
  for (const d of devices) lines.push(...deviceChains(d, family, input.site ?? [], tz));
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
    ...table('inet', devices, input, now, timeZone),
    ...table('bridge', devices, input, now, timeZone),
    '',
  ].join('\n');
  return { text, timeZone, warnings };
}

export type { CompileInput } from './plan.js';
