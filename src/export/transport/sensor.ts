// The sensor's shipper: batches go into the disk spool first (fsync), then out to the console in
// spool order, one at a time, deleted on ack. While the console is down or slow the analysis goes
// on and the spool grows (bounded); the sender backs off (0.5 s doubling to 30 s, or the console's
// Retry-After) and resends from the oldest when it is back. What was spooled before a restart is
// sent first, because it is oldest. Each batch carries its idempotency key, so a batch sent twice
// (the ack lost, the sensor killed between send and delete) is stored once by the console.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnrolResponse } from '../../contract/ingest.js';
import { WardwatchError } from '../../errors.js';
import type { SendResult, SensorClient } from './sensor-client.js';
import type { Spool } from './sensor-spool.js';

export interface ShipperOptions {
  readonly client: SensorClient;
  readonly spool: Spool;
  readonly sensor: string;
  readonly onWarning?: (message: string) => void;
  /** First backoff (default 500 ms) and its ceiling (default 30 s). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** While draining at the end of a run, retries come at least this often (the console may be back). */
export const DRAIN_RETRY_MS = 1000;

export class Shipper {
  readonly stats = { sent: 0, retries: 0 };
  /** Wakes the sender waiting for a batch (enqueue, close); a backoff is cut short only by stopping. */
  private wake: (() => void) | undefined;
  private cutBackoff: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private fatal: WardwatchError | undefined;
  private readonly backoff0: number;
  private readonly backoffMax: number;
  private delay: NodeJS.Timeout | undefined;
  private down = false;
  private draining = false;

  constructor(private readonly opts: ShipperOptions) {
    this.backoff0 = opts.backoffMs ?? 500;
    this.backoffMax = opts.maxBackoffMs ?? 30_000;
  }

  /** The error that stopped sending (a refused token), if any. */
  get error(): WardwatchError | undefined {
    return this.fatal;
  }

  /** Start sending what the spool holds (a restart's leftovers first). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Spool one batch (durably), then let the sender pick it up. */
  enqueue(body: string): void {
    this.opts.spool.put(body);
    this.opts.spool.saveSoon();
    this.wake?.();
  }

  /** Pending batch files. */
  get pending(): number {
    return this.opts.spool.files.length;
  }

  /**
   * Wait until the spool is empty or `timeoutMs` has passed, then stop. What is left stays in the
   * spool and goes first at the next start. Resolves true when everything was acked.
   */
  async close(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Draining: a backoff grown long while the console was down (0.5 s doubling to 30 s) could
    // outlast the drain and leave the last batch spooled with the console long back. Try now, and
    // from here at least every DRAIN_RETRY_MS until the deadline.
    this.draining = true;
    this.cutBackoff?.();
    while (this.pending > 0 && this.fatal === undefined && Date.now() < deadline) {
      this.wake?.();
      await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    }
    this.stopped = true;
    if (this.delay) clearTimeout(this.delay);
    this.wake?.();
    this.cutBackoff?.();
    await this.loop;
    this.opts.spool.save();
    return this.pending === 0;
  }

  private async run(): Promise<void> {
    let backoff = this.backoff0;
    const spool = this.opts.spool;
    while (!this.stopped) {
      const next = spool.peek();
      if (next === undefined) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      const r: SendResult = await this.opts.client.send(next.body);
      if (r.kind === 'ack') {
        if (this.down) this.opts.onWarning?.('console reachable again: sending the spool');
        this.down = false;
        backoff = this.backoff0;
        this.stats.sent++;
        spool.remove(next.name);
        spool.acked(
          { at: new Date().toISOString(), batch: batchId(next.body), seq: r.ack.seq, duplicate: r.ack.duplicate },
          r.ack.accepted,
        );
        continue;
      }
      if (r.kind === 'reject') {
        spool.state.rejected++;
        spool.remove(next.name);
        spool.saveSoon();
        this.opts.onWarning?.(`console refused batch ${next.name} for good (${r.reason}): dropped, counted`);
        continue;
      }
      if (r.kind === 'fatal') {
        this.fatal = new WardwatchError(
          'WW_AUTH',
          `console refused this sensor's token (${r.reason}): create a token for sensor ${this.opts.sensor} (wardwatch token create --sensor ${this.opts.sensor}); the spool is kept`,
        );
        this.opts.onWarning?.(this.fatal.message);
        return;
      }
      this.stats.retries++;
      if (!this.down)
        this.opts.onWarning?.(`console not taking batches (${r.reason}): spooling, ${spool.files.length} waiting`);
      this.down = true;
      let wait = r.afterMs ?? backoff;
      if (this.draining) wait = Math.min(wait, DRAIN_RETRY_MS);
      backoff = Math.min(this.backoffMax, backoff * 2);
      await new Promise<void>((res) => {
        this.delay = setTimeout(res, wait);
        this.cutBackoff = res;
      });
      this.cutBackoff = undefined;
    }
  }
}

function batchId(body: string): string {
  const m = /"batch":"((?:[^"\\]|\\.)*)"/.exec(body);
  return m?.[1] ?? '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The enrolment (installation salt) cached in the spool dir, mode 0600, for a console that is down at start. */
export function readEnrolCache(dir: string, sensor: string, url: string): EnrolResponse | undefined {
  try {
    const c = JSON.parse(readFileSync(join(dir, 'enrol.json'), 'utf8')) as EnrolResponse & { url?: string };
    if (c.sensor !== sensor || c.url !== url || !/^[0-9a-f]{32,128}$/i.test(c.salt)) return undefined;
    return c;
  } catch {
    return undefined;
  }
}

export function writeEnrolCache(dir: string, url: string, e: EnrolResponse): void {
  writeFileSync(join(dir, 'enrol.json'), JSON.stringify({ ...e, url }), { mode: 0o600 });
}

/**
 * Enrol with the console (salt, limit); when it cannot be reached use the cached enrolment, and
 * with none keep trying (backoff) until `signal` aborts. A refused token is an error at once.
 */
export async function enrol(
  client: SensorClient,
  opts: { sensor: string; url: string; dir: string; signal?: AbortSignal; onWarning?: (m: string) => void },
): Promise<EnrolResponse> {
  let backoff = 500;
  let warned = false;
  for (;;) {
    const r = await client.enrol(opts.sensor);
    if (r.kind === 'ok') {
      writeEnrolCache(opts.dir, opts.url, r.enrol);
      return r.enrol;
    }
    if (r.kind === 'fatal' || r.kind === 'reject')
      throw new WardwatchError('WW_AUTH', `console refused to enrol sensor ${opts.sensor}: ${r.reason}`);
    const cached = readEnrolCache(opts.dir, opts.sensor, opts.url);
    if (cached !== undefined) {
      opts.onWarning?.(`console not reachable (${r.reason}): using the enrolment cached in ${opts.dir}`);
      return cached;
    }
    if (!warned) opts.onWarning?.(`console not reachable (${r.reason}): waiting to enrol (the salt comes from it)`);
    warned = true;
    if (opts.signal?.aborted) throw new WardwatchError('WW_AUTH', `could not enrol with ${opts.url}: ${r.reason}`);
    await sleep(r.kind === 'retry' && r.afterMs !== undefined ? r.afterMs : backoff);
    backoff = Math.min(30_000, backoff * 2);
  }
}
