// The per-event shortcuts (reference caches, nested tables, dispatch by event type) must give the
// answers the plain versions gave: these pin the cases a shortcut could get wrong.
import { describe, expect, it } from 'vitest';
import { BreachReport, MAX_PATIENT_HASHES } from '../../src/contract/breach.js';
import { PatientLedger } from '../../src/detect/ledger.js';
import { breachHtml } from '../../src/export/report/html.js';
import { breachMarkdown } from '../../src/export/report/md.js';
import { ResolutionTable } from '../../src/detect/dns-table.js';
import { BoundedSet } from '../../src/inventory/device.js';
import { Zones } from '../../src/net/zones.js';
import { at, CENTRAL, dns, flow, hl7, MON, run } from './helpers.js';

describe('BoundedSet remembers the last kept value', () => {
  it('counts a value beyond the limit once, however often it repeats', () => {
    const s = new BoundedSet<string>(2);
    for (const v of ['a', 'b', 'c', 'c', 'c', 'a', 'a', 'd', 'c']) s.add(v);
    // 'a', 'b' kept; 'c' and 'd' counted beyond the limit, each once (distinct values).
    expect(s.total).toBe(4);
    expect(s.exact).toBe(true);
    expect(s.totalText).toBe('4');
    expect(s.values()).toEqual(['a', 'b']);
  });

  it('forgets a deleted value, so adding it again keeps it again', () => {
    const s = new BoundedSet<string>(4);
    s.add('x');
    s.delete('x');
    expect(s.add('x')).toBe(true);
    expect(s.has('x')).toBe(true);
  });
});

describe('ResolutionTable', () => {
  it('hasValid agrees with valid() across the answer, TTL and grace', () => {
    const t = new ResolutionTable(5e6);
    t.add(dns(10, MON.ip, 'Example.COM.', '198.51.100.7', 60));
    for (const s of [9, 10, 40, 70, 75, 76])
      expect(t.hasValid('198.51.100.7', at(s))).toBe(t.valid('198.51.100.7', at(s)).length > 0);
    expect(t.valid('198.51.100.7', at(20))[0]?.name).toBe('example.com');
  });

  it('keeps the longest expiry per asker and normalises the chain once', () => {
    const t = new ResolutionTable(0);
    t.add(dns(0, MON.ip, 'a.example', '198.51.100.8', 100, ['B.Example.']));
    t.add(dns(10, MON.ip, 'a.example', '198.51.100.8', 10));
    expect(t.askerResolved('198.51.100.8', MON.ip, at(90))).toBe(true);
    expect(t.askerResolved('198.51.100.8', CENTRAL.ip, at(5))).toBe(false);
    expect(t.everNames('198.51.100.8')).toEqual(['a.example', 'b.example']);
  });
});

describe('PatientLedger', () => {
  it('counts patients, fields and devices when messages repeat and then change', () => {
    const ledger = new PatientLedger();
    // The device id the detector would give the monitor at each message (its MAC becomes known).
    let id = 'dev-a';
    const ctx = { zones: new Zones(), deviceId: () => id, warnOnce: () => {} };
    const out = { ip: '203.0.113.9', port: 2575 };
    const m1 = hl7(1, MON, out.ip, out.port, ['h1']);
    const m2 = hl7(2, MON, out.ip, out.port, ['h1'], ['PID-3', 'PID-5', 'PID-7']);
    const m3 = hl7(3, MON, out.ip, out.port, ['h2'], ['PID-3', 'PID-8']);
    ledger.add(m1, ctx);
    ledger.add(m2, ctx);
    id = 'dev-b';
    ledger.add({ ...m3, dst: { ...out } }, ctx); // another object for the same destination
    const d = ledger.report().destinations;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ patients: 2, messages: 3, fields: ['PID-3', 'PID-5', 'PID-7', 'PID-8'] });
    expect(d[0]?.devices).toEqual(['dev-a', 'dev-b']);
    // phi.cleartext reads the same (device, destination) entry.
    expect(ledger.entries()).toHaveLength(1);
    expect(ledger.entries()[0]).toMatchObject({ deviceId: 'dev-a', messages: 3, outside: true });
  });
});

describe('dispatch by event type', () => {
  it('rules still see the events they judge, in order, among others', () => {
    const events = [
      dns(0, MON.ip, 'cloud.example', '198.51.100.20'),
      flow(120, MON, '198.51.100.20', 443),
      flow(121, MON, '198.51.100.21', 443), // never resolved: egress.no-dns
      hl7(122, MON, '203.0.113.30', 2575, ['h1']),
    ];
    const { alerts } = run(events);
    const seen = alerts.map((a) => `${a.rule} ${a.dst.ip}`).sort();
    expect(seen).toEqual(['egress.no-dns 198.51.100.21', 'phi.cleartext 203.0.113.30']);
  });
});

describe('PatientLedger under a flood of patients', () => {
  it(`keeps ${MAX_PATIENT_HASHES} distinct patients at most; past it the counts are lower bounds, said once and in every report format`, () => {
    const ledger = new PatientLedger();
    const warned: string[] = [];
    const ctx = { zones: new Zones(), deviceId: () => 'dev-a', warnOnce: (t: string) => warned.push(t) };
    const extra = 500;
    // Two destinations; the second one's patients come after the bound.
    for (let i = 0; i < MAX_PATIENT_HASHES; i++) ledger.add(hl7(1, MON, '203.0.113.9', 2575, [`p${i}`]), ctx);
    for (let i = 0; i < extra; i++) ledger.add(hl7(2, MON, '203.0.113.10', 2575, [`q${i}`]), ctx);
    // A patient already kept still counts for its pair.
    ledger.add(hl7(3, MON, '203.0.113.9', 2575, ['p0', 'p1']), ctx);
    // A new message type per message is not kept past its own bound either (entries hold at most 64).
    for (let i = 0; i < 100; i++)
      ledger.add({ ...hl7(4, MON, '203.0.113.9', 2575, ['p2']), messageType: `Z${i}^Z01` }, ctx);
    const r = BreachReport.parse(ledger.report());
    expect(r.totals).toMatchObject({ patients: MAX_PATIENT_HASHES, capped: true, notify: true });
    const [first, second] = [...r.destinations].sort((a, b) => a.ip.localeCompare(b.ip));
    expect(first).toMatchObject({ ip: '203.0.113.10', patients: 0, capped: true, messages: extra });
    expect(second).toMatchObject({
      ip: '203.0.113.9',
      patients: MAX_PATIENT_HASHES,
      messages: MAX_PATIENT_HASHES + 101,
    });
    expect(second!.capped).toBeUndefined();
    expect(ledger.entries().find((e) => e.dst.ip === '203.0.113.9')!.types.size).toBe(64);
    expect(warned.filter((w) => w.includes('distinct patients'))).toHaveLength(1);
    const meta = { files: ['flood.pcap'], first: r.destinations[0]!.first, last: r.destinations[0]!.last };
    for (const text of [breachMarkdown(r, meta), breachHtml(r, meta)]) {
      expect(text).toContain(`at least ${MAX_PATIENT_HASHES + 1}`);
      expect(text).toContain('Counts are lower bounds');
      // The destination whose patients all came past the bound: some, uncounted — not "0", not "no".
      expect(text).toMatch(/at least 1\b(?!\d)/);
      expect(text).not.toContain('at least 0');
      expect(text).toContain('unknown (count capped)');
    }
  });

  it('an exact count says nothing of bounds', () => {
    const ledger = new PatientLedger();
    const ctx = { zones: new Zones(), deviceId: () => 'dev-a', warnOnce: () => {} };
    ledger.add(hl7(1, MON, '203.0.113.9', 2575, ['h1', 'h2']), ctx);
    const r = ledger.report();
    expect(r.totals.capped).toBeUndefined();
    expect(r.destinations[0]!.capped).toBeUndefined();
    expect(breachMarkdown(r, { files: ['a.pcap'] })).not.toContain('at least');
  });
});
