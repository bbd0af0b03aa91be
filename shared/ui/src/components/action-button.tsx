import { useState } from 'react';
import { useUiConfig } from '../ui-config.tsx';

/**
 * A button that runs one change: disabled with `busyLabel` while it runs, the failure in words
 * beside it (announced), `done` after success. With `confirm`, the first press asks in place
 * ("Requeue this drop?" with a confirm and a Cancel button) and only the confirmation runs it.
 */
export function ActionButton(props: {
  label: string;
  busyLabel: string;
  run: () => Promise<unknown>;
  done?: () => void;
  variant?: 'primary' | 'danger' | 'plain';
  small?: boolean;
  disabled?: boolean;
  confirm?: { question: string; yes: string };
}) {
  const { describeError } = useUiConfig();
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cls = [
    'button',
    props.variant && props.variant !== 'plain' ? props.variant : '',
    props.small ? 'small' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const go = () => {
    setAsking(false);
    setBusy(true);
    setError(null);
    props.run().then(
      () => {
        setBusy(false);
        props.done?.();
      },
      (err: unknown) => {
        setBusy(false);
        setError(describeError(err));
      },
    );
  };
  return (
    <span className="action">
      {asking && props.confirm ? (
        <span className="confirm" role="group" aria-label={props.confirm.question}>
          <span className="confirm-question">{props.confirm.question}</span>
          <button
            type="button"
            className={props.variant === 'danger' ? cls : `${cls} primary`}
            onClick={go}
          >
            {props.confirm.yes}
          </button>
          <button type="button" className="button small" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button
          type="button"
          className={cls}
          disabled={busy || props.disabled}
          aria-busy={busy}
          onClick={() => (props.confirm ? setAsking(true) : go())}
        >
          {busy ? props.busyLabel : props.label}
        </button>
      )}
      {error ? (
        <span className="inline-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}
