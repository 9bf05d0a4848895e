// The demo ward's records into the store as they happen: a RecordSink per epoch (one Pipeline)
// keeps the newest alert and device records, and `flush` writes what changed. The store adds
// counts up (`accumulate`: each write is new traffic), so each write carries only the part not
// yet written in this epoch — an alert's count, a device's packets and bytes — and across epochs
// and within one the stored totals are the sum of what each epoch saw, never a running total
// counted twice. Every changed row is then pushed to the SSE hub.
import { type AlertRecord, alertKey, type DeviceRecord } from '../../contract/records.js';
import type { RecordSink } from '../../engine/stream.js';
import type { Store } from '../../store/store.js';
import type { LiveHub } from './hub.js';
import { publishChanges } from './publish.js';

export class StoreStream {
  readonly stats = { alertWrites: 0, deviceWrites: 0 };
  private alerts = new Map<string, AlertRecord>();
  private devices = new Map<string, DeviceRecord>();
  /** What this epoch has already written: count by alert key, packets/bytes by device id. */
  private written = { alerts: new Map<string, number>(), devices: new Map<string, [number, number]>() };
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly hub: LiveHub,
  ) {}

  /** A sink for a new epoch's Pipeline (what earlier epochs wrote stays written). Call after `flush`. */
  epoch(): RecordSink {
    if (this.pending > 0) throw new Error('StoreStream.epoch: flush the previous epoch first');
    const written = { alerts: new Map<string, number>(), devices: new Map<string, [number, number]>() };
    const alerts = new Map<string, AlertRecord>();
    const devices = new Map<string, DeviceRecord>();
    this.written = written;
    this.alerts = alerts;
    this.devices = devices;
    return {
      alert: (a) => alerts.set(alertKey(a), { ...a }),
      update: (_u, full) => {
        if (full !== undefined) alerts.set(alertKey(full), { ...full });
      },
      device: (d) => devices.set(d.id, d),
    };
  }

  get pending(): number {
    return this.alerts.size + this.devices.size;
  }

  /** Write what changed since the last flush (one flush at a time) and publish it. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending === 0) return;
    const { written } = this;
    const alerts: AlertRecord[] = [];
    for (const [key, a] of this.alerts) {
      const before = written.alerts.get(key) ?? 0;
      if (a.count <= before) continue;
      written.alerts.set(key, a.count);
      alerts.push({ ...a, count: a.count - before });
    }
    const devices: DeviceRecord[] = [];
    for (const d of this.devices.values()) {
      const [p, b] = written.devices.get(d.id) ?? [0, 0];
      const packets = d.packets ?? 0;
      const bytes = d.bytes ?? 0;
      written.devices.set(d.id, [Math.max(p, packets), Math.max(b, bytes)]);
      devices.push({ ...d, packets: Math.max(0, packets - p), bytes: Math.max(0, bytes - b) });
    }
    this.alerts.clear();
    this.devices.clear();
    const deviceIds = await this.store.write.devices(devices, { accumulate: true });
    const alertIds = await this.store.write.alerts(alerts, { accumulate: true });
    this.stats.alertWrites += alerts.length;
    this.stats.deviceWrites += devices.length;
    await publishChanges({ store: this.store, hub: this.hub }, deviceIds, alertIds);
  }
}
