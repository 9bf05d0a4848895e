// The sensor's spool and sender on a worker thread of their own, so shipping never blocks the
// analysis: the main thread cuts a batch and posts its JSON text; the thread writes it into the
// spool (fsync), sends the spool oldest first and deletes on ack (export/transport/sensor.ts, the
// same Shipper and Spool, unchanged), and answers with warnings and, at the end, what is left.
//
// Ordering and durability: messages on a worker port arrive in the order posted, so batches are
// spooled in cut order. A SharedArrayBuffer counts the batches made durable; before posting a
// batch the main thread waits (Atomics.wait) until every earlier one is — normally long done,
// since a batch is cut every --batch-every seconds and an fsync takes milliseconds — so at most
// one batch is ever in the thread's hands unwritten: `kill -9` loses at most the batch being
// built and the one being written, as with a spool written on the main thread.
//
// Protocol (main → thread): workerData `ShipperThreadInit`; `{t:'put', body}`; `{t:'close', timeoutMs}`.
// (thread → main): `{t:'ready', pending}` or `{t:'error', …}` once at start; `{t:'warning', message}`;
// `{t:'error', code, message, field?}` when a batch cannot be spooled (the next enqueue throws it);
// `{t:'closed', all, pending, fatal?}` after the drain, when the spool state is saved.
import { type MessagePort, Worker } from 'node:worker_threads';
import { type ErrorCode, WardwatchError } from '../../errors.js';
import { Shipper } from './sensor.js';
import { SensorClient } from './sensor-client.js';
import { Spool } from './sensor-spool.js';

export interface ShipperThreadInit {
  readonly dir: string;
  readonly maxBytes: number;
  readonly url: string;
  readonly token: string;
  readonly ca?: string;
  readonly timeoutMs: number;
  readonly sensor: string;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Int32 [durable batches, failed flag]: written by the thread, waited on by the main thread. */
  readonly shared: SharedArrayBuffer;
}

export type ToThread =
  | { readonly t: 'put'; readonly body: string }
  | { readonly t: 'close'; readonly timeoutMs: number };

export type FromThread =
  | { readonly t: 'ready'; readonly pending: number }
  | { readonly t: 'warning'; readonly message: string }
  | { readonly t: 'error'; readonly code: ErrorCode; readonly message: string; readonly field?: string }
  | { readonly t: 'closed'; readonly all: boolean; readonly pending: number; readonly fatal?: string };

/** The thread has ended (its `exit` event): no answer will come. */
type Exited = { readonly t: 'exit' };

const DURABLE = 0;
const FAILED = 1;

/** The thread's side: own the spool and the sender, answer on `port`. */
export function serveShipper(port: MessagePort, init: ShipperThreadInit): void {
  const view = new Int32Array(init.shared);
  const post = (m: FromThread) => port.postMessage(m);
  const fail = (err: unknown) => {
    const e = err instanceof WardwatchError ? err : undefined;
    Atomics.store(view, FAILED, 1);
    Atomics.notify(view, DURABLE);
    post({
      t: 'error',
      code: e?.code ?? 'WW_INTERNAL',
      message: (err as Error).message,
      ...(e?.field !== undefined ? { field: e.field } : {}),
    });
  };
  let spool: Spool;
  try {
    spool = new Spool({
      dir: init.dir,
      maxBytes: init.maxBytes,
      // state.json is statistics for `sensor status`: once a second is enough (and the final one at close).
      saveEveryMs: 1000,
      onWarning: (w) => post({ t: 'warning', message: `${w.code}: ${w.message}` }),
    });
  } catch (err) {
    fail(err);
    port.close();
    return;
  }
  const client = new SensorClient({ url: init.url, token: init.token, ca: init.ca, timeoutMs: init.timeoutMs });
  const shipper = new Shipper({
    client,
    spool,
    sensor: init.sensor,
    onWarning: (message) => post({ t: 'warning', message }),
    backoffMs: init.backoffMs,
    maxBackoffMs: init.maxBackoffMs,
  });
  shipper.start();
  port.on('message', (m: ToThread) => {
    if (m.t === 'put') {
      try {
        shipper.enqueue(m.body);
      } catch (err) {
        fail(err);
      } finally {
        Atomics.add(view, DURABLE, 1);
        Atomics.notify(view, DURABLE);
      }
      return;
    }
    void shipper.close(m.timeoutMs).then(
      (all) => {
        client.close();
        post({
          t: 'closed',
          all,
          pending: shipper.pending,
          ...(shipper.error !== undefined ? { fatal: shipper.error.message } : {}),
        });
        port.close();
      },
      (err: unknown) => {
        fail(err);
        port.close();
      },
    );
  });
  post({ t: 'ready', pending: shipper.pending });
}

export interface ShipperThreadOptions {
  readonly onWarning?: (message: string) => void;
  /** The thread's entry (default: sensor-worker.js beside this file; tests name the built one). */
  readonly workerUrl?: URL | string;
  /** Longest wait for the previous batch to be written before giving up (default 120 s). */
  readonly writeTimeoutMs?: number;
}

/** The main thread's side: `enqueue` posts, `close` drains and ends the thread. */
export class ShipperThread {
  private readonly view: Int32Array;
  private posted = 0;
  private failure: WardwatchError | undefined;
  private fatal: WardwatchError | undefined;
  private left = 0;
  private closed: Promise<boolean> | undefined;
  private readonly ended: Promise<void>;
  private readonly waiters = new Set<(m: FromThread | Exited) => void>();

  private constructor(
    private readonly worker: Worker,
    shared: SharedArrayBuffer,
    private readonly opts: ShipperThreadOptions,
  ) {
    this.view = new Int32Array(shared);
    worker.on('message', (m: FromThread) => {
      if (m.t === 'warning') opts.onWarning?.(m.message);
      else if (m.t === 'error')
        this.failure ??= new WardwatchError(m.code, m.message, m.field !== undefined ? { field: m.field } : {});
      for (const w of this.waiters) w(m);
    });
    this.ended = new Promise<void>((resolve) => {
      worker.on('error', (err) => {
        this.failure ??= new WardwatchError('WW_INTERNAL', `the sensor's spool thread failed: ${err.message}`);
        Atomics.store(this.view, FAILED, 1);
      });
      worker.on('exit', () => {
        for (const w of this.waiters) w({ t: 'exit' });
        resolve();
      });
    });
  }

  /** Start the thread: it opens the spool (an error there is thrown here) and starts sending. */
  static async open(init: Omit<ShipperThreadInit, 'shared'>, opts: ShipperThreadOptions = {}): Promise<ShipperThread> {
    const shared = new SharedArrayBuffer(8);
    const url = opts.workerUrl ?? new URL('./sensor-worker.js', import.meta.url);
    // Its own small heap (it holds one batch text at a time, and the spool's file names), within
    // the run's memory bound; none of the main thread's node flags.
    const worker = new Worker(url, {
      workerData: { ...init, shared } satisfies ShipperThreadInit,
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
    const t = new ShipperThread(worker, shared, opts);
    const first = await t.next((m) => m.t === 'ready' || m.t === 'error' || m.t === 'exit');
    if (first.t !== 'ready') {
      await worker.terminate();
      throw t.failure ?? new WardwatchError('WW_INTERNAL', "the sensor's spool thread did not start");
    }
    t.left = first.pending;
    return t;
  }

  private next(pred: (m: FromThread | Exited) => boolean): Promise<FromThread | Exited> {
    return new Promise((resolve) => {
      const w = (m: FromThread | Exited) => {
        if (!pred(m)) return;
        this.waiters.delete(w);
        resolve(m);
      };
      this.waiters.add(w);
    });
  }

  /** The error that stopped sending (a refused token), known after `close`. */
  get error(): WardwatchError | undefined {
    return this.fatal;
  }

  /** Batches left in the spool after `close` (before it: what the spool held at start). */
  get pending(): number {
    return this.left;
  }

  /**
   * Hand one batch to the thread. Waits first until every batch posted before is written and
   * fsynced (normally done long ago); throws when the thread could not spool one.
   */
  enqueue(body: string): void {
    const deadline = Date.now() + (this.opts.writeTimeoutMs ?? 120_000);
    for (;;) {
      const durable = Atomics.load(this.view, DURABLE);
      if (durable >= this.posted || Atomics.load(this.view, FAILED) === 1) break;
      if (Date.now() >= deadline)
        throw new WardwatchError(
          'WW_OUTPUT',
          `the spool has not written batch ${durable} for ${this.opts.writeTimeoutMs ?? 120_000} ms (disk stuck?)`,
        );
      Atomics.wait(this.view, DURABLE, durable, 1000);
    }
    if (Atomics.load(this.view, FAILED) === 1) {
      throw this.failure ?? new WardwatchError('WW_INTERNAL', "the sensor's spool thread failed");
    }
    const m: ToThread = { t: 'put', body };
    this.worker.postMessage(m);
    this.posted++;
  }

  /** End the thread now (a run that failed before its first batch); what is spooled stays. */
  async abort(): Promise<void> {
    await this.worker.terminate();
    await this.ended;
  }

  /**
   * Wait until the spool is empty or `timeoutMs` has passed, then end the thread (what is left
   * stays spooled). Resolves true when everything was acked.
   */
  close(timeoutMs: number): Promise<boolean> {
    this.closed ??= (async () => {
      const answer = this.next((m) => m.t === 'closed' || m.t === 'exit');
      const m: ToThread = { t: 'close', timeoutMs };
      this.worker.postMessage(m);
      const r = await answer;
      await this.worker.terminate();
      await this.ended;
      if (r.t !== 'closed') throw this.failure ?? new WardwatchError('WW_INTERNAL', 'spool thread ended');
      this.left = r.pending;
      if (r.fatal !== undefined) this.fatal = new WardwatchError('WW_AUTH', r.fatal);
      if (this.failure) throw this.failure;
      return r.all;
    })();
    return this.closed;
  }
}
