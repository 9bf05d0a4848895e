// The admin's controls: apply a version with a confirm timer (it rolls back by itself unless
// confirmed), confirm, roll back, and grant a temporary exception. Each asks for a reason: it
// goes to the audit trail with who and when.
import type { ApplyState } from '@contract/policy-api';
import { type FormEvent, useState } from 'react';
import { ActionError, ReasonInput, SubmitButton } from '../../components/Form';
import { when } from '../../lib/format';
import { useApply, useConfirm, useGrant, useRollback } from './api';

export function ApplyControls({ device, version, applied }: { device: string; version: number; applied?: ApplyState }) {
  const apply = useApply(device);
  const confirm = useConfirm();
  const rollback = useRollback();
  const [reason, setReason] = useState('');
  const [within, setWithin] = useState(120);
  const [insist, setInsist] = useState(false);
  const [diff, setDiff] = useState<string[] | undefined>(undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply.mutate(
      { version, confirmWithinS: within, reason, ...(insist ? { allowClinicalBlock: true } : {}) },
      { onSuccess: (r) => setDiff(r.diff) },
    );
  };
  return (
    <section className="panel no-print" data-testid="policy-apply">
      <h2>Apply v{version}</h2>
      <form className="inline" onSubmit={submit} aria-label="Apply policy">
        <ReasonInput
          name="reason"
          placeholder="Reason (ticket, what you checked)"
          value={reason}
          onChange={setReason}
        />
        <label>
          roll back unless confirmed within{' '}
          <select value={within} onChange={(e) => setWithin(Number(e.target.value))} name="confirmWithin">
            <option value={60}>1 min</option>
            <option value={120}>2 min</option>
            <option value={300}>5 min</option>
            <option value={0}>no timer</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={insist} onChange={(e) => setInsist(e.target.checked)} /> even if a clinical
          flow is blocked
        </label>
        <SubmitButton pending={apply.isPending} ready={reason.trim() !== ''} busy="Applying…">
          Apply
        </SubmitButton>
      </form>
      <ActionError error={apply.error} />
      {diff ? <p className="status ok">Applied: {diff.length} ruleset lines changed.</p> : null}
      {applied ? (
        <div className="inline">
          {applied.confirmBy ? (
            <button
              type="button"
              onClick={() => confirm.mutate('confirmed in the console')}
              disabled={confirm.isPending}
            >
              Confirm (before {when(applied.confirmBy)})
            </button>
          ) : null}
          <button
            type="button"
            className="secondary"
            onClick={() => rollback.mutate(reason.trim() || 'rolled back in the console')}
            disabled={rollback.isPending}
          >
            Roll back {applied.device === device ? `v${applied.version}` : 'the last apply'}
          </button>
        </div>
      ) : null}
      <ActionError error={confirm.error ?? rollback.error} />
    </section>
  );
}

export function GrantForm({ device }: { device: string }) {
  const grant = useGrant(device);
  const [to, setTo] = useState('');
  const [port, setPort] = useState('');
  const [hours, setHours] = useState(2);
  const [reason, setReason] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = Number(port);
    grant.mutate({
      to,
      proto: port ? 'tcp' : 'any',
      ...(port && Number.isInteger(p) ? { port: p } : {}),
      forSeconds: Math.round(hours * 3600),
      reason,
    });
  };
  return (
    <section className="panel no-print" data-testid="policy-grant">
      <h2>Grant a temporary exception</h2>
      <form className="inline" onSubmit={submit} aria-label="Grant">
        <input
          type="text"
          name="to"
          placeholder="to (service.vendor.example or 203.0.113.7)"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          required
        />
        <input
          type="text"
          name="port"
          placeholder="TCP port (any)"
          value={port}
          onChange={(e) => setPort(e.target.value)}
        />
        <label>
          for{' '}
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))} name="hours">
            <option value={0.25}>15 min</option>
            <option value={1}>1 hour</option>
            <option value={2}>2 hours</option>
            <option value={8}>8 hours</option>
            <option value={24}>1 day</option>
          </select>
        </label>
        <ReasonInput name="reason" placeholder="Reason (ticket 4711)" value={reason} onChange={setReason} />
        <SubmitButton pending={grant.isPending} ready={to.trim() !== '' && reason.trim() !== ''}>
          Grant
        </SubmitButton>
      </form>
      <ActionError error={grant.error} />
      {grant.data ? (
        <p className="status ok">
          Granted until {when(grant.data.grant.until)}
          {grant.data.live ? ' (open now)' : ' (compiled into the next apply)'}.
        </p>
      ) : null}
    </section>
  );
}
