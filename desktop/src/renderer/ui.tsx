import { cloneElement, useId, type ReactElement, type ReactNode } from 'react';

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
  hint?: string | undefined;
  children: ReactElement<{ id?: string; 'aria-describedby'?: string }>;
}) {
  const id = useId();
  // The hint is the control's description, not part of its name.
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {cloneElement(children, { id, 'aria-describedby': hint ? `${id}-hint` : undefined })}
      {hint ? (
        <span className="field-hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}
