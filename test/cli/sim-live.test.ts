// `sim <scenario> --live HOST:PORT`: the scenario's monitors over real sockets on loopback, the
// backdoor monitors copying to a stand-in sink. Nothing leaves 127.0.0.1.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCentral } from '../../src/sim/live/central.js';
import { CLI, jsonl, wardwatch } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, WARDWATCH_HOME: join(REPO_ROOT, 'test/.home') },
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sim --live', () => {
  it('runs the cms8000 ward live: six monitors ACKed by the central, two backdoor monitors copying', async () => {
    const central = await startCentral({ host: '127.0.0.1', port: 0, log: () => {} });
    let copied = 0;
    const sink = createServer((s) =>
      s.on('data', (d: Buffer) => {
        for (const b of d) if (b === 0x0b) copied++;
      }),
    );
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const sinkPort = (sink.address() as { port: number }).port;
    try {
      const r = await run([
        'sim',
        'cms8000',
        '--live',
        `127.0.0.1:${central.port}`,
        '--copy-to',
        `127.0.0.1:${sinkPort}`,
        '--count',
        '3',
        '--interval',
        '50ms',
      ]);
      expect(r.code).toBe(0);
      const res = jsonl(r.stdout);
      expect(res).toHaveLength(6);
      for (const m of res) expect(m.acked).toBe(3);
      expect(res.filter((m) => m.copies === 3).map((m) => m.app)).toEqual(['CMS8000', 'MN-120']);
      expect(central.logic.received).toBe(18);
      expect(copied).toBe(6);
    } finally {
      await central.close();
      sink.close();
    }
  });

  it('refuses a real indicator address and the mixed scenario', () => {
    expect(wardwatch(['sim', 'ward', '--live', '202.114.4.120:515']).status).toBe(1);
    expect(wardwatch(['sim', 'mixed', '--live', '127.0.0.1:2575']).status).toBe(1);
  });
});
