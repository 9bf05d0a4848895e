// One batch of ingest: rows aggregated in memory by their primary key, so a burst of events
// becomes few upserts. Built by the Ingestor, written in one transaction by IngestWriter.
import type { IngestRows } from '../contract/ingest.js';
import type {
  DeviceAddressesTable,
  DnsTable,
  ExposureDestinationsTable,
  ExposureMinutesTable,
  ExposurePatientsTable,
  FlowsTable,
} from './schema.js';

/** A destination's exposure in a batch; `proxies` and `direct` become its `exposure_via` rows. */
export interface ExposureDest extends Omit<ExposureDestinationsTable, 'fields' | 'devices'> {
  fields: Set<string>;
  devices: Set<string>;
  /** Proxies (`ip:port`, at most MAX_BREACH_PROXIES) whose tunnels carried records there. */
  proxies: Set<string>;
  /** Some records went there directly. */
  direct: boolean;
}

export class Batch {
  readonly flows = new Map<string, FlowsTable>();
  readonly addresses = new Map<string, DeviceAddressesTable>();
  readonly dns = new Map<string, DnsTable>();
  readonly exposure = new Map<string, ExposureDest>();
  readonly patients = new Map<string, ExposurePatientsTable>();
  readonly minutes = new Map<string, ExposureMinutesTable>();
  /** Events folded into this batch (for rates and tests). */
  events = 0;

  get rows(): number {
    return (
      this.flows.size +
      this.addresses.size +
      this.dns.size +
      this.exposure.size +
      this.patients.size +
      this.minutes.size
    );
  }

  get empty(): boolean {
    return this.events === 0 && this.rows === 0;
  }
}

/** A batch as the ingest contract carries it (Sets become arrays), for a sensor to ship. */
export function batchRows(b: Batch): IngestRows {
  return {
    flows: [...b.flows.values()],
    addresses: [...b.addresses.values()],
    dns: [...b.dns.values()],
    exposure: [...b.exposure.values()].map((d) => ({
      ...d,
      fields: [...d.fields],
      devices: [...d.devices],
      proxies: [...d.proxies],
    })),
    patients: [...b.patients.values()],
    minutes: [...b.minutes.values()],
  };
}
