// A fictional patient whose vitals drift and react: a slow random walk toward a personal
// baseline, occasional episodes (desaturation, tachycardia) that the other vitals follow,
// NIBP measured in cycles. Demographics come from a small invented list — never real people.
import type { Demographics, Vitals } from '../decode/hl7/messages.js';
import type { Rng } from './rng.js';

export type { Demographics, Vitals } from '../decode/hl7/messages.js';

const FAMILY = ['DOE', 'ROE', 'POE', 'MOE', 'LOE', 'COE', 'TESTPATIENT', 'SAMPLE'];
const GIVEN = ['JANE', 'JOHN', 'ALEX', 'SAM', 'RIVER', 'ROBIN', 'KIM', 'JO'];

export function fictionalPatient(rng: Rng, index: number): Demographics {
  const year = 1940 + rng.int(0, 60);
  return {
    mrn: `SIM${String(100000 + index * 7919 + rng.int(0, 999)).padStart(7, '0')}`,
    name: `${rng.pick(FAMILY)}^${rng.pick(GIVEN)}`,
    birthDate: `${year}${String(rng.int(1, 12)).padStart(2, '0')}${String(rng.int(1, 28)).padStart(2, '0')}`,
    sex: rng.pick(['F', 'M', 'U'] as const),
  };
}

export class Patient {
  readonly demo: Demographics;
  private readonly rng: Rng;
  private spo2: number;
  private hr: number;
  private resp: number;
  private temp: number;
  private sys: number;
  private readonly base: { spo2: number; hr: number; resp: number; temp: number; sys: number };
  private episodeUntil = 0;
  private nibp: Vitals['nibp'];
  private nextNibp: number;
  private last = 0;

  constructor(
    rng: Rng,
    index: number,
    start: number,
    readonly nibpEveryUs = 5 * 60e6,
  ) {
    this.rng = rng;
    this.demo = fictionalPatient(rng, index);
    this.base = {
      spo2: 95 + rng.int(0, 4),
      hr: 60 + rng.int(0, 30),
      resp: 12 + rng.int(0, 6),
      temp: 36.4 + rng.int(0, 8) / 10,
      sys: 105 + rng.int(0, 30),
    };
    this.spo2 = this.base.spo2;
    this.hr = this.base.hr;
    this.resp = this.base.resp;
    this.temp = this.base.temp;
    this.sys = this.base.sys;
    // The first cuff cycle runs shortly after admission, then every nibpEveryUs.
    this.nextNibp = start + rng.int(10, 40) * 1e6;
    this.last = start;
  }

  /** Advance the model to time `t` (µs) and read the monitor's current values. */
  at(t: number): Vitals {
    const dt = Math.max(0, (t - this.last) / 1e6);
    this.last = t;
    const r = this.rng;
    if (this.episodeUntil < t && r.next() < dt / 600) this.episodeUntil = t + r.int(20, 90) * 1e6;
    const inEpisode = this.episodeUntil >= t;
    // Pull toward the baseline (or the episode's target), plus noise scaled by elapsed time.
    const k = Math.min(1, dt / 30);
    const spo2Target = inEpisode ? this.base.spo2 - 8 : this.base.spo2;
    const hrTarget = inEpisode ? this.base.hr + 25 : this.base.hr;
    this.spo2 += (spo2Target - this.spo2) * k + r.gauss() * 0.3 * Math.sqrt(dt);
    this.hr += (hrTarget - this.hr) * k + r.gauss() * 0.8 * Math.sqrt(dt);
    this.resp += ((inEpisode ? this.base.resp + 6 : this.base.resp) - this.resp) * k + r.gauss() * 0.2 * Math.sqrt(dt);
    this.temp += (this.base.temp - this.temp) * k * 0.1 + r.gauss() * 0.005 * Math.sqrt(dt);
    this.sys += (this.base.sys + (inEpisode ? 15 : 0) - this.sys) * k + r.gauss() * 0.5 * Math.sqrt(dt);
    this.spo2 = Math.min(100, Math.max(70, this.spo2));
    if (t >= this.nextNibp) {
      const sys = Math.round(this.sys + r.gauss() * 3);
      const dia = Math.round(sys * 0.62 + r.gauss() * 2);
      this.nibp = { sys, dia, mean: Math.round((sys + 2 * dia) / 3), at: this.nextNibp };
      this.nextNibp += this.nibpEveryUs;
    }
    const hr = Math.round(this.hr);
    return {
      spo2: Math.round(this.spo2),
      hr,
      pulse: hr + r.int(-2, 2),
      resp: Math.round(this.resp),
      temp: Math.round(this.temp * 10) / 10,
      nibp: this.nibp,
    };
  }
}
