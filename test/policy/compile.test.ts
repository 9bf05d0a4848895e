// Compiling what issue 14 left open: schedule windows across midnight (22:00–06:00), IPv6 device
// addresses (ip6 rules in the inet table, ND and DHCPv6 passing), and grants to a DNS name (a set
// dnsmasq fills, open until `meta time` reaches the grant's end) — each checked by `nft -c` in a
// scratch namespace, which also refuses a broken ruleset (so the check can fail).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyFile } from '../../src/contract/policy.js';
import { compileDnsmasq } from '../../src/policy/compile/dnsmasq.js';
import { compileNftables } from '../../src/policy/compile/nftables.js';
import { inNs, ipns, skipUnless } from './netns.js';

const NOW = Date.parse('2026-01-05T12:00:00Z'); // a Monday

const night = PolicyFile.parse({
  version: 2,
  devices: [
    {
      name: 'pump',
      match: { ip: '10.40.12.106' },
      mode: 'enforce',
      allow: [
        {
          peer: 'update.pump-vendor.example',
          proto: 'tcp',
          port: 443,
          schedule: { days: ['mon', 'sun'], hours: '22:00-06:00', tz: 'Europe/Berlin' },
        },
        { peer: '10.40.12.20', proto: 'tcp', port: 2575, schedule: { hours: '22:00-06:00', tz: 'Europe/Berlin' } },
      ],
    },
  ],
});

const v6 = PolicyFile.parse({
  version: 2,
  devices: [
    {
      name: 'monitor v6',
      match: { mac: '02:57:30:00:00:09', ip: '10.40.12.109' },
      mode: 'local-only',
      allow: [
        { peer: 'fd00:40:12::20', proto: 'tcp', port: 2575 },
        { peer: 'central.ward.example', proto: 'tcp', port: 2575 },
      ],
      deny: [{ peer: '2001:db8::119', reason: 'backdoor stand-in' }],
    },
    { name: 'v6 only', match: { ip: 'fd00:40:12::110' }, mode: 'quarantine' },
  ],
  grants: [
    {
      id: 'g6',
      device: '02:57:30:00:00:09',
      to: '2001:db8::7',
      from: '2026-01-05T11:00:00Z',
      until: '2026-01-05T13:00:00Z',
      reason: 'ticket 4712',
    },
  ],
});

const named = PolicyFile.parse({
  version: 2,
  devices: [{ name: 'pump', match: { mac: '02:57:40:00:00:06', ip: '10.40.12.106' }, mode: 'enforce' }],
  grants: [
    {
      id: 'g1',
      device: '02:57:40:00:00:06',
      to: 'service.vendor.example',
      proto: 'tcp',
      port: 443,
      from: '2026-01-05T11:00:00Z',
      until: '2026-01-05T14:00:00Z',
      reason: 'ticket 4711',
    },
    {
      id: 'old',
      device: '02:57:40:00:00:06',
      to: 'expired.vendor.example',
      from: '2026-01-04T11:00:00Z',
      until: '2026-01-04T14:00:00Z',
      reason: 'yesterday',
    },
  ],
});

const site = ['10.0.0.0/8', 'fd00::/8'];

describe('schedules across midnight', () => {
  const t = compileNftables({ policy: night, now: NOW }).text;
  it('with days: the listed days from 22:00 to midnight, the days after them from midnight to 06:00', () => {
    expect(t).toContain(
      'ip daddr @d1_n0 tcp dport 443 meta day { "Monday", "Sunday" } meta hour "22:00"-"23:59:59" ct mark set 0x00000077 counter accept',
    );
    expect(t).toContain(
      'ip daddr @d1_n0 tcp dport 443 meta day { "Tuesday", "Monday" } meta hour "00:00"-"06:00" ct mark set 0x00000077 counter accept',
    );
  });
  it('without days: one wrapped range, which nft takes as is', () => {
    expect(t).toContain('ip daddr 10.40.12.20 tcp dport 2575 meta hour "22:00"-"06:00" counter accept');
  });
});

describe('IPv6 device addresses', () => {
  const t = compileNftables({ policy: v6, site, now: NOW }).text;
  it('get an ipv6_addr set, ip6 jumps, ip6 rules, their own grant set and name-set twins', () => {
    expect(t).toMatch(/set d2_addr6 \{\n {4}type ipv6_addr\n {4}elements = \{ fd00:40:12::110 \}/);
    expect(t).toMatch(/set d1_addr \{\n {4}type ipv4_addr\n {4}elements = \{ 10\.40\.12\.109 \}/);
    expect(t).toContain('ip6 saddr @d2_addr6 jump d2_out');
    expect(t).toContain('ip6 daddr fd00:40:12::20 tcp dport 2575 counter accept');
    expect(t).toContain('ip6 daddr 2001:db8::119 counter log prefix "wardwatch d1 deny: " reject');
    expect(t).toMatch(
      /set d1_grant6 \{\n {4}type ipv6_addr\n {4}flags interval, timeout\n {4}elements = \{ 2001:db8::7 timeout 3600s \}/,
    );
    expect(t).toContain('ip6 daddr @d1_n0_6 tcp dport 2575 ct mark set 0x00000077 counter accept');
    expect(t).toContain('ip6 daddr { fd00::/8 } counter accept'); // local-only: site IPv6 peers
    // ND and DHCPv6 pass like ARP and DHCP, also in quarantine.
    const d2 = t.slice(t.indexOf('chain d2_out {'));
    expect(d2).toMatch(
      /icmpv6 type \{ nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert \} accept/,
    );
    expect(d2).toMatch(/udp sport 546 udp dport 547 accept\n {4}counter log prefix "wardwatch d2 quarantine: " reject/);
  });
  it('dnsmasq fills both the IPv4 set and its IPv6 twin', () => {
    const d = compileDnsmasq({ policy: v6, now: NOW }).text;
    expect(d).toContain(
      'nftset=/central.ward.example/4#inet#wardwatch#d1_n0,4#bridge#wardwatch#d1_n0,6#inet#wardwatch#d1_n0_6,6#bridge#wardwatch#d1_n0_6',
    );
  });
});

describe('grants to a DNS name', () => {
  const c = compileNftables({ policy: named, now: NOW });
  it('are a set the resolver fills, accepted until the grant ends (in the loader time zone)', () => {
    expect(c.text).toContain('ip daddr @d1_g0 tcp dport 443 meta time < "2026-01-05 14:00:00" counter accept');
    expect(c.text).toContain('ip6 daddr @d1_g0_6 tcp dport 443 meta time < "2026-01-05 14:00:00" counter accept');
    expect(c.text).toContain(
      'ip saddr @d1_g0 tcp sport 443 meta time < "2026-01-05 14:00:00" ct state established,related counter accept',
    );
    // Elements the resolver adds live as long as a name set's (3600 s cache + 60), never past the grant.
    expect(c.text).toMatch(/set d1_g0 \{\n {4}type ipv4_addr\n {4}flags timeout\n {4}timeout 3660s/);
    const soon = compileNftables({ policy: named, now: Date.parse('2026-01-05T13:30:00Z') }).text;
    expect(soon).toMatch(/set d1_g0 \{\n {4}type ipv4_addr\n {4}flags timeout\n {4}timeout 1800s/);
    expect(c.text).not.toContain('d1_g1'); // the expired grant is gone
    expect(c.warnings.join('\n')).not.toMatch(/grant/);
    const d = compileDnsmasq({ policy: named, now: NOW }).text;
    expect(d).toMatch(/^nftset=\/service\.vendor\.example\/4#inet#wardwatch#d1_g0,4#bridge#wardwatch#d1_g0,/m);
    expect(d).not.toContain('expired.vendor.example');
  });
  it('write meta time in the schedule time zone nft loads the file with', () => {
    const berlin = PolicyFile.parse({
      ...named,
      devices: [{ ...named.devices[0], schedule: { days: ['mon'], tz: 'Europe/Berlin' } }],
    });
    const b = compileNftables({ policy: berlin, now: NOW });
    expect(b.timeZone).toBe('Europe/Berlin');
    expect(b.text).toContain('meta time < "2026-01-05 15:00:00"');
  });
});

describe.skipIf(skipUnless())('nft -c takes all of it', () => {
  const ns = `wwcmp-${process.pid}`; // not ww-*: the lab tests check that no ww-* namespace is left
  beforeAll(() => ipns('netns', 'add', ns));
  afterAll(() => ipns('netns', 'delete', ns));
  it.each([
    ['across midnight', night],
    ['IPv6', v6],
    ['name grants', named],
  ])('%s', (_name, policy) => {
    const c = compileNftables({ policy, site, now: NOW });
    const r = inNs(ns, ['env', `TZ=${c.timeZone}`, 'nft', '-c', '-f', '-'], c.text);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(inNs(ns, ['nft', '-c', '-f', '-'], c.text.replace(' accept\n', ' acept\n')).status).not.toBe(0);
  });
});
