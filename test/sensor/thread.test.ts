// The sensor's spool thread (src/export/transport/sensor-thread.ts): the main thread posts batch
// texts, the thread spools (fsync) and ships them in the order posted and answers at close with
// what is left. Before a post returns, every earlier batch is on disk; a kill -9 leaves a spool
// that reads back whole and in order; a spool that cannot be opened, a batch that cannot be
// spooled and a refused token are errors on the main thread. The thread runs the built file
// (dist/export/transport/sensor-worker.js: `npm run build` first).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readSpoolState, Spool, type SpoolWarning } from '../../src/export/transport/sensor-spool.js';
import { ShipperThread } from '../../src/export/transport/sensor-thread.js';
import { REPO_ROOT } from '../helpers/paths.js';

const WORKER = join(REPO_ROOT, 'dist/export/transport/sensor-worker.js');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
beforeAll(() => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} missing: run npm run build first`);
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ww-shipcpu-thread-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A console that acks every batch (or answers `status`), recording the batch ids in arrival order. */
async function fakeConsole(status = 200) {
  const order: string[] = [];
  const app = Fastify({ bodyLimit: 8 << 20 });
  app.post('/api/ingest', async (req, reply) => {
    const b = req.body as { batch: string; seq: number };
    order.push(b.batch);
    if (status !== 200) return reply.code(status).send({ message: 'token revoked' });
    return { accepted: 1, duplicate: false, seq: b.seq };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanup.push(() => app.close());
  return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, order };
}

/** A loopback port nobody listens on: connections are refused (the console is down). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const body = (seq: number, pad = 0) =>
  JSON.stringify({ v: 1, sensor: 's1', source: 'src', seq, batch: `src:${seq}`, pad: 'x'.repeat(pad) });

function open(dir: string, url: string, extra: { maxBytes?: number; warnings?: string[] } = {}) {
  return ShipperThread.open(
    {
      dir,
      maxBytes: extra.maxBytes ?? 1 << 30,
      url,
      token: 't',
      timeoutMs: 2000,
      sensor: 's1',
      backoffMs: 20,
      maxBackoffMs: 50,
    },
    { workerUrl: WORKER, onWarning: (m) => extra.warnings?.push(m) },
  );
}

describe('ShipperThread', () => {
  it('spools and sends batches in the order posted, deletes them on ack and saves the counters at close', async () => {
    const c = await fakeConsole();
    const dir = tmp();
    const t = await open(dir, c.url);
    for (let i = 0; i < 40; i++) t.enqueue(body(i, i * 97));
    expect(await t.close(10_000)).toBe(true);
    expect(c.order).toEqual(Array.from({ length: 40 }, (_, i) => `src:${i}`));
    expect(t.pending).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.batch'))).toEqual([]);
    expect(readSpoolState(dir)).toMatchObject({ spooled: 40, acked: 40, accepted: 40 });
    expect(readSpoolState(dir).lastAck?.batch).toBe('src:39');
  });

  it('has every earlier batch on disk when a post returns; with the console down they stay, and go first after a restart', async () => {
    const dir = tmp();
    const down = `http://127.0.0.1:${await closedPort()}`;
    const warnings: string[] = [];
    const t = await open(dir, down, { warnings });
    for (let i = 0; i < 6; i++) {
      t.enqueue(body(i, 256 << 10));
      // the durability gate: the batches posted before this one are written and fsynced
      const onDisk = readdirSync(dir).filter((f) => f.endsWith('.batch')).length;
      expect(onDisk).toBeGreaterThanOrEqual(i);
    }
    expect(await t.close(200)).toBe(false);
    expect(t.pending).toBe(6);
    expect(warnings.join('\n')).toMatch(/console not taking batches/);
    const c = await fakeConsole();
    const again = await open(dir, c.url);
    again.enqueue(body(6));
    expect(await again.close(10_000)).toBe(true);
    expect(c.order).toEqual(['src:0', 'src:1', 'src:2', 'src:3', 'src:4', 'src:5', 'src:6']);
  });

  it('kill -9 while posting leaves a spool that reads back whole, in order, without a corrupt file', async () => {
    const dir = tmp();
    const down = `http://127.0.0.1:${await closedPort()}`;
    // A process posting 64 KiB batches as fast as it can to a console that is down, killed mid-way.
    const script = `
      import { ShipperThread } from ${JSON.stringify(join(REPO_ROOT, 'dist/export/transport/sensor-thread.js'))};
      const t = await ShipperThread.open({ dir: ${JSON.stringify(dir)}, maxBytes: 1 << 30, url: ${JSON.stringify(down)},
        token: 't', timeoutMs: 1000, sensor: 's1', backoffMs: 1000 });
      for (let i = 0; ; i++) {
        t.enqueue(JSON.stringify({ batch: 'src:' + i, seq: i, pad: 'x'.repeat(65536) }));
        if (i === 20) process.stdout.write('posting\\n');
      }`;
    const file = join(tmp(), 'writer.mjs');
    writeFileSync(file, script);
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => {
      child.kill('SIGKILL');
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => resolve());
      child.on('exit', () => reject(new Error(`the writer ended before posting: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const warnings: SpoolWarning[] = [];
    const s = new Spool({ dir, onWarning: (w) => warnings.push(w) });
    expect(s.files.length).toBeGreaterThan(20);
    const seqs: number[] = [];
    for (let e = s.peek(); e !== undefined; e = s.peek()) {
      seqs.push((JSON.parse(e.body) as { seq: number }).seq);
      s.remove(e.name);
    }
    expect(warnings).toEqual([]);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
  });

  it('a spool that cannot be opened is an error at open; a batch too big for the spool at the next post or close', async () => {
    const c = await fakeConsole();
    const notDir = join(tmp(), 'file');
    writeFileSync(notDir, 'x');
    await expect(open(join(notDir, 'spool'), c.url)).rejects.toMatchObject({ code: 'WW_ARGS', field: '--spool' });
    const t = await open(tmp(), c.url, { maxBytes: 4096 });
    t.enqueue(body(0, 10_000));
    await expect(t.close(1000)).rejects.toThrow(/does not fit a spool of 4096 bytes/);
  });

  it('a refused token stops sending: the error is known at close, the spool is kept', async () => {
    const c = await fakeConsole(401);
    const dir = tmp();
    const t = await open(dir, c.url);
    t.enqueue(body(0));
    t.enqueue(body(1));
    expect(await t.close(5000)).toBe(false);
    expect(t.error).toMatchObject({ code: 'WW_AUTH' });
    expect(t.error?.message).toMatch(/token create --sensor s1/);
    expect(t.pending).toBe(2);
    expect(c.order).toEqual(['src:0']);
  });
});
