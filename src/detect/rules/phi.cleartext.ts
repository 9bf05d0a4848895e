// phi.cleartext — HL7 carrying patient identifiers in cleartext to an outside address, or to
// an address that is not a declared HL7 receiver of that device (config `hl7Receivers`, by
// device or class/model). With no receivers declared, only outside destinations count:
// internal central stations are the normal clinical path.
//
// Judged at finish: a device's class and model are known only once inventory is complete.
// Patients are counted by salted hash; the hashes never leave this file.
import type { DeviceRecord } from '../../contract/records.js';
import type { Endpoint, Hl7Message, Micros, WardEvent } from '../../events.js';
import type { Context, Rule } from '../context.js';
import { CidrSet, parseCidr } from '../../net/cidr-set.js';

interface Bucket {
  src: Endpoint;
  dst: Endpoint;
  deviceId: string;
  /** The device is the responder of the flow (the outside end connected in). */
  inbound: boolean;
  /** The peer end's port, kept here so the per-flow lookup reads only this object. */
  peerPort: number | undefined;
  hashes: Set<string>;
  messages: number;
  fields: Set<string>;
  types: Set<string>;
  first: Micros;
  last: Micros;
  /**
   * What the previous message added: a monitor repeats one patient, one field list and one type
   * message after message, and comparing references is cheaper than hashing into the sets.
   */
  lastHash: string | undefined;
  lastFields: readonly string[];
  lastType: string | undefined;
}

/** Same strings in the same order (field names are the decoder's constants). */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const MAX_BUCKETS = 50_000;

export function createPhiCleartext(): Rule {
  // Device address → peer address → that pair's buckets by peer port (interned strings, no key
  // built per flow); `buckets` keeps creation order for finish.
  const byDevice = new Map<string, Map<string, Bucket[]>>();
  const buckets: Bucket[] = [];

  const receiversFor = (ctx: Context, deviceId: string, ip: string, dev: DeviceRecord | undefined) => {
    const set = new CidrSet<true>();
    for (const r of ctx.config.hl7Receivers) {
      const byDevice = r.device !== undefined && (r.device.toLowerCase() === deviceId || r.device === ip);
      const cls = r.class?.toLowerCase();
      const byClass = cls !== undefined && (cls === dev?.class || cls === dev?.model?.toLowerCase());
      if (!byDevice && !byClass) continue;
      for (const x of r.receivers) {
        const c = parseCidr(x);
        if (c) set.add(c, true);
      }
    }
    return set;
  };

  const byEnds = new WeakMap<Endpoint, { dst: Endpoint; b: Bucket | null }>();

  /** The (device, destination) bucket of a message; null when no site device is involved or the table is full. */
  const bucketFor = (ev: Hl7Message, ctx: Context): Bucket | null => {
    // The device is the site end; when both are site, the sender (originator) is.
    const inbound = !ctx.zones.isSite(ev.src.ip) && ctx.zones.isSite(ev.dst.ip);
    const device = inbound ? ev.dst : ev.src;
    if (!ctx.zones.isSite(device.ip)) return null;
    const peer = inbound ? ev.src : ev.dst;
    let byPeer = byDevice.get(device.ip);
    const pair = byPeer?.get(peer.ip);
    let b: Bucket | undefined;
    if (pair !== undefined)
      for (const x of pair)
        if (x.peerPort === peer.port) {
          b = x;
          break;
        }
    if (b === undefined) {
      if (buckets.length >= MAX_BUCKETS) {
        ctx.warnOnce('phi.cleartext: too many (device, destination) pairs; later ones are not tracked');
        return null;
      }
      b = {
        src: inbound ? peer : device,
        dst: inbound ? device : peer,
        deviceId: ctx.deviceId(device.ip, device.mac),
        inbound,
        peerPort: peer.port,
        hashes: new Set(),
        messages: 0,
        fields: new Set(),
        types: new Set(),
        first: ev.ts,
        last: ev.ts,
        lastHash: undefined,
        lastFields: [],
        lastType: undefined,
      };
      buckets.push(b);
      if (pair !== undefined) pair.push(b);
      else {
        if (byPeer === undefined) byDevice.set(device.ip, (byPeer = new Map()));
        byPeer.set(peer.ip, [b]);
      }
    }
    return b;
  };

  return {
    id: 'phi.cleartext',
    types: ['hl7-message'],
    onEvent(ev: WardEvent, ctx: Context): void {
      if (ev.type !== 'hl7-message') return;
      if (ev.patientHashes.length === 0 && ev.fieldsPresent.length === 0) return;
      // Events of one flow reuse its Endpoint objects: the bucket is found once per direction.
      const c = byEnds.get(ev.src);
      let b = c !== undefined && c.dst === ev.dst ? c.b : undefined;
      if (b === undefined) {
        b = bucketFor(ev, ctx);
        byEnds.set(ev.src, { dst: ev.dst, b });
      }
      if (b === null) return;
      for (const h of ev.patientHashes) {
        if (h === b.lastHash) continue;
        b.hashes.add(h);
        b.lastHash = h;
      }
      if (!sameList(ev.fieldsPresent, b.lastFields)) {
        for (const f of ev.fieldsPresent) b.fields.add(f);
        b.lastFields = ev.fieldsPresent;
      }
      if (ev.messageType !== b.lastType) {
        b.types.add(ev.messageType);
        b.lastType = ev.messageType;
      }
      b.messages++;
      b.last = Math.max(b.last, ev.ts);
      b.first = Math.min(b.first, ev.ts);
    },
    finish(ctx: Context, devices: readonly DeviceRecord[]): void {
      const byId = new Map(devices.map((d) => [d.id, d]));
      for (const b of buckets) {
        const device = b.inbound ? b.dst : b.src;
        const peer = b.inbound ? b.src : b.dst;
        const outside = ctx.zones.isOutside(peer.ip);
        let why: string;
        if (outside) why = `to outside address ${peer.ip}${peer.port !== undefined ? ` port ${peer.port}` : ''}`;
        else {
          const receivers = receiversFor(ctx, b.deviceId, device.ip, byId.get(b.deviceId));
          if (receivers.size === 0 || receivers.match(peer.ip) === true) continue;
          why = `to ${peer.ip}, which is not a declared HL7 receiver of this device`;
        }
        const patients = b.hashes.size;
        ctx.raise({
          rule: 'phi.cleartext',
          ts: b.first,
          last: b.last,
          count: b.messages,
          src: b.src,
          dst: b.dst,
          deviceId: b.deviceId,
          message: `sends patient data in cleartext HL7 (${patients} patient${patients === 1 ? '' : 's'}, ${b.messages} message${b.messages === 1 ? '' : 's'}) ${why}`,
          evidence: {
            patients,
            messages: b.messages,
            fields: [...b.fields].sort(),
            messageTypes: [...b.types].sort(),
            outside,
            window: { first: new Date(b.first / 1000).toISOString(), last: new Date(b.last / 1000).toISOString() },
          },
        });
      }
    },
  };
}
