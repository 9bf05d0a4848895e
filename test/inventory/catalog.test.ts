import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogFile } from '../../src/contract/catalog.js';
import { WardwatchError } from '../../src/errors.js';
import { loadCatalog, parseCatalog, SHIPPED_CATALOG } from '../../src/config/catalog.js';
import { identify } from '../../src/inventory/identify.js';

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ww-catalog-'));
  tmpDirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): WardwatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WardwatchError) return err;
    throw err;
  }
  throw new Error('expected a WardwatchError');
}

describe('shipped catalog', () => {
  const catalog = loadCatalog();

  it('validates against the schema and names its file', () => {
    expect(catalog.files).toEqual([SHIPPED_CATALOG]);
    expect(catalog.models.length).toBeGreaterThanOrEqual(8);
    for (const m of catalog.models) expect(CatalogFile.shape.models.element.safeParse(m).success).toBe(true);
  });

  it('carries the CMS8000 advisories with CVEs and CISA URLs', () => {
    const cms = catalog.models.find((m) => m.id === 'contec-cms8000')!;
    expect(cms.class).toBe('patient-monitor');
    expect(cms.advisories.map((a) => a.id)).toEqual(['ICSMA-25-030-01', 'ICSMA-24-352-01']);
    expect(cms.advisories[0]!.cves).toEqual(['CVE-2025-0626', 'CVE-2025-0683']);
    expect(cms.advisories[0]!.url).toBe('https://www.cisa.gov/news-events/ics-medical-advisories/icsma-25-030-01');
    expect(cms.advisories[1]!.cves).toEqual(['CVE-2024-12248']);
    expect(cms.advisories[1]!.url).toBe('https://www.cisa.gov/news-events/ics-medical-advisories/icsma-24-352-01');
  });

  it('lists the Epsimed MN-120 as a relabelled CMS8000 with ICSMA-25-030-01 only', () => {
    const mn = catalog.models.find((m) => m.id === 'epsimed-mn-120')!;
    expect(mn.relabelOf).toBe('contec-cms8000');
    expect(mn.advisories.map((a) => a.id)).toEqual(['ICSMA-25-030-01']);
    expect(mn.advisories[0]!.cves).toEqual(['CVE-2025-0626', 'CVE-2025-0683']);
  });

  it('has device families of every bedside class, and the ward printers and UPSs, without advisories', () => {
    const classes = new Set(catalog.models.filter((m) => m.advisories.length === 0).map((m) => m.class));
    expect([...classes].sort()).toEqual(['imaging-modality', 'infusion-pump', 'patient-monitor', 'printer', 'ups']);
  });

  it('names HP JetDirect printers and APC UPS cards from their SNMP system group, not an APC PDU', () => {
    const none = { hl7Apps: [], dicomAes: [] };
    const hp = identify(catalog, {
      ...none,
      snmpSysObjectId: '1.3.6.1.4.1.11.2.3.9.1',
      snmpSysDescr: 'HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24090,CIDATE 03/12/2020',
    })!;
    expect(hp.model.id).toBe('hp-jetdirect');
    expect(hp.identifiedBy).toEqual(['snmp-sysobjectid', 'snmp-sysdescr']);
    // Another HP product (a switch, under 11.2.3.7) is not a printer.
    expect(identify(catalog, { ...none, snmpSysObjectId: '1.3.6.1.4.1.11.2.3.7.11.160' })).toBeUndefined();
    const card = (mn: string) =>
      `APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.4.0 PN:apc_hw05_aos_640.bin AF1:v6.4.0 AN1:apc_hw05_x_640.bin MN:${mn} HR:05 SN: ZA0000000002 MD:03/04/2018)`;
    expect(identify(catalog, { ...none, snmpSysDescr: card('AP9631') })!.model).toMatchObject({
      id: 'apc-ups-nmc',
      class: 'ups',
    });
    expect(identify(catalog, { ...none, snmpSysDescr: card('AP7900B') })).toBeUndefined(); // a switched rack PDU
  });
});

describe('bad catalogs are reported with file and line', () => {
  it('an invalid regular expression names the line of the pattern', () => {
    const text = [
      'version: 1', // 1
      'models:', // 2
      '  - id: ward-thing', // 3
      '    vendor: Example', // 4
      '    name: Example Thing', // 5
      '    class: patient-monitor', // 6
      '    hints:', // 7
      "      dhcpHostname: ['ok', 'bad[']", // 8
    ].join('\n');
    const err = errorOf(() => parseCatalog(text, 'site-catalog.yaml'));
    expect(err.code).toBe('WW_CONFIG');
    expect(err.message).toContain('site-catalog.yaml:8:');
    expect(err.message).toContain('models[0].hints.dhcpHostname[1]');
    expect(err.message).toContain('not a valid regular expression');
  });

  it('an unknown class and an unknown key are each reported at their line', () => {
    const text = [
      'version: 1',
      'models:',
      '  - id: ward-thing',
      '    vendor: Example',
      '    name: Example Thing',
      '    class: toaster', // 6
      '    hints: {}',
      '    colour: blue', // 8
    ].join('\n');
    const err = errorOf(() => parseCatalog(text, 'x.yaml'));
    expect(err.message).toMatch(/x\.yaml:6:\d+: models\[0\]\.class:/);
    expect(err.message).toMatch(/x\.yaml:8:\d+: models\[0\]\.colour: unknown key\(s\) colour/);
  });

  it('a YAML syntax error names the line', () => {
    const err = errorOf(() => parseCatalog('version: 1\nmodels:\n  - id: [unclosed\n', 'broken.yaml'));
    expect(err.message).toMatch(/^broken\.yaml:\d+:\d+: not valid YAML\/JSON/);
  });

  it('a file that cannot be read is a config error naming it', () => {
    const err = errorOf(() => loadCatalog(['/nonexistent/site-catalog.yaml']));
    expect(err.code).toBe('WW_CONFIG');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('/nonexistent/site-catalog.yaml');
  });

  it('a relabel of a model no catalog defines is refused', () => {
    const file = tmpFile(
      'relabel.yaml',
      'version: 1\nmodels:\n  - {id: clone, vendor: V, name: Clone, class: patient-monitor, relabelOf: nothing, hints: {}}\n',
    );
    expect(errorOf(() => loadCatalog([file])).message).toContain("relabel of 'nothing'");
  });
});

describe('user catalog files', () => {
  it('add models and replace shipped ones by id (JSON works too)', () => {
    const file = tmpFile(
      'site.json',
      JSON.stringify({
        version: 1,
        models: [
          {
            id: 'contec-cms8000',
            vendor: 'Contec',
            name: 'CMS8000 (ward 4 units)',
            class: 'patient-monitor',
            hints: { ouiPrefix: ['00:08:33'] },
          },
          {
            id: 'ward-bed',
            vendor: 'Example',
            name: 'Example Bed',
            class: 'unknown',
            hints: { dhcpHostname: ['BED-\\d+'] },
          },
        ],
      }),
    );
    const catalog = loadCatalog([file]);
    expect(catalog.files).toEqual([SHIPPED_CATALOG, file]);
    const ids = catalog.models.map((m) => m.id);
    expect(ids[0]).toBe('contec-cms8000');
    expect(ids.at(-1)).toBe('ward-bed');
    expect(catalog.models[0]!.name).toBe('CMS8000 (ward 4 units)');
    expect(catalog.models[0]!.advisories).toEqual([]); // the user's entry replaces, it does not merge
  });
});
