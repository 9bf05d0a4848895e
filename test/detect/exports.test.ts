import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/contract/records.js';
import { formatCef } from '../../src/export/cef.js';
import { formatJsonl } from '../../src/export/jsonl.js';
import { formatAlertTable, formatIncidentTable } from '../../src/export/table.js';
import { breachHtml } from '../../src/export/report/html.js';
import { breachJson } from '../../src/export/report/json.js';
import { breachMarkdown } from '../../src/export/report/md.js';
import { golden } from './golden.js';
import { wardRun } from './scenario.js';

const r = wardRun();
const meta = { files: r.summary.files, first: r.summary.first, last: r.summary.last };
/** Tables print local time: pinned to a zone an hour off UTC, so an unconverted time shows. */
const TZ = { timeZone: 'Europe/Berlin', width: 100 };
/** The report's generation block with a pinned time (the CLI fills it from the run). */
const report = {
  ...r.breach,
  generation: {
    time: '2026-12-02T03:00:00.000Z',
    version: '0.1.0',
    captures: [{ name: 'ward.pcap', sha256: 'ab'.repeat(32), bytes: 24000 }],
    saltId: '0123456789abcdef',
  },
};

describe('the CMS8000 ward scenario', () => {
  it('raises exactly the expected alerts, most severe first', () => {
    expect(r.alerts.map((a) => `${a.severity} ${a.rule} ${a.dst.ip}:${a.dst.port ?? ''}`)).toEqual([
      'critical egress.ioc 202.114.4.119:111',
      'critical egress.ioc 202.114.4.119:2049',
      'critical egress.ioc 202.114.4.120:515',
      'critical phi.cleartext 202.114.4.120:515',
      'high device.vulnerable :',
      'high egress.no-dns 202.114.4.119:111',
      'high rpc.outbound-nfs 202.114.4.119:111',
      'high egress.no-dns 202.114.4.119:2049',
      'high rpc.outbound-nfs 202.114.4.119:2049',
      'high egress.no-dns 202.114.4.120:515',
      'medium service.insecure 10.1.1.10:23',
    ]);
    expect(r.alerts.find((a) => a.rule === 'phi.cleartext')?.evidence).toMatchObject({ patients: 3, messages: 3 });
  });
});

describe('golden exports', () => {
  it('jsonl', () => golden('ward.jsonl', formatJsonl([...r.alerts, ...r.incidents, ...r.devices, r.summary])));
  it('table', () => golden('ward.table.txt', `${formatAlertTable(r.alerts, TZ)}\n`));
  it('incidents table', () => golden('ward.incidents.txt', `${formatIncidentTable(r.incidents, r.alerts, TZ)}\n`));
  it('incidents table in UTC', () => {
    const utc = formatIncidentTable(r.incidents, r.alerts, { ...TZ, utc: true });
    expect(utc).toContain('since 2025-01-30 12:00:00 … 12:02:20 UTC');
    expect(utc).not.toContain('+01:00');
  });
  it('table has colour only when asked', () => {
    expect(formatAlertTable(r.alerts)).not.toContain('\x1b[');
    expect(formatAlertTable(r.alerts, { color: true })).toContain('\x1b[1;31mCRITICAL');
  });
  it('cef', () => golden('ward.cef', r.alerts.map((a) => `${formatCef(a, { version: '0.1.0' })}\n`).join('')));
  it('report md', () => golden('ward.report.md', breachMarkdown(report, meta)));
  it('report json', () => golden('ward.report.json', breachJson(report)));
  it('report html is self-contained with an SVG timeline', () => {
    const html = breachHtml(report, meta);
    expect(html).toContain('<svg');
    expect(html).toContain('<polyline');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|src=/i);
    golden('ward.report.html', html);
  });
});

describe('CEF escaping', () => {
  const alert: AlertRecord = {
    type: 'alert',
    rule: 'egress.ioc',
    severity: 'high',
    first: '2025-01-30T12:00:00.000Z',
    last: '2025-01-30T12:00:01.000Z',
    count: 2,
    src: { ip: '10.0.0.1', mac: '00:11:22:33:44:55' },
    dst: { ip: '2001:db8::1', port: 443 },
    device: { id: '00:11:22:33:44:55' },
    message: 'pipe | back\\slash a=b\nline2',
    evidence: { note: 'x=1|y\\z\r\nw' },
  };
  const cef = formatCef(alert);
  it('escapes | and \\ in the header and flattens newlines', () => {
    expect(cef.startsWith('CEF:0|wardwatch|wardwatch|0.1.0|egress.ioc|pipe \\| back\\\\slash a=b line2|8|')).toBe(true);
  });
  it('escapes \\, = and newlines in extension values, leaves | alone there', () => {
    expect(cef).toContain('msg=pipe | back\\\\slash a\\=b\\nline2');
    expect(cef).toContain('cs1=note\\=x\\=1|y\\\\z\\nw');
    expect(cef).toContain('c6a3=2001:db8::1 c6a3Label=Destination IPv6 Address dpt=443');
    expect(cef).toContain('rt=1738238401000 start=1738238400000 end=1738238401000 cnt=2');
    expect(cef).not.toContain('\n');
  });
});
