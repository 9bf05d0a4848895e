// Patient-exposure accounting for the breach report: per outside destination (ip, port),
// distinct patients across all devices, messages, time window, fields and devices. Hashes
// stay in this ledger; the report carries counts only.
import { type BreachReport, NOTIFY_THRESHOLD } from '../contract/breach.js';
import { isoTime } from '../contract/records.js';
import type { Hl7Message, Micros } from '../events.js';

interface Dest {
  ip: string;
  port: number;
  hashes: Set<string>;
  messages: number;
  first: Micros;
  last: Micros;
  fields: Set<string>;
  devices: Set<string>;
  /** Minute (µs at the minute's start) → messages. */
  minutes: Map<number, number>;
  /** What the previous message added (one monitor repeats one patient and field list). */
  lastHash: string | undefined;
  lastFields: readonly string[];
  lastDevice: string | undefined;
}

const MINUTE = 60e6;
const MAX_DESTINATIONS = 10_000;
const MAX_MINUTES = 100_000;

/** Same strings in the same order (field names are the decoder's constants). */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class BreachLedger {
  private readonly dests = new Map<string, Dest>();
  /**
   * Destination by the flow's Endpoint object (events of one flow share them), so a message does
   * not build the 'ip|port' key again.
   */
  private readonly byEndpoint = new WeakMap<object, Dest>();

  /** Record one identifying HL7 message that crossed to `outside` (its ip and port). */
  add(ev: Hl7Message, outside: { ip: string; port?: number }, deviceId: string): void {
    const d = this.byEndpoint.get(outside) ?? this.dest(ev, outside);
    if (d === undefined) return;
    for (const h of ev.patientHashes) {
      if (h === d.lastHash) continue;
      d.hashes.add(h);
      d.lastHash = h;
    }
    if (!sameList(ev.fieldsPresent, d.lastFields)) {
      for (const f of ev.fieldsPresent) d.fields.add(f);
      d.lastFields = ev.fieldsPresent;
    }
    if (deviceId !== d.lastDevice) {
      d.devices.add(deviceId);
      d.lastDevice = deviceId;
    }
    d.messages++;
    d.first = Math.min(d.first, ev.ts);
    d.last = Math.max(d.last, ev.ts);
    const m = Math.floor(ev.ts / MINUTE) * MINUTE;
    if (d.minutes.size < MAX_MINUTES || d.minutes.has(m)) d.minutes.set(m, (d.minutes.get(m) ?? 0) + 1);
  }

  private dest(ev: Hl7Message, outside: { ip: string; port?: number }): Dest | undefined {
    const port = outside.port ?? 0;
    const key = `${outside.ip}|${port}`;
    let d = this.dests.get(key);
    if (d === undefined) {
      if (this.dests.size >= MAX_DESTINATIONS) return undefined;
      d = {
        ip: outside.ip,
        port,
        hashes: new Set(),
        messages: 0,
        first: ev.ts,
        last: ev.ts,
        fields: new Set(),
        devices: new Set(),
        minutes: new Map(),
        lastHash: undefined,
        lastFields: [],
        lastDevice: undefined,
      };
      this.dests.set(key, d);
    }
    this.byEndpoint.set(outside, d);
    return d;
  }

  report(): BreachReport {
    const all = new Set<string>();
    let messages = 0;
    const destinations = [...this.dests.values()]
      .sort((a, b) => b.hashes.size - a.hashes.size || b.messages - a.messages || a.first - b.first)
      .map((d) => {
        for (const h of d.hashes) all.add(h);
        messages += d.messages;
        return {
          ip: d.ip,
          port: d.port,
          protocol: 'hl7/mllp',
          patients: d.hashes.size,
          messages: d.messages,
          first: isoTime(d.first),
          last: isoTime(d.last),
          fields: [...d.fields].sort(),
          devices: [...d.devices].sort(),
          notify: d.hashes.size >= NOTIFY_THRESHOLD,
          timeline: [...d.minutes.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([t, n]): [string, number] => [isoTime(t), n]),
        };
      });
    return {
      destinations,
      totals: {
        patients: all.size,
        messages,
        destinations: destinations.length,
        notify: all.size >= NOTIFY_THRESHOLD,
      },
      threshold: NOTIFY_THRESHOLD,
    };
  }
}
