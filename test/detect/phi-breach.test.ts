import { describe, expect, it } from 'vitest';
import { CENTRAL, MON, device, flow, hl7, run, rules } from './helpers.js';

const MON2 = { ip: '10.1.1.11', mac: '00:0c:29:aa:bb:03' };

describe('phi.cleartext', () => {
  it('fires for identifying HL7 to an outside address, counting distinct patients', () => {
    const ev = [
      hl7(1, MON, '202.114.4.120', 515, ['h1']),
      hl7(2, MON, '202.114.4.120', 515, ['h1']),
      hl7(3, MON, '202.114.4.120', 515, ['h2']),
    ];
    const a = run(ev).alerts.find((x) => x.rule === 'phi.cleartext');
    expect(a).toMatchObject({ severity: 'critical', count: 3, dst: { ip: '202.114.4.120', port: 515 } });
    expect(a?.evidence).toMatchObject({
      patients: 2,
      messages: 3,
      fields: ['PID-3', 'PID-5', 'PID-7'],
      messageTypes: ['ORU^R01'],
      outside: true,
    });
  });

  it('stays quiet for HL7 to the internal central station (no receivers configured)', () => {
    expect(rules(run([hl7(1, MON, CENTRAL.ip, 2575, ['h1'])]).alerts)).toEqual([]);
  });

  it('stays quiet for HL7 without patient identifiers', () => {
    expect(rules(run([hl7(1, MON, '203.0.113.20', 2575, [], [])]).alerts)).not.toContain('phi.cleartext');
  });

  it('fires for an internal address that is not a declared receiver of the device class', () => {
    const yaml = `hl7Receivers:\n  - {class: patient-monitor, receivers: [${CENTRAL.ip}]}\n`;
    const devices = [device(MON.mac, MON.ip, { class: 'patient-monitor' })];
    const { alerts } = run([hl7(1, MON, CENTRAL.ip, 2575, ['h1']), hl7(2, MON, '10.9.9.9', 2575, ['h1'])], yaml, {
      devices,
    });
    const a = alerts.filter((x) => x.rule === 'phi.cleartext');
    expect(a.map((x) => x.dst.ip)).toEqual(['10.9.9.9']);
    expect(a[0]?.message).toContain('not a declared HL7 receiver');
  });
});

describe('breach report', () => {
  it('counts distinct patients per destination across devices, and in total', () => {
    const { detector } = run([
      flow(0, MON, '202.114.4.120', 515),
      hl7(1, MON, '202.114.4.120', 515, ['h1']),
      hl7(2, MON2, '202.114.4.120', 515, ['h1', 'h2']),
      hl7(3, MON2, '203.0.113.30', 2575, ['h2', 'h3']),
      hl7(4, MON, CENTRAL.ip, 2575, ['h9']), // internal: not a breach
    ]);
    const b = detector.breach();
    expect(b.destinations.map((d) => [d.ip, d.port, d.patients, d.messages, d.devices])).toEqual([
      ['202.114.4.120', 515, 2, 2, [MON.mac, MON2.mac].sort()],
      ['203.0.113.30', 2575, 2, 1, [MON2.mac]],
    ]);
    expect(b.totals).toEqual({ patients: 3, messages: 3, destinations: 2, notify: false });
    expect(JSON.stringify(b)).not.toMatch(/h1|h2|h3|h9/);
  });

  it('sets notify at 500 distinct individuals, not at 499', () => {
    const hashes = (n: number) => Array.from({ length: n }, (_, i) => `hash${i}`);
    const b499 = run([hl7(1, MON, '203.0.113.30', 515, hashes(499))]).detector.breach();
    const b500 = run([hl7(1, MON, '203.0.113.30', 515, hashes(500))]).detector.breach();
    expect([b499.destinations[0]?.notify, b499.totals.notify]).toEqual([false, false]);
    expect([b500.destinations[0]?.notify, b500.totals.notify, b500.threshold]).toEqual([true, true, 500]);
  });
});
