// Acknowledge (with a comment) or suppress (with a reason and an expiry) one alert. Both need the
// analyst or admin role; the CSRF token goes along in lib/http.
import type { Alert } from '@contract/api';
import { type FormEvent, useState } from 'react';
import { ActionError, ReasonInput, SubmitButton } from '../../components/Form';
import { useCanChange } from '../auth/session';
import { useAck, useSuppress } from './api';

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function AlertActions({ alert }: { alert: Alert }) {
  const canChange = useCanChange();
  const [mode, setMode] = useState<'none' | 'ack' | 'suppress'>('none');
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState(inDays(30));
  const ack = useAck();
  const suppress = useSuppress();
  if (!canChange) return <span className="muted">viewer: read only</span>;
  const submitAck = (e: FormEvent) => {
    e.preventDefault();
    ack.mutate({ id: alert.id, comment }, { onSuccess: () => setMode('none') });
  };
  const submitSuppress = (e: FormEvent) => {
    e.preventDefault();
    // The expiry is the end of the chosen day, UTC.
    suppress.mutate(
      { id: alert.id, reason, expires: new Date(`${expires}T23:59:59Z`).toISOString() },
      { onSuccess: () => setMode('none') },
    );
  };
  const error = ack.error ?? suppress.error;
  return (
    <div className="no-print">
      {mode === 'none' ? (
        <>
          {alert.state === 'open' ? (
            <button type="button" className="secondary" onClick={() => setMode('ack')}>
              Acknowledge
            </button>
          ) : null}{' '}
          {alert.state !== 'suppressed' ? (
            <button type="button" className="secondary" onClick={() => setMode('suppress')}>
              Suppress
            </button>
          ) : null}
        </>
      ) : null}
      {mode === 'ack' ? (
        <form className="inline" onSubmit={submitAck} aria-label="Acknowledge alert">
          <ReasonInput
            name="comment"
            placeholder="Comment (what you did, who you told)"
            value={comment}
            onChange={setComment}
          />
          <SubmitButton pending={ack.isPending} ready={comment.trim() !== ''} busy="Saving…">
            Acknowledge
          </SubmitButton>
          <button type="button" className="link" onClick={() => setMode('none')}>
            Cancel
          </button>
        </form>
      ) : null}
      {mode === 'suppress' ? (
        <form className="inline" onSubmit={submitSuppress} aria-label="Suppress alert">
          <ReasonInput
            name="reason"
            placeholder="Reason (e.g. vendor NTP, known)"
            value={reason}
            onChange={setReason}
          />
          <label>
            until{' '}
            <input
              type="date"
              name="expires"
              value={expires}
              min={inDays(0)}
              onChange={(e) => setExpires(e.target.value)}
              required
            />
          </label>
          <SubmitButton pending={suppress.isPending} ready={reason.trim() !== ''} busy="Saving…">
            Suppress
          </SubmitButton>
          <button type="button" className="link" onClick={() => setMode('none')}>
            Cancel
          </button>
        </form>
      ) : null}
      <ActionError error={error} />
    </div>
  );
}
