import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI } from '../helpers/paths.js';
import { pcapRecords } from '../helpers/pcap-records.js';
import { generateScenario, SCENARIO_START_US, writeScenario } from '../../src/sim/scenarios.js';
import { HAVE_TSHARK, tshark } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-sim-'));
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const cms = join(dir, 'cms8000.pcap');
const ward = join(dir, 'ward.pcap');

beforeAll(async () => {
  await writeScenario('cms8000', { durationSec: 180, seed: 7, out: cms });
  await writeScenario('ward', { durationSec: 180, seed: 7, out: ward });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('determinism', () => {
  it('gives identical bytes for the same seed and different bytes for another', async () => {
    const again = join(dir, 'again.pcap');
    const other = join(dir, 'other.pcap');
    await writeScenario('cms8000', { durationSec: 180, seed: 7, out: again });
    await writeScenario('cms8000', { durationSec: 180, seed: 8, out: other });
    expect(sha(again)).toBe(sha(cms));
    expect(sha(other)).not.toBe(sha(cms));
  });

  it('starts at the fixed scenario time and keeps records in time order', () => {
    const recs = pcapRecords(ward);
    expect(recs.length).toBeGreaterThan(500);
    expect(recs[0]!.ts).toBeGreaterThanOrEqual(SCENARIO_START_US);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.ts).toBeGreaterThanOrEqual(recs[i - 1]!.ts);
  });

  it('streams to the sink and honours maxPackets', () => {
    let n = 0;
    const r = generateScenario('mixed', { durationSec: 30, seed: 1, devices: 20, maxPackets: 5000 }, () => n++);
    expect(r.packets).toBe(5000);
    expect(n).toBe(5000);
  });

  it('writes pcapng with the same packets', async () => {
    const ng = join(dir, 'ward.pcapng');
    await writeScenario('ward', { durationSec: 180, seed: 7, out: ng });
    expect(readFileSync(ng).readUInt32LE(0)).toBe(0x0a0d0d0a);
    if (HAVE_TSHARK) expect(tshark(ng, ['-T', 'fields', '-e', 'frame.len']).length).toBe(pcapRecords(ward).length);
  });
});

describe.skipIf(!HAVE_TSHARK && !IN_CI)('protocol correctness (tshark)', () => {
  it('has no IPv4, TCP or UDP checksum errors', () => {
    for (const f of [cms, ward]) {
      const bad = tshark(f, [
        '-o',
        'tcp.check_checksum:TRUE',
        '-o',
        'ip.check_checksum:TRUE',
        '-o',
        'udp.check_checksum:TRUE',
        '-Y',
        'ip.checksum.status==2 || tcp.checksum.status==2 || udp.checksum.status==2',
      ]);
      expect(bad).toEqual([]);
    }
  });

  it('has no expert errors, and TCP warnings only for the deliberate resets', () => {
    const errors = tshark(cms, ['-q', '-z', 'expert,error', '-d', 'tcp.port==515,hl7']);
    expect(errors.filter((l) => /Error/.test(l) && !/^Errors? \(0\)/.test(l))).toEqual([]);
    const warns = tshark(cms, ['-q', '-z', 'expert,warn', '-d', 'tcp.port==515,hl7']).filter((l) =>
      /^\s+\d+\s/.test(l),
    );
    for (const w of warns) expect(w).toMatch(/Connection reset \(RST\)/);
  });

  it('decodes DHCP with the CMS8000 hostname and vendor class', () => {
    const lines = tshark(cms, [
      '-Y',
      'dhcp.option.dhcp == 1',
      '-T',
      'fields',
      '-e',
      'dhcp.option.hostname',
      '-e',
      'dhcp.option.vendor_class_id',
    ]);
    expect(lines).toContain('CMS8000\tCMS8000');
    expect(lines).toContain('MN-120\tMN-120');
  });

  it('decodes DNS answers (CNAME chain to an A record)', () => {
    const lines = tshark(cms, [
      '-Y',
      'dns.flags.response==1 && dns.qry.name=="update.infusion-vendor.example"',
      '-T',
      'fields',
      '-e',
      'dns.cname',
      '-e',
      'dns.a',
    ]);
    expect(lines[0]).toBe('cdn.vendor-cdn.example\t198.51.100.20');
  });

  it('decodes TLS SNI and ALPN, sent to the address DNS gave', () => {
    const lines = tshark(cms, [
      '-Y',
      'tls.handshake.type==1',
      '-T',
      'fields',
      '-e',
      'ip.dst',
      '-e',
      'tls.handshake.extensions_server_name',
    ]);
    expect(lines).toContain('198.51.100.20\tupdate.infusion-vendor.example');
  });

  it('decodes HL7 ORU/ADT/ACK on 2575 and the copy on 515', () => {
    const central = tshark(cms, ['-Y', 'hl7 && tcp.port==2575', '-T', 'fields', '-e', 'hl7.message.type']);
    for (const t of ['ORU', 'ADT', 'ACK']) expect(central).toContain(t);
    const copy = tshark(cms, [
      '-d',
      'tcp.port==515,hl7',
      '-Y',
      'hl7 && tcp.dstport==515',
      '-T',
      'fields',
      '-e',
      'ip.dst',
    ]);
    expect(copy.length).toBeGreaterThan(10);
    expect(new Set(copy)).toEqual(new Set(['202.114.4.120']));
  });

  it('splits MLLP frames across TCP segments', () => {
    const lines = tshark(cms, [
      '-Y',
      'hl7 && tcp.port==2575 && tcp.reassembled.length > 1460',
      '-T',
      'fields',
      '-e',
      'tcp.reassembled.length',
    ]);
    expect(lines.length).toBeGreaterThan(10);
  });

  it('decodes portmap GETPORT, MOUNT MNT with its path and NFS calls to the hard-coded host', () => {
    const lines = tshark(cms, [
      '-Y',
      'rpc.msgtyp==0 && ip.dst==202.114.4.119',
      '-T',
      'fields',
      '-e',
      'rpc.program',
      '-e',
      'rpc.procedure',
      '-e',
      'mount.path',
    ]);
    expect(lines).toContain('100000\t3\t');
    expect(lines).toContain('100005\t1\t/export/cms8000');
    expect(lines.some((l) => l.startsWith('100003\t6'))).toBe(true); // NFS READ
    // No DNS query ever named either hard-coded address.
    expect(tshark(cms, ['-Y', 'dns.a==202.114.4.119 || dns.a==202.114.4.120'])).toEqual([]);
  });

  it('decodes the DICOM association, C-STORE and release', () => {
    const pdus = new Set(
      tshark(cms, ['-Y', 'dicom', '-T', 'fields', '-e', 'dicom.pdu.type']).flatMap((l) => l.split(',')),
    );
    for (const t of ['0x01', '0x02', '0x04', '0x05', '0x06']) expect(pdus).toContain(t);
    const ae = tshark(cms, [
      '-Y',
      'dicom.pdu.type==1',
      '-T',
      'fields',
      '-e',
      'dicom.assoc.ae.called',
      '-e',
      'dicom.assoc.ae.calling',
    ]);
    expect(ae[0]?.replace(/ +/g, '')).toBe('PACS_WARD\tCT1_WARD');
  });

  it('keeps the benign ward away from the indicator addresses', () => {
    expect(tshark(ward, ['-Y', 'ip.addr==202.114.4.0/24'])).toEqual([]);
    expect(tshark(ward, ['-Y', 'tcp.port==515 || rpc'])).toEqual([]);
  });
});
