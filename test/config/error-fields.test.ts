// Where the user's input was wrong, as fields a program can read (WardwatchError file, line,
// offset, field), not only in the message: every loader in src/config and the capture reader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureParser } from '../../src/capture/parser.js';
import { readCapture } from '../../src/capture/reader.js';
import { parseCatalog, loadCatalog } from '../../src/config/catalog.js';
import { loadConfig, parseConfig } from '../../src/config/config.js';
import { configIndicators, loadIndicators, parseIndicatorList } from '../../src/config/indicators.js';
import { loadPolicy, parsePolicy } from '../../src/config/policy.js';
import { WardwatchError } from '../../src/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'ww-errfields-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function err(fn: () => unknown): WardwatchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WardwatchError) return e;
    throw e;
  }
  throw new Error('expected an error');
}
const where = (e: WardwatchError) => ({ file: e.file, line: e.line, offset: e.offset, field: e.field });

describe('config errors carry file, line and field', () => {
  it('an unknown key', () => {
    const e = err(() => parseConfig('site: [10.0.0.0/8]\nrules:\n  egress.beacon:\n    severty: low\n', 'ward.yaml'));
    expect(where(e)).toEqual({ file: 'ward.yaml', line: 4, offset: undefined, field: 'rules.egress.beacon.severty' });
  });

  it('a bad CIDR (our own check after the schema)', () => {
    const e = err(() => parseConfig('site:\n  - 10.0.0.0/8\n  - 10.300.0.0/16\n', 'ward.yaml'));
    expect(where(e)).toEqual({ file: 'ward.yaml', line: 3, offset: undefined, field: 'site[1]' });
  });

  it('broken YAML', () => {
    const e = err(() => parseConfig('site: [10.0.0.0/8\n', 'ward.yaml'));
    expect(e.file).toBe('ward.yaml');
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.message).toContain(`ward.yaml:${e.line}:`);
  });

  it('an unreadable file', () => {
    const path = join(tmp, 'missing.yaml');
    expect(where(err(() => loadConfig(path)))).toEqual({
      file: path,
      line: undefined,
      offset: undefined,
      field: undefined,
    });
  });
});

describe('indicator list errors carry file, line and field', () => {
  it('a bad line of a text list', () => {
    const e = err(() => parseIndicatorList('# mine\n198.51.100.7\n999.1.1.1\n', 'list.txt'));
    expect(where(e)).toEqual({ file: 'list.txt', line: 3, offset: undefined, field: undefined });
  });

  it('a CSV line with too many fields', () => {
    const e = err(() => parseIndicatorList('address,note,source\n198.51.100.7,a,b,c\n', 'list.csv'));
    expect(where(e)).toEqual({ file: 'list.csv', line: 2, offset: undefined, field: undefined });
  });

  it('a YAML list failing the schema, and an entry that is no address', () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nindicators:\n  - nope: 1\n');
    const e = err(() => loadIndicators([bad]));
    expect(e.file).toBe(bad);
    expect(e.field).toMatch(/^indicators/);
    const notIp = join(tmp, 'notip.yaml');
    writeFileSync(
      notIp,
      'version: 1\nindicators:\n  - { address: 198.51.100.7, note: a, source: b }\n  - { address: 999.1.1.1, note: a, source: b }\n',
    );
    expect(where(err(() => loadIndicators([notIp])))).toEqual({
      file: notIp,
      line: undefined,
      offset: undefined,
      field: 'indicators.1',
    });
  });

  it('an inline config entry names the config file and the entry', () => {
    const text = 'shippedIndicators: false\nindicators:\n  - { domain: "not a domain!", note: a, source: b }\n';
    const cfg = parseConfig(text, 'ward.yaml');
    const e = err(() => configIndicators(cfg));
    expect(e.file).toBe('ward.yaml');
    expect(e.field).toBe('indicators[0]');
  });
});

describe('catalog errors carry file, line and field', () => {
  it('a schema problem', () => {
    const e = err(() => parseCatalog('version: 1\nmodels:\n  - id: 7\n', 'mine.yaml'));
    expect(where(e)).toEqual({ file: 'mine.yaml', line: 3, offset: undefined, field: 'models[0].id' });
    expect(e.message).toContain('mine.yaml:3:9: models[0].id:');
  });

  it('broken YAML and an unreadable file', () => {
    const e = err(() => parseCatalog('models: [\n', 'mine.yaml'));
    expect(e.file).toBe('mine.yaml');
    expect(typeof e.line).toBe('number');
    const path = join(tmp, 'nocatalog.yaml');
    expect(err(() => loadCatalog([path])).file).toBe(path);
  });
});

describe('policy errors carry file, line and field', () => {
  it('a schema problem', () => {
    const e = err(() => parsePolicy('version: 1\ndevices: 7\n', 'p.yaml'));
    expect(e.code).toBe('WW_POLICY_INVALID');
    expect(e.file).toBe('p.yaml');
    expect(typeof e.field).toBe('string');
    expect(e.message).toContain(`p.yaml:${e.line}: ${e.field}:`);
  });

  it('broken YAML and an unreadable file', () => {
    const e = err(() => parsePolicy('devices: [\n', 'p.yaml'));
    expect(e.file).toBe('p.yaml');
    expect(typeof e.line).toBe('number');
    const path = join(tmp, 'nopolicy.yaml');
    expect(err(() => loadPolicy(path)).file).toBe(path);
  });
});

describe('capture errors carry file and offset', () => {
  it('not a capture: the file and offset 0', () => {
    const e = err(() => {
      const p = new CaptureParser(() => {}, 'suspect.bin');
      p.push(new TextEncoder().encode('hello world, this is not a capture\n'));
      p.end();
    });
    expect(e.code).toBe('WW_CAPTURE_FORMAT');
    expect(where(e)).toEqual({ file: 'suspect.bin', line: undefined, offset: 0, field: undefined });
  });

  it('an empty file, read from disk', async () => {
    const path = join(tmp, 'empty.pcap');
    writeFileSync(path, '');
    const e = await readCapture(path, () => {}).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(WardwatchError);
    expect((e as WardwatchError).file).toBe(path);
    expect((e as WardwatchError).offset).toBe(0);
  });

  it('a missing file: WW_CAPTURE_IO naming it', async () => {
    const path = join(tmp, 'nothing.pcap');
    const e = await readCapture(path, () => {}).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((e as WardwatchError).code).toBe('WW_CAPTURE_IO');
    expect((e as WardwatchError).file).toBe(path);
  });
});
