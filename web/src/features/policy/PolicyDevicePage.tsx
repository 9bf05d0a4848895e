// One device's containment page: propose a policy from its recorded traffic (analyst), review the
// lines, dry-run a version against the traffic with the compiled diff, apply it with a confirm
// timer, grant a temporary exception, roll back (admin) — and the audit trail of all of it.
import type { PolicyVersion } from '@contract/policy-api';
import { createColumnHelper } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { DataTable } from '../../components/DataTable';
import { Query } from '../../components/Status';
import { when } from '../../lib/format';
import { useCanChange, useSession } from '../auth/session';
import { deviceLabel, MacAndSensor } from '../devices/DeviceName';
import { useDevice } from '../devices/api';
import { usePolicy } from './api';
import { ApplyControls, GrantForm } from './PolicyControls';
import { ProposeButton, RulesReview } from './PolicyRules';
import { SimulationPanel } from './PolicySimulation';
import { EnforcementNote } from './PolicyStatus';

const vcol = createColumnHelper<PolicyVersion>();

export function PolicyDevicePage() {
  const id = decodeURIComponent(useParams().id ?? '');
  const q = usePolicy(id);
  const dev = useDevice(id);
  const canPropose = useCanChange();
  const isAdmin = useSession().user.role === 'admin';
  const [picked, setPicked] = useState<number | undefined>(undefined);
  return (
    <>
      <p className="no-print">
        <Link to="/policy">← all policies</Link>
      </p>
      <h1>
        Policy: {dev.data ? deviceLabel(dev.data) : id}{' '}
        <span className="muted">
          <MacAndSensor id={id} />
        </span>
      </h1>
      <Query q={q} what="the device's policy">
        {(d) => {
          const version = d.versions.find((v) => v.version === picked) ?? d.versions[0];
          const columns = [
            vcol.accessor('version', {
              header: 'Version',
              cell: (c) => (
                <button type="button" className="link" onClick={() => setPicked(c.getValue())}>
                  v{c.getValue()}
                  {c.getValue() === version?.version ? ' ◀' : ''}
                </button>
              ),
            }),
            vcol.accessor('state', {
              header: 'State',
              cell: (c) => <span className={`tag vstate-${c.getValue()}`}>{c.getValue()}</span>,
            }),
            vcol.accessor((v) => v.policy.mode, { id: 'mode', header: 'Mode' }),
            vcol.accessor((v) => `${v.policy.allow.length} allow / ${v.policy.deny.length} deny`, {
              id: 'rules',
              header: 'Rules',
            }),
            vcol.accessor((v) => `${v.source === 'learn' ? 'learnt' : 'edited'} by ${v.createdBy}`, {
              id: 'by',
              header: 'Proposed',
            }),
            vcol.accessor('createdAt', { header: 'When', cell: (c) => when(c.getValue()) }),
            vcol.accessor((v) => (v.appliedBy ? `${v.appliedBy}, ${when(v.appliedAt)}` : ''), {
              id: 'applied',
              header: 'Applied',
            }),
            vcol.accessor((v) => v.note ?? '', { id: 'note', header: 'Note' }),
          ];
          return (
            <>
              <EnforcementNote enforcement={d.enforcement} applied={d.applied} />
              <section className="panel">
                <h2>Proposal</h2>
                {canPropose ? (
                  <ProposeButton device={id} onProposed={(v) => setPicked(v)} />
                ) : (
                  <p className="muted">viewer: read only</p>
                )}
                {d.versions.length === 0 ? (
                  <p className="muted">No policy yet for this device. Propose one from its recorded traffic.</p>
                ) : (
                  <DataTable
                    data={d.versions}
                    columns={columns}
                    search={false}
                    testId="policy-versions"
                    rowId={(v) => String(v.version)}
                  />
                )}
              </section>
              {version ? (
                <>
                  <RulesReview key={version.version} device={id} version={version} canEdit={canPropose} />
                  {canPropose ? (
                    <SimulationPanel key={`sim-${version.version}`} device={id} version={version.version} />
                  ) : null}
                  {isAdmin ? <ApplyControls device={id} version={version.version} applied={d.applied} /> : null}
                </>
              ) : null}
              {isAdmin ? <GrantForm device={id} /> : null}
              <section className="panel">
                <h2>Open grants ({d.grants.length})</h2>
                {d.grants.length === 0 ? (
                  <p className="muted">none</p>
                ) : (
                  <ul>
                    {d.grants.map((g) => (
                      <li key={g.id}>
                        <span className="mono">
                          {g.proto} {g.to}
                          {g.port ? `:${g.port}` : ''}
                        </span>{' '}
                        until {when(g.until)} — {g.reason} <span className="muted">({g.by})</span>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
              <section className="panel">
                <h2>Audit trail</h2>
                {d.audit.length === 0 ? (
                  <p className="muted">nothing yet</p>
                ) : (
                  <table className="data" data-testid="policy-audit">
                    <thead>
                      <tr>
                        <th>When</th>
                        <th>Who</th>
                        <th>What</th>
                        <th>Detail</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.audit.map((a) => (
                        <tr key={a.id}>
                          <td>{when(a.at)}</td>
                          <td>{a.who}</td>
                          <td>{a.action.replace(/^policy\./, '')}</td>
                          <td className="mono">{auditDetail(a.detail)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            </>
          );
        }}
      </Query>
    </>
  );
}

function auditDetail(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([k, v]) => k !== 'diff' && v !== undefined && v !== null)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}
