// Where applies go (a lab namespace, or dry-run only) and the apply in force, with its confirm
// deadline: shown on the list and on each device's page.
import type { ApplyState, Enforcement } from '@contract/policy-api';
import { when } from '../../lib/format';

export function EnforcementNote({ enforcement, applied }: { enforcement: Enforcement; applied?: ApplyState }) {
  return (
    <div className={`status ${enforcement.mode === 'dry-run' ? 'empty' : 'ok'}`} data-testid="enforcement">
      <strong>{enforcement.mode === 'dry-run' ? 'Dry-run only' : 'Enforcing'}</strong>: applies go to{' '}
      {enforcement.target}.
      {applied ? (
        <>
          {' '}
          In force: <span className="mono">{applied.device}</span> v{applied.version}, applied by {applied.by} at{' '}
          {when(applied.at)}
          {applied.confirmBy ? (
            <strong className="warn"> — rolls back at {when(applied.confirmBy)} unless confirmed</strong>
          ) : (
            <> (confirmed {when(applied.confirmedAt)})</>
          )}
          .
        </>
      ) : (
        ' Nothing applied.'
      )}
    </div>
  );
}
