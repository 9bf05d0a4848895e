// The sensor's client and shipper against a fake console (Fastify on loopback): acks, 429 with
// Retry-After, 5xx, connection refused, a console that never answers, an answer cut mid-request,
// refused tokens and batches; the shipper resends in spool order and deletes only on ack.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { enrol, Shipper } from '../../src/export/transport/sensor.js';
import { IngestAck } from '../../src/contract/ingest.js';
import { parseConsoleUrl, readAck, retryAfterMs, SensorClient } from '../../src/export/transport/sensor-client.js';
import { Spool } from '../../src/export/transport/sensor-spool.js';
import { until } from './helpers.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

type Mode = 'ok' | '429' | '500' | 'hang' | 'cut' | '401' | '413';

/** A console that answers by a script of modes, one per request (then 'ok'); records what it stored. */
async function fakeConsole(script: Mode[] = []) {
  const stored = new Map<string, number>();
  const requests: { path: string; auth: string | undefined; batch?: string }[] = [];
  const app: FastifyInstance = Fastify({ bodyLimit: 8 * 1024 * 1024 });
  app.post('/api/sensors/enrol', async (req) => {
    requests.push({ path: req.url, auth: req.headers.authorization });
    return {
      sensor: (req.body as { sensor: string }).sensor,
      salt: 'ab'.repeat(32),
      saltId: '0123456789abcdef',
      maxBatchBytes: 8 << 20,
    };
  });
  app.post('/api/ingest', async (req, reply) => {
    const b = req.body as { batch: string; seq: number };
    requests.push({ path: req.url, auth: req.headers.authorization, batch: b.batch });
    const mode = script.shift() ?? 'ok';
    if (mode === '429') return reply.code(429).header('retry-after', '1').send({ message: 'busy' });
    if (mode === '500') return reply.code(500).send({ message: 'db down' });
    if (mode === '401') return reply.code(401).send({ message: 'token revoked' });
    if (mode === '413') return reply.code(413).send({ message: 'too large' });
    if (mode === 'hang') return new Promise(() => undefined);
    if (mode === 'cut') {
      // Stored, then the connection dies before the ack: the sensor must resend, the console dedupe.
      stored.set(b.batch, (stored.get(b.batch) ?? 0) + 1);
      req.raw.socket.destroy();
      return new Promise(() => undefined);
    }
    const dup = stored.has(b.batch);
    if (!dup) stored.set(b.batch, 1);
    return { accepted: dup ? 0 : 1, duplicate: dup, seq: b.seq };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  cleanup.push(() => app.close());
  return { url: `http://127.0.0.1:${port}`, stored, requests };
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ww-ship20-client-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const body = (seq: number) => JSON.stringify({ v: 1, sensor: 's1', source: 'src', seq, batch: `src:${seq}` });

describe('SensorClient', () => {
  it('sends the bearer token and reads the ack', async () => {
    const c = await fakeConsole();
    const client = new SensorClient({ url: c.url, token: 'tok-1' });
    const r = await client.send(body(0));
    expect(r).toEqual({ kind: 'ack', ack: { accepted: 1, duplicate: false, seq: 0 } });
    expect(c.requests[0]!.auth).toBe('Bearer tok-1');
  });

  it('sorts answers: 429 retry with Retry-After, 5xx retry, 413 reject, 401 fatal', async () => {
    const c = await fakeConsole(['429', '500', '413', '401']);
    const client = new SensorClient({ url: c.url, token: 't' });
    expect(await client.send(body(0))).toMatchObject({ kind: 'retry', afterMs: 1000, reason: 'HTTP 429: busy' });
    expect(await client.send(body(0))).toMatchObject({ kind: 'retry', reason: 'HTTP 500: db down' });
    expect(await client.send(body(0))).toMatchObject({ kind: 'reject', status: 413 });
    expect(await client.send(body(0))).toMatchObject({ kind: 'fatal', status: 401, reason: 'HTTP 401: token revoked' });
  });

  it('a refused connection, a console that never answers and a cut answer are retries', async () => {
    const refused = await closedPort();
    expect(await new SensorClient({ url: `http://127.0.0.1:${refused}`, token: 't' }).send(body(0))).toEqual({
      kind: 'retry',
      reason: 'ECONNREFUSED',
    });
    const c = await fakeConsole(['hang', 'cut']);
    const client = new SensorClient({ url: c.url, token: 't', timeoutMs: 300 });
    const t0 = Date.now();
    expect(await client.send(body(0))).toEqual({ kind: 'retry', reason: 'no answer within 300 ms' });
    expect(Date.now() - t0).toBeLessThan(2000);
    const cut = await client.send(body(1));
    expect(cut.kind).toBe('retry');
  });

  it('sends batch after batch over one kept-alive connection, and a new one when the console closed it while idle', async () => {
    const ports: number[] = [];
    const app = Fastify();
    app.post('/api/ingest', async (req) => {
      ports.push(req.socket.remotePort ?? 0);
      return { accepted: 1, duplicate: false, seq: (req.body as { seq: number }).seq };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => app.close());
    const client = new SensorClient({
      url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
      token: 't',
    });
    cleanup.push(() => client.close());
    for (let i = 0; i < 3; i++) expect((await client.send(body(i))).kind).toBe('ack');
    expect(new Set(ports).size).toBe(1);
    app.server.closeIdleConnections(); // the console closes the idle connection
    await new Promise((r) => setTimeout(r, 100));
    expect(await client.send(body(3))).toMatchObject({ kind: 'ack', ack: { seq: 3 } });
    expect(ports).toHaveLength(4);
    expect(ports[3]).not.toBe(ports[0]);
    // closed just before the next send: a reused socket that fails at once is tried anew, not a retry
    app.server.closeIdleConnections();
    expect(await client.send(body(4))).toMatchObject({ kind: 'ack', ack: { seq: 4 } });
  });

  it('reads an ack exactly as the contract schema does (the spool thread checks it without zod)', () => {
    const samples: unknown[] = [
      { accepted: 3, duplicate: false, seq: 7 },
      { accepted: 0, duplicate: true, seq: 0, extra: 'dropped' },
      { accepted: 0, duplicate: false, seq: -1 },
      { accepted: -1, duplicate: false, seq: 1 },
      { accepted: 1.5, duplicate: false, seq: 1 },
      { accepted: 1, duplicate: false, seq: 1.5 },
      { accepted: 2 ** 53, duplicate: false, seq: 1 },
      { accepted: '1', duplicate: false, seq: 1 },
      { accepted: 1, duplicate: 'no', seq: 1 },
      { accepted: 1, duplicate: false },
      { accepted: Number.NaN, duplicate: false, seq: 1 },
      { accepted: 1, duplicate: false, seq: Number.POSITIVE_INFINITY },
      null,
      [],
      'ok',
      7,
    ];
    for (const v of samples) {
      const z = IngestAck.safeParse(v);
      expect(readAck(v), JSON.stringify(v)).toEqual(z.success ? z.data : undefined);
    }
    expect(readAck({ accepted: 3, duplicate: false, seq: 7 })).toEqual({ accepted: 3, duplicate: false, seq: 7 });
  });

  it('allows http:// only to loopback, and reads Retry-After as seconds or a date', () => {
    expect(() => parseConsoleUrl('http://console.example:8080')).toThrow(/only to a console on loopback/);
    expect(() => parseConsoleUrl('ftp://127.0.0.1')).toThrow(/https/);
    expect(parseConsoleUrl('http://[::1]:8080').port).toBe('8080');
    expect(parseConsoleUrl('https://console.example:8080').hostname).toBe('console.example');
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('Shipper', () => {
  it('resends in spool order through 429, 5xx, a hang and a cut answer; the console stores each batch once', async () => {
    const c = await fakeConsole(['500', '429', 'hang', 'cut']);
    const spool = new Spool({ dir: tmp() });
    const client = new SensorClient({ url: c.url, token: 't', timeoutMs: 300 });
    const warnings: string[] = [];
    const shipper = new Shipper({ client, spool, sensor: 's1', backoffMs: 20, onWarning: (m) => warnings.push(m) });
    for (let i = 0; i < 5; i++) shipper.enqueue(body(i));
    const t0 = Date.now();
    shipper.start();
    expect(await shipper.close(10_000)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000); // the 429's Retry-After: 1 was waited out
    expect([...c.stored.keys()]).toEqual(['src:0', 'src:1', 'src:2', 'src:3', 'src:4']);
    // src:0 went 5 times (500, 429, hang, cut — stored but not acked — then the duplicate ack)
    expect(c.requests.filter((r) => r.batch === 'src:0')).toHaveLength(5);
    expect(spool.files).toEqual([]);
    expect(spool.state).toMatchObject({ acked: 5, duplicates: 1, accepted: 4 });
    expect(warnings[0]).toMatch(/console not taking batches \(HTTP 500/);
    expect(warnings).toContain('console reachable again: sending the spool');
  });

  it('keeps spooling while the console is down and sends what was spooled when it is back, after a restart too', async () => {
    const dir = tmp();
    const port = await closedPort();
    const down = new SensorClient({ url: `http://127.0.0.1:${port}`, token: 't', timeoutMs: 300 });
    const s1 = new Shipper({ client: down, spool: new Spool({ dir }), sensor: 's1', backoffMs: 20 });
    s1.start();
    for (let i = 0; i < 3; i++) s1.enqueue(body(i));
    expect(await s1.close(200)).toBe(false);
    expect(s1.pending).toBe(3);
    // the sensor restarts with a console that is up: the spool goes first, then new batches
    const c = await fakeConsole();
    const spool = new Spool({ dir });
    const s2 = new Shipper({ client: new SensorClient({ url: c.url, token: 't' }), spool, sensor: 's1' });
    s2.start();
    s2.enqueue(body(3));
    expect(await s2.close(5000)).toBe(true);
    expect(c.requests.map((r) => r.batch)).toEqual(['src:0', 'src:1', 'src:2', 'src:3']);
  });

  it('draining at the end retries now and then at least every second: a long backoff does not outlast the drain', async () => {
    const c = await fakeConsole(['500', '500']);
    const spool = new Spool({ dir: tmp() });
    // a first backoff of 20 s (as after a long outage): without the drain's retries, close(5000) gives up
    const shipper = new Shipper({
      client: new SensorClient({ url: c.url, token: 't' }),
      spool,
      sensor: 's1',
      backoffMs: 20_000,
    });
    shipper.enqueue(body(0));
    shipper.start();
    await until(() => c.requests.length === 1, 5000, 'the first attempt');
    const t0 = Date.now();
    expect(await shipper.close(5000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(c.requests.map((r) => r.batch)).toEqual(['src:0', 'src:0', 'src:0']);
    expect([...c.stored.keys()]).toEqual(['src:0']);
  });

  it('stops on a refused token with an error that says what to do, and keeps the spool', async () => {
    const c = await fakeConsole(['401']);
    const spool = new Spool({ dir: tmp() });
    const shipper = new Shipper({ client: new SensorClient({ url: c.url, token: 't' }), spool, sensor: 'icu-3' });
    shipper.enqueue(body(0));
    shipper.start();
    expect(await shipper.close(2000)).toBe(false);
    expect(shipper.error?.code).toBe('WW_AUTH');
    expect(shipper.error?.message).toMatch(/token create --sensor icu-3/);
    expect(spool.files).toHaveLength(1);
  });

  it('drops a batch the console refuses for good (413), counted, and goes on', async () => {
    const c = await fakeConsole(['413']);
    const spool = new Spool({ dir: tmp() });
    const shipper = new Shipper({ client: new SensorClient({ url: c.url, token: 't' }), spool, sensor: 's1' });
    shipper.enqueue(body(0));
    shipper.enqueue(body(1));
    shipper.start();
    expect(await shipper.close(2000)).toBe(true);
    expect(spool.state.rejected).toBe(1);
    expect([...c.stored.keys()]).toEqual(['src:1']);
  });
});

describe('enrol', () => {
  it('gets the salt, caches it, and uses the cache when the console is down at the next start', async () => {
    const dir = tmp();
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const up = Fastify();
    up.post('/api/sensors/enrol', async () => ({ sensor: 's1', salt: 'cd'.repeat(32), saltId: 'x', maxBatchBytes: 1 }));
    await up.listen({ host: '127.0.0.1', port });
    const e = await enrol(new SensorClient({ url, token: 't' }), { sensor: 's1', url, dir });
    expect(e.salt).toBe('cd'.repeat(32));
    await up.close();
    const warnings: string[] = [];
    const cached = await enrol(new SensorClient({ url, token: 't' }), {
      sensor: 's1',
      url,
      dir,
      onWarning: (m) => warnings.push(m),
    });
    expect(cached.salt).toBe('cd'.repeat(32));
    expect(warnings[0]).toMatch(/ECONNREFUSED.*cached/);
    // another sensor name has no cache: with the run stopped (signal) it is a clear error, not a hang
    const ac = new AbortController();
    ac.abort();
    await expect(
      enrol(new SensorClient({ url, token: 't' }), { sensor: 's2', url, dir, signal: ac.signal }),
    ).rejects.toThrow(/could not enrol/);
  });

  it('a refused token at enrolment is an error at once', async () => {
    const app = Fastify();
    app.post('/api/sensors/enrol', async (_req, reply) => reply.code(403).send({ message: 'sensor mismatch' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => app.close());
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    await expect(enrol(new SensorClient({ url, token: 't' }), { sensor: 's1', url, dir: tmp() })).rejects.toThrow(
      /refused to enrol sensor s1: HTTP 403: sensor mismatch/,
    );
  });
});

/** A loopback port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
