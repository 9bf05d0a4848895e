// Loading and error states: every request on every page shows one of these until its data is there.
import type { ReactNode } from 'react';
import { ApiError } from '../lib/http';

export function Loading({ what }: { what: string }) {
  return (
    <div className="status loading" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

export function ErrorBox({ error, what, retry }: { error: unknown; what: string; retry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
  return (
    <div className="status error" role="alert">
      <strong>Could not load {what}</strong>
      {status}: {message}
      {retry ? (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="status empty">{children}</div>;
}

/** Renders a react-query result: loading, error, or the children built from its data. */
export function Query<T>({
  q,
  what,
  children,
}: {
  q: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (q.isPending) return <Loading what={what} />;
  if (q.error || q.data === undefined)
    return <ErrorBox error={q.error ?? 'no data'} what={what} retry={() => q.refetch()} />;
  return <>{children(q.data)}</>;
}
