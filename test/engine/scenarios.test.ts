// The whole pipeline on the simulated CMS8000 ward (exact alerts, patient counts, inventory,
// breach report) and on the real benign captures of ../shared (quiet, with written exceptions).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { severityRank } from '../../src/contract/records.js';
import { type AnalyzeResult, analyzeCaptures } from '../../src/engine/analyze.js';
import { writeScenario } from '../../src/sim/scenarios.js';
import { CAPTURES_DIR } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-scen-'));
const SALT = '00112233445566778899aabbccddeeff';
let cms: AnalyzeResult;

beforeAll(async () => {
  await writeScenario('cms8000', { durationSec: 300, seed: 1, out: join(dir, 'cms8000.pcap') });
  cms = await analyzeCaptures([join(dir, 'cms8000.pcap')], { salt: SALT });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simulated CMS8000 ward', () => {
  it('raises exactly the expected alerts', () => {
    const got = cms.alerts
      .map((a) => `${a.severity} ${a.rule} ${a.src.ip} ${a.dst.ip}${a.dst.port ? `:${a.dst.port}` : ''}`)
      .sort();
    const expected: string[] = [];
    for (const m of ['10.40.12.104', '10.40.12.105']) {
      // NFS boot: portmapper GETPORT (UDP 111) → MOUNT (UDP 20048) → NFS (TCP 2049), then the HL7 copy to TCP 515.
      for (const dst of ['202.114.4.119:111', '202.114.4.119:20048', '202.114.4.119:2049', '202.114.4.120:515']) {
        expected.push(`critical egress.ioc ${m} ${dst}`);
        expected.push(`high egress.no-dns ${m} ${dst}`);
      }
      for (const dst of ['202.114.4.119:111', '202.114.4.119:20048', '202.114.4.119:2049']) {
        expected.push(`high rpc.outbound-nfs ${m} ${dst}`);
      }
      expected.push(`critical phi.cleartext ${m} 202.114.4.120:515`);
      expected.push(`high device.vulnerable ${m} `); // a device fact: no destination
    }
    expect(got).toEqual(expected.sort());
  });

  it('names on the NFS alert the export the files were read from (handles tied to the MOUNT)', () => {
    const nfs = cms.alerts.filter((a) => a.rule === 'rpc.outbound-nfs' && a.dst.port === 2049);
    expect(nfs).toHaveLength(2);
    for (const a of nfs) {
      expect(a.evidence.exports).toEqual(['/export/cms8000']);
      expect(a.evidence.paths).toEqual(['/export/cms8000', 'start.sh', 'update.bin']);
      expect(a.evidence.procedures).toEqual(expect.arrayContaining(['nfs.LOOKUP', 'nfs.READ']));
    }
  });

  it('counts one patient and every HL7 message per backdoor monitor, with the identifying fields', () => {
    const phi = cms.alerts.filter((a) => a.rule === 'phi.cleartext');
    expect(phi).toHaveLength(2);
    for (const a of phi) {
      expect(a.evidence.patients).toBe(1);
      // One ADT^A01 at admission, then an ORU^R01 every 5 s for 300 s.
      expect(a.evidence.messages).toBe(a.count);
      expect(a.count).toBeGreaterThanOrEqual(59);
      expect(a.evidence.fields).toEqual(expect.arrayContaining(['PID-3', 'PID-5', 'PID-7']));
    }
  });

  it('names both backdoor models with their advisories, and classes every ward device', () => {
    const byHost = new Map(cms.devices.map((d) => [d.hostname ?? d.ips[0], d]));
    expect(byHost.get('CMS8000')?.model).toBe('Contec CMS8000');
    expect(
      byHost
        .get('CMS8000')
        ?.advisories.map((a) => a.id)
        .sort(),
    ).toEqual(['ICSMA-24-352-01', 'ICSMA-25-030-01']);
    expect(byHost.get('MN-120')?.model).toBe('Epsimed MN-120');
    expect(
      byHost
        .get('MN-120')
        ?.advisories.flatMap((a) => a.cves)
        .sort(),
    ).toEqual(['CVE-2025-0626', 'CVE-2025-0683']);
    const classes = new Map(cms.devices.map((d) => [d.ips[0], d.class]));
    expect(classes.get('10.40.12.20')).toBe('central-station');
    expect(classes.get('10.40.12.30')).toBe('pacs');
    expect(classes.get('10.40.12.107')).toBe('imaging-modality');
    expect(classes.get('10.40.12.1')).toBe('network-infrastructure');
    expect(classes.get('10.40.12.108')).toBe('workstation');
    for (const ip of ['10.40.12.100', '10.40.12.101', '10.40.12.102', '10.40.12.103', '10.40.12.104', '10.40.12.105']) {
      expect(classes.get(ip)).toBe('patient-monitor');
    }
  });

  it('counts HL7, DICOM and RPC in the summary', () => {
    expect(cms.summary.apps.hl7).toBeGreaterThan(600);
    expect(cms.summary.apps.dicom).toBeGreaterThan(0);
    expect(cms.summary.apps.rpc).toBeGreaterThan(0);
    expect(cms.summary.damaged).toBe(false);
  });

  it('reports the breach: 2 distinct patients to one outside destination', () => {
    expect(cms.breach.totals).toMatchObject({ patients: 2, destinations: 1 });
    expect(cms.breach.destinations[0]).toMatchObject({ ip: '202.114.4.120', port: 515, patients: 2 });
  });

  it('never carries a patient name, birth date or record number', () => {
    const text = JSON.stringify([cms.alerts, cms.devices, cms.summary, cms.breach]);
    expect(text).not.toMatch(/SIM\d{7}/); // the simulator's record numbers
    expect(text).not.toMatch(/\^JANE|\^JOHN|DOE\^|ROE\^/);
    expect(text).not.toMatch(/\b(19|20)\d{6}\b/); // birth dates as HL7 writes them
  });
});

describe('real benign captures stay quiet', () => {
  // Written exceptions, each the rule's own definition at work:
  const EXCEPTIONS = new Set([
    // A telnet session on TCP 21: telnet is an insecure service (medium) whatever the port.
    'rawip-telnet-port21.pcap service.insecure 10.0.0.2',
  ]);
  const names = readdirSync(CAPTURES_DIR).filter((n) => /\.pcap(ng)?$/.test(n));
  for (const name of names) {
    it(name, async () => {
      const r = await analyzeCaptures([join(CAPTURES_DIR, name)], { salt: SALT });
      const loud = r.alerts
        .filter((a) => severityRank(a.severity) >= severityRank('medium'))
        .map((a) => `${name} ${a.rule} ${a.dst.ip}`)
        .filter((k) => !EXCEPTIONS.has(k));
      expect(loud).toEqual([]);
    });
  }
});
