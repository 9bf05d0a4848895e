// SIGINT/SIGTERM as "stop reading, then print what you have": one AbortController for the run.
// Idempotent, because a terminal's Ctrl-C reaches both the launcher (which forwards it) and
// this process.
import type { StopSignal } from '../engine/analyze.js';

export interface StopOnSignal {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  /** Stops the run as a signal would (a timer, a caller); not counted as an interruption. */
  stop(): void;
  /** The signal that stopped the run, if one did. */
  received(): StopSignal | undefined;
  dispose(): void;
}

export function onStopSignal(onStop?: () => void): StopOnSignal {
  const controller = new AbortController();
  let got: StopSignal | undefined;
  const stop = () => {
    if (controller.signal.aborted) return;
    controller.abort();
    onStop?.();
  };
  const handler = (sig: StopSignal) => {
    got ??= sig;
    stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    controller,
    signal: controller.signal,
    stop,
    received: () => got,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
