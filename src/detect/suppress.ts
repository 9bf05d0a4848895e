// Suppressions (config `suppressions`): an accepted risk, with a reason and an expiry, for
// one rule and optionally one device and one peer. Suppressed alerts are counted in the
// warnings, never dropped silently; an expired suppression is ignored and says so.
import type { Suppression } from '../contract/config.js';
import type { Aggregate } from './aggregate.js';
import type { ResolutionTable } from './dns-table.js';
import { peerMatches } from './rules/policy.violation.js';

/** End of the given day (UTC) for a date, the instant itself for a date-time. */
export function expiryTime(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires) ? Date.parse(`${expires}T23:59:59.999Z`) : Date.parse(expires);
}

export class Suppressor {
  private readonly active: { s: Suppression; index: number; hits: number }[] = [];
  readonly warnings: string[] = [];
  suppressed = 0;

  constructor(list: readonly Suppression[], now: number) {
    list.forEach((s, index) => {
      if (expiryTime(s.expires) < now) {
        this.warnings.push(
          `suppression #${index + 1} (${s.rule}${s.device !== undefined ? ` device ${s.device}` : ''}${s.peer !== undefined ? ` peer ${s.peer}` : ''}) expired on ${s.expires}; its alerts are reported again`,
        );
      } else this.active.push({ s, index, hits: 0 });
    });
  }

  /** True when an active suppression covers the alert (and counts it). */
  covers(a: Aggregate, dns: ResolutionTable): boolean {
    const e = this.find(a, dns);
    if (e === undefined) return false;
    e.hits++;
    this.suppressed++;
    return true;
  }

  /** True when an active suppression covers the alert now, without counting it (a streamed, provisional alert). */
  matches(a: Aggregate, dns: ResolutionTable): boolean {
    return this.find(a, dns) !== undefined;
  }

  private find(a: Aggregate, dns: ResolutionTable): { s: Suppression; index: number; hits: number } | undefined {
    for (const e of this.active) {
      const { s } = e;
      if (s.rule !== a.rule) continue;
      if (s.device !== undefined) {
        const d = s.device.toLowerCase();
        if (d !== a.deviceId && d !== a.src.ip && d !== a.dst.ip && d !== a.src.mac) continue;
      }
      if (s.peer !== undefined) {
        const hit = [a.dst.ip, a.src.ip].some(
          (ip) => ip !== '' && peerMatches(s.peer ?? '', ip, new Set(dns.everNames(ip))),
        );
        if (!hit) continue;
      }
      return e;
    }
    return undefined;
  }

  /** One warning per suppression that hid something. */
  summary(): string[] {
    return this.active
      .filter((e) => e.hits > 0)
      .map(
        (e) =>
          `${e.hits} ${e.s.rule} alert${e.hits === 1 ? '' : 's'} suppressed by suppression #${e.index + 1} until ${e.s.expires}: ${e.s.reason}`,
      );
  }
}
