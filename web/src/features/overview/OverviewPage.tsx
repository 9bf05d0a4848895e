import type { Alert, DeviceListItem, SseEvent } from '@contract/api';
import type { BreachReport } from '@contract/breach';
import { SEVERITIES } from '@contract/records';
import { createColumnHelper } from '@tanstack/react-table';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { RiskBar, SeverityBadge } from '../../components/Badges';
import { DataTable } from '../../components/DataTable';
import {
  SensorFilter,
  sensorLabel,
  sensorSearch,
  useKnownSensors,
  useSensorParam,
} from '../../components/SensorFilter';
import { ErrorBox, Loading } from '../../components/Status';
import { className, endpoint, when } from '../../lib/format';
import { useLive } from '../../lib/live';
import { useAlerts } from '../alerts/api';
import { useBreach } from '../breach/api';
import { useDevices } from '../devices/api';
import { DeviceLink, MacAndSensor, splitDeviceId } from '../devices/DeviceName';
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
  const [sensor, setSensor] = useSensorParam();
  const known = useKnownSensors();
  // A sensor in the URL the console does not know (a mistyped or stale link): one line that says so,
  // instead of every panel's 400. Until the list is there (or if it fails) the panels ask themselves.
  const unknown = sensor !== '' && known.data !== undefined && !known.data.sensors.some((k) => k.name === sensor);
  return (
    <>
      <h1>Overview{sensor ? <span className="muted"> · {sensorLabel(sensor)}</span> : null}</h1>
      <SensorFilter value={sensor} onChange={setSensor} />
      {unknown ? (
        <div className="status error" role="alert" data-testid="unknown-sensor">
          This console knows no sensor <code>{sensor}</code>: choose one above, or all sensors.
        </div>
      ) : sensor !== '' && known.isPending ? (
        <Loading what="the sensors" />
      ) : (
        <OverviewBody sensor={sensor} />
      )}
    </>
  );
}

function OverviewBody({ sensor }: { sensor: string }) {
  const overview = useOverview(sensor);
  const breach = useBreach(sensor);
  const devices = useDevices(sensor);
  const alerts = useAlerts({ state: 'open', ...(sensor ? { sensor } : {}) });
  return (
    <>
      {breach.isPending || devices.isPending || alerts.isPending ? (
        <Loading what="the breach summary" />
      ) : breach.error || devices.error || alerts.error ? (
        <ErrorBox error={breach.error ?? devices.error ?? alerts.error} what="the breach summary" />
      ) : (
        <Headlines breach={breach.data} devices={devices.data.devices} alerts={alerts.data.alerts} sensor={sensor} />
      )}
      {overview.isPending ? (
        <Loading what="the overview" />
      ) : overview.error ? (
        <ErrorBox error={overview.error} what="the overview" retry={() => overview.refetch()} />
      ) : (
        <div className="cards" data-testid="overview-cards">
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
            <RiskTable devices={devices.data.devices} sensor={sensor} />
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
            <ExposedTable breach={breach.data} sensor={sensor} />
          )}
        </section>
      </div>
      <section className="panel no-print" style={{ marginTop: '1rem' }}>
        <h2>Live feed</h2>
        <LiveFeed sensor={sensor} />
      </section>
    </>
  );
}

function Headlines({
  breach,
  devices,
  alerts,
  sensor,
}: {
  breach: BreachReport;
  devices: DeviceListItem[];
  alerts: Alert[];
  sensor: string;
}) {
  const lines = headlines(breach, devices, alerts);
  const byId = new Map(devices.map((d) => [d.id, d]));
  if (lines.length === 0) {
    return (
      <div className="headline ok" data-testid="headline">
        <p>
          No patient data was seen leaving the hospital in cleartext
          {sensor ? <> from the devices of {sensorLabel(sensor)}</> : null}.
        </p>
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
                  {d ? <DeviceLink device={d} /> : <MacAndSensor id={id} />}
                </span>
              );
            })}
          </span>
        </p>
      ))}
      <p className="muted" style={{ fontSize: '0.9rem' }}>
        <Link to="/breach">Breach report</Link> (all sensors) ·{' '}
        <Link to={`/alerts${sensorSearch(sensor)}`}>Open alerts</Link>
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

function RiskTable({ devices, sensor }: { devices: DeviceListItem[]; sensor: string }) {
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
        {RISK_EXPLAINED}. <Link to={`/devices${sensorSearch(sensor)}`}>All devices</Link>
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

function ExposedTable({ breach, sensor }: { breach: BreachReport; sensor: string }) {
  if (breach.destinations.length === 0) return <p className="muted">No patient data left the site in cleartext.</p>;
  return (
    <table className="data" data-testid="exposed-table">
      <thead>
        <tr>
          <th>Destination</th>
          <th>Patients</th>
          {/* the store counts messages per destination, not per sensor */}
          <th>Messages{sensor ? <span className="muted"> (all sensors)</span> : null}</th>
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

/** The sensor an event is about ('local': the console's own), or undefined for the installation's stats. */
function sensorOf(e: SseEvent): string | undefined {
  switch (e.type) {
    case 'alert':
      return splitDeviceId(e.alert.device.id).sensor ?? 'local';
    case 'device':
      return e.device.sensor ?? splitDeviceId(e.device.id).sensor ?? 'local';
    case 'alert-state':
      return splitDeviceId(e.id).sensor ?? 'local'; // a remote alert's id is scoped like its device's
    case 'stats':
      return undefined;
  }
}

function on(id: string): string {
  const s = splitDeviceId(id).sensor;
  return s === undefined ? '' : ` on ${s}`;
}

function describe(e: SseEvent, filtered: boolean): string {
  switch (e.type) {
    case 'alert':
      return `${e.alert.severity} ${e.alert.rule}: ${e.alert.device.model ?? e.alert.src.ip}${on(e.alert.device.id)} ${e.alert.message}`;
    case 'device':
      return `device ${e.device.model ?? e.device.hostname ?? e.device.ips[0] ?? splitDeviceId(e.device.id).mac}${on(e.device.id)} seen`;
    case 'alert-state':
      return `alert ${e.state}${e.ack ? ` by ${e.ack.by}: ${e.ack.comment}` : ''}${e.suppression ? ` by ${e.suppression.by}: ${e.suppression.reason}` : ''}`;
    case 'stats':
      return `${e.devices} devices, ${e.openAlerts} open alerts, ${e.flows} flows${filtered ? ' (all sensors)' : ''}`;
  }
}

/** The last events; with a sensor chosen, that sensor's (and the installation's stats, said so). */
function LiveFeed({ sensor }: { sensor: string }) {
  const all = useLive();
  const live =
    sensor === '' ? all : { ...all, events: all.events.filter((e) => (sensorOf(e.event) ?? sensor) === sensor) };
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
          <span className="muted mono">{when(e.at)}</span> {describe(e.event, sensor !== '')}
        </li>
      ))}
    </ul>
  );
}
