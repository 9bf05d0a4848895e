// Wire text is hostile (issue 17): a capture whose DHCP host name and vendor class, HL7 MSH-3,
// DICOM AE titles, TLS SNI and HTTP User-Agent carry `<img src=x onerror=…>`, terminal escapes
// and CEF/syslog separators, checked in every output format. Text formats carry no raw control
// character (only \n between lines), HTML and Markdown carry no live tag, CEF and syslog keep
// one record a line with the header intact. The console (browser/API) is not on this branch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryJson, inventoryTable } from '../../src/cli/inventory.js';
import { devicesTable, summaryText } from '../../src/export/tables.js';
import type { BreachReport } from '../../src/contract/breach.js';
import type { AlertRecord } from '../../src/contract/records.js';
import { loadConfig } from '../../src/config/config.js';
import { formatCef } from '../../src/export/cef.js';
import { formatJsonl } from '../../src/export/jsonl.js';
import { alertSyslogMessages, formatSyslog } from '../../src/export/transport/syslog.js';
import { formatAlertTable } from '../../src/export/table.js';
import { breachHtml } from '../../src/export/report/html.js';
import { breachJson } from '../../src/export/report/json.js';
import { breachMarkdown } from '../../src/export/report/md.js';
import { type AnalyzeResult, Pipeline } from '../../src/engine/analyze.js';
import { wardwatch } from '../helpers/cli.js';
import { HOSTILE, HOSTILE_AE, HTML, hostileCapture } from './hostile-capture.js';

// Any C0 control but \n, and DEL: ESC sequences, BEL, CR (line spoofing), NUL.
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;
const dir = mkdtempSync(join(tmpdir(), 'ww-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let r: AnalyzeResult;
let outputs: Record<string, string>;

beforeAll(async () => {
  const p = new Pipeline({ config: loadConfig(undefined), salt: '11'.repeat(32) });
  await p.readStream(Readable.from([Buffer.from(hostileCapture())]), 'hostile.pcap');
  r = p.finish();
  const meta = { files: r.summary.files, first: r.summary.first, last: r.summary.last };
  outputs = {
    table: [formatAlertTable(r.alerts), devicesTable(r.devices), summaryText(r.summary)].join('\n\n'),
    jsonl: formatJsonl([...r.alerts, ...r.devices, r.summary]),
    cef: r.alerts.map((a) => `${formatCef(a)}\n`).join(''),
    syslog: alertSyslogMessages(r.alerts, (a) => formatCef(a))
      .map((m) => `${formatSyslog(m, { hostname: 'sensor' })}\n`)
      .join(''),
    'inventory table': inventoryTable(r.devices),
    'inventory json': JSON.stringify(inventoryJson(r.devices, r.inventory), null, 2),
    'report md': breachMarkdown(r.breach, meta),
    'report html': breachHtml(r.breach, meta),
    'report json': breachJson(r.breach),
  };
});

/** CEF header: 7 fields split by unescaped `|`, then the extension. */
function cefHeader(line: string): string[] {
  return line.split(/(?<!\\)\|/).slice(0, 7);
}

describe('hostile wire text in every output', () => {
  it('reaches the records (the capture does what it says)', () => {
    const monitor = r.devices.find((d) => d.ips.includes('10.40.1.9'))!;
    expect(monitor.hostname).toContain(HTML);
    const inv = outputs['inventory json']!;
    expect(inv).toContain('<img src=x>'); // the AE title
    expect(inv).toContain(`${HTML}.example`); // SNI or HTTP host
    expect(r.alerts.some((a) => a.rule === 'phi.cleartext')).toBe(true);
  });

  it('no output format carries a raw control character', () => {
    for (const [format, text] of Object.entries(outputs)) expect(CONTROL.test(text), format).toBe(false);
  });

  it('HTML and Markdown reports carry no live tag', () => {
    expect(outputs['report html']).not.toMatch(/<img/i);
    expect(outputs['report md']).not.toMatch(/<img/i);
  });

  it('CEF and syslog: one alert a line, the CEF header intact', () => {
    const cef = outputs.cef!.trimEnd().split('\n');
    expect(cef.length).toBe(r.alerts.length);
    for (const line of cef) expect(cefHeader(line)[4]).toMatch(/^[a-z]+\.[a-z-]+$/);
    expect(outputs.syslog!.trimEnd().split('\n').length).toBe(r.alerts.length);
  });
});

describe('hostile text where today only safe text reaches (formatters on their own)', () => {
  const alert: AlertRecord = {
    type: 'alert',
    rule: 'device.vulnerable',
    severity: 'high',
    first: '2025-01-30T08:00:00.000Z',
    last: '2025-01-30T08:00:00.000Z',
    count: 1,
    src: { ip: '10.40.1.9', mac: '02:57:40:00:00:09' },
    dst: { ip: '203.0.113.120', port: 515 },
    device: { id: '02:57:40:00:00:09', model: HOSTILE },
    message: `identified as ${HOSTILE}\r\nCEF:0|forged|line|`,
    evidence: { hostname: HOSTILE, ae: HOSTILE_AE },
  };

  it('CEF escapes separators and neutralises escapes and line breaks', () => {
    const line = formatCef(alert);
    expect(CONTROL.test(line)).toBe(false);
    expect(line).not.toContain('\n');
    const h = cefHeader(line);
    expect(h[4]).toBe('device.vulnerable');
    expect(h[6]).toMatch(/^\d+$/); // severity still in its place
    const syslog = formatSyslog({ msg: line, severity: 'high', msgid: 'device.vulnerable' }, { hostname: HOSTILE });
    expect(CONTROL.test(syslog)).toBe(false);
    expect(syslog.split(' ')[2]).not.toContain('<img src'); // the syslog HOSTNAME field is printable and space-free
  });

  it('HTML and Markdown escape devices, fields and file names', () => {
    const breach: BreachReport = {
      destinations: [
        {
          ip: '203.0.113.120',
          port: 515,
          protocol: 'hl7/mllp',
          patients: 1,
          messages: 1,
          first: alert.first,
          last: alert.last,
          fields: [HOSTILE],
          devices: [HOSTILE],
          notify: false,
          timeline: [[alert.first, 1]],
          proxies: [HOSTILE], // a console's report names what a sensor sent
          direct: false,
        },
      ],
      totals: { patients: 1, messages: 1, destinations: 1, notify: false },
      threshold: 500,
    };
    const meta = { files: [`${HTML}.pcap`], first: alert.first, last: alert.last };
    const md = breachMarkdown(breach, meta);
    for (const text of [breachHtml(breach, meta), md.replace(/`[^`]*`/g, '')]) {
      expect(text).not.toMatch(/<img/i); // in a Markdown code span (the file name) it is inert
      expect(CONTROL.test(text)).toBe(false);
    }
    expect(md).toContain(`\`${HTML}.pcap\``);
  });
});

describe('through the CLI', () => {
  it('analyze prints the table with the escapes neutralised', () => {
    const file = join(dir, 'hostile.pcap');
    writeFileSync(file, hostileCapture());
    const out = wardwatch(['analyze', file]);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('<img src=x onerror=alert(1)>');
    expect(CONTROL.test(out.stdout)).toBe(false);
  });
});
