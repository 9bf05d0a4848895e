// Incidents and the terminal table: a device's alerts grouped with what to do next, the table
// fitting the width with URLs whole, local times with their offset (zone pinned here), and the
// serious fact first in NFS alerts.
import { describe, expect, it } from 'vitest';
import { RULE_IDS } from '../../src/contract/config.js';
import { type AlertRecord, alertId, IncidentRecord, OutputRecord } from '../../src/contract/records.js';

/** How an incident names an alert: the record's stable id, else its aggregation key. */
const ref = (a: AlertRecord): string => a.id ?? alertId(a);
import { countText, ruleNext } from '../../src/contract/rule-info.js';
import { buildIncidents } from '../../src/detect/incidents.js';
import { evidenceSummary, headline } from '../../src/export/summary.js';
import { formatIncidentTable } from '../../src/export/table.js';
import { devicesTable, summaryText } from '../../src/export/tables.js';
import { humanRange, humanTime } from '../../src/export/time.js';
import { wrap } from '../../src/export/wrap.js';
import { CENTRAL, device, hl7, MON, run } from '../detect/helpers.js';
import { wardRun } from '../detect/scenario.js';

const CISA = 'https://www.cisa.gov/news-events/ics-medical-advisories/icsma-25-030-01';
const cp = (s: string) => [...s].length;

describe('rule text', () => {
  it('every rule id has a title, a count unit and at least one next step, one to three lines', () => {
    for (const id of RULE_IDS) {
      const next = ruleNext(id);
      expect(next.length, id).toBeGreaterThan(0);
      expect(next.length, id).toBeLessThanOrEqual(3);
      expect(countText(id, 1)).not.toBe(countText(id, 2));
    }
    expect(countText('phi.cleartext', 3)).toBe('3 HL7 messages');
    expect(countText('egress.no-dns', 1)).toBe('1 flow');
  });
});

describe('incidents of the CMS8000 ward', () => {
  const r = wardRun();
  it('one incident for the monitor holds every alert exactly once', () => {
    expect(r.incidents).toHaveLength(1);
    const inc = IncidentRecord.parse(r.incidents[0]);
    expect(OutputRecord.parse(inc).type).toBe('incident');
    expect([...inc.alerts].sort()).toEqual(r.alerts.map(ref).sort());
    expect(new Set(inc.alerts).size).toBe(inc.alerts.length);
    expect(inc).toMatchObject({
      id: 'incident|00:0c:29:aa:bb:01',
      severity: 'critical',
      device: { id: MON.mac, model: 'Contec CMS8000', class: 'patient-monitor', ips: [MON.ip] },
      first: '2025-01-30T12:00:00.000Z',
      last: '2025-01-30T12:02:20.000Z',
      outside: ['202.114.4.119', '202.114.4.120'],
      patients: 3,
      messages: 3,
      advisories: [{ id: 'ICSMA-25-030-01', url: CISA }],
    });
    expect(inc.rules[0]).toBe('egress.ioc');
  });

  it('says what to do: block the indicators keeping the central feed, the advisory with its link, the breach report', () => {
    const next = r.incidents[0]!.next;
    expect(next[0]).toBe(
      'Block 202.114.4.119, 202.114.4.120 at the gateway, keeping its clinical feed to the central station 10.1.1.2:2575 open (wardwatch policy learn/compile).',
    );
    expect(next[1]).toBe(`Apply the vendor's advisory ICSMA-25-030-01: ${CISA}`);
    expect(next[2]).toMatch(/^Check the exposed patients in the breach report/);
    // egress.no-dns's "find out why" is dropped: the block line already covers those peers.
    expect(next.join('\n')).not.toContain('Find out why');
  });

  it('what happened leads with the most severe finding and names the NFS export', () => {
    const what = r.incidents[0]!.what;
    expect(what.startsWith('talks to published indicator addresses (202.114.4.119, 202.114.4.120)')).toBe(true);
    expect(what).toContain('3 patients to 202.114.4.120:515');
    expect(what).toContain('/pm/update from 202.114.4.119');
  });
});

describe('incidents from the detector', () => {
  const OTHER = { ip: '10.1.1.11', mac: '00:0c:29:aa:bb:03' };
  const events = [
    hl7(1, MON, '203.0.113.7', 515, ['h1']),
    hl7(2, MON, '203.0.113.8', 515, ['h1']), // the same patient to a second destination
    hl7(3, MON, CENTRAL.ip, 2575, ['h1']),
    hl7(4, OTHER, '203.0.113.9', 2575, ['h2']),
  ];
  const devices = [device(MON.mac, MON.ip), device(OTHER.mac, OTHER.ip), device(CENTRAL.mac, CENTRAL.ip)];
  const { alerts, detector } = run(events, 'shippedIndicators: true\n', { devices });
  const incidents = detector.incidents(devices);

  it('one incident per device, every alert under its own device', () => {
    expect(incidents.map((i) => i.device.id).sort()).toEqual([MON.mac, OTHER.mac].sort());
    for (const i of incidents)
      for (const id of i.alerts) expect(alerts.find((a) => ref(a) === id)?.device.id).toBe(i.device.id);
    expect(incidents.flatMap((i) => i.alerts).sort()).toEqual(alerts.map(ref).sort());
  });

  it('counts a patient sent to two destinations once (distinct, from the ledger), messages as messages', () => {
    const mon = incidents.find((i) => i.device.id === MON.mac)!;
    const phi = alerts.filter((a) => a.device.id === MON.mac && a.rule === 'phi.cleartext');
    expect(phi).toHaveLength(2);
    expect(phi.reduce((n, a) => n + Number(a.evidence.patients), 0)).toBe(2);
    expect(mon.patients).toBe(1);
    expect(mon.messages).toBe(2);
    expect(mon.next[0]).toContain('10.1.1.2:2575');
  });

  it('a device with no record still gets an incident with its address', () => {
    const only = buildIncidents({ alerts, devices: [], isOutside: (ip) => ip.startsWith('203.') });
    const mon = only.find((i) => i.device.id === MON.mac)!;
    expect(mon.device.ips).toEqual([MON.ip]);
    expect(mon.outside).toEqual(['203.0.113.7', '203.0.113.8']);
    expect(mon.next[0]).toContain('its clinical feed (central station)');
  });
});

describe('the table', () => {
  const r = wardRun();
  for (const width of [60, 80, 100, 140]) {
    it(`fits ${width} columns, URLs whole`, () => {
      const text = formatIncidentTable(r.incidents, r.alerts, { width, timeZone: 'Europe/Berlin' });
      for (const line of text.split('\n')) {
        const url = /https?:\/\/\S+/.exec(line)?.[0];
        // A URL longer than the room stays whole on its own line; everything else fits.
        if (url !== undefined && cp(line) > width) expect(line.trim().replace(/^\w+=/, '')).toBe(url);
        else expect(cp(line), line).toBeLessThanOrEqual(width);
      }
      // Every URL in the evidence appears whole.
      expect(text.split(CISA).length - 1).toBeGreaterThanOrEqual(4);
      expect(text).not.toMatch(/icsma-25-030-\n|icsm\n/);
    });
  }

  it('times in local time with the offset, or UTC', () => {
    const berlin = formatIncidentTable(r.incidents, r.alerts, { timeZone: 'Europe/Berlin' });
    expect(berlin).toContain('since 2025-01-30 13:00:00 … 13:02:20 +01:00');
    const ny = formatIncidentTable(r.incidents, r.alerts, { timeZone: 'America/New_York' });
    expect(ny).toContain('since 2025-01-30 07:00:00 … 07:02:20 -05:00');
    const utc = formatIncidentTable(r.incidents, r.alerts, { utc: true, timeZone: 'America/New_York' });
    expect(utc).toContain('since 2025-01-30 12:00:00 … 12:02:20 UTC');
    expect(humanTime('2025-07-01T12:00:00.000Z', { timeZone: 'Europe/Berlin' })).toBe('2025-07-01 14:00:00 +02:00');
    expect(humanTime('2025-07-01T12:00:00.000Z', { timeZone: 'UTC' })).toBe('2025-07-01 12:00:00 +00:00');
    expect(humanRange('2025-01-30T23:30:00Z', '2025-01-31T00:30:00Z', { utc: true })).toBe(
      '2025-01-30 23:30:00 UTC … 2025-01-31 00:30:00 UTC',
    );
    expect(humanTime('not a time')).toBe('not a time');
  });

  it('the devices table and the summary fit the width too', () => {
    const long = device('00:0c:29:aa:bb:09', '10.1.1.9', {
      hostname: 'A-VERY-LONG-HOSTNAME-FOR-A-BEDSIDE-MONITOR-ON-WARD-3',
      vendor: 'Contec Medical Systems Co., Ltd. (Qinhuangdao)',
      model: 'Contec CMS8000',
      class: 'patient-monitor',
    });
    for (const line of devicesTable([...r.devices, long], { width: 80 }).split('\n'))
      expect(cp(line), line).toBeLessThanOrEqual(80);
    expect(summaryText(r.summary, { timeZone: 'Europe/Berlin' })).toContain(
      'time: 2025-01-30 13:00:00 +01:00 → 2025-01-30 13:02:20 +01:00',
    );
  });

  it('wrap cuts long words but never a URL', () => {
    const url = `${CISA}?a=${'x'.repeat(60)}`;
    expect(wrap(`see ${url} now`, 30)).toEqual(['see', url, 'now']);
    expect(wrap(`x=${url}`, 30)).toEqual([`x=${url}`]);
    expect(wrap('a'.repeat(25), 10)).toEqual(['aaaaaaaaaa', 'aaaaaaaaaa', 'aaaaa']);
    expect(wrap('', 10)).toEqual(['']);
  });
});

describe('NFS alerts lead with the files read', () => {
  const nfs: AlertRecord = {
    type: 'alert',
    rule: 'rpc.outbound-nfs',
    severity: 'high',
    first: '2025-01-30T12:00:03.000Z',
    last: '2025-01-30T12:00:09.000Z',
    count: 7,
    src: { ip: MON.ip, mac: MON.mac },
    dst: { ip: '202.114.4.119', port: 2049 },
    device: { id: MON.mac, model: 'Contec CMS8000' },
    message: 'makes nfs.NULL calls to outside address 202.114.4.119 (ONC-RPC nfs over tcp)',
    evidence: {
      programs: ['nfs'],
      procedures: ['nfs.NULL', 'nfs.GETATTR', 'nfs.LOOKUP', 'nfs.READ'],
      paths: ['/pm/update', 'update.sh', 'monitor.bin'],
      exports: ['/pm/update'],
      transport: 'tcp',
    },
  };

  it('the headline names the files and the export, not the first call', () => {
    expect(headline(nfs)).toBe(
      'reads update.sh, monitor.bin from the export /pm/update over NFS from outside address 202.114.4.119',
    );
    expect(headline({ ...nfs, evidence: { ...nfs.evidence, exports: [] } })).toContain('reads /pm/update, update.sh');
  });

  it('the evidence starts with the exports and paths, and nfs.NULL comes after the calls that move data', () => {
    const ev = evidenceSummary(nfs);
    expect(
      ev.startsWith('exports=/pm/update paths=/pm/update,update.sh,monitor.bin procedures=nfs.LOOKUP,nfs.READ,'),
    ).toBe(true);
    expect(ev.indexOf('nfs.NULL')).toBeGreaterThan(ev.indexOf('nfs.READ'));
  });

  it('the table shows the headline and counts calls as calls', () => {
    const table = formatIncidentTable(buildIncidents({ alerts: [nfs], devices: [], isOutside: () => true }), [nfs], {
      utc: true,
    });
    expect(table).toContain('rpc.outbound-nfs  10.1.1.10 → 202.114.4.119:2049  7 ONC-RPC calls');
    const flat = table.replace(/\n\s+/g, ' ');
    expect(flat).toContain('reads update.sh, monitor.bin from the export /pm/update');
    expect(flat).not.toContain('makes nfs.NULL');
  });

  it('a long URL in the evidence is not cut', () => {
    const url = `https://example.org/${'a'.repeat(120)}`;
    const a = { ...nfs, rule: 'egress.ioc', evidence: { url, note: 'n'.repeat(200) } };
    expect(evidenceSummary(a)).toContain(url);
    expect(evidenceSummary(a)).toContain(`note=${'n'.repeat(79)}…`);
  });
});
