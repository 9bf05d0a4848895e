// Sensors (admin, issue 20): each sensor's rate, lag, capture loss (what its live capture's
// kernel dropped), last seen, batches and tokens; create a token
// (its secret is shown once, with a copy button) and revoke one.
import type { SensorItem } from '@contract/ingest';
import { percentText } from '@contract/records';
import { createColumnHelper } from '@tanstack/react-table';
import { type FormEvent, useState } from 'react';
import { DataTable } from '../../components/DataTable';
import { ErrorBox, Query } from '../../components/Status';
import { when } from '../../lib/format';
import { useSession } from '../auth/session';
import { useCreateToken, useRevokeToken, useSensors } from './api';

const col = createColumnHelper<SensorItem>();

function lag(s: number | undefined): string {
  if (s === undefined) return '—';
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** ' (0.25 %)': the share of `whole` that `part` is, for a table cell; '' when there is no whole. */
function share(part: number, whole: number): string {
  const p = percentText(part, whole);
  return p === undefined ? '' : ` (${p})`;
}

/** What the sensor's traffic shows it lost: TCP acknowledgements of bytes it never captured. */
function TcpGaps({ sensor }: { sensor: SensorItem }) {
  const g = sensor.tcpGaps;
  if (g === undefined || g.gaps === 0) return null;
  const title = `${g.source}: ${g.gaps} of ${g.acks} TCP acknowledgements covered data the capture never held (${g.bytes} bytes; as of ${g.at})`;
  return (
    <div title={title} data-testid="tcp-gaps">
      <span className="nowrap">
        TCP gaps {g.gaps}
        {share(g.gaps, g.acks)}
      </span>
    </div>
  );
}

/**
 * What the sensor's capture lost: tcpdump's counts of a live capture (latest source; '—' for files
 * and streams), and under them the gaps its TCP traffic shows (loss upstream, a mirror port's).
 */
function Capture({ sensor }: { sensor: SensorItem }) {
  const c = sensor.capture;
  if (c === undefined)
    return sensor.tcpGaps !== undefined && sensor.tcpGaps.gaps > 0 ? (
      <TcpGaps sensor={sensor} />
    ) : (
      <span className="muted">—</span>
    );
  const lost = c.dropped + c.interfaceDropped;
  const title = `${c.source}: ${c.received} packets passed the filter, ${c.dropped} dropped by the kernel, ${c.interfaceDropped} by the interface (as of ${c.at})`;
  if (lost === 0)
    return (
      <span>
        <span className="muted" title={title} data-testid="capture-ok">
          none dropped
        </span>
        <TcpGaps sensor={sensor} />
      </span>
    );
  return (
    <span>
      <span title={title} data-testid="capture-loss">
        <span className="tag outside">losing packets</span>{' '}
        <span className="nowrap">
          {c.dropped} dropped{share(c.dropped, c.received)}
        </span>
        {c.interfaceDropped > 0 ? `, ${c.interfaceDropped} by the interface` : ''}
      </span>
      <TcpGaps sensor={sensor} />
    </span>
  );
}

function Tokens({ sensor }: { sensor: SensorItem }) {
  const revoke = useRevokeToken();
  const live = sensor.tokens.filter((t) => t.revokedAt === undefined);
  if (sensor.tokens.length === 0) return <span className="muted">none</span>;
  return (
    <span>
      {sensor.tokens.map((t) => (
        <span key={t.id} className="token-item">
          <code className={t.revokedAt !== undefined ? 'muted revoked' : ''}>{t.id}</code> {t.scope}
          {t.revokedAt !== undefined ? (
            <span className="muted"> revoked</span>
          ) : (
            <button
              type="button"
              className="link"
              disabled={revoke.isPending}
              onClick={() => {
                if (window.confirm(`Revoke token ${t.id} of ${sensor.name}? The sensor is refused from now on.`))
                  revoke.mutate(t.id);
              }}
            >
              revoke
            </button>
          )}{' '}
        </span>
      ))}
      {live.length === 0 ? <span className="tag outside">no live token</span> : null}
    </span>
  );
}

const columns = [
  col.accessor('name', {
    header: 'Sensor',
    cell: (c) => (
      <span>
        <strong>{c.getValue()}</strong>
        {c.row.original.site ? <span className="muted"> {c.row.original.site}</span> : null}
      </span>
    ),
  }),
  col.accessor('eventsPerSecond', { header: 'Events/s (1 min)', cell: (c) => c.getValue().toFixed(1) }),
  col.accessor((s) => s.lagSeconds ?? -1, { id: 'lag', header: 'Lag', cell: (c) => lag(c.row.original.lagSeconds) }),
  col.accessor(
    (s) => (s.capture === undefined ? -1 : s.capture.dropped + s.capture.interfaceDropped) + (s.tcpGaps?.gaps ?? 0),
    {
      id: 'capture',
      header: 'Capture loss',
      cell: (c) => <Capture sensor={c.row.original} />,
    },
  ),
  col.accessor((s) => s.lastSeen ?? '', {
    id: 'lastSeen',
    header: 'Last seen',
    cell: (c) => (c.getValue() ? when(c.getValue()) : <span className="muted">never</span>),
  }),
  col.accessor('batches', { header: 'Batches' }),
  col.accessor('records', { header: 'Records' }),
  col.accessor((s) => s.sources.map((x) => `${x.source}#${x.lastSeq}`).join(' '), {
    id: 'sources',
    header: 'Last seq per source',
    cell: (c) =>
      c.row.original.sources.length === 0 ? (
        <span className="muted">—</span>
      ) : (
        c.row.original.sources.map((x) => (
          <div key={x.source} className="mono" title={x.source}>
            {x.source.length > 24 ? `${x.source.slice(0, 24)}…` : x.source} #{x.lastSeq}
          </div>
        ))
      ),
  }),
  col.display({ id: 'tokens', header: 'Tokens', cell: (c) => <Tokens sensor={c.row.original} /> }),
];

function CreateToken() {
  const create = useCreateToken();
  const [name, setName] = useState('');
  const [site, setSite] = useState('');
  const [copied, setCopied] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCopied(false);
    create.mutate({ name: name.trim(), site: site.trim() });
  };
  return (
    <section className="panel" data-testid="create-token">
      <h2>New sensor token</h2>
      <form className="row" onSubmit={submit}>
        <label>
          Sensor name{' '}
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}"
            required
            placeholder="ward-3-icu"
          />
        </label>{' '}
        <label>
          Site <input value={site} onChange={(e) => setSite(e.target.value)} placeholder="North wing, floor 3" />
        </label>{' '}
        <button type="submit" disabled={create.isPending || name.trim() === ''}>
          Create token
        </button>
      </form>
      {create.error ? <ErrorBox error={create.error} what="the token" /> : null}
      {create.data ? (
        <div className="panel secret" data-testid="new-token">
          <p>
            Token <code>{create.data.id}</code> for <strong>{create.data.sensor}</strong>. It is shown{' '}
            <strong>this once</strong>: put it in the sensor's config now.
          </p>
          <code className="mono secret-value">{create.data.token}</code>{' '}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              void navigator.clipboard?.writeText(create.data.token).then(() => setCopied(true));
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          <p className="muted">
            The sensor enrols with it (<code>POST /api/sensors/enrol</code>) and ships batches to this console: README,
            “Many sensors”.
          </p>
        </div>
      ) : null}
    </section>
  );
}

export function SensorsPage() {
  const { user } = useSession();
  const q = useSensors();
  if (user.role !== 'admin') return <p className="muted">The sensors page is for administrators.</p>;
  return (
    <>
      <h1>Sensors</h1>
      <CreateToken />
      <Query q={q} what="sensors">
        {(data) => (
          <DataTable
            data={data.sensors}
            columns={columns}
            testId="sensors-table"
            rowId={(s) => s.name}
            initialSort={[{ id: 'name', desc: false }]}
            empty={
              <span className="muted">
                No sensors yet. Create a token above, or <code>wardwatch token create --sensor NAME</code>.
              </span>
            }
          />
        )}
      </Query>
    </>
  );
}
