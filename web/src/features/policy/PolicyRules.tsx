// Reviewing a proposal line by line (Little-Snitch-like): each rule with the traffic it covers
// (from the learn that proposed it) and, under a proxy peer, what the device asked the proxy for
// (ProxiedList), flipped between allow and deny, saved as the next version.
import type { DenyRule, PolicyRule } from '@contract/policy';
import type { PolicyVersion, ProposalEntry } from '@contract/policy-api';
import { Fragment, useState } from 'react';
import { ActionError } from '../../components/Form';
import { ProxiedList } from './ProxiedList';
import { usePropose } from './api';

/** Traffic each line covered when it was learnt, kept for the session (the store keeps the rules). */
const covered = new Map<string, ProposalEntry[]>();

const key = (r: PolicyRule) => `${r.direction ?? 'out'}|${r.proto}|${r.peer}|${r.port ?? ''}`;

export function ProposeButton({ device, onProposed }: { device: string; onProposed: (v: number) => void }) {
  const propose = usePropose(device);
  return (
    <div className="no-print">
      <button
        type="button"
        disabled={propose.isPending}
        onClick={() =>
          propose.mutate(
            { mode: 'enforce' },
            {
              onSuccess: (r) => {
                covered.set(`${device}@${r.version.version}`, r.entries);
                onProposed(r.version.version);
              },
            },
          )
        }
      >
        {propose.isPending ? 'Learning…' : 'Propose from recorded traffic'}
      </button>
      <ActionError error={propose.error} />
    </div>
  );
}

type Line = { decision: 'allow' | 'deny'; rule: PolicyRule | DenyRule };

export function RulesReview({
  device,
  version,
  canEdit,
}: {
  device: string;
  version: PolicyVersion;
  canEdit: boolean;
}) {
  const initial: Line[] = [
    ...version.policy.allow.map((rule) => ({ decision: 'allow' as const, rule })),
    ...version.policy.deny.map((rule) => ({ decision: 'deny' as const, rule })),
  ];
  const [lines, setLines] = useState<Line[]>(initial);
  const [note, setNote] = useState('');
  const propose = usePropose(device);
  const traffic = new Map((covered.get(`${device}@${version.version}`) ?? []).map((e) => [key(e.rule), e]));
  const changed = lines.some((l, i) => l.decision !== initial[i]?.decision);
  const flip = (i: number) =>
    setLines((ls) => ls.map((l, j) => (j === i ? { ...l, decision: l.decision === 'allow' ? 'deny' : 'allow' } : l)));
  const save = () => {
    const strip = ({ reason: _r, ...r }: DenyRule) => r;
    const policy = {
      ...version.policy,
      allow: lines.filter((l) => l.decision === 'allow').map((l) => strip(l.rule as DenyRule)),
      deny: lines
        .filter((l) => l.decision === 'deny')
        .map((l) => ({ ...l.rule, reason: (l.rule as DenyRule).reason ?? 'denied on review' })),
    };
    propose.mutate({ policy, note: note || `reviewed v${version.version}` });
  };
  return (
    <section className="panel" data-testid="policy-rules">
      <h2>
        Rules of v{version.version} <span className="muted">({version.policy.mode})</span>
      </h2>
      <table className="data">
        <thead>
          <tr>
            <th>Decision</th>
            <th>Direction</th>
            <th>Peer</th>
            <th>Service</th>
            <th>Traffic it covers</th>
            <th>Why</th>
            {canEdit ? <th className="no-print">Review</th> : null}
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => {
            const t = traffic.get(key(l.rule));
            const why = (l.rule as DenyRule).reason ?? l.rule.note ?? t?.reason ?? '';
            return (
              <Fragment key={`${l.decision}|${key(l.rule)}|${l.rule.schedule?.hours ?? ''}`}>
                <tr className={l.decision === 'deny' ? 'outside' : undefined}>
                  <td>
                    <span className={`tag decision-${l.decision}`}>{l.decision}</span>
                  </td>
                  <td>{l.rule.direction ?? 'out'}</td>
                  <td className="mono">{l.rule.peer}</td>
                  <td className="mono">
                    {l.rule.proto}
                    {l.rule.port !== undefined ? `/${l.rule.port}` : ''}
                    {l.rule.schedule?.hours ? ` ${l.rule.schedule.hours}` : ''}
                  </td>
                  <td>{t ? `${t.flows} flows, ${t.packets} packets` : <span className="muted">—</span>}</td>
                  <td>{why}</td>
                  {canEdit ? (
                    <td className="no-print">
                      <button type="button" className="secondary" onClick={() => flip(i)}>
                        {l.decision === 'allow' ? 'Deny' : 'Allow'}
                      </button>
                    </td>
                  ) : null}
                </tr>
                {t?.proxied !== undefined && t.proxied.length > 0 ? (
                  <tr className="proxied-row">
                    <td />
                    <td colSpan={canEdit ? 6 : 5}>
                      <ProxiedList list={t.proxied} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {canEdit && changed ? (
        <div className="inline no-print">
          <input
            type="text"
            placeholder="Note (why you changed it)"
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
          <button type="button" onClick={save} disabled={propose.isPending}>
            Save as a new version
          </button>
        </div>
      ) : null}
      <ActionError error={propose.error} />
    </section>
  );
}
