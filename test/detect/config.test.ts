import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/config.js';
import { configIndicators, loadIndicators, parseIndicatorList } from '../../src/config/indicators.js';
import { WardwatchError } from '../../src/errors.js';

function err(fn: () => unknown): WardwatchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WardwatchError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('config', () => {
  it('defaults: DESIGN.md zones, shipped indicators, beacon and DNS settings', () => {
    const c = loadConfig();
    expect(c.zones).toContain('10.0.0.0/8');
    expect(c.zones).toContain('fe80::/10');
    expect(c.beacon).toEqual({ minCount: 6, maxJitter: 0.2, minIntervalSeconds: 5 });
    expect(c.dns.graceSeconds).toBe(300);
    expect(configIndicators(c).map((i) => i.value)).toEqual(['202.114.4.119', '202.114.4.120']);
  });

  it('site adds to the default zones unless siteReplaceDefaults', () => {
    expect(parseConfig('site: [203.0.113.0/24]\n', 'w.yaml').zones).toContain('10.0.0.0/8');
    expect(parseConfig('site: [203.0.113.0/24]\nsiteReplaceDefaults: true\n', 'w.yaml').zones).toEqual([
      '203.0.113.0/24',
    ]);
  });

  it('an unknown key names the file and line', () => {
    const e = err(() => parseConfig('site: [10.0.0.0/8]\nrules:\n  egress.beacon:\n    severty: low\n', 'ward.yaml'));
    expect(e.code).toBe('WW_CONFIG');
    expect(e.message).toContain("ward.yaml:4: rules.egress.beacon.severty: unknown key 'severty'");
  });

  it('a bad CIDR names the file and line', () => {
    const e = err(() => parseConfig('site:\n  - 10.0.0.0/8\n  - 10.300.0.0/16\n', 'ward.yaml'));
    expect(e.message).toContain("ward.yaml:3: site[1]: '10.300.0.0/16' is not an IP address or CIDR");
  });

  it('a suppression without a reason names the file and line', () => {
    const text = 'suppressions:\n  - rule: egress.no-dns\n    peer: 203.0.113.7\n    expires: 2025-12-31\n';
    expect(err(() => parseConfig(text, 'ward.yaml')).message).toContain(
      'ward.yaml:2: suppressions[0].reason: required',
    );
  });

  it('resolves indicator files relative to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-cfg-'));
    writeFileSync(join(dir, 'extra.txt'), '# mine\n198.51.100.7\n');
    writeFileSync(join(dir, 'ward.yaml'), 'indicatorFiles: [extra.txt]\nshippedIndicators: false\n');
    const c = loadConfig(join(dir, 'ward.yaml'));
    const got = configIndicators(c).map((i) => [i.value, i.origin]);
    rmSync(dir, { recursive: true, force: true });
    expect(got).toEqual([['198.51.100.7', `${join(dir, 'extra.txt')}:2`]]);
  });
});

describe('indicator lists', () => {
  it('parses plain text with comments', () => {
    const list = parseIndicatorList(
      '# header\n203.0.113.5\n\n198.51.100.0/24  # a net\nEvil.Example.\n2001:db8::1\n',
      'mine.txt',
    );
    expect(list.map((i) => [i.kind, i.value, i.origin])).toEqual([
      ['address', '203.0.113.5', 'mine.txt:2'],
      ['cidr', '198.51.100.0/24', 'mine.txt:4'],
      ['domain', 'evil.example', 'mine.txt:5'],
      ['address', '2001:db8::1', 'mine.txt:6'],
    ]);
  });

  it('parses CSV with a header and quoted notes', () => {
    const list = parseIndicatorList(
      'address,note,source\n203.0.113.5,"NFS, at boot",ADV-1\nbad.example,c2,\n',
      'mine.csv',
    );
    expect(list.map((i) => [i.value, i.note, i.source])).toEqual([
      ['203.0.113.5', 'NFS, at boot', 'ADV-1'],
      ['bad.example', 'c2', 'mine.csv'],
    ]);
  });

  it('a bad line is an error with file:line', () => {
    expect(err(() => parseIndicatorList('203.0.113.5\n999.1.1.1\n', 'mine.txt')).message).toContain(
      "mine.txt:2: '999.1.1.1'",
    );
    expect(err(() => parseIndicatorList('203.0.113.0/40,x,y\n', 'mine.csv')).message).toContain('mine.csv:1');
  });

  it('the shipped list carries provenance', () => {
    const c = loadConfig();
    for (const i of configIndicators(c)) {
      expect(i.source).toBe('ICSMA-25-030-01');
      expect(i.url).toMatch(/^https:\/\/www\.cisa\.gov\//);
    }
    expect(() => loadIndicators(['/nonexistent/list.txt'])).toThrow(WardwatchError);
  });
});
