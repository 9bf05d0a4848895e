// `serve --demo`: the simulated cms8000 ward fed continuously through the real pipeline, in
// process (synthesised frames, nothing on the network). The ward runs in epochs of
// `epochSeconds`: the first covers the moments before start-up and is fed at once, so the
// console has a ward within a second; later epochs are fed as their frames' time comes (wall
// clock). Flows, DNS and exposure stream into the store through the Ingestor; at each epoch's
// end the pipeline judges (alerts, devices) and the snapshot is upserted by stable key, counts
// adding up across epochs.
import type { WardConfig } from '../../contract/config.js';
import { Zones } from '../../net/zones.js';
import { loadConfig } from '../../config/config.js';
import { Pipeline } from '../../engine/analyze.js';
import { loadOrCreateSalt } from '../../engine/salt.js';
import { Ingestor } from '../../store/ingest.js';
import type { Store } from '../../store/store.js';
import type { LiveHub } from './hub.js';
import { publishChanges } from './publish.js';
import { feedFrames, renderScenario } from './sim-feed.js';

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
  private readonly config: WardConfig;
  private readonly salt: string;

  constructor(
    private readonly store: Store,
    private readonly hub: LiveHub,
    private readonly opts: DemoOptions = {},
  ) {
    this.config = opts.config ?? loadConfig();
    this.salt = opts.salt ?? loadOrCreateSalt(this.config.saltFile);
    this.ingest = new Ingestor(store, {
      zones: new Zones(this.config.zones),
      flushMs: 1000,
      onError: opts.onError,
    });
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
      const pipeline = new Pipeline({ config: this.config, salt: this.salt, onEvent: this.ingest.onEvent });
      let i = 0;
      while (i < sim.frames.length && !this.stopped) {
        i = feedFrames(pipeline, sim, i, Date.now() * 1000);
        if (i < sim.frames.length) await this.sleep(this.opts.tickMs ?? 250);
      }
      if (this.stopped) break;
      this.stats.packets += i;
      const result = pipeline.finish();
      await this.ingest.flush();
      const devices = await this.store.write.devices(result.devices, { accumulate: true });
      const alerts = await this.store.write.alerts(result.alerts, { accumulate: true });
      await publishChanges({ store: this.store, hub: this.hub }, devices, alerts);
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
