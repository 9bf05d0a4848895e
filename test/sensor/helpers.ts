// What the sensor end-to-end tests share (console-e2e on the real console, ship-e2e on a stand-in):
// the simulated wards written to files, the single-box answer for each (what `analyze` prints and
// what a console's own Ingestor stores as exposure), spawning `analyze FILE --to` sensor processes
// as a user runs them, and waiting on a condition.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { alertKey } from '../../src/contract/records.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { Zones } from '../../src/net/zones.js';
import { type ScenarioName, writeScenario } from '../../src/sim/scenarios.js';
import { Ingestor } from '../../src/store/ingest.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { CLI, jsonl, wardwatch } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

/** The console's installation salt in these tests (enrol hands it to the sensors). */
export const SALT = 'ab'.repeat(32);

/** How long the console is away mid-run: 10 s, as issue 20 says (WARDWATCH_TEST_OUTAGE_MS to shorten it locally). */
export const OUTAGE_MS = Number(process.env.WARDWATCH_TEST_OUTAGE_MS ?? '10000');

export interface Ward {
  readonly sensor: string;
  readonly scenario: ScenarioName;
  readonly seed: number;
  /** Devices of a `mixed` ward. */
  readonly devices?: number;
}

export const wardFile = (dir: string, w: Ward) => join(dir, `${w.sensor}.pcap`);

export async function writeWards(dir: string, wards: readonly Ward[]): Promise<void> {
  for (const w of wards)
    await writeScenario(w.scenario, {
      durationSec: 120,
      seed: w.seed,
      out: wardFile(dir, w),
      ...(w.devices !== undefined ? { devices: w.devices } : {}),
    });
}

/** Alert counts by alert key and device [packets, bytes] by id, as a single-box `analyze` prints them. */
export interface SingleBox {
  readonly alerts: Map<string, number>;
  readonly devices: Map<string, [number, number]>;
}

export function singleBox(dir: string, w: Ward): SingleBox {
  const r = wardwatch(['analyze', wardFile(dir, w), '--format', 'jsonl', '--no-progress'], {
    env: { WARDWATCH_HOME: join(dir, 'single') },
  });
  expect(r.status, r.stderr).toBe(0);
  const alerts = new Map<string, number>();
  const devices = new Map<string, [number, number]>();
  for (const x of jsonl(r.stdout)) {
    if (x.type === 'alert') alerts.set(alertKey(x as never), x.count as number);
    if (x.type === 'device') devices.set(x.id as string, [(x.packets as number) ?? 0, (x.bytes as number) ?? 0]);
  }
  return { alerts, devices };
}

/** Exposure as a store holds it: per destination (`ip|port`) messages, fields, devices, patient hashes, minutes. */
export interface Exposure {
  readonly destinations: Map<string, { messages: number; fields: string[]; devices: string[] }>;
  /** `ip|port|hash` */
  readonly patients: Set<string>;
  /** `ip|port|minute` → messages */
  readonly minutes: Map<string, number>;
}

export async function exposureOf(store: Store): Promise<Exposure> {
  const destinations = new Map<string, { messages: number; fields: string[]; devices: string[] }>();
  for (const d of await store.db.selectFrom('exposure_destinations').selectAll().execute())
    destinations.set(`${d.ip}|${d.port}`, {
      messages: Number(d.messages),
      fields: JSON.parse(d.fields) as string[],
      devices: JSON.parse(d.devices) as string[],
    });
  const patients = new Set(
    (await store.db.selectFrom('exposure_patients').selectAll().execute()).map(
      (p) => `${p.ip}|${p.port}|${p.patient_hash}`,
    ),
  );
  const minutes = new Map(
    (await store.db.selectFrom('exposure_minutes').selectAll().execute()).map((m) => [
      `${m.ip}|${m.port}|${m.minute}`,
      Number(m.messages),
    ]),
  );
  return { destinations, patients, minutes };
}

/**
 * What a single box stores for the ward: the pipeline with the console's salt into a console
 * store's own Ingestor (as `serve` does for its own capture), in a temporary SQLite file.
 * Device ids come back scoped as the console stores a remote sensor's (`<sensor>/<mac>`).
 */
export async function singleBoxExposure(dir: string, w: Ward): Promise<Exposure> {
  const store = await openStore(join(dir, `single-${w.sensor}.db`));
  try {
    const ingest = new Ingestor(store, { zones: new Zones(), flushMs: 0 });
    await analyzeCaptures([wardFile(dir, w)], { salt: SALT, onEvent: ingest.onEvent });
    await ingest.close();
    const e = await exposureOf(store);
    for (const d of e.destinations.values()) d.devices = d.devices.map((id) => `${w.sensor}/${id}`);
    return e;
  } finally {
    await store.close();
  }
}

/** The exposure of several single boxes as one console should hold it: messages and minutes add, patients and devices unite. */
export function mergeExposure(parts: readonly Exposure[]): Exposure {
  const out: Exposure = { destinations: new Map(), patients: new Set(), minutes: new Map() };
  for (const p of parts) {
    for (const [k, d] of p.destinations) {
      const cur = out.destinations.get(k);
      if (cur === undefined) out.destinations.set(k, { ...d });
      else
        out.destinations.set(k, {
          messages: cur.messages + d.messages,
          fields: [...new Set([...cur.fields, ...d.fields])].sort(),
          devices: [...new Set([...cur.devices, ...d.devices])].sort(),
        });
    }
    for (const x of p.patients) out.patients.add(x);
    for (const [k, n] of p.minutes) out.minutes.set(k, (out.minutes.get(k) ?? 0) + n);
  }
  return out;
}

export interface SensorRun {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stderr: string }>;
}

export interface SensorSpec {
  readonly file: string;
  readonly url: string;
  readonly token: string;
  readonly sensor: string;
  readonly spool: string;
  /** WARDWATCH_HOME of the sensor processes. */
  readonly home: string;
  /** The sensor's per-request timeout (WARDWATCH_SENSOR_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/** `wardwatch analyze FILE --to URL …` as a sensor box runs it, batches every 5 s of capture time. */
export function spawnSensor(s: SensorSpec): SensorRun {
  const args = [
    CLI,
    'analyze',
    s.file,
    '--to',
    s.url,
    '--token',
    s.token,
    '--sensor',
    s.sensor,
    '--spool',
    s.spool,
    '--batch-every',
    '5',
    '--drain-timeout',
    '60',
    '--format',
    'jsonl',
    '--no-progress',
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, WARDWATCH_HOME: s.home, WARDWATCH_SENSOR_TIMEOUT_MS: String(s.timeoutMs ?? 2000) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((r) =>
    child.on('close', (code) => r({ code, stderr })),
  );
  return { child, done };
}

/** Wait until `cond` holds (polled every 20 ms), failing after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
