// A stream's incidents (`engine/stream.ts`): an `incident` record when a device's first alert
// goes out (the incident opens), again at a tick when what it says changed (at most one per
// incident per tick, like alert-updates), and at the end every final incident that differs from
// what was sent, then a `withdrawn` copy of each sent one that is not in the final list. Built
// from the alerts as they were last sent, by the detector's own `incidentsOf` (the same text,
// feeds and patient counts as `analyze FILE`'s incidents).
import type { AlertRecord, DeviceRecord, IncidentRecord } from '../contract/records.js';
import { alertOrder, type Detector } from '../detect/detector.js';
import type { DeviceLookup } from '../detect/incidents.js';

export class StreamIncidents {
  /** Each incident as last sent, by id (bounded by the device table). */
  private readonly sent = new Map<string, { json: string; rec: IncidentRecord }>();
  /** Devices whose alerts changed since the last tick. */
  private readonly dirty = new Set<string>();
  count = 0;

  constructor(
    private readonly detector: Detector,
    private readonly emit: ((i: IncidentRecord) => void) | undefined,
  ) {}

  /** An alert of `deviceId` went out or changed: open its incident now, or mark it for the tick. */
  touched(deviceId: string, alerts: ReadonlyMap<string, AlertRecord>, devices: DeviceLookup): void {
    if (this.emit === undefined) return;
    if (this.sent.has(incidentId(deviceId))) {
      this.dirty.add(deviceId);
      return;
    }
    this.send(deviceId, alerts, devices);
  }

  /** A tick: resend the incidents of devices whose alerts changed, where the record changed. */
  tick(alerts: ReadonlyMap<string, AlertRecord>, devices: readonly DeviceRecord[]): void {
    for (const id of this.dirty) this.send(id, alerts, devices);
    this.dirty.clear();
  }

  /** End of input: the final incidents (those that differ from what was sent), then withdrawals. */
  end(final: readonly IncidentRecord[]): void {
    this.dirty.clear();
    if (this.emit === undefined) return;
    const ids = new Set<string>();
    for (const i of final) {
      ids.add(i.id);
      this.put(i);
    }
    for (const [id, s] of this.sent) {
      if (ids.has(id)) continue;
      this.count++;
      this.emit({ ...s.rec, withdrawn: true });
    }
  }

  private send(
    deviceId: string,
    alerts: ReadonlyMap<string, AlertRecord>,
    devices: readonly DeviceRecord[] | DeviceLookup,
  ): void {
    const mine = [...alerts.values()].filter((a) => a.device.id === deviceId).sort(alertOrder);
    for (const i of this.detector.incidentsOf(mine, devices)) this.put(i);
  }

  private put(i: IncidentRecord): void {
    const json = JSON.stringify(i);
    if (this.sent.get(i.id)?.json === json) return;
    this.sent.set(i.id, { json, rec: i });
    this.count++;
    this.emit?.(i);
  }
}

/** The incident id of a device (src/detect/incidents.ts names them so). */
function incidentId(deviceId: string): string {
  return `incident|${deviceId}`;
}
