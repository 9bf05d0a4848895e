// wardwatch extract: the packets behind an alert. The simulated CMS8000 backdoor's NFS alerts
// are cut out of the ward capture, and tshark must see exactly those flows in the slice, with
// every packet tshark finds for them in the original; fragments ride along by IP id.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AlertRecord, alertKey } from '../../src/contract/records.js';
import { alertRecordId } from '../../src/detect/detector.js';
import { extractAlert, parseFlowKey } from '../../src/engine/extract.js';
import { isAlert } from '../../src/cli/extract.js';
import { jsonl, wardwatch } from '../helpers/cli.js';
import { capture, IN_CI } from '../helpers/paths.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-extract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ward = join(dir, 'cms8000.pcap');
const alertsFile = join(dir, 'alerts.jsonl');

function nfsAlerts(): AlertRecord[] {
  return jsonl(readFileSync(alertsFile, 'utf8')).filter(
    (r) => r.type === 'alert' && r.rule === 'rpc.outbound-nfs',
  ) as unknown as AlertRecord[];
}

/** tshark's conversations of a capture as flow keys (client first as in the alert). */
function conversations(file: string): string[] {
  return tshark(file, [
    '-T',
    'fields',
    '-e',
    'ip.src',
    '-e',
    'tcp.srcport',
    '-e',
    'udp.srcport',
    '-e',
    'ip.dst',
    '-e',
    'tcp.dstport',
    '-e',
    'udp.dstport',
  ])
    .map((l) => {
      const [s, ts, us, d, td, ud] = l.split('\t');
      const a = `${s}:${ts || us}`;
      const b = `${d}:${td || ud}`;
      return s!.startsWith('10.') ? `${a}>${b}` : `${b}>${a}`;
    })
    .filter((v, i, all) => all.indexOf(v) === i)
    .sort();
}

describe.skipIf(!HAVE_TSHARK && !IN_CI)('wardwatch extract on the simulated backdoor (tshark)', () => {
  it('the NFS alert of each monitor: the slice holds exactly its flows, every packet of them, both ways', () => {
    expect(wardwatch(['sim', 'cms8000', '--out', ward, '--duration', '60s', '--seed', '3']).status).toBe(0);
    const a = wardwatch(['analyze', ward, '--format', 'jsonl', '--out', alertsFile]);
    expect(a.status).toBe(0);
    const nfs = nfsAlerts().filter((x) => x.dst.port === 2049);
    expect(nfs.length).toBe(2); // two backdoored monitors in the scenario
    for (const alert of nfs) {
      expect(alert.id).toMatch(/^[0-9a-f]{16}$/);
      expect(alert.flowCount).toBe(alert.flows!.length);
      const out = join(dir, `${alert.id}.pcap`);
      // Re-analysing the capture finds the same id.
      const r = wardwatch(['extract', ward, '--alert', alert.id!, '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(conversations(out)).toEqual([...alert.flows!].sort());
      const filter = alert
        .flows!.map((f) => {
          const m = parseFlowKey(f);
          return `(ip.addr==${m.a.text} && ip.addr==${m.b.text} && tcp.port==${m.a.port} && tcp.port==${m.b.port})`;
        })
        .join(' || ');
      const inOriginal = tshark(ward, ['-Y', filter, '-T', 'fields', '-e', 'frame.time_epoch']);
      const inSlice = tshark(out, ['-T', 'fields', '-e', 'frame.time_epoch']);
      expect(inSlice).toEqual(inOriginal);
      expect(inSlice.length).toBeGreaterThan(10);
      // Both directions: the server's replies are there.
      expect(tshark(out, ['-Y', 'ip.src==202.114.4.119']).length).toBeGreaterThan(0);
    }
  });

  it('--alerts finds the alert in a jsonl file; .pcapng carries the alert as the section comment', () => {
    const alert = nfsAlerts()[0]!;
    const out = join(dir, 'slice.pcapng');
    const r = wardwatch(['extract', ward, '--alert', alert.id!, '--alerts', alertsFile, '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(conversations(out)).toEqual([...alert.flows!].sort());
    // The section header's opt_comment: the alert's line, as capinfos shows it.
    if (HAVE_TSHARK)
      expect(execFileSync('capinfos', ['-k', out], { encoding: 'utf8' })).toContain(`wardwatch alert ${alert.id}`);
    const bytes = readFileSync(out).toString('latin1');
    expect(bytes).toContain(`wardwatch alert ${alert.id}`);
    expect(bytes).toContain(`"rule":"rpc.outbound-nfs"`);
  });

  it("the console's key of the alert (rule|src|dst|port, a sensor's with sensor/ before it) cuts the same slice", () => {
    const alert = nfsAlerts()[0]!;
    const byId = join(dir, 'by-id.pcap');
    expect(wardwatch(['extract', ward, '--alert', alert.id!, '--alerts', alertsFile, '-o', byId]).status).toBe(0);
    const key = alertKey(alert);
    expect(key).toBe(`rpc.outbound-nfs|${alert.src.ip}|202.114.4.119|${alert.dst.port}`);
    for (const [q, alerts] of [
      [key, []], // re-analysing the capture
      [key, ['--alerts', alertsFile]],
      [`ward-a/${key}`, ['--alerts', alertsFile]],
    ] as const) {
      const out = join(dir, 'by-key.pcap');
      const r = wardwatch(['extract', ward, '--alert', q, ...alerts, '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(out).equals(readFileSync(byId)), q).toBe(true);
    }
    // A key that names no alert of these captures is refused like an unknown id.
    const none = wardwatch(['extract', ward, '--alert', `${key}9`, '--alerts', alertsFile, '-o', join(dir, 'z.pcap')]);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("or the console's key rule|src|dst|port");
  });

  it('exit codes: 1 for an unknown id or an unwritable -o, 2 for a missing capture', () => {
    expect(
      wardwatch(['extract', ward, '--alert', '0000000000000000', '--alerts', alertsFile, '-o', join(dir, 'x.pcap')])
        .status,
    ).toBe(1);
    const id = nfsAlerts()[0]!.id!;
    expect(
      wardwatch(['extract', ward, '--alert', id, '--alerts', alertsFile, '-o', join(dir, 'no/such/dir.pcap')]).status,
    ).toBe(1);
    expect(
      wardwatch([
        'extract',
        join(dir, 'missing.pcap'),
        '--alert',
        id,
        '--alerts',
        alertsFile,
        '-o',
        join(dir, 'y.pcap'),
      ]).status,
    ).toBe(2);
  });
});

const alertOf = (flows: string[]): AlertRecord => ({
  type: 'alert',
  rule: 'egress.no-dns',
  severity: 'high',
  first: '2025-01-30T00:00:00.000Z',
  last: '2025-01-30T00:00:00.000Z',
  count: 1,
  src: { ip: '' },
  dst: { ip: '' },
  device: { id: 'x' },
  message: 'test',
  evidence: {},
  id: 'test',
  flows,
  flowCount: flows.length,
});

describe('fragments', () => {
  it('IPv4: the four later fragments of the FTP segment come with its first fragment', async () => {
    const out = join(dir, 'frag4.pcap');
    const r = await extractAlert([capture('ipv4-fragmented-3.pcap')], {
      out,
      alert: alertOf(['210.54.213.247:1265>131.243.1.10:21']),
    });
    expect(r.packets).toBe(5);
  });

  it('IPv6: fragments of the matched datagram only — not a fragment whose first part was never captured', async () => {
    const out = join(dir, 'frag6.pcap');
    const r = await extractAlert([capture('ipv6-fragmented-dns.pcap')], {
      out,
      alert: alertOf(['[2001:470:1f11:81f:d138:5f55:6d4:1fe2]:51851>[2607:f740:b::f93]:53']),
    });
    // Frames 3, 5, 6 (query, query again, first fragment of the answer) and 7, 8 (its later
    // fragments, ident 2); frame 4 is the last fragment of ident 1 whose first one is missing.
    expect(r.packets).toBe(5);
    if (HAVE_TSHARK)
      expect(
        tshark(out, ['-o', 'ipv6.defragment:FALSE', '-T', 'fields', '-e', 'udp.srcport', '-e', 'ipv6.fraghdr.ident']),
      ).toEqual(['51851\t', '51851\t', '53\t0x00000002', '\t0x00000002', '\t0x00000002']);
  });

  it('an alert without flows is refused (exit 1 from the CLI)', async () => {
    await expect(
      extractAlert([capture('ipv4-fragmented-3.pcap')], { out: join(dir, 'n.pcap'), alert: alertOf([]) }),
    ).rejects.toMatchObject({ code: 'WW_ARGS' });
  });
});

describe('alert ids', () => {
  it('are the first 16 hex of SHA-256 over rule, device, peer and first time: deterministic, and each part counts', () => {
    const base = alertRecordId('rpc.outbound-nfs', '02:57:30:00:00:01', '202.114.4.119', 2049, 1738224000411000);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(alertRecordId('rpc.outbound-nfs', '02:57:30:00:00:01', '202.114.4.119', 2049, 1738224000411000)).toBe(base);
    const others = [
      alertRecordId('egress.ioc', '02:57:30:00:00:01', '202.114.4.119', 2049, 1738224000411000),
      alertRecordId('rpc.outbound-nfs', '02:57:30:00:00:02', '202.114.4.119', 2049, 1738224000411000),
      alertRecordId('rpc.outbound-nfs', '02:57:30:00:00:01', '202.114.4.120', 2049, 1738224000411000),
      alertRecordId('rpc.outbound-nfs', '02:57:30:00:00:01', '202.114.4.119', 111, 1738224000411000),
      alertRecordId('rpc.outbound-nfs', '02:57:30:00:00:01', '202.114.4.119', 2049, 1738224000412000),
    ];
    expect(new Set([base, ...others]).size).toBe(6);
  });
});

describe('isAlert: what --alert answers to', () => {
  const a = {
    ...alertOf([]),
    id: '3f2a9c1e0b7d4a65',
    rule: 'egress.ioc' as const,
    src: { ip: '10.40.12.104' },
    dst: { ip: '202.114.4.119', port: 2049 },
  };
  it('the id, the key, or the key under a sensor name; nothing else', () => {
    expect(isAlert(a, '3f2a9c1e0b7d4a65')).toBe(true);
    expect(isAlert(a, 'egress.ioc|10.40.12.104|202.114.4.119|2049')).toBe(true);
    expect(isAlert(a, 'ward-b/egress.ioc|10.40.12.104|202.114.4.119|2049')).toBe(true);
    expect(isAlert(a, 'egress.ioc|10.40.12.104|202.114.4.119|')).toBe(false);
    expect(isAlert(a, 'egress.ioc|10.40.12.104|202.114.4.119|2049/x')).toBe(false);
    expect(isAlert(a, '/egress.ioc|10.40.12.104|202.114.4.119|2049')).toBe(false);
    expect(isAlert(a, '3f2a9c1e0b7d4a6')).toBe(false);
  });
});
