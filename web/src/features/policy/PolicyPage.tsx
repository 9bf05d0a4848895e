// The policy list: every device, its policy (latest version, the one applied), where applies go.
// A device without a policy links to its page, where an analyst proposes one from its traffic.
import type { DeviceListItem } from '@contract/api';
import type { PolicySummary } from '@contract/policy-api';
import { createColumnHelper } from '@tanstack/react-table';
import { Link } from 'react-router';
import { SeverityBadge } from '../../components/Badges';
import { DataTable } from '../../components/DataTable';
import { Query } from '../../components/Status';
import { when } from '../../lib/format';
import { deviceLabel } from '../devices/DeviceName';
import { useDevices } from '../devices/api';
import { usePolicies } from './api';
import { EnforcementNote } from './PolicyStatus';

interface Row {
  device: DeviceListItem;
  policy?: PolicySummary;
}

const col = createColumnHelper<Row>();
const columns = [
  col.accessor((r) => r.device.model ?? r.device.id, {
    id: 'device',
    header: 'Device',
    cell: (c) => (
      <Link to={`/policy/${encodeURIComponent(c.row.original.device.id)}`}>{deviceLabel(c.row.original.device)}</Link>
    ),
  }),
  col.accessor((r) => r.device.ips.join(' '), {
    id: 'ips',
    header: 'Addresses',
    cell: (c) => <span className="mono">{c.getValue()}</span>,
  }),
  col.accessor((r) => r.device.worstSeverity ?? '', {
    id: 'alerts',
    header: 'Open alerts',
    cell: (c) =>
      c.row.original.device.worstSeverity ? (
        <>
          <SeverityBadge severity={c.row.original.device.worstSeverity} /> {c.row.original.device.openAlerts}
        </>
      ) : (
        <span className="muted">none</span>
      ),
  }),
  col.accessor((r) => r.policy?.mode ?? '', {
    id: 'mode',
    header: 'Policy',
    cell: (c) => {
      const p = c.row.original.policy;
      if (!p) return <span className="muted">none yet</span>;
      return (
        <span>
          <span className={`tag mode-${p.mode}`}>{p.mode}</span> v{p.latest}
        </span>
      );
    },
  }),
  col.accessor((r) => r.policy?.applied ?? 0, {
    id: 'applied',
    header: 'Enforced',
    cell: (c) => {
      const p = c.row.original.policy;
      return p?.applied ? <strong>v{p.applied}</strong> : <span className="muted">not applied</span>;
    },
  }),
  col.accessor((r) => r.policy?.updatedAt ?? '', {
    id: 'updated',
    header: 'Changed',
    cell: (c) => when(c.getValue() || undefined),
  }),
];

export function PolicyPage() {
  const policies = usePolicies();
  const devices = useDevices();
  return (
    <>
      <h1>Containment policies</h1>
      <p className="muted">
        Learn a device's normal traffic, review the proposal line by line, dry-run it against what was recorded, then
        apply it with a way back: an apply rolls back by itself unless it is confirmed in time.
      </p>
      <Query q={policies} what="policies">
        {(p) => (
          <>
            <EnforcementNote enforcement={p.enforcement} applied={p.applied} />
            <Query q={devices} what="devices">
              {(d) => {
                const by = new Map(p.policies.map((x) => [x.device, x]));
                const rows: Row[] = d.devices.map((device) => ({ device, policy: by.get(device.id) }));
                return (
                  <DataTable
                    data={rows}
                    columns={columns}
                    initialSort={[{ id: 'applied', desc: true }]}
                    searchLabel="Search devices"
                    rowClass={(r) => (r.device.flagged ? 'flagged' : undefined)}
                    testId="policy-list"
                    rowId={(r) => r.device.id}
                  />
                );
              }}
            </Query>
          </>
        )}
      </Query>
    </>
  );
}
