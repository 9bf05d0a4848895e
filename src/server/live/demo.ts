// `serve --demo`: the simulated cms8000 ward fed continuously through the real pipeline, in
// process (synthesised frames, nothing on the network). The ward runs in epochs of
// `epochSeconds`: the first covers the moments before start-up and is fed at once, so the
// console has a ward within a second; later epochs are fed as their frames' time comes (wall
// clock). Flows, DNS and exposure stream into the store through the Ingestor; alerts and devices
// stream through the pipeline's record stream (StoreStream): written after each feeding tick as
// rules fire and pushed over SSE, and settled at each epoch's end when the pipeline judges what
// needs the whole epoch (phi.cleartext, …). Counts add up across epochs, never twice.
import type { WardConfig } from '../../contract/config.js';
import { Zones } from '../../net/zones.js';
import { loadConfig } from '../../config/config.js';
import { Pipeline } from '../../engine/analyze.js';
import { loadOrCreateSalt } from '../../engine/salt.js';
import { Ingestor } from '../../store/ingest.js';
import type { Store } from '../../store/store.js';
import type { LiveHub } from './hub.js';
import { feedFrames, renderScenario } from './sim-feed.js';
import { StoreStream } from './stream-store.js';

export interface DemoOptions {
  readonly epochSeconds?: number;
  /** How often frames due are fed, ms (default 250). */
  readonly tickMs?: number;
  readonly config?: WardConfig;
  readonly salt?: string;
  readonly onError?: (err: unknown) => void;
}

export class DemoRunner {
  readonly stats = { epochs: 0, packets: 0 };
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly ingest: Ingestor;
  private readonly records: StoreStream;
  private readonly config: WardConfig;
  private readonly salt: string;

  constructor(
    store: Store,
    hub: LiveHub,
    private readonly opts: DemoOptions = {},
  ) {
    this.config = opts.config ?? loadConfig();
    this.salt = opts.salt ?? loadOrCreateSalt(this.config.saltFile);
    this.ingest = new Ingestor(store, {
      zones: new Zones(this.config.zones),
      flushMs: 1000,
      onError: opts.onError,
    });
    this.records = new StoreStream(store, hub);
  }

  /** Resolves after the first epoch (the ward before start-up) is stored. */
  start(): Promise<void> {
    let first!: () => void;
    const ready = new Promise<void>((r) => (first = r));
    this.loop = this.run(first).catch((err) => {
      first();
      this.opts.onError?.(err);
    });
    return ready;
  }

  private async run(firstDone: () => void): Promise<void> {
    const epoch = (this.opts.epochSeconds ?? 20) * 1e6;
    let startUs = Date.now() * 1000 - epoch;
    while (!this.stopped) {
      const sim = renderScenario('cms8000', startUs, epoch / 1e6);
      const pipeline = new Pipeline({
        config: this.config,
        salt: this.salt,
        onEvent: this.ingest.onEvent,
        stream: { sink: this.records.epoch(), updateSeconds: 5 },
      });
      let i = 0;
      while (i < sim.frames.length && !this.stopped) {
        i = feedFrames(pipeline, sim, i, Date.now() * 1000);
        if (this.records.pending > 0) {
          await this.ingest.flush();
          await this.records.flush();
        }
        if (i < sim.frames.length) await this.sleep(this.opts.tickMs ?? 250);
      }
      if (this.stopped) break;
      this.stats.packets += i;
      pipeline.finish(); // settles the epoch's alerts and devices into the record stream
      await this.ingest.flush();
      await this.records.flush();
      this.stats.epochs++;
      if (this.stats.epochs === 1) firstDone();
      startUs += epoch;
      // The next epoch begins when its time comes.
      const wait = startUs / 1000 - Date.now();
      if (wait > 0) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Stop feeding, write what is pending. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.ingest.close();
  }
}
