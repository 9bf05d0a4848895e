// An infusion pump that checks for updates the well-behaved way: DNS lookup of its vendor's
// update host (a CNAME to a CDN), then TLS with that name as SNI to the resolved address.
import { clientFinish, clientHello, serverFlight } from '../../decode/tls-encode.js';
import type { Actor, Device, Ward } from './net.js';

export class Pump implements Actor {
  constructor(
    private readonly ward: Ward,
    readonly dev: Device,
    private readonly updateHost: string,
    private readonly everyUs = 120e6,
  ) {}

  start(t: number): void {
    t = this.ward.dhcpBoot(t, this.dev);
    this.ward.sim.at(t + this.dev.rng.int(2, 15) * 1e6, (n) => this.check(n));
  }

  private check(now: number): void {
    const w = this.ward;
    const r = w.resolve(now, this.dev, this.updateHost);
    if (r.address) {
      const c = w.tcp(this.dev, w.peer(r.address), 443);
      let t = c.connect(r.t + 200);
      const rnd = this.dev.rng.bytes(96);
      t = c.exchange(
        t,
        true,
        clientHello(this.updateHost, ['http/1.1'], rnd),
        serverFlight(this.dev.rng.bytes(64), rnd.subarray(32, 64), [2400, 280, 60]),
        2_000,
      );
      t = c.exchange(
        t,
        true,
        clientFinish(this.dev.rng.bytes(64), [53, 180]),
        clientFinish(this.dev.rng.bytes(64), [410]).subarray(6),
        5_000,
      );
      c.close(t + 1_000);
    }
    w.sim.at(now + this.everyUs + this.dev.rng.int(0, 5_000_000), (n) => this.check(n));
  }
}
