// The detector's address tables stay bounded under a flood of spoofed sources, keep the ward's
// first devices, and say so once.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import type { RuleId } from '../../src/contract/config.js';
import { Aggregator, MAX_AGGREGATES, MAX_AGGREGATES_PER_RULE, type RawAlert } from '../../src/detect/aggregate.js';
import { Context, MAX_MAC_BY_IP } from '../../src/detect/context.js';
import type { DeviceSeen, DnsQuery } from '../../src/events.js';
import { at } from './helpers.js';

const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const macOf = (i: number) =>
  `02:00:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
const seen = (i: number, mac = macOf(i)): DeviceSeen => ({
  type: 'device-seen',
  ts: at(1 + i / 1e6),
  mac,
  ip: ipOf(i),
  via: 'ip',
});

describe('detector address tables under a flood', () => {
  it('remembers the MACs of the first site addresses only, and warns once', () => {
    const ctx = new Context(parseConfig('{}\n', 'test.yaml'), []);
    const n = MAX_MAC_BY_IP + 500;
    for (let i = 0; i < n; i++) ctx.learn(seen(i));
    expect(ctx.macByIp.size).toBe(MAX_MAC_BY_IP);
    // The ward's first devices keep their names; a later address is named by the packet's MAC or its address.
    expect(ctx.deviceId(ipOf(0))).toBe(macOf(0));
    expect(ctx.deviceId(ipOf(MAX_MAC_BY_IP - 1))).toBe(macOf(MAX_MAC_BY_IP - 1));
    expect(ctx.deviceId(ipOf(n - 1))).toBe(`ip:${ipOf(n - 1)}`);
    expect(ctx.deviceId(ipOf(n - 1), '02:AA:00:00:00:01')).toBe('02:aa:00:00:00:01');
    // A known address still follows its MAC (a lease moved to another device) while the table is full.
    ctx.learn(seen(7, '02:bb:00:00:00:07'));
    expect(ctx.deviceId(ipOf(7))).toBe('02:bb:00:00:00:07');
    const said = ctx.warnings.filter((w) => w.includes(`more than ${MAX_MAC_BY_IP} site addresses`));
    expect(said).toHaveLength(1);
  });

  it('restarts the oldest DNS warm-up clocks first, counting each, with one warning', () => {
    const ctx = new Context(parseConfig('{}\n', 'test.yaml'), []);
    const clocks = 65_536;
    const query = (i: number): DnsQuery => ({
      type: 'dns-query',
      ts: at(1 + i / 1e6),
      flowId: 1,
      asker: ipOf(i),
      server: '10.0.0.53',
      id: i & 0xffff,
      query: 'example.org',
      qtype: 'A',
    });
    for (let i = 0; i < clocks + 300; i++) ctx.learn(query(i));
    expect(ctx.clockEvictions).toBe(300);
    expect(ctx.warnings.filter((w) => w.includes('DNS warm-up clock of the oldest restarts'))).toHaveLength(1);
  });
});

describe('alert keys under a flood', () => {
  const raw = (rule: RuleId, i: number): RawAlert => ({
    rule,
    ts: at(1 + i / 1e6),
    src: { ip: ipOf(i) },
    dst: { ip: '10.40.12.20', port: 21 },
    deviceId: '02:00:00:00:00:01',
    message: `offers ftp (cleartext) on port 21 to ${ipOf(i)}`,
    evidence: { service: 'ftp' },
  });

  it("keep one rule's flood to its bound, so another rule's alerts are still kept; the rest are counted by rule", () => {
    const agg = new Aggregator();
    for (let i = 0; i < MAX_AGGREGATES_PER_RULE + 250; i++) agg.add(raw('service.insecure', i), undefined);
    expect(agg.all()).toHaveLength(MAX_AGGREGATES_PER_RULE);
    expect(agg.dropped.get('service.insecure')).toBe(250);
    // A kept key still counts its repeats while the rule is full.
    agg.add(raw('service.insecure', 0), undefined);
    expect(agg.all()[0]!.count).toBe(2);
    expect(agg.dropped.get('service.insecure')).toBe(250);
    // Another rule's alert after the flood is kept.
    agg.add(raw('egress.ioc', 1), undefined);
    expect(agg.all().filter((a) => a.rule === 'egress.ioc')).toHaveLength(1);
    expect(agg.dropped.has('egress.ioc')).toBe(false);
  });

  it('keep at most MAX_AGGREGATES in all', () => {
    const agg = new Aggregator();
    const rules: RuleId[] = ['service.insecure', 'egress.no-dns', 'inbound.outside', 'dns.bypass', 'egress.beacon'];
    for (const r of rules) for (let i = 0; i < MAX_AGGREGATES_PER_RULE; i++) agg.add(raw(r, i), undefined);
    expect(agg.all()).toHaveLength(MAX_AGGREGATES);
    expect(agg.dropped.get('egress.beacon')).toBe(5 * MAX_AGGREGATES_PER_RULE - MAX_AGGREGATES);
  });
});
