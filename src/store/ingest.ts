// Batched ingest from the live pipeline: `onEvent` (an EventSink for Pipeline's onEvent) folds
// flows, DNS answers, device addresses, patient exposure and what devices asked proxies for
// (`proxy-request`) into a Batch; `flush` writes it in one transaction. Flushes run one at a
// time; events arriving meanwhile go to the next batch.
// Patient identifiers arrive as salted hashes only (events never carry them in clear).
// Without a store (a sensor shipping to a console) nothing flushes by itself: the owner cuts
// batches with `take()` at points of its choosing.
import { MAX_BREACH_PROXIES } from '../contract/breach.js';
import { hostPortText, isoTime } from '../contract/records.js';
import type { FlowEnd, Hl7Message, WardEvent } from '../events.js';
import { Batch, foldProxyRequest } from './batch.js';
import type { Store } from './store.js';

export interface IngestZones {
  /** The hospital's own addresses. */
  isSite(ip: string): boolean;
  /** Everything that is neither site nor special (multicast, broadcast, …). */
  isOutside(ip: string): boolean;
}

export interface IngestOptions {
  readonly zones: IngestZones;
  /** Width of a flow bucket (default 60 s). */
  readonly bucketSeconds?: number;
  /** Flush on its own every this many ms (default 1000; 0: only when asked). */
  readonly flushMs?: number;
  /** Flush early when a batch holds this many rows (default 20,000). */
  readonly maxRows?: number;
  readonly onError?: (err: unknown) => void;
}

export class Ingestor {
  private batch = new Batch();
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly bucket: number;
  private readonly maxRows: number;
  /** Events folded so far, and events whose batch is committed. */
  readonly stats = { events: 0, committed: 0, batches: 0 };

  constructor(
    private readonly store: Store | undefined,
    private readonly opts: IngestOptions,
  ) {
    this.bucket = opts.bucketSeconds ?? 60;
    this.maxRows = opts.maxRows ?? 20_000;
    const every = store === undefined ? 0 : (opts.flushMs ?? 1000);
    if (every > 0) {
      this.timer = setInterval(() => void this.flush().catch((err) => this.opts.onError?.(err)), every);
      this.timer.unref();
    }
  }

  readonly onEvent = (ev: WardEvent): void => {
    const b = this.batch;
    b.events++;
    this.stats.events++;
    switch (ev.type) {
      case 'flow-end':
        this.flow(b, ev);
        break;
      case 'device-seen':
        if (ev.ip !== undefined && this.opts.zones.isSite(ev.ip)) {
          const t = isoTime(ev.ts);
          b.addresses.set(`${ev.mac}|${ev.ip}`, { device_id: ev.mac, ip: ev.ip, first: t, last: t });
        }
        break;
      case 'dns-answer':
        for (const r of ev.resolved) {
          const k = `${ev.asker}|${r.name}|${r.address}`;
          const cur = b.dns.get(k);
          const t = isoTime(ev.ts);
          if (cur === undefined)
            b.dns.set(k, {
              asker: ev.asker,
              name: r.name,
              address: r.address,
              ttl: r.ttl,
              first: t,
              last: t,
              count: 1,
            });
          else {
            cur.count++;
            cur.last = t;
            cur.ttl = r.ttl;
          }
        }
        break;
      case 'hl7-message':
        if (ev.patientHashes.length > 0 || ev.fieldsPresent.length > 0) this.exposure(b, ev);
        break;
      case 'proxy-request':
        // What a site device asked a proxy for, under the device → proxy service (as policy/observe.ts keeps it).
        if (this.opts.zones.isSite(ev.src.ip)) {
          const t = isoTime(ev.ts);
          foldProxyRequest(b, {
            device_id: ev.src.mac ?? `ip:${ev.src.ip}`,
            proxy_ip: ev.dst.ip,
            proxy_port: ev.dst.port ?? -1,
            target_host: ev.targetIp ?? ev.targetHost,
            target_port: ev.targetPort ?? -1,
            requests: 1,
            refused: ev.granted === false ? 1 : 0,
            first: t,
            last: t,
          });
        }
        break;
      default:
        break;
    }
    if (this.store !== undefined && b.rows >= this.maxRows && this.inFlight === undefined)
      void this.flush().catch((err) => this.opts.onError?.(err));
  };

  private flow(b: Batch, ev: FlowEnd): void {
    const z = this.opts.zones;
    const bucket = Math.floor(ev.first / 1e6 / this.bucket) * this.bucket;
    const port = ev.dst.port ?? -1;
    const app = ev.app ?? '';
    const packets = ev.packets[0] + ev.packets[1];
    const bytes = ev.bytes[0] + ev.bytes[1];
    const add = (device: string, peer: string) => {
      const k = `${device}|${peer}|${ev.proto}|${port}|${app}|${bucket}`;
      const cur = b.flows.get(k);
      if (cur === undefined)
        b.flows.set(k, {
          device_id: device,
          peer_ip: peer,
          proto: ev.proto,
          port,
          app,
          bucket,
          zone: z.isOutside(peer) ? 'outside' : 'inside',
          flows: 1,
          packets,
          bytes,
        });
      else {
        cur.flows++;
        cur.packets += packets;
        cur.bytes += bytes;
      }
    };
    if (z.isSite(ev.src.ip)) add(ev.src.mac ?? `ip:${ev.src.ip}`, ev.dst.ip);
    if (z.isSite(ev.dst.ip)) add(ev.dst.mac ?? `ip:${ev.dst.ip}`, ev.src.ip);
  }

  private exposure(b: Batch, ev: Hl7Message): void {
    const z = this.opts.zones;
    let outside: { ip: string; port?: number };
    let device: string;
    // Sent through a proxy: the proxy's end is where the proxy was asked to connect (as the detector's ledger has it).
    const p = ev.proxied;
    const srcProxy = p !== undefined && ev.src.ip === p.proxy.ip && ev.src.port === p.proxy.port;
    const dstProxy = p !== undefined && ev.dst.ip === p.proxy.ip && ev.dst.port === p.proxy.port;
    const src = srcProxy ? p.target : ev.src;
    const dst = dstProxy ? p.target : ev.dst;
    if (z.isSite(src.ip) && z.isOutside(dst.ip)) {
      outside = dst;
      device = ev.src.mac ?? `ip:${src.ip}`;
    } else if (z.isSite(dst.ip) && z.isOutside(src.ip)) {
      outside = src;
      device = ev.dst.mac ?? `ip:${dst.ip}`;
    } else return;
    const port = outside.port ?? 0;
    const k = `${outside.ip}|${port}`;
    const t = isoTime(ev.ts);
    let d = b.exposure.get(k);
    if (d === undefined) {
      d = {
        ip: outside.ip,
        port,
        protocol: 'hl7/mllp',
        messages: 0,
        first: t,
        last: t,
        fields: new Set(),
        devices: new Set(),
        proxies: new Set(),
        direct: false,
      };
      b.exposure.set(k, d);
    }
    if (p !== undefined && (srcProxy || dstProxy)) {
      if (d.proxies.size < MAX_BREACH_PROXIES) d.proxies.add(hostPortText(p.proxy.ip, p.proxy.port));
    } else d.direct = true;
    d.messages++;
    if (t < d.first) d.first = t;
    if (t > d.last) d.last = t;
    for (const f of ev.fieldsPresent) d.fields.add(f);
    d.devices.add(device);
    for (const h of ev.patientHashes) b.patients.set(`${k}|${h}`, { ip: outside.ip, port, patient_hash: h });
    const minute = `${t.slice(0, 16)}:00.000Z`;
    const mk = `${k}|${minute}`;
    const m = b.minutes.get(mk);
    if (m === undefined) b.minutes.set(mk, { ip: outside.ip, port, minute, messages: 1 });
    else m.messages++;
  }

  /** Rows folded into the batch being built. */
  get rows(): number {
    return this.batch.rows;
  }

  /** Hand over what has been folded so far (and start a new batch) without writing it. */
  take(): Batch {
    const b = this.batch;
    this.batch = new Batch();
    this.stats.batches++;
    return b;
  }

  /** Write what has been folded so far; resolves when it (and any flush before it) is committed. */
  async flush(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
    const b = this.batch;
    if (b.empty) return;
    const store = this.store;
    if (store === undefined) throw new Error('Ingestor.flush: no store (use take())');
    this.batch = new Batch();
    this.inFlight = store.write.batch(b).then(
      () => {
        this.stats.committed += b.events;
        this.stats.batches++;
        this.inFlight = undefined;
      },
      (err: unknown) => {
        this.inFlight = undefined;
        throw err;
      },
    );
    await this.inFlight;
  }

  /** Stop the timer and write the last batch. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
