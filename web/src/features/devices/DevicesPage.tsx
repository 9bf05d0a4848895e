import type { DeviceListItem } from '@contract/api';
import { DEVICE_CLASSES } from '@contract/records';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { RiskBar, SeverityBadge } from '../../components/Badges';
import { DataTable } from '../../components/DataTable';
import { SensorFilter, useSensorParam } from '../../components/SensorFilter';
import { Query } from '../../components/Status';
import { className, when } from '../../lib/format';
import { useDevices } from './api';
import { DeviceLink, splitDeviceId } from './DeviceName';
import { RISK_EXPLAINED, riskOf } from './risk';

type Row = DeviceListItem & { risk: number };
const col = createColumnHelper<Row>();
const columns = [
  col.accessor((d) => d.model ?? d.hostname ?? d.id, {
    id: 'device',
    header: 'Device',
    cell: (c) => (
      <>
        <DeviceLink device={c.row.original} />
        {c.row.original.hostname && c.row.original.model ? (
          <div className="muted">{c.row.original.hostname}</div>
        ) : null}
      </>
    ),
  }),
  col.accessor((d) => className(d.class), { id: 'class', header: 'Class' }),
  col.accessor((d) => d.model ?? '', { id: 'model', header: 'Model', cell: (c) => c.getValue() || '—' }),
  col.accessor((d) => `${d.ips.join(' ')} ${splitDeviceId(d.id, d.sensor).mac}`, {
    id: 'addresses',
    header: 'Addresses',
    cell: (c) => (
      <span className="mono">
        {c.row.original.ips.join(', ')}
        <div className="muted nowrap">{splitDeviceId(c.row.original.id, c.row.original.sensor).mac}</div>
      </span>
    ),
  }),
  col.accessor((d) => d.sensor ?? 'local', {
    id: 'sensor',
    header: 'Sensor',
    cell: (c) => (c.getValue() === 'local' ? <span className="muted">local</span> : c.getValue()),
  }),
  col.accessor((d) => d.vendor ?? '', { id: 'vendor', header: 'Vendor', cell: (c) => c.getValue() || '—' }),
  col.accessor((d) => d.advisories.join(' '), {
    id: 'advisories',
    header: 'Advisories',
    cell: (c) =>
      c.row.original.advisories.length === 0
        ? '—'
        : c.row.original.advisories.map((a) => (
            <span key={a} className="tag adv">
              {a}
            </span>
          )),
  }),
  col.accessor('risk', { header: 'Risk', cell: (c) => <RiskBar risk={c.getValue()} /> }),
  col.accessor('openAlerts', {
    header: 'Open alerts',
    cell: (c) => (
      <>
        {c.getValue()} {c.row.original.worstSeverity ? <SeverityBadge severity={c.row.original.worstSeverity} /> : null}
      </>
    ),
  }),
  col.accessor('last', { header: 'Last seen', cell: (c) => when(c.getValue()) }),
];

export function DevicesPage() {
  const [sensor, setSensor] = useSensorParam();
  const q = useDevices(sensor);
  const [cls, setCls] = useState('');
  const [flaggedOnly, setFlaggedOnly] = useState(false);
  return (
    <>
      <h1>Devices</h1>
      <SensorFilter value={sensor} onChange={setSensor} />
      <Query q={q} what="devices">
        {(data) => (
          <DeviceTable
            devices={data.devices}
            cls={cls}
            setCls={setCls}
            flaggedOnly={flaggedOnly}
            setFlaggedOnly={setFlaggedOnly}
          />
        )}
      </Query>
      <p className="muted">{RISK_EXPLAINED}.</p>
    </>
  );
}

function DeviceTable({
  devices,
  cls,
  setCls,
  flaggedOnly,
  setFlaggedOnly,
}: {
  devices: DeviceListItem[];
  cls: string;
  setCls: (c: string) => void;
  flaggedOnly: boolean;
  setFlaggedOnly: (b: boolean) => void;
}) {
  const rows = useMemo(
    () =>
      devices
        .filter((d) => (cls ? (d.class ?? 'unknown') === cls : true) && (flaggedOnly ? d.flagged : true))
        .map((d) => ({ ...d, risk: riskOf(d) })),
    [devices, cls, flaggedOnly],
  );
  // The Sensor column only where there is more than the console's own capture to tell apart.
  const oneSensor = devices.every((d) => (d.sensor ?? 'local') === 'local');
  return (
    <DataTable
      data={rows}
      columns={oneSensor ? columns.filter((c) => c.id !== 'sensor') : columns}
      initialSort={[{ id: 'risk', desc: true }]}
      searchLabel="Search devices"
      rowClass={(d) => (d.flagged ? 'flagged' : undefined)}
      testId="devices-table"
      rowId={(d) => d.id}
      toolbar={
        <>
          <label>
            Class{' '}
            <select value={cls} onChange={(e) => setCls(e.target.value)} aria-label="Filter by class">
              <option value="">all</option>
              {DEVICE_CLASSES.map((c) => (
                <option key={c} value={c}>
                  {className(c)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" checked={flaggedOnly} onChange={(e) => setFlaggedOnly(e.target.checked)} /> flagged
            only
          </label>
        </>
      }
    />
  );
}
