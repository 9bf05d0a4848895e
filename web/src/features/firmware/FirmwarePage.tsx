import type { FirmwareAudit } from '@contract/api';
import { severityRank } from '@contract/records';
import { createColumnHelper } from '@tanstack/react-table';
import { SeverityBadge } from '../../components/Badges';
import { DataTable } from '../../components/DataTable';
import { Query } from '../../components/Status';
import { when } from '../../lib/format';
import { useAlerts } from '../alerts/api';
import { useFirmware } from './api';
import { splitDeviceId } from '../devices/DeviceName';

type Finding = FirmwareAudit['findings'][number];
const col = createColumnHelper<Finding>();
const columns = [
  col.accessor((f) => severityRank(f.severity), {
    id: 'severity',
    header: 'Severity',
    cell: (c) => <SeverityBadge severity={c.row.original.severity} />,
  }),
  col.accessor('id', { header: 'Finding', cell: (c) => <code>{c.getValue()}</code> }),
  col.accessor((f) => `${f.file}:${f.line ?? f.offset ?? ''}`, {
    id: 'where',
    header: 'Where',
    cell: (c) => (
      <span className="mono">
        {c.row.original.file}
        {c.row.original.line !== undefined ? `:${c.row.original.line}` : ''}
        {c.row.original.offset !== undefined ? ` @${c.row.original.offset}` : ''}
      </span>
    ),
  }),
  col.accessor('evidence', { header: 'Evidence', cell: (c) => <span className="mono">{c.getValue()}</span> }),
  col.accessor((f) => f.address ?? '', { id: 'address', header: 'Address', cell: (c) => c.getValue() || '—' }),
];

/** Which devices' alerts name an address: the cross-link from a hard-coded string to traffic on the wire. */
function useContacted(): Map<string, string[]> | undefined {
  const q = useAlerts({});
  if (!q.data) return undefined;
  const by = new Map<string, string[]>();
  for (const a of q.data.alerts) {
    const remote = splitDeviceId(a.device.id).sensor; // the same 10.x address on two sensors is two devices
    const who = `${a.device.model ? `${a.device.model} ${a.src.ip}` : a.src.ip}${remote !== undefined ? ` on ${remote}` : ''}`;
    const list = by.get(a.dst.ip) ?? [];
    if (!list.includes(who)) list.push(who);
    by.set(a.dst.ip, list);
  }
  return by;
}

export function FirmwarePage() {
  const q = useFirmware();
  return (
    <>
      <h1>Firmware audits</h1>
      <Query q={q} what="firmware audits">
        {(data) =>
          data.audits.length === 0 ? (
            <p className="muted">
              No firmware audited yet. Run <code>wardwatch firmware audit IMAGE</code> against this console's store.
            </p>
          ) : (
            data.audits.map((a) => <Audit key={a.id} audit={a} />)
          )
        }
      </Query>
    </>
  );
}

function Audit({ audit }: { audit: FirmwareAudit }) {
  const contacted = useContacted();
  const cols = [
    ...columns,
    col.accessor((f) => (f.address ? (contacted?.get(f.address) ?? []).join(', ') : ''), {
      id: 'contacted',
      header: 'Contacted on the wire by',
      cell: (c) =>
        !c.row.original.address ? (
          ''
        ) : contacted === undefined ? (
          <span className="muted">…</span>
        ) : c.getValue() ? (
          <span className="tag outside">{c.getValue()}</span>
        ) : (
          <span className="muted">not seen</span>
        ),
    }),
  ];
  return (
    <section className="panel dest" data-testid="firmware-audit">
      <h2>
        {audit.image}{' '}
        <span className="muted">
          ({audit.format}, {audit.files} files, audited {when(audit.at)})
        </span>
      </h2>
      <h3>Findings ({audit.findings.length})</h3>
      <DataTable
        data={audit.findings}
        columns={cols}
        initialSort={[{ id: 'severity', desc: true }]}
        searchLabel="Search findings"
        empty="No findings."
      />
      <h3>Components ({audit.components.length})</h3>
      {audit.components.length === 0 ? (
        <p className="muted">none identified</p>
      ) : (
        <p>
          {audit.components.map((c) => (
            <span key={`${c.name}@${c.version}@${c.file}`} className="tag" title={c.file}>
              {c.name} {c.version}
            </span>
          ))}
        </p>
      )}
    </section>
  );
}
