import type { Alert } from '@contract/api';
import { severityRank } from '@contract/records';
import { createColumnHelper } from '@tanstack/react-table';
import { Link } from 'react-router';
import { SeverityBadge } from '../../components/Badges';
import { DataTable } from '../../components/DataTable';
import { endpoint, when } from '../../lib/format';
import { splitDeviceId } from '../devices/DeviceName';
import { AlertActions } from './AlertActions';
import { Evidence } from './Evidence';

const col = createColumnHelper<Alert>();
const columns = [
  col.accessor((a) => severityRank(a.severity), {
    id: 'severity',
    header: 'Severity',
    cell: (c) => <SeverityBadge severity={c.row.original.severity} />,
  }),
  col.accessor('rule', { header: 'Rule', cell: (c) => <code>{c.getValue()}</code> }),
  col.accessor((a) => `${a.device.model ?? ''} ${a.src.ip} ${a.device.id}`, {
    id: 'device',
    header: 'Device',
    cell: (c) => (
      <>
        <Link to={`/devices/${encodeURIComponent(c.row.original.device.id)}`}>
          {c.row.original.device.model ?? splitDeviceId(c.row.original.device.id).mac}
        </Link>
        {splitDeviceId(c.row.original.device.id).sensor !== undefined ? (
          <div className="muted nowrap">on {splitDeviceId(c.row.original.device.id).sensor}</div>
        ) : null}
      </>
    ),
  }),
  col.accessor((a) => `${a.src.ip} ${a.dst.ip}`, {
    id: 'flow',
    header: 'From → to',
    cell: (c) => (
      <span className="mono">
        <span className="nowrap">{endpoint(c.row.original.src.ip, c.row.original.src.port)} →</span>{' '}
        <span className="nowrap">{endpoint(c.row.original.dst.ip, c.row.original.dst.port)}</span>
      </span>
    ),
  }),
  col.accessor('message', {
    header: 'What happened',
    cell: (c) => (
      <>
        {c.getValue()}
        <details className="ev">
          <summary>evidence</summary>
          <Evidence evidence={c.row.original.evidence} />
          <ExtractHint alert={c.row.original} />
        </details>
      </>
    ),
  }),
  col.accessor('count', { header: 'Count' }),
  col.accessor('last', {
    header: 'First – last',
    cell: (c) => (
      <span className="mono nowrap">
        {when(c.row.original.first)}
        <br />
        {when(c.row.original.last)}
      </span>
    ),
  }),
  col.accessor('state', {
    header: 'State',
    cell: (c) => {
      const a = c.row.original;
      return (
        <>
          <span className={`state-${a.state}`}>{a.state}</span>
          {a.ack ? (
            <div className="muted">
              {a.ack.by}: “{a.ack.comment}”
            </div>
          ) : null}
          {a.suppression ? (
            <div className="muted">
              {a.suppression.by}: “{a.suppression.reason}” until {when(a.suppression.expires)}
            </div>
          ) : null}
        </>
      );
    },
  }),
  col.display({ id: 'actions', header: '', cell: (c) => <AlertActions alert={c.row.original} /> }),
];

export function AlertsTable({ alerts, search = true, testId }: { alerts: Alert[]; search?: boolean; testId?: string }) {
  return (
    <DataTable
      data={alerts}
      columns={columns}
      initialSort={[{ id: 'severity', desc: true }]}
      search={search}
      searchLabel="Search alerts"
      empty="No alerts match."
      rowClass={(a) => `alert-row ${a.state}`}
      rowId={(a) => a.id}
      testId={testId}
    />
  );
}

/**
 * The packets behind the alert, for Wireshark: `wardwatch extract` on the captures it came from (a
 * sensor's `watch --keep` directory) finds it by the key the console shows.
 */
function ExtractHint({ alert }: { alert: Alert }) {
  const where = splitDeviceId(alert.device.id).sensor === undefined ? 'CAPTURE…' : '--keep DIR';
  return (
    <div className="muted" data-testid="extract-hint">
      Packets for Wireshark (where the captures are):{' '}
      <code className="copyable">
        wardwatch extract {where} --alert '{alert.id}' -o alert.pcapng
      </code>
    </div>
  );
}
