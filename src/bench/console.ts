// `npm run bench:console`: the console's store, timed (never in tests).
// 1. Ingest: the events of a simulated `mixed` ward (the real pipeline's output, replayed with
//    shifted times) through the Ingestor into SQLite and PostgreSQL: events/s committed.
// 2. Latency: with 1,000,000 flow rows and 10,000 alerts stored, p95 of GET /api/devices and
//    GET /api/alerts through the app (app.inject: routing, auth, query, serialisation).
// PostgreSQL needs WARDWATCH_BENCH_PG (or WARDWATCH_TEST_PG); without it only SQLite runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Zones } from '../net/zones.js';
import { Pipeline } from '../engine/analyze.js';
import type { WardEvent } from '../events.js';
import { buildApp } from '../server/app.js';
import { addUser } from '../server/auth/users.js';
import { feedScenario } from '../server/live/sim-feed.js';
import { SCENARIO_START_US } from '../sim/scenarios.js';
import { Ingestor } from '../store/ingest.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';

const SALT = 'cd'.repeat(32);

function wardEvents(): WardEvent[] {
  const events: WardEvent[] = [];
  const p = new Pipeline({ salt: SALT, onEvent: (ev) => events.push(ev) });
  feedScenario(p, 'mixed', SCENARIO_START_US, 300, 7);
  p.finish();
  return events;
}

/** `copies` replays of the ward, each `shiftS` seconds later (new flow buckets, as time passes). */
function replays(base: readonly WardEvent[], copies: number, shiftS: number): WardEvent[] {
  const out: WardEvent[] = [];
  for (let c = 0; c < copies; c++) {
    const d = c * shiftS * 1e6;
    for (const ev of base)
      out.push(
        ev.type === 'flow-end'
          ? { ...ev, ts: ev.ts + d, first: ev.first + d, last: ev.last + d }
          : { ...ev, ts: ev.ts + d },
      );
  }
  return out;
}

async function ingestRate(
  store: Store,
  events: readonly WardEvent[],
): Promise<{ events: number; seconds: number; perSec: number }> {
  const ing = new Ingestor(store, { zones: new Zones(), flushMs: 0, maxRows: 1e9 });
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) {
    ing.onEvent(events[i] as WardEvent);
    if (i % 50_000 === 49_999) await ing.flush();
  }
  await ing.close();
  const seconds = (performance.now() - t0) / 1000;
  return { events: ing.stats.committed, seconds: round(seconds, 3), perSec: Math.round(ing.stats.committed / seconds) };
}

async function fill(store: Store, flows: number, alerts: number, devices: number): Promise<void> {
  const pg = store.engine === 'postgres';
  const series = (n: number) =>
    pg
      ? sql`SELECT g AS i FROM generate_series(0, ${sql.lit(n - 1)}) g`
      : sql`WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${sql.lit(n - 1)}) SELECT i FROM s`;
  const mac = (e: string) =>
    pg
      ? sql`'02:99:00:00:' || lpad(to_hex(${sql.raw(e)} / 256), 2, '0') || ':' || lpad(to_hex(${sql.raw(e)} % 256), 2, '0')`
      : sql`printf('02:99:00:00:%02x:%02x', ${sql.raw(e)} / 256, ${sql.raw(e)} % 256)`;
  const iso = pg ? sql`'2026-01-01T00:00:00.000Z'` : sql`'2026-01-01T00:00:00.000Z'`;
  await sql`INSERT INTO devices (id, hostname, vendor_class, vendor, model, class, confidence, reasons, identified_by, advisories, first, last, packets, bytes)
    SELECT ${mac('i')}, 'DEV-' || i, NULL, NULL, NULL, 'patient-monitor', 0.9, '[]', '[]', '[]', ${iso}, ${iso}, 0, 0 FROM (${series(devices)}) t`.execute(
    store.db,
  );
  await sql`INSERT INTO device_addresses (device_id, ip, first, last)
    SELECT ${mac('i')}, '10.1.' || (i / 256) || '.' || (i % 256), ${iso}, ${iso} FROM (${series(devices)}) t`.execute(
    store.db,
  );
  await sql`INSERT INTO flows (device_id, peer_ip, proto, port, app, bucket, zone, flows, packets, bytes)
    SELECT ${mac(`(i % ${devices})`)}, '198.51.100.' || ((i / ${sql.lit(devices)}) % 250), 'tcp', 443, 'tls',
      1767225600 + 60 * (i / ${sql.lit(devices * 250)}), 'outside', 1, 10, 1000 FROM (${series(flows)}) t`.execute(
    store.db,
  );
  await sql`INSERT INTO alerts (id, rule, severity, sev_rank, first, last, count, src_ip, src_port, src_mac, dst_ip, dst_port, device_id, device_model, message, evidence, ack_by, ack_at, ack_comment, suppressed_until)
    SELECT 'egress.no-dns|' || i, 'egress.no-dns', 'high', 3, ${iso}, ${iso}, 1, '10.1.0.1', NULL, NULL, '198.51.100.' || (i % 250), 443,
      ${mac(`(i % ${devices})`)}, NULL, 'flow to an address no DNS answer named', '{}', NULL, NULL, NULL, NULL FROM (${series(alerts)}) t`.execute(
    store.db,
  );
  if (pg) await sql`ANALYZE`.execute(store.db);
  else await sql`ANALYZE`.execute(store.db);
}

async function latency(store: Store, n = 200): Promise<Record<string, { p50: number; p95: number }>> {
  const { app } = await buildApp({ store, webDist: '/nonexistent' });
  await app.ready();
  const pw = await addUser(store, 'bench', 'viewer', 'bench');
  const login = await app.inject({ method: 'POST', url: '/api/session', payload: { username: 'bench', password: pw } });
  const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
  const out: Record<string, { p50: number; p95: number }> = {};
  for (const url of [
    '/api/devices',
    '/api/alerts',
    '/api/devices?flagged=true',
    '/api/overview',
    '/api/overview?sensor=local', // issue 20: one sensor's overview (every row is local here)
  ]) {
    const times: number[] = [];
    for (let i = 0; i < n + 10; i++) {
      const t0 = performance.now();
      const r = await app.inject({ url, headers: { cookie } });
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      if (i >= 10) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    out[url] = {
      p50: round(times[Math.floor(n * 0.5)] as number, 1),
      p95: round(times[Math.floor(n * 0.95)] as number, 1),
    };
  }
  await app.close();
  return out;
}

function round(x: number, d: number): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}

async function main(): Promise<void> {
  const pgUrl = process.env.WARDWATCH_BENCH_PG ?? process.env.WARDWATCH_TEST_PG;
  const dir = mkdtempSync(join(tmpdir(), 'ww-bench-console-'));
  const base = wardEvents();
  const events = replays(base, Math.ceil(600_000 / base.length), 300);
  process.stderr.write(`bench:console: ${events.length} events (${base.length} per ward replay)\n`);
  const engines: { name: string; open: () => Promise<Store> }[] = [
    { name: 'sqlite', open: () => openStore(join(dir, `b${Math.random()}.db`)) },
  ];
  if (pgUrl !== undefined) {
    const schema = `bench_${process.pid}`;
    engines.push({ name: 'postgres', open: () => openStore(pgUrl, { schema }) });
  } else process.stderr.write('bench:console: no WARDWATCH_BENCH_PG/WARDWATCH_TEST_PG, PostgreSQL skipped\n');
  const results: Record<string, unknown> = {};
  try {
    for (const e of engines) {
      const s1 = await e.open();
      const ingest = await ingestRate(s1, events);
      if (e.name === 'postgres') await sql`DROP SCHEMA ${sql.raw(s1.schema as string)} CASCADE`.execute(s1.db);
      await s1.close();
      process.stderr.write(`  ${e.name} ingest: ${ingest.perSec} events/s\n`);
      const s2 = await e.open();
      const t0 = performance.now();
      await fill(s2, 1_000_000, 10_000, 1000);
      const fillS = round((performance.now() - t0) / 1000, 1);
      const lat = await latency(s2);
      if (e.name === 'postgres') await sql`DROP SCHEMA ${sql.raw(s2.schema as string)} CASCADE`.execute(s2.db);
      await s2.close();
      process.stderr.write(`  ${e.name} latency (1M flows, 10k alerts): ${JSON.stringify(lat)}\n`);
      results[e.name] = { ingest, fillSeconds: fillS, latencyMs: lat };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sqlite = results.sqlite as { ingest: { perSec: number }; latencyMs: Record<string, { p95: number }> };
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadavg: loadavg().map((x) => round(x, 1)) },
    events: events.length,
    results,
    targets: {
      'sqlite ingest >= 50000 events/s': sqlite.ingest.perSec >= 50_000,
      'device list p95 <= 100 ms': Object.values(results).every(
        (r) => (r as typeof sqlite).latencyMs['/api/devices']!.p95 <= 100,
      ),
      'alert list p95 <= 100 ms': Object.values(results).every(
        (r) => (r as typeof sqlite).latencyMs['/api/alerts']!.p95 <= 100,
      ),
    },
  };
  mkdirSync('bench/results', { recursive: true });
  const file = join('bench/results', `console-${report.date.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\nwritten to ${file}\n`);
}

await main();
