// The watchdog (DESIGN.md "Policy"): after an apply, every watched device's clinical feed (HL7
// to and ACKs from its central station, as the live pipeline sees them) must keep arriving;
// when one is silent longer than `stallMs` the apply rolls back. Fed by the caller, so it
// knows nothing about captures.
export class FeedWatchdog {
  private readonly last = new Map<string, number>();

  constructor(
    devices: readonly string[],
    private readonly stallMs: number,
    start = Date.now(),
  ) {
    for (const d of devices) this.last.set(d, start);
  }

  /** A clinical message of `device` was seen (wall clock ms). */
  feed(device: string, at = Date.now()): void {
    if (this.last.has(device)) this.last.set(device, Math.max(this.last.get(device)!, at));
  }

  /** When the first stalled feed hits its deadline (ms), or undefined when none is watched. */
  deadline(): number | undefined {
    let d: number | undefined;
    for (const t of this.last.values()) d = d === undefined ? t + this.stallMs : Math.min(d, t + this.stallMs);
    return d;
  }

  /** A reason to roll back, or undefined while every feed is alive. */
  check(now = Date.now()): string | undefined {
    for (const [dev, t] of this.last)
      if (now - t > this.stallMs)
        return `clinical feed of ${dev} silent for ${Math.round((now - t) / 1000)} s (limit ${this.stallMs / 1000} s)`;
    return undefined;
  }
}
