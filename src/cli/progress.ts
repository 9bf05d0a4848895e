// A progress bar on stderr, only when stderr is a terminal: never mixed into jsonl/json on stdout.
import cliProgress from 'cli-progress';

export interface Progress {
  update(file: string, offset: number, total: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

export function fileProgress(enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{file} [{bar}] {percentage}% | {mb}/{totalMb} MB | ETA {eta}s',
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let current = '';
  let started = false;
  return {
    update(file, offset, total) {
      if (total <= 0) return; // stdin: size unknown
      if (file !== current) {
        if (started) bar.stop();
        current = file;
        bar.start(total, 0, { file: shortName(file), mb: '0.0', totalMb: (total / 1e6).toFixed(1) });
        started = true;
      }
      bar.update(offset, { mb: (offset / 1e6).toFixed(1) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Stages of a run that has no byte count (firmware audit): `label [███---] unpack 1/5`. */
export function stepProgress(
  label: string,
  steps: readonly string[],
  enabled = process.stderr.isTTY === true,
): { step(name: string): void; stop(): void } {
  if (!enabled) return { step() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {name} {value}/{total}`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    step(name) {
      const i = steps.indexOf(name);
      if (!started) {
        bar.start(steps.length, 0, { name });
        started = true;
      }
      bar.update(i + 1, { name });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function shortName(p: string): string {
  const base = p.split('/').pop() ?? p;
  return base.length > 28 ? `…${base.slice(-27)}` : base;
}

/** A live run's status line on stderr (a terminal only): packets, flows and open flows, once a second. */
export function liveStatus(
  pipeline: { engine: { stats: { packets: number; flows: number }; openFlows: number } },
  enabled = process.stderr.isTTY === true,
): { stop(): void; dropped: number | undefined } {
  const status: { stop(): void; dropped: number | undefined } = { stop() {}, dropped: undefined };
  if (!enabled) return status;
  const t = setInterval(() => {
    const s = pipeline.engine.stats;
    const lost = status.dropped ? `, ${status.dropped} dropped by the kernel` : '';
    process.stderr.write(
      `\rwatching: ${s.packets} packets, ${s.flows} flows, ${pipeline.engine.openFlows} open${lost}   `,
    );
  }, 1000);
  status.stop = () => {
    clearInterval(t);
    process.stderr.write('\n');
  };
  return status;
}
