// Incidents: a device's alerts grouped into one record a person can act on — which device (model,
// addresses), what happened in one line, since when, the alerts under it, and what to do next (the
// rules' text in contract/rule-info.ts, with the outside addresses, the device's clinical feed and
// its advisories filled in). Every alert is under exactly one incident: the one of its device.
// Pure: alerts and devices in, records out; the zones and feeds come from the detector.
import {
  type AlertRecord,
  alertId,
  type DeviceRecord,
  type IncidentRecord,
  severityRank,
} from '../contract/records.js';
import { ruleInfo } from '../contract/rule-info.js';

/**
 * The device records an incident reads: its own device's, and the device of each feed address. A
 * list (every record, as at the end of a run) or a lookup that judges only those asked for (a
 * stream opening one incident: judging every device for each alert was most of a live run).
 */
export interface DeviceLookup {
  byId(id: string): DeviceRecord | undefined;
  /** The first device, in the records' order (by id), whose addresses include `ip`. */
  withIp(ip: string): DeviceRecord | undefined;
}

/** A `DeviceLookup` over a list of records (sorted by id, as the inventory gives them). */
export function listLookup(devices: readonly DeviceRecord[]): DeviceLookup {
  let byId: Map<string, DeviceRecord> | undefined;
  return {
    byId: (id) => (byId ??= new Map(devices.map((d) => [d.id, d]))).get(id),
    withIp: (ip) => devices.find((x) => x.ips.includes(ip)),
  };
}

export interface IncidentInputs {
  readonly alerts: readonly AlertRecord[];
  readonly devices: readonly DeviceRecord[] | DeviceLookup;
  readonly isOutside: (ip: string) => boolean;
  /** A device's clinical HL7 peers at site ("10.1.1.5:2575"), the feed a block must keep. */
  readonly feeds?: (deviceId: string) => readonly string[];
  /** Distinct patients of a device's phi.cleartext alerts; default: the sum of their `patients`. */
  readonly patients?: (deviceId: string) => number;
}

/** At most this many peers are named in the one-line "what happened". */
const MAX_NAMED = 3;
const MAX_NEXT = 6;

function names(list: readonly string[]): string {
  if (list.length <= MAX_NAMED) return list.join(', ');
  return `${list.slice(0, MAX_NAMED).join(', ')} and ${list.length - MAX_NAMED} more`;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The end of an alert that is not the device (the device is the src, or the dst of an inbound flow). */
function peerOf(a: AlertRecord, ips: ReadonlySet<string>): AlertRecord['dst'] | undefined {
  if (a.dst.ip === '') return undefined;
  return ips.has(a.dst.ip) && !ips.has(a.src.ip) ? a.src : a.dst;
}

function endpoint(e: AlertRecord['dst']): string {
  const ip = e.ip.includes(':') && e.port !== undefined ? `[${e.ip}]` : e.ip;
  return e.port !== undefined ? `${ip}:${e.port}` : ip;
}

/**
 * One phrase for one rule's alerts of a device: its title and the peers, paths or patients; empty
 * when every peer it would name is already named by a more severe phrase (`named`, updated).
 */
function phrase(
  rule: string,
  alerts: readonly AlertRecord[],
  ips: ReadonlySet<string>,
  named: Set<string>,
  patients?: number,
): string {
  const title = ruleInfo(rule).title;
  const peers = [
    ...new Set(
      alerts
        .map((a) => peerOf(a, ips))
        .filter((p) => p !== undefined)
        .map((p) => p.ip),
    ),
  ];
  const fresh = peers.filter((p) => !named.has(p));
  for (const p of peers) named.add(p);
  if (rule === 'phi.cleartext') {
    const n = patients ?? alerts.reduce((k, a) => k + num(a.evidence.patients), 0);
    const to = [...new Set(alerts.map((a) => endpoint(a.dst)))];
    return `${title}: ${n} patient${n === 1 ? '' : 's'} to ${names(to)}`;
  }
  if (rule === 'rpc.outbound-nfs') {
    const paths = [...new Set(alerts.flatMap((a) => [...strings(a.evidence.files), ...strings(a.evidence.paths)]))];
    return paths.length > 0 ? `${title}: ${names(paths)} from ${names(peers)}` : `${title} (${names(peers)})`;
  }
  if (rule === 'device.vulnerable') {
    const adv = [...new Set(alerts.flatMap((a) => strings(a.evidence.advisories)))];
    return adv.length > 0 ? `${title} (${adv.join(', ')})` : title;
  }
  if (peers.length > 0 && fresh.length === 0) return '';
  return peers.length > 0 ? `${title} (${names(fresh)})` : title;
}

export function buildIncidents(inp: IncidentInputs): IncidentRecord[] {
  const byDevice = new Map<string, AlertRecord[]>();
  for (const a of inp.alerts) {
    let list = byDevice.get(a.device.id);
    if (list === undefined) byDevice.set(a.device.id, (list = []));
    list.push(a);
  }
  const devices = 'byId' in inp.devices ? inp.devices : listLookup(inp.devices);
  const out: IncidentRecord[] = [];
  for (const [id, list] of byDevice) {
    const dev = devices.byId(id);
    const sorted = [...list].sort(
      (x, y) => severityRank(y.severity) - severityRank(x.severity) || x.first.localeCompare(y.first),
    );
    const ips = new Set(dev?.ips ?? []);
    // A device without a record (raw-IP link): its addresses are the alerts' device ends.
    if (ips.size === 0) for (const a of list) ips.add(a.src.ip);
    const rules = [...new Set(sorted.map((a) => a.rule))];
    const outside = [
      ...new Set(
        sorted
          .map((a) => peerOf(a, ips))
          .filter((p) => p !== undefined && inp.isOutside(p.ip))
          .map((p) => p!.ip),
      ),
    ];
    const phi = list.filter((a) => a.rule === 'phi.cleartext');
    const patients =
      phi.length > 0 ? (inp.patients?.(id) ?? phi.reduce((n, a) => n + num(a.evidence.patients), 0)) : undefined;
    const model = dev?.model ?? list.find((a) => a.device.model !== undefined)?.device.model;
    const advisories = new Map<string, string | undefined>();
    for (const a of dev?.advisories ?? []) advisories.set(a.id, a.url);
    for (const a of list) {
      if (a.rule !== 'egress.ioc') continue;
      const src = strings(a.evidence.source)[0];
      if (src !== undefined && !advisories.has(src)) advisories.set(src, strings(a.evidence.url)[0]);
    }
    out.push({
      type: 'incident',
      id: `incident|${id}`,
      severity: sorted[0]!.severity,
      device: {
        id,
        ...(model !== undefined ? { model } : {}),
        ...(dev?.class !== undefined ? { class: dev.class } : {}),
        ips: [...ips],
      },
      what: what(rules, sorted, ips, patients),
      first: list.map((a) => a.first).sort()[0]!,
      last: list
        .map((a) => a.last)
        .sort()
        .at(-1)!,
      rules,
      alerts: sorted.map((a) => a.id ?? alertId(a)),
      outside,
      ...(phi.length > 0
        ? {
            patients: patients ?? 0,
            messages: phi.reduce((n, a) => n + a.count, 0),
          }
        : {}),
      advisories: [...advisories].map(([aid, url]) => (url !== undefined ? { id: aid, url } : { id: aid })),
      next: nextSteps(rules, outside, [...advisories], feedWords(inp.feeds?.(id) ?? [], devices)),
    });
  }
  return out.sort(
    (x, y) =>
      severityRank(y.severity) - severityRank(x.severity) || x.first.localeCompare(y.first) || x.id.localeCompare(y.id),
  );
}

/** At most this many phrases say what happened; the alerts say the rest. */
const MAX_PHRASES = 4;

function what(
  rules: readonly string[],
  sorted: readonly AlertRecord[],
  ips: ReadonlySet<string>,
  patients?: number,
): string {
  const named = new Set<string>();
  const phrases = rules
    .map((r) =>
      phrase(
        r,
        sorted.filter((a) => a.rule === r),
        ips,
        named,
        patients,
      ),
    )
    .filter((p) => p !== '');
  const more = phrases.length - MAX_PHRASES;
  return (
    phrases.slice(0, MAX_PHRASES).join('; ') + (more > 0 ? `; and ${more} more finding${more === 1 ? '' : 's'}` : '')
  );
}

/** "the central station 10.1.1.2:2575" when the peer is a known device with a class. */
function feedWords(feeds: readonly string[], devices: DeviceLookup): string[] {
  return feeds.map((f) => {
    const ip = f.startsWith('[') ? f.slice(1, f.indexOf(']')) : f.slice(0, f.lastIndexOf(':'));
    const d = devices.withIp(ip);
    const cls = d?.model ?? (d?.class !== undefined && d.class !== 'unknown' ? d.class.replace('-', ' ') : undefined);
    return cls !== undefined ? `the ${cls} ${f}` : f;
  });
}

/** Block first (naming the feed to keep), then the advisories with their links, then each rule's own steps. */
function nextSteps(
  rules: readonly string[],
  outside: readonly string[],
  advisories: readonly (readonly [string, string | undefined])[],
  feeds: readonly string[],
): string[] {
  const infos = rules.map(ruleInfo);
  const lines: string[] = [];
  if (outside.length > 0 && infos.some((i) => i.block)) {
    const keep = feeds.length > 0 ? `its clinical feed to ${names(feeds)}` : 'its clinical feed (central station)';
    lines.push(`Block ${names(outside)} at the gateway, keeping ${keep} open (wardwatch policy learn/compile).`);
  }
  if (infos.some((i) => i.advisory))
    for (const [id, url] of advisories)
      lines.push(`Apply the vendor's advisory ${id}${url !== undefined ? `: ${url}` : ''}`);
  const blocked = lines.length > 0;
  for (const i of infos)
    if (!(blocked && i.nextUnlessBlocked)) for (const l of i.next) if (!lines.includes(l)) lines.push(l);
  return lines.slice(0, MAX_NEXT);
}
