// The pieces every action form shares (acknowledge, suppress, apply, grant, propose): a reason
// the audit trail keeps, a submit button that says it is busy, and the request's error line.
import type { ReactNode } from 'react';

/** The error of a failed action, or nothing. */
export function ActionError({ error }: { error: Error | null | undefined }) {
  return error ? (
    <div className="status error" role="alert">
      {error.message}
    </div>
  ) : null;
}

/** A required one-line text input (a comment, a reason), at most 2000 characters. */
export function ReasonInput({
  name,
  value,
  onChange,
  placeholder,
}: {
  name: string;
  value: string;
  onChange: (v: string) => void;
  placeholder: string;
}) {
  return (
    <input
      type="text"
      name={name}
      placeholder={placeholder}
      value={value}
      maxLength={2000}
      onChange={(e) => onChange(e.target.value)}
      required
    />
  );
}

/** The submit button: disabled while pending or when `ready` is false, with its busy label meanwhile. */
export function SubmitButton({
  pending,
  ready,
  busy,
  children,
}: {
  pending: boolean;
  ready: boolean;
  busy?: string;
  children: ReactNode;
}) {
  return (
    <button type="submit" disabled={pending || !ready}>
      {pending && busy ? busy : children}
    </button>
  );
}
