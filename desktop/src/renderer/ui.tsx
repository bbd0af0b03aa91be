import type { ReactNode } from 'react';

export type Tone = 'ok' | 'attention' | 'failing' | 'neutral';

/** A state in a word and a colour, never colour alone. */
export function Badge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** An error with what to do about it. */
export function Problem({
  title,
  message,
  action,
}: {
  title: string;
  message: string;
  action?: string;
}) {
  return (
    <div className="problem" role="alert">
      <strong>{title}</strong>
      <p className="problem-message">{message}</p>
      {action ? <p className="problem-action">What to do: {action}</p> : null}
    </div>
  );
}

/** A table's place when it has no rows: says why, and what would fill it. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint ? <span className="field-hint">{hint}</span> : null}
    </label>
  );
}
