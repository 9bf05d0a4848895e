// `--to URL --token TOKEN` on `analyze` and `watch`: this box becomes a sensor. It enrols with the
// console (the installation salt, so patient hashes match across sensors; cached in the spool dir),
// runs the pipeline locally, cuts a batch at each capture-time tick (cli/sensor-batch.ts) and hands
// its text to the spool thread (export/transport/sensor-thread.ts), which spools it (fsync) and
// ships it off the analysis's thread. Local output (table, jsonl…) is unchanged.
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SensorName } from '../contract/ingest.js';
import type { WardConfig } from '../contract/config.js';
import type { AlertRecord, DeviceRecord } from '../contract/records.js';
import { EXIT_UNSENT, WardwatchError } from '../errors.js';
import { enrol } from '../export/transport/sensor.js';
import { parseConsoleUrl, SensorClient } from '../export/transport/sensor-client.js';
import { ShipperThread } from '../export/transport/sensor-thread.js';
import { SensorBatcher } from './sensor-batch.js';

export interface ShipCliOptions {
  to?: string;
  token?: string;
  sensor?: string;
  ca?: string;
  spool?: string;
  spoolSize?: string;
  batchEvery?: string;
  drainTimeout?: string;
}

export function addShipOptions(cmd: Command): Command {
  return cmd
    .option('--to <url>', 'ship to a console: https://console:8080 (http:// only to loopback)')
    .option('--token <token>', 'the sensor API token (wardwatch token create --sensor NAME); or $WARDWATCH_TOKEN')
    .option('--sensor <name>', "this sensor's name (default: the host name); must match the token")
    .option('--ca <file>', "PEM file of the private CA that signed the console's certificate")
    .option('--spool <dir>', 'disk spool for batches not yet acked (default $WARDWATCH_HOME/spool/NAME)')
    .option('--spool-size <size>', 'spool bound; the oldest batches are dropped past it (e.g. 500MB, 1GB)', '1GB')
    .option('--batch-every <seconds>', 'capture seconds per batch', '10')
    .option(
      '--drain-timeout <seconds>',
      'at the end, wait this long for the console to ack the spool (batches still unacked: exit 75)',
      '30',
    );
}

/** `1GB`, `500MB`, `64KiB`, `1048576` → bytes. */
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g|tb|tib|t)?$/i.exec(v.trim());
  if (!m) throw new WardwatchError('WW_ARGS', `--spool-size: expected a size like 500MB or 1GB, got '${v}'`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : unit === 't' ? 1024 ** 4 : 1;
  return Math.floor(Number(m[1]) * mult);
}

/** The default sensor name (the host name, made to fit SensorName). */
export function defaultSensorName(): string {
  const h = hostname()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return h === '' ? 'sensor' : h;
}

export function defaultSpoolDir(sensor: string): string {
  const home = process.env.WARDWATCH_HOME ?? join(homedir(), '.config', 'wardwatch');
  return join(home, 'spool', sensor);
}

export interface ShipSession {
  readonly salt: string;
  readonly batcher: SensorBatcher;
  readonly shipper: ShipperThread;
  /**
   * Cut the last batch (after `pipeline.finish()`), wait for acks up to --drain-timeout, report.
   * `replayCut`: a file replay stopped before its end (a signal, or the launcher killed) does not
   * send what it was building — the end of a partial run is no batch a full replay would cut, and
   * its id would be taken; running the same replay again completes it.
   * Resolves to the batches left unacked in the spool (0: the console has everything), which the
   * command turns into EXIT_UNSENT.
   */
  end(opts?: { replayCut?: boolean; final?: FinalRecords }): Promise<number>;
}

/** A file run's final alerts and devices, for its last batch (`analyze --to` streams no records). */
export interface FinalRecords {
  readonly alerts: readonly AlertRecord[];
  readonly devices: readonly DeviceRecord[];
}

export interface ShipSetup {
  readonly url: string;
  readonly token: string;
  readonly sensor: string;
  readonly ca: string | undefined;
  readonly spoolDir: string;
  readonly spoolBytes: number;
  readonly everySeconds: number;
  readonly drainMs: number;
}

/** Check the options before anything runs (exit 1 on a bad one); undefined without --to. */
export function shipSetup(opts: ShipCliOptions): ShipSetup | undefined {
  if (opts.to === undefined) {
    for (const [k, v] of [
      ['--token', opts.token],
      ['--sensor', opts.sensor],
      ['--ca', opts.ca],
    ] as const)
      if (v !== undefined) throw new WardwatchError('WW_ARGS', `${k} needs --to URL`);
    return undefined;
  }
  parseConsoleUrl(opts.to);
  const token = opts.token ?? process.env.WARDWATCH_TOKEN;
  if (token === undefined || token === '')
    throw new WardwatchError('WW_ARGS', '--to needs --token TOKEN (or $WARDWATCH_TOKEN)', { field: '--token' });
  const sensor = opts.sensor ?? defaultSensorName();
  if (!SensorName.safeParse(sensor).success)
    throw new WardwatchError('WW_ARGS', `--sensor: letters, digits, . _ - (up to 64), got '${sensor}'`, {
      field: '--sensor',
    });
  let ca: string | undefined;
  if (opts.ca !== undefined) {
    try {
      ca = readFileSync(opts.ca, 'utf8');
    } catch (err) {
      throw new WardwatchError('WW_ARGS', `--ca ${opts.ca}: ${(err as Error).message}`, { field: '--ca' });
    }
  }
  const everySeconds = Number(opts.batchEvery ?? '10');
  if (!(everySeconds > 0))
    throw new WardwatchError('WW_ARGS', `--batch-every must be positive, got ${opts.batchEvery}`);
  const drain = Number(opts.drainTimeout ?? '30');
  if (!(drain >= 0)) throw new WardwatchError('WW_ARGS', `--drain-timeout must be ≥ 0, got ${opts.drainTimeout}`);
  return {
    url: opts.to,
    token,
    sensor,
    ca,
    spoolDir: opts.spool ?? defaultSpoolDir(sensor),
    spoolBytes: parseSize(opts.spoolSize ?? '1GB'),
    everySeconds,
    drainMs: drain * 1000,
  };
}

const warn = (m: string) => process.stderr.write(`wardwatch: ${m}\n`);

/** Enrol, open the spool and start sending (the spool's leftovers first). */
export async function startShipping(
  setup: ShipSetup,
  source: string,
  config: Pick<WardConfig, 'zones'>,
  signal?: AbortSignal,
): Promise<ShipSession> {
  const timeoutMs = Number(process.env.WARDWATCH_SENSOR_TIMEOUT_MS ?? '10000');
  const client = new SensorClient({ url: setup.url, token: setup.token, ca: setup.ca, timeoutMs });
  // The spool and the sender live on their own thread (what a previous run left goes out at once);
  // it starts while this thread enrols. The enrolment is cached in the spool dir, made here too.
  const opening = ShipperThread.open(
    {
      dir: setup.spoolDir,
      maxBytes: setup.spoolBytes,
      url: setup.url,
      token: setup.token,
      ...(setup.ca !== undefined ? { ca: setup.ca } : {}),
      timeoutMs,
      sensor: setup.sensor,
    },
    { onWarning: warn },
  );
  try {
    mkdirSync(setup.spoolDir, { recursive: true, mode: 0o700 });
  } catch {
    // the thread says why (--spool)
  }
  // A spool that cannot be opened stops an enrolment still waiting for the console.
  const stopEnrol = new AbortController();
  const onAbort = () => stopEnrol.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) stopEnrol.abort();
  const [opened, enrolled] = await Promise.allSettled([
    opening.catch((err: unknown) => {
      stopEnrol.abort();
      throw err;
    }),
    enrol(client, {
      sensor: setup.sensor,
      url: setup.url,
      dir: setup.spoolDir,
      signal: stopEnrol.signal,
      onWarning: warn,
    }),
  ]);
  signal?.removeEventListener('abort', onAbort);
  client.close(); // it only enrolled: the thread has its own
  if (opened.status === 'rejected') throw opened.reason;
  const shipper = opened.value;
  if (enrolled.status === 'rejected') {
    await shipper.abort();
    throw enrolled.reason;
  }
  const e = enrolled.value;
  const batcher = new SensorBatcher({
    sensor: setup.sensor,
    source,
    zones: config.zones,
    everySeconds: setup.everySeconds,
    onBatch: (b) => shipper.enqueue(JSON.stringify(b)),
  });
  return {
    salt: e.salt,
    batcher,
    shipper,
    async end(o = {}) {
      if (o.replayCut === true)
        warn('replay stopped before its end: the batch being built is not sent; run it again to complete it');
      else {
        if (o.final !== undefined) batcher.settle(o.final.alerts, o.final.devices);
        batcher.cut();
      }
      const all = await shipper.close(setup.drainMs);
      if (shipper.error) throw shipper.error;
      if (all) return 0;
      const left = shipper.pending; // > 0: the drain gave up with the spool not empty
      warn(
        `${left} batch(es) not acked within --drain-timeout: kept in ${setup.spoolDir}, sent first next time (exit ${EXIT_UNSENT})`,
      );
      return left;
    },
  };
}
