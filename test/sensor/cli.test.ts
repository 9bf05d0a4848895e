// The sensor's command line: --to's checks before anything runs, watch -r FILE, and
// `sensor status` over a spool dir (table and json).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SummaryRecord } from '../../src/contract/records.js';
import { Spool } from '../../src/export/transport/sensor-spool.js';
import { jsonl, wardwatch } from '../helpers/cli.js';
import { capture } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-ship20-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sensor options', () => {
  it('refuses http:// to a console not on loopback, --to without a token, a bad name, --token without --to', () => {
    const file = capture('dns53.pcap');
    const http = wardwatch(['analyze', file, '--to', 'http://console.example:8080', '--token', 't']);
    expect(http.status).toBe(1);
    expect(http.stderr).toMatch(/http:\/\/ is allowed only to a console on loopback/);
    const noToken = wardwatch(['analyze', file, '--to', 'https://console.example:8080'], {
      env: { WARDWATCH_TOKEN: '' },
    });
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toMatch(/--to needs --token/);
    const badName = wardwatch(['analyze', file, '--to', 'https://c:1', '--token', 't', '--sensor', '-x']);
    expect(badName.stderr).toMatch(/--sensor: letters, digits/);
    expect(wardwatch(['analyze', file, '--token', 't']).stderr).toMatch(/--token needs --to URL/);
    const size = wardwatch(['analyze', file, '--to', 'https://c:1', '--token', 't', '--spool-size', 'lots']);
    expect(size.stderr).toMatch(/--spool-size: expected a size/);
  });

  it('watch -r FILE replays a capture file', () => {
    const r = wardwatch(['watch', '-r', capture('dns53.pcap'), '--format', 'jsonl']);
    expect(r.status, r.stderr).toBe(0);
    expect(SummaryRecord.parse(jsonl(r.stdout).at(-1)).apps.dns).toBe(1);
  });
});

describe('sensor status', () => {
  it('shows what waits in the spool, the last ack and the counters', () => {
    const spoolDir = join(dir, 'spool');
    const s = new Spool({ dir: spoolDir });
    s.put('{"batch":"src:0"}');
    s.put('{"batch":"src:1"}');
    s.acked({ at: '2026-12-02T12:00:00.000Z', batch: 'src:0', seq: 0, duplicate: false }, 120);
    const json = wardwatch(['sensor', 'status', '--spool', spoolDir, '--format', 'json']);
    expect(json.status, json.stderr).toBe(0);
    const st = JSON.parse(json.stdout);
    expect(st).toMatchObject({ files: 2, spooled: 2, acked: 1, accepted: 120, dropped: 0, batchesLastMinute: 1 });
    expect(st.acceptedPerSecond).toBe(2);
    expect(st.lastAck).toMatchObject({ seq: 0, batch: 'src:0' });
    expect(st.bytes).toBeGreaterThan(0);
    const table = wardwatch(['sensor', 'status', '--spool', spoolDir]);
    expect(table.stdout).toMatch(/waiting\s+2 batch\(es\)/);
    expect(table.stdout).toMatch(/last ack\s+2026-12-02T12:00:00.000Z {2}seq 0/);
    expect(readFileSync(join(spoolDir, 'state.json'), 'utf8')).not.toMatch(/PID|patient/i);
  });

  it('says where it looked when there is no spool', () => {
    const r = wardwatch(['sensor', 'status', '--spool', join(dir, 'none')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no spool at .*none/);
  });
});
