// The simulator's scenarios through the analyser: the backdoor monitors are found and named,
// every backdoor behaviour raises its rule, and the benign ward stays quiet.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, DeviceRecord } from '../../src/contract/records.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { writeScenario } from '../../src/sim/scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-sim-an-'));
let cms: { alerts: AlertRecord[]; devices: DeviceRecord[] };
let ward: { alerts: AlertRecord[]; devices: DeviceRecord[] };

beforeAll(async () => {
  await writeScenario('cms8000', { durationSec: 240, seed: 11, out: join(dir, 'cms8000.pcap') });
  await writeScenario('ward', { durationSec: 240, seed: 11, out: join(dir, 'ward.pcap') });
  cms = await analyzeCaptures([join(dir, 'cms8000.pcap')]);
  ward = await analyzeCaptures([join(dir, 'ward.pcap')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = (a: AlertRecord) => `${a.rule} ${a.src.ip} ${a.dst.ip}:${a.dst.port ?? ''}`;

describe('analysing simulated wards', () => {
  it('identifies both backdoor monitors by model', () => {
    const models = Object.fromEntries(cms.devices.filter((d) => d.model).map((d) => [d.hostname, d.model]));
    expect(models.CMS8000).toMatch(/CMS8000/);
    expect(models['MN-120']).toMatch(/MN-120/);
  });

  it('raises every backdoor rule for each backdoor monitor', () => {
    const keys = new Set(cms.alerts.map(key));
    for (const src of ['10.40.12.104', '10.40.12.105']) {
      expect(keys).toContain(`egress.ioc ${src} 202.114.4.120:515`);
      expect(keys).toContain(`egress.ioc ${src} 202.114.4.119:111`);
      expect(keys).toContain(`phi.cleartext ${src} 202.114.4.120:515`);
      expect(keys).toContain(`rpc.outbound-nfs ${src} 202.114.4.119:20048`);
      expect(keys).toContain(`egress.no-dns ${src} 202.114.4.120:515`);
    }
    const mount = cms.alerts.find((a) => a.rule === 'rpc.outbound-nfs' && a.dst.port === 20048);
    expect(JSON.stringify(mount?.evidence)).toContain('/export/cms8000');
  });

  it('raises nothing about the benign monitors, pump, modality or workstation', () => {
    const backdoor = new Set(['10.40.12.104', '10.40.12.105']);
    expect(cms.alerts.filter((a) => !backdoor.has(a.src.ip))).toEqual([]);
  });

  it('keeps the benign ward quiet', () => {
    expect(ward.alerts).toEqual([]);
    expect(ward.devices.filter((d) => d.class === 'patient-monitor')).toHaveLength(4);
  });
});
