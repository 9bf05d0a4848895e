import type { Alert, DeviceListItem, SseEvent } from '@contract/api';
import type { BreachReport } from '@contract/breach';
import { SEVERITIES } from '@contract/records';
import { createColumnHelper } from '@tanstack/react-table';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { RiskBar, SeverityBadge } from '../../components/Badges';
import { DataTable } from '../../components/DataTable';
import { ErrorBox, Loading } from '../../components/Status';
import { className, endpoint, when } from '../../lib/format';
import { useLive } from '../../lib/live';
import { useAlerts } from '../alerts/api';
import { useBreach } from '../breach/api';
import { useDevices } from '../devices/api';
import { DeviceLink } from '../devices/DeviceName';
import { RISK_EXPLAINED, riskOf } from '../devices/risk';
import { useOverview } from './api';
import { headlines } from './headline';

const SEV_COLOR: Record<string, string> = {
  critical: '#b00020',
  high: '#d9480f',
  medium: '#c08a00',
  low: '#2f7d32',
  info: '#5d6673',
};

export function OverviewPage() {
  const overview = useOverview();
  const breach = useBreach();
  const devices = useDevices();
  const alerts = useAlerts({ state: 'open' });
  return (
    <>
      <h1>Overview</h1>
      {breach.isPending || devices.isPending || alerts.isPending ? (
        <Loading what="the breach summary" />
      ) : breach.error || devices.error || alerts.error ? (
        <ErrorBox error={breach.error ?? devices.error ?? alerts.error} what="the breach summary" />
      ) : (
        <Headlines breach={breach.data} devices={devices.data.devices} alerts={alerts.data.alerts} />
      )}
      {overview.isPending ? (
        <Loading what="the overview" />
      ) : overview.error ? (
        <ErrorBox error={overview.error} what="the overview" retry={() => overview.refetch()} />
      ) : (
        <div className="cards">
          <div className={`card ${overview.data.flaggedDevices > 0 ? 'bad' : ''}`}>
            <div className="num">{overview.data.flaggedDevices}</div>
            <div className="lbl">of {overview.data.devices} devices flagged</div>
          </div>
          <div className={`card ${overview.data.alerts.open > 0 ? 'bad' : ''}`}>
            <div className="num">{overview.data.alerts.open}</div>
            <div className="lbl">
              open alerts ({overview.data.alerts.acknowledged} acknowledged, {overview.data.alerts.suppressed}{' '}
              suppressed)
            </div>
          </div>
          <div className={`card ${overview.data.breach.patients > 0 ? 'bad' : ''}`}>
            <div className="num">{overview.data.breach.patients}</div>
            <div className="lbl">
              patients exposed, to {overview.data.breach.destinations} outside destination
              {overview.data.breach.destinations === 1 ? '' : 's'}
            </div>
          </div>
          <div className="card">
            <div className="num">{overview.data.flows}</div>
            <div className="lbl">
              flows, {when(overview.data.firstSeen)} – {when(overview.data.lastSeen)}
            </div>
          </div>
        </div>
      )}
      <div className="grid wide-left">
        <section className="panel">
          <h2>Devices by risk</h2>
          {devices.isPending ? (
            <Loading what="devices" />
          ) : devices.error ? (
            <ErrorBox error={devices.error} what="devices" retry={() => devices.refetch()} />
          ) : (
            <RiskTable devices={devices.data.devices} />
          )}
        </section>
        <section className="panel">
          <h2>Open alerts by severity</h2>
          {overview.isPending ? (
            <Loading what="alert counts" />
          ) : overview.error ? (
            <ErrorBox error={overview.error} what="alert counts" />
          ) : (
            <SeverityChart bySeverity={overview.data.alerts.bySeverity} />
          )}
          <h2>Patients exposed, and where</h2>
          {breach.isPending ? (
            <Loading what="the breach report" />
          ) : breach.error ? (
            <ErrorBox error={breach.error} what="the breach report" retry={() => breach.refetch()} />
          ) : (
            <ExposedTable breach={breach.data} />
          )}
        </section>
      </div>
      <section className="panel no-print" style={{ marginTop: '1rem' }}>
        <h2>Live feed</h2>
        <LiveFeed />
      </section>
    </>
  );
}

function Headlines({ breach, devices, alerts }: { breach: BreachReport; devices: DeviceListItem[]; alerts: Alert[] }) {
  const lines = headlines(breach, devices, alerts);
  const byId = new Map(devices.map((d) => [d.id, d]));
  if (lines.length === 0) {
    return (
      <div className="headline ok" data-testid="headline">
        <p>No patient data was seen leaving the hospital in cleartext.</p>
      </div>
    );
  }
  return (
    <div className="headline" data-testid="headline">
      {lines.map((h) => (
        <p key={h.where}>
          <strong>{h.devices}</strong> sent <strong>{h.patients} data</strong> to <code>{h.where}</code>
          {h.tags.length > 0 ? <> ({h.tags.join(', ')})</> : null}
          {h.notify ? <span className="notify"> — over the notification threshold</span> : null}
          <span className="from">
            from{' '}
            {h.deviceIds.map((id, i) => {
              const d = byId.get(id);
              return (
                <span key={id}>
                  {i > 0 ? ', ' : null}
                  {d ? <DeviceLink device={d} /> : <code>{id}</code>}
                </span>
              );
            })}
          </span>
        </p>
      ))}
      <p className="muted" style={{ fontSize: '0.9rem' }}>
        <Link to="/breach">Breach report</Link> · <Link to="/alerts">Open alerts</Link>
      </p>
    </div>
  );
}

const col = createColumnHelper<DeviceListItem & { risk: number }>();
const riskColumns = [
  col.accessor('risk', { header: 'Risk', cell: (c) => <RiskBar risk={c.getValue()} /> }),
  col.accessor((d) => d.model ?? d.hostname ?? className(d.class), {
    id: 'device',
    header: 'Device',
    cell: (c) => <DeviceLink device={c.row.original} />,
  }),
  col.accessor((d) => className(d.class), { id: 'class', header: 'Class' }),
  col.accessor((d) => d.advisories.join(' '), {
    id: 'advisories',
    header: 'Advisories',
    cell: (c) =>
      c.row.original.advisories.map((a) => (
        <span key={a} className="tag adv">
          {a}
        </span>
      )),
  }),
  col.accessor('openAlerts', {
    header: 'Open alerts',
    cell: (c) => (
      <>
        {c.getValue()} {c.row.original.worstSeverity ? <SeverityBadge severity={c.row.original.worstSeverity} /> : null}
      </>
    ),
  }),
];

function RiskTable({ devices }: { devices: DeviceListItem[] }) {
  const rows = devices
    .map((d) => ({ ...d, risk: riskOf(d) }))
    .sort((a, b) => b.risk - a.risk)
    .slice(0, 10);
  return (
    <>
      <DataTable
        data={rows}
        columns={riskColumns}
        search={false}
        rowClass={(d) => (d.flagged ? 'flagged' : undefined)}
        empty="No devices seen yet."
        testId="risk-table"
      />
      <p className="muted" style={{ fontSize: '0.85rem' }}>
        {RISK_EXPLAINED}. <Link to="/devices">All devices</Link>
      </p>
    </>
  );
}

function SeverityChart({ bySeverity }: { bySeverity: Partial<Record<string, number>> }) {
  const data = [...SEVERITIES].reverse().map((s) => ({ severity: s, count: bySeverity[s] ?? 0 }));
  return (
    <div className="chart" style={{ height: 180 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ left: 10, right: 36 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="severity" width={70} />
          <Tooltip />
          <Bar dataKey="count" isAnimationActive={false} label={{ position: 'right' }}>
            {data.map((d) => (
              <Cell key={d.severity} fill={SEV_COLOR[d.severity]} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function ExposedTable({ breach }: { breach: BreachReport }) {
  if (breach.destinations.length === 0) return <p className="muted">No patient data left the site in cleartext.</p>;
  return (
    <table className="data">
      <thead>
        <tr>
          <th>Destination</th>
          <th>Patients</th>
          <th>Messages</th>
          <th>Devices</th>
        </tr>
      </thead>
      <tbody>
        {breach.destinations.map((d) => (
          <tr key={`${d.ip}:${d.port}`} className="outside">
            <td>
              <code>{endpoint(d.ip, d.port)}</code> <span className="muted">{d.protocol}</span>
            </td>
            <td>{d.patients}</td>
            <td>{d.messages}</td>
            <td>{d.devices.length}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function describe(e: SseEvent): string {
  switch (e.type) {
    case 'alert':
      return `${e.alert.severity} ${e.alert.rule}: ${e.alert.device.model ?? e.alert.src.ip} ${e.alert.message}`;
    case 'device':
      return `device ${e.device.model ?? e.device.hostname ?? e.device.ips[0] ?? e.device.id} seen`;
    case 'alert-state':
      return `alert ${e.state}${e.ack ? ` by ${e.ack.by}: ${e.ack.comment}` : ''}${e.suppression ? ` by ${e.suppression.by}: ${e.suppression.reason}` : ''}`;
    case 'stats':
      return `${e.devices} devices, ${e.openAlerts} open alerts, ${e.flows} flows`;
  }
}

function LiveFeed() {
  const live = useLive();
  if (live.events.length === 0) {
    return (
      <p className="muted">
        {live.connected ? 'Connected; waiting for the next event…' : 'Connecting to the live feed…'}
      </p>
    );
  }
  return (
    <ul className="feed" data-testid="live-feed">
      {live.events.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the feed is append-only, newest first
        <li key={`${e.at}-${i}`}>
          <span className="muted mono">{when(e.at)}</span> {describe(e.event)}
        </li>
      ))}
    </ul>
  );
}
