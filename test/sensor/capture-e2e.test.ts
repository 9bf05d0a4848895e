// A live sensor's capture loss reaches the console: `watch -i` over a stand-in tcpdump (whose
// reports say the kernel dropped packets) ships to the real console (buildApp, POST /api/ingest,
// SQLite), and the sensors list — the console's Sensors page — shows tcpdump's exit report as the
// sensor's latest counts, with the run's source; a file replay whose TCP has a hole shows its gaps.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createToken } from '../../src/server/auth/users.js';
import { CLI } from '../helpers/cli.js';
import { fakeTcpdump } from '../helpers/fake-tcpdump.js';
import { capture, REPO_ROOT } from '../helpers/paths.js';
import { testDb } from '../store/engines.js';
import { SALT } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-capture-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a live sensor losing packets', () => {
  it("is shown on the console's sensors list with tcpdump's counts", async () => {
    const db = await testDb('sqlite');
    const { app } = await buildApp({ store: db.store, webDist: join(dir, 'no-web'), salt: SALT });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const { token } = await createToken(db.store, 'icu-live', 'ingest');
      const bin = mkdtempSync(join(dir, 'bin-'));
      fakeTcpdump(bin, capture('dns53.pcap'));
      const args = [
        CLI,
        'watch',
        '-i',
        'fake0',
        '--seconds',
        '3',
        '--to',
        url,
        '--token',
        token,
        '--sensor',
        'icu-live',
        '--spool',
        join(dir, 'spool'),
        '--batch-every',
        '1',
        '--drain-timeout',
        '30',
        '--format',
        'jsonl',
      ];
      const child = spawn(process.execPath, args, {
        cwd: REPO_ROOT,
        env: { ...process.env, WARDWATCH_HOME: join(dir, 'home'), PATH: `${bin}:${process.env.PATH ?? ''}` },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((r) => child.on('close', r));
      expect(code, stderr).toBe(0);
      expect(stderr).toContain('capture loss');
      const [s] = await db.store.sensors.list();
      expect(s!.name).toBe('icu-live');
      expect(s!.capture).toMatchObject({ received: 60, dropped: 20, interfaceDropped: 3 });
      expect(s!.capture!.source).toMatch(/^fake0@/);
      expect(s!.batches).toBeGreaterThan(0);

      // A file replay whose TCP shows a hole (http-bro.org: one segment never captured, as tshark
      // says) reports it as the sensor's TCP gaps; it has no tcpdump counts.
      const { token: t2 } = await createToken(db.store, 'icu-replay', 'ingest');
      const replay = spawn(
        process.execPath,
        [
          CLI,
          'analyze',
          capture('http-bro.org.pcap'),
          '--to',
          url,
          '--token',
          t2,
          '--sensor',
          'icu-replay',
          '--spool',
          join(dir, 'spool2'),
          '--format',
          'jsonl',
          '--no-progress',
        ],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, WARDWATCH_HOME: join(dir, 'home') },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let err2 = '';
      replay.stderr.on('data', (c: Buffer) => (err2 += c.toString()));
      expect(await new Promise<number | null>((r) => replay.on('close', r)), err2).toBe(0);
      const r = (await db.store.sensors.list()).find((x) => x.name === 'icu-replay');
      expect(r!.tcpGaps).toMatchObject({ acks: 258, gaps: 1, bytes: 7240 });
      expect(r!.capture).toBeUndefined();
    } finally {
      await app.close();
      await db.drop();
    }
  }, 60_000);
});
