// Where applies go (a lab namespace, or dry-run only) and the apply in force, with its confirm
// deadline: shown on the list and on each device's page.
import type { ApplyState, Enforcement } from '@contract/policy-api';
import { when } from '../../lib/format';

export function EnforcementNote({ enforcement, applied }: { enforcement: Enforcement; applied?: ApplyState }) {
  return (
    <div className={`status ${enforcement.mode === 'dry-run' ? 'empty' : 'ok'}`} data-testid="enforcement">
      {enforcement.mode === 'dry-run' ? (
        <>
          <strong>Dry-run only</strong>: no firewall is configured. An apply is compiled, diffed against the policy in
          force and recorded, but no rule is loaded.
        </>
      ) : (
        <>
          <strong>Enforcing</strong> in {enforcement.target}.
        </>
      )}
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
