// A nurses' workstation browsing internal (EHR) and external names over HTTP and HTTPS,
// always resolving first, and keeping its clock with NTP.
import { httpGet, httpResponse } from '../proto/misc.js';
import { clientFinish, clientHello, serverFlight } from '../../decode/tls-encode.js';
import type { Actor, Device, Ward } from './net.js';

export interface Site {
  readonly name: string;
  readonly tls: boolean;
  readonly path?: string;
}

export class Workstation implements Actor {
  constructor(
    private readonly ward: Ward,
    readonly dev: Device,
    private readonly sites: readonly Site[],
    private readonly meanGapUs = 20e6,
  ) {}

  start(t: number): void {
    t = this.ward.dhcpBoot(t, this.dev);
    t = this.ward.ntp(t + 1_000_000, this.dev);
    const ntp = (n: number): void => {
      this.ward.ntp(n, this.dev);
      this.ward.sim.at(n + 64e6, ntp);
    };
    this.ward.sim.at(t + 64e6, ntp);
    this.ward.sim.at(t + this.dev.rng.int(1, 5) * 1e6, (n) => this.browse(n));
  }

  private browse(now: number): void {
    const w = this.ward;
    const rng = this.dev.rng;
    const site = rng.pick(this.sites);
    const r = w.resolve(now, this.dev, site.name);
    if (r.address) {
      const c = w.tcp(this.dev, w.peer(r.address), site.tls ? 443 : 80);
      let t = c.connect(r.t + 300);
      if (site.tls) {
        const rnd = rng.bytes(96);
        t = c.exchange(
          t,
          true,
          clientHello(site.name, ['h2', 'http/1.1'], rnd),
          serverFlight(rng.bytes(64), rnd.subarray(32, 64), [3100, 260, 52]),
          3_000,
        );
        t = c.exchange(
          t,
          true,
          clientFinish(rng.bytes(64), [53, 240]),
          clientFinish(rng.bytes(64), [rng.int(800, 9000)]).subarray(6),
          8_000,
        );
      } else {
        const body = `<html><body>${'ward record '.repeat(rng.int(10, 400))}</body></html>`;
        t = c.exchange(
          t,
          true,
          httpGet(site.name, site.path ?? '/', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'),
          httpResponse(200, 'OK', body),
          4_000,
        );
      }
      c.close(t + 500);
    }
    w.sim.at(now + Math.round(this.meanGapUs * (0.5 + rng.next())), (n) => this.browse(n));
  }
}
