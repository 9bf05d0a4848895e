// The patient ledger: the one record of which patients' identifying HL7 crossed where. One entry
// per (site device, peer endpoint) keeps the salted patient hashes, messages, fields, message types
// and first/last; entries whose peer is outside also belong to a destination (ip, port) that keeps
// the per-minute timeline. The detector writes it before the rules see an event (so the breach
// report exists even with phi.cleartext disabled); phi.cleartext reads the entries at finish, and
// the breach report is built from the same entries. Hashes never leave this file: the report and
// the alerts carry counts only.
import { type BreachReport, MAX_BREACH_PROXIES, MAX_PATIENT_HASHES, NOTIFY_THRESHOLD } from '../contract/breach.js';
import { hostPortText, isoTime } from '../contract/records.js';
import type { Endpoint, Hl7Message, Micros } from '../events.js';
import type { Zones } from '../net/zones.js';

/** What the ledger needs from the rule context (structural, so context.ts can own a ledger). */
export interface LedgerContext {
  readonly zones: Zones;
  deviceId(ip: string, mac?: string): string;
  warnOnce(text: string): void;
}

/** An outside destination of the breach report; its patients are the union of its entries'. */
interface Destination {
  readonly ip: string;
  readonly port: number;
  readonly entries: LedgerEntry[];
  /** Minute (µs at the minute's start) → messages. */
  readonly minutes: Map<number, number>;
}

/** One (site device, peer endpoint) pair. */
export interface LedgerEntry {
  /** The flow's ends as the first message had them. */
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** The device's id when the pair was first seen. */
  readonly deviceId: string;
  /** The device is the responder of the flow (the outside end connected in). */
  readonly inbound: boolean;
  /** The peer end's port, kept here so the per-flow lookup reads only this object. */
  readonly peerPort: number | undefined;
  /** The peer is outside the site (the pair counts in the breach report). */
  readonly outside: boolean;
  readonly hashes: Set<string>;
  messages: number;
  readonly fields: Set<string>;
  readonly types: Set<string>;
  /** Device ids at each message (the report lists every id a destination's data came from). */
  readonly devices: Set<string>;
  first: Micros;
  last: Micros;
  /**
   * What the previous message added: a monitor repeats one patient, one field list and one type
   * message after message, and comparing references is cheaper than hashing into the sets.
   */
  lastHash: string | undefined;
  lastFields: readonly string[];
  lastType: string | undefined;
  lastDevice: string | undefined;
  /** Undefined when the peer is not outside, or the destination table was full. */
  readonly dest: Destination | undefined;
  /** The proxy the first message went through, when the peer was reached through one (a granted CONNECT to it). */
  readonly via?: Endpoint;
  /** Every proxy (`ip:port`, at most MAX_BREACH_PROXIES) a flow of this pair went through; the breach report's `proxies`. */
  readonly proxies: Set<string>;
  /** A flow of this pair went to the peer directly. */
  direct: boolean;
  /** A patient of this pair was not kept: the ledger held MAX_PATIENT_HASHES (its count is a lower bound). */
  capped: boolean;
}

/** Message types kept per pair (MSH-9 is the sender's text: a hostile one could send a new one each message). */
const MAX_TYPES = 64;

const MINUTE = 60e6;
const MAX_ENTRIES = 50_000;
const MAX_DESTINATIONS = 10_000;
const MAX_MINUTES = 100_000;

/** Same strings in the same order (field names are the decoder's constants). */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class PatientLedger {
  // Device address → peer address → that pair's entries by peer port (interned strings, no key
  // built per flow); `list` keeps creation order for phi.cleartext's finish.
  private readonly byDevice = new Map<string, Map<string, LedgerEntry[]>>();
  private readonly list: LedgerEntry[] = [];
  private readonly dests = new Map<string, Destination>();
  /** Events of one flow reuse its Endpoint objects: the entry is found once per direction. */
  private readonly byEnds = new WeakMap<Endpoint, { dst: Endpoint; e: LedgerEntry | null }>();
  /** Patient hashes kept over every entry (at most MAX_PATIENT_HASHES). */
  private hashes = 0;
  /** A patient was not kept: every count is a lower bound. */
  private full = false;

  /**
   * Record one HL7 message; only messages with patient hashes or identifying fields count. `via`:
   * the message went through this proxy, and the event's end that was the proxy is already the
   * destination the proxy was asked for (the detector's `Context.throughProxy`).
   */
  add(ev: Hl7Message, ctx: LedgerContext, via?: Endpoint): void {
    if (ev.patientHashes.length === 0 && ev.fieldsPresent.length === 0) return;
    const c = this.byEnds.get(ev.src);
    let e = c !== undefined && c.dst === ev.dst ? c.e : undefined;
    if (e === undefined) {
      e = this.entryFor(ev, ctx, via);
      this.byEnds.set(ev.src, { dst: ev.dst, e });
      // Once per flow direction: how this flow reached the peer (a pair's flows may differ).
      if (e !== null) {
        if (via === undefined) e.direct = true;
        else if (e.proxies.size < MAX_BREACH_PROXIES) e.proxies.add(hostPortText(via.ip, via.port));
      }
    }
    if (e === null) return;
    for (const h of ev.patientHashes) {
      if (h === e.lastHash) continue;
      e.lastHash = h;
      if (this.hashes < MAX_PATIENT_HASHES) {
        const before = e.hashes.size;
        e.hashes.add(h);
        this.hashes += e.hashes.size - before;
      } else if (!e.hashes.has(h)) {
        if (!e.capped)
          ctx.warnOnce(`phi.cleartext: more than ${MAX_PATIENT_HASHES} distinct patients; the counts are lower bounds`);
        e.capped = true;
        this.full = true;
      }
    }
    if (!sameList(ev.fieldsPresent, e.lastFields)) {
      for (const f of ev.fieldsPresent) e.fields.add(f);
      e.lastFields = ev.fieldsPresent;
    }
    if (ev.messageType !== e.lastType) {
      if (e.types.size < MAX_TYPES) e.types.add(ev.messageType);
      e.lastType = ev.messageType;
    }
    e.messages++;
    e.last = Math.max(e.last, ev.ts);
    e.first = Math.min(e.first, ev.ts);
    const d = e.dest;
    if (d === undefined) return;
    const device = e.inbound ? ev.dst : ev.src;
    const id = ctx.deviceId(device.ip, device.mac);
    if (id !== e.lastDevice) {
      e.devices.add(id);
      e.lastDevice = id;
    }
    const m = Math.floor(ev.ts / MINUTE) * MINUTE;
    if (d.minutes.size < MAX_MINUTES || d.minutes.has(m)) d.minutes.set(m, (d.minutes.get(m) ?? 0) + 1);
  }

  /** Every (device, peer) entry, in the order first seen. */
  entries(): readonly LedgerEntry[] {
    return this.list;
  }

  /** The (device, peer) entry of a message; null when no site device is involved or the table is full. */
  private entryFor(ev: Hl7Message, ctx: LedgerContext, via: Endpoint | undefined): LedgerEntry | null {
    const z = ctx.zones;
    // The device is the site end; when both are site, the sender (originator) is.
    const inbound = !z.isSite(ev.src.ip) && z.isSite(ev.dst.ip);
    const device = inbound ? ev.dst : ev.src;
    if (!z.isSite(device.ip)) return null;
    const peer = inbound ? ev.src : ev.dst;
    let byPeer = this.byDevice.get(device.ip);
    const pair = byPeer?.get(peer.ip);
    if (pair !== undefined) for (const x of pair) if (x.peerPort === peer.port) return x;
    if (this.list.length >= MAX_ENTRIES) {
      ctx.warnOnce('phi.cleartext: too many (device, destination) pairs; later ones are not tracked');
      return null;
    }
    const outside = z.isOutside(peer.ip);
    const e: LedgerEntry = {
      src: inbound ? peer : device,
      dst: inbound ? device : peer,
      deviceId: ctx.deviceId(device.ip, device.mac),
      inbound,
      peerPort: peer.port,
      outside,
      hashes: new Set(),
      messages: 0,
      fields: new Set(),
      types: new Set(),
      devices: new Set(),
      first: ev.ts,
      last: ev.ts,
      lastHash: undefined,
      lastFields: [],
      lastType: undefined,
      lastDevice: undefined,
      dest: outside ? this.destination(peer) : undefined,
      ...(via !== undefined ? { via } : {}),
      proxies: new Set(),
      direct: false,
      capped: false,
    };
    e.dest?.entries.push(e);
    this.list.push(e);
    if (pair !== undefined) pair.push(e);
    else {
      if (byPeer === undefined) this.byDevice.set(device.ip, (byPeer = new Map()));
      byPeer.set(peer.ip, [e]);
    }
    return e;
  }

  private destination(peer: Endpoint): Destination | undefined {
    const port = peer.port ?? 0;
    const key = `${peer.ip}|${port}`;
    let d = this.dests.get(key);
    if (d === undefined) {
      if (this.dests.size >= MAX_DESTINATIONS) return undefined;
      d = { ip: peer.ip, port, entries: [], minutes: new Map() };
      this.dests.set(key, d);
    }
    return d;
  }

  /** The breach report: per outside destination, distinct patients across its devices (exact). */
  report(): BreachReport {
    const all = new Set<string>();
    let messages = 0;
    const rows = [...this.dests.values()].map((d) => {
      const hashes = new Set<string>();
      const fields = new Set<string>();
      const devices = new Set<string>();
      const proxies = new Set<string>();
      let direct = false;
      let capped = false;
      let n = 0;
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const e of d.entries) {
        for (const h of e.hashes) hashes.add(h);
        for (const f of e.fields) fields.add(f);
        for (const id of e.devices) devices.add(id);
        for (const p of e.proxies) proxies.add(p);
        if (e.direct) direct = true;
        if (e.capped) capped = true;
        n += e.messages;
        first = Math.min(first, e.first);
        last = Math.max(last, e.last);
      }
      return { d, hashes, fields, devices, proxies, direct, capped, messages: n, first, last };
    });
    const destinations = rows
      .sort((a, b) => b.hashes.size - a.hashes.size || b.messages - a.messages || a.first - b.first)
      .map((r) => {
        for (const h of r.hashes) all.add(h);
        messages += r.messages;
        return {
          ip: r.d.ip,
          port: r.d.port,
          protocol: 'hl7/mllp',
          patients: r.hashes.size,
          messages: r.messages,
          first: isoTime(r.first),
          last: isoTime(r.last),
          fields: [...r.fields].sort(),
          devices: [...r.devices].sort(),
          notify: r.hashes.size >= NOTIFY_THRESHOLD,
          timeline: [...r.d.minutes.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([t, k]): [string, number] => [isoTime(t), k]),
          proxies: [...r.proxies].sort().slice(0, MAX_BREACH_PROXIES),
          direct: r.direct,
          ...(r.capped ? { capped: true as const } : {}),
        };
      });
    return {
      destinations,
      totals: {
        patients: all.size,
        messages,
        destinations: destinations.length,
        notify: all.size >= NOTIFY_THRESHOLD,
        ...(this.full ? { capped: true as const } : {}),
      },
      threshold: NOTIFY_THRESHOLD,
    };
  }
}
