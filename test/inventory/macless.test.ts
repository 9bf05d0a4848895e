// Devices seen without a MAC (raw IP link type, loopback with its all-zero MACs) are devices all
// the same, with their addresses and what their applications say of them (HL7 MSH-3, DICOM AE
// titles); the all-zero MAC is nobody's vendor. Captures written with our writer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { associateAc, associateRq } from '../../src/decode/dicom/encode.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { lookupOui } from '../../src/inventory/oui.js';
import { host } from '../../src/sim/wire.js';
import { oru, T0, tcp, writeSim } from '../detect/wire-captures.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-macless-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SALT = '00'.repeat(32);

describe('devices without a MAC', () => {
  it('on a raw-IP link: each address is a device listing it, with its HL7 application and DICOM AE titles', async () => {
    const mon = host('mon', '00:00:00:00:00:00', '10.2.0.5');
    const central = host('central', '00:00:00:00:00:00', '10.2.0.6');
    const pacs = host('pacs', '00:00:00:00:00:00', '10.2.0.7');
    const file = writeSim(
      dir,
      'rawip.pcap',
      (sim) => {
        const t = tcp(sim, T0 + 1e6, mon, central, 2575, oru('CMS8000'));
        tcp(
          sim,
          t + 1e6,
          central,
          pacs,
          104,
          associateRq('PACS_MAIN', 'CENTRAL_WS'),
          associateAc('PACS_MAIN', 'CENTRAL_WS'),
        );
      },
      true,
    );
    const r = await analyzeCaptures([file], { salt: SALT });
    expect(r.devices.map((d) => [d.id, d.ips])).toEqual([
      ['ip:10.2.0.5', ['10.2.0.5']],
      ['ip:10.2.0.6', ['10.2.0.6']],
      ['ip:10.2.0.7', ['10.2.0.7']],
    ]);
    // MSH-3 names the model even without a MAC; the AE titles stay with their devices.
    expect(r.devices[0]).toMatchObject({ model: 'Contec CMS8000', identifiedBy: ['hl7-msh3'] });
    expect(r.inventory.details('ip:10.2.0.5')?.hl7.sendingApps).toEqual(['CMS8000']);
    expect(r.inventory.details('ip:10.2.0.6')?.dicom.callingAes).toEqual(['CENTRAL_WS']);
    expect(r.inventory.details('ip:10.2.0.7')?.dicom.calledAes).toEqual(['PACS_MAIN']);
  });

  it('on loopback (all-zero MACs, 127.0.0.1): one device with its applications, no vendor', async () => {
    const a = host('lo', '00:00:00:00:00:00', '127.0.0.1');
    const file = writeSim(dir, 'lo.pcap', (sim) => {
      const t = tcp(sim, T0 + 1e6, a, a, 2575, oru('CMS8000'));
      tcp(sim, t + 1e6, a, a, 11112, associateRq('ORTHANC', 'STORESCU'), associateAc('ORTHANC', 'STORESCU'));
    });
    const r = await analyzeCaptures([file], { salt: SALT });
    expect(r.devices.map((d) => [d.id, d.ips, d.vendor ?? null, d.model ?? null])).toEqual([
      ['ip:127.0.0.1', ['127.0.0.1'], null, 'Contec CMS8000'],
    ]);
    const detail = r.inventory.details('ip:127.0.0.1');
    expect(detail?.dicom.callingAes).toEqual(['STORESCU']);
    expect(detail?.dicom.calledAes).toEqual(['ORTHANC']);
  });

  it('the all-zero MAC is no vendor’s (not Xerox’s 00:00:00 block)', () => {
    expect(lookupOui('00:00:00:00:00:00')).toEqual({ note: 'all-zero' });
    expect(lookupOui('00:00:00:00:00:01').vendor).toBeDefined();
  });
});
