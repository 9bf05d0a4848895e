// The sensor's command line: --to's checks before anything runs, watch -r FILE, and
// `sensor status` over a spool dir (table and json), and exit 75 when batches are left unsent.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestBatch } from '../../src/contract/ingest.js';
import { SummaryRecord } from '../../src/contract/records.js';
import { EXIT_UNSENT } from '../../src/errors.js';
import { writeEnrolCache } from '../../src/export/transport/sensor.js';
import { Spool } from '../../src/export/transport/sensor-spool.js';
import { CLI, jsonl, wardwatch } from '../helpers/cli.js';
import { capture, REPO_ROOT } from '../helpers/paths.js';

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

/** A loopback TCP server that accepts connections and never answers (the request is held). */
function holdingServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a !== null ? a.port : 0, sockets });
    }),
  );
}

/** A loopback port nobody listens on (bound once by the kernel's choice, then closed). */
async function refusedPort(): Promise<number> {
  const { server, port } = await holdingServer();
  await new Promise((r) => server.close(r));
  return port;
}

describe('a sensor whose console never acks', () => {
  // The enrolment a previous run cached: with it a sensor runs while its console is unreachable.
  const SALT = 'ab'.repeat(32);

  async function shipTo(
    url: string,
    name: string,
    command: readonly string[] = ['analyze', capture('rpc-mount-base.pcap'), '--no-progress'],
  ): Promise<{ code: number | null; stderr: string; spool: string }> {
    const spool = join(dir, `spool-${name}`);
    mkdirSync(spool, { recursive: true });
    writeEnrolCache(spool, url, { sensor: name, salt: SALT, saltId: 's1', maxBatchBytes: 8 << 20 });
    const args = [
      CLI,
      ...command,
      '--to',
      url,
      '--token',
      't',
      '--sensor',
      name,
      '--spool',
      spool,
      '--drain-timeout',
      '1',
      '--format',
      'jsonl',
    ];
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        args,
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, WARDWATCH_HOME: join(dir, 'home'), WARDWATCH_SENSOR_TIMEOUT_MS: '1500' },
        },
        (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr, spool }),
      );
    });
  }

  /** The batches the spool holds, read as the console would take them. */
  function spooled(spool: string): IngestBatch[] {
    const s = new Spool({ dir: spool, readOnly: true });
    const out: IngestBatch[] = [];
    for (const f of s.files) {
      const text = readFileSync(join(spool, f.name), 'utf8');
      out.push(IngestBatch.parse(JSON.parse(text.slice(text.indexOf('\n') + 1))));
    }
    return out;
  }

  it(`exits ${EXIT_UNSENT} when the drain times out on a port nobody listens on; the batches stay spooled`, async () => {
    const r = await shipTo(`http://127.0.0.1:${await refusedPort()}`, 'icu-refused');
    expect(r.code, r.stderr).toBe(EXIT_UNSENT);
    const batches = spooled(r.spool);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.sensor === 'icu-refused')).toBe(true);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i)); // every batch of the run, in order
    expect(r.stderr).toContain(`${batches.length} batch(es) not acked within --drain-timeout`);
    expect(r.stderr).toContain(`exit ${EXIT_UNSENT}`);
  }, 60_000);

  it(`watch -r FILE --to exits ${EXIT_UNSENT} the same way`, async () => {
    const r = await shipTo(`http://127.0.0.1:${await refusedPort()}`, 'icu-watch', [
      'watch',
      '-r',
      capture('rpc-mount-base.pcap'),
    ]);
    expect(r.code, r.stderr).toBe(EXIT_UNSENT);
    expect(spooled(r.spool).length).toBeGreaterThan(0);
  }, 60_000);

  it(`exits ${EXIT_UNSENT} when the console holds the request and never answers`, async () => {
    const held = await holdingServer();
    try {
      const r = await shipTo(`http://127.0.0.1:${held.port}`, 'icu-held');
      expect(r.code, r.stderr).toBe(EXIT_UNSENT);
      expect(spooled(r.spool).length).toBeGreaterThan(0);
    } finally {
      for (const s of held.sockets) s.destroy();
      await new Promise((r) => held.server.close(r));
    }
  }, 60_000);
});
