// The breach report for a privacy officer, in md and html (formatters) and through the CLI on a
// simulated CMS8000 capture: fields in plain words, devices by model and address, no "all clear"
// styling when data went to an indicator, the generation block (capture SHA-256, salt id — never
// the salt), the notes in every format; and analyze's incident records and table layout.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BREACH_NOTES, BreachReport } from '../../src/contract/breach.js';
import { OutputRecord } from '../../src/contract/records.js';
import { saltId } from '../../src/engine/salt.js';
import { breachHtml } from '../../src/export/report/html.js';
import { breachMarkdown } from '../../src/export/report/md.js';
import { jsonl, wardwatch } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { wardRun } from '../detect/scenario.js';

const r = wardRun();
const meta = { files: ['ward.pcap'], first: r.summary.first, last: r.summary.last };

describe('breach report formatters', () => {
  const withSex: BreachReport = {
    ...r.breach,
    destinations: r.breach.destinations.map((d) => ({ ...d, fields: [...d.fields, 'PID-8'] })),
  };

  it('names fields in plain words and devices by model and address', () => {
    for (const text of [breachMarkdown(withSex, meta), breachHtml(withSex, meta)]) {
      expect(text).toContain('patient identifier / MRN (PID-3)');
      expect(text).toContain('patient name (PID-5)');
      expect(text).toContain('birth date (PID-7)');
      expect(text).toContain('sex (PID-8)');
      expect(text).toContain('Contec CMS8000 at 10.1.1.10');
    }
  });

  it('has no reassuring styling when data went to an indicator address', () => {
    const html = breachHtml(r.breach, meta);
    expect(r.breach.destinations[0]?.indicator?.source).toBe('ICSMA-25-030-01');
    expect(html).toContain('class="status warn"><strong>Patient data went to a published indicator address:');
    expect(html).not.toMatch(/class="[^"]*\bok\b/);
    expect(html).not.toMatch(/#eef6ee|#117a65;padding/);
    expect(breachMarkdown(r.breach, meta)).toContain('> **Patient data went to a published indicator address:**');
  });

  it('below the threshold without an indicator is a caution, not an all-clear', () => {
    const plain: BreachReport = {
      ...r.breach,
      destinations: r.breach.destinations.map(({ indicator: _, ...d }) => d),
    };
    const html = breachHtml(plain, meta);
    expect(html).toContain('class="status caution"');
    expect(html).not.toContain('class="status warn"');
  });

  it('carries the notes in md, html and json', () => {
    expect(r.breach.notes).toEqual([...BREACH_NOTES]);
    const md = breachMarkdown(r.breach, meta);
    const html = breachHtml(r.breach, meta);
    for (const n of BREACH_NOTES) {
      expect(md).toContain(n);
      expect(html).toContain(n);
    }
    // A report with no destinations still says how its numbers are counted.
    const none = breachMarkdown({ ...r.breach, destinations: [] }, meta);
    expect(none).toContain('No HL7 message carrying patient identifiers left the site');
    expect(none).toContain(BREACH_NOTES[0]);
  });
});

describe('through the CLI on a simulated CMS8000', () => {
  let dir: string;
  let capture: string;
  const SALT = 'a5'.repeat(32);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wardwatch-report-'));
    capture = join(dir, 'cms8000.pcap');
    writeFileSync(join(dir, 'salt'), `${SALT}\n`, { mode: 0o600 });
    const sim = wardwatch(['sim', 'cms8000', '--out', capture, '--duration', '120s']);
    expect(sim.status, sim.stderr).toBe(0);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = () => ({ WARDWATCH_HOME: dir, SOURCE_DATE_EPOCH: '1764644400' });

  it('report --format json: the generation block names the capture by SHA-256 and the salt by its id', () => {
    const out = wardwatch(['report', capture, '--format', 'json'], { env: env() });
    expect(out.status, out.stderr).toBe(0);
    const report = BreachReport.parse(JSON.parse(out.stdout));
    const sha = createHash('sha256').update(readFileSync(capture)).digest('hex');
    expect(report.generation).toEqual({
      time: '2025-12-02T03:00:00.000Z',
      version: JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version,
      captures: [{ name: 'cms8000.pcap', sha256: sha, bytes: readFileSync(capture).length }],
      saltId: saltId(SALT),
    });
    expect(saltId(SALT)).toMatch(/^[0-9a-f]{16}$/);
    expect(out.stdout).not.toContain(SALT);
    expect(out.stdout.toLowerCase()).not.toContain(SALT.slice(0, 16));
    expect(report.notes).toEqual([...BREACH_NOTES]);
    expect(report.devices?.[0]?.model).toBe('Contec CMS8000');
  }, 120_000);

  it('report --format md and html print the generation block', () => {
    for (const format of ['md', 'html']) {
      const out = wardwatch(['report', capture, '--format', format], { env: env() });
      expect(out.status, out.stderr).toBe(0);
      expect(out.stdout).toContain('How this report was made');
      expect(out.stdout).toContain('2025-12-02 03:00:00 UTC');
      expect(out.stdout).toContain(saltId(SALT));
      expect(out.stdout).not.toContain(SALT);
    }
  }, 120_000);

  it('analyze --format jsonl: incident records after the alerts, before the devices', () => {
    const out = wardwatch(['analyze', capture, '--format', 'jsonl'], { env: env() });
    expect(out.status, out.stderr).toBe(0);
    const recs = jsonl(out.stdout).map((x) => OutputRecord.parse(x));
    const types = recs.map((x) => x.type).join(' ');
    expect(types).toMatch(/^(alert )+(incident )+(device )+summary$/);
    const inc = recs.find((x) => x.type === 'incident');
    expect(inc?.type === 'incident' && inc.device.model).toBe('Contec CMS8000');
    expect(inc?.type === 'incident' && inc.next.join(' ')).toContain('icsma-25-030-01');
  }, 120_000);

  it('analyze table fits $COLUMNS and prints UTC with --utc', () => {
    const out = wardwatch(['analyze', capture, '--utc'], { env: { ...env(), COLUMNS: '72' } });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^Incidents \(2: 2 critical\)/);
    expect(out.stdout.replace(/\n\s+/g, ' ')).toContain('times in UTC');
    for (const line of out.stdout.split('\n'))
      if (!/https?:\/\//.test(line)) expect([...line].length, line).toBeLessThanOrEqual(72);
    const local = wardwatch(['analyze', capture], { env: { ...env(), TZ: 'Asia/Kolkata' } });
    expect(local.stdout).toContain('+05:30');
  }, 120_000);
});
