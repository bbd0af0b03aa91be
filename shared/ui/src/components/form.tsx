import {
  cloneElement,
  createContext,
  useContext,
  useId,
  useState,
  type FormEvent,
  type ReactElement,
  type ReactNode,
} from 'react';
import { fieldErrors } from '../error-text.ts';
import { useUiConfig } from '../ui-config.tsx';

/** The form's field errors, and how a field clears its own once the person edits it. */
const FieldErrorsContext = createContext<{
  errors: Record<string, string>;
  clear: (name: string) => void;
}>({ errors: {}, clear: () => undefined });

/**
 * A form that runs one change: the submit button is busy while it runs; the outcome is a
 * sentence below it; a BAD_REQUEST's problems appear beside their fields (`Field name`),
 * the rest in the sentence. `onSubmit` resolves to the success sentence.
 */
export function Form(props: {
  label: string;
  title?: ReactNode;
  submitLabel: string;
  busyLabel: string;
  onSubmit: () => Promise<string>;
  children: ReactNode;
  layout?: 'row' | 'column';
  disabled?: boolean;
}) {
  const { describeError } = useUiConfig();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setErrors({});
    props.onSubmit().then(
      (text) => {
        setBusy(false);
        setMessage({ ok: true, text });
      },
      (err: unknown) => {
        setBusy(false);
        const byField = fieldErrors(err);
        setErrors(byField);
        const fields = Object.keys(byField).filter((k) => k !== '');
        setMessage({
          ok: false,
          text:
            fields.length > 0
              ? `Please correct the ${fields.length === 1 ? 'field' : 'fields'} marked below.${byField[''] ? ` ${byField['']}` : ''}`
              : describeError(err),
        });
      },
    );
  };
  return (
    <form
      className={props.layout === 'column' ? 'card form-column' : 'card form-row'}
      onSubmit={submit}
      aria-label={props.label}
      noValidate={false}
    >
      {props.title ? <h2>{props.title}</h2> : null}
      <FieldErrorsContext.Provider
        value={{
          errors,
          clear: (name) => {
            const left = Object.keys(errors).filter((k) => k !== name && k !== '');
            setErrors((e) => {
              if (!(name in e)) return e;
              return Object.fromEntries(Object.entries(e).filter(([k]) => k !== name));
            });
            // The sentence pointed at the marked fields: with none left it is no longer true.
            if (left.length === 0 && message && !message.ok && !errors['']) setMessage(null);
          },
        }}
      >
        {props.children}
      </FieldErrorsContext.Provider>
      <div className="form-actions">
        <button
          type="submit"
          className="button primary"
          disabled={busy || props.disabled}
          aria-busy={busy}
        >
          {busy ? props.busyLabel : props.submitLabel}
        </button>
      </div>
      {message ? (
        <p
          className={message.ok ? 'banner banner-ok' : 'banner banner-error'}
          role={message.ok ? 'status' : 'alert'}
        >
          {message.text}
        </p>
      ) : null}
    </form>
  );
}

/**
 * A labelled control with an optional hint and the error its form got for `name` (a path
 * like `openingHours.close`), linked to the control with aria-describedby and aria-invalid.
 * The error goes as soon as the person changes the control (it was about the old value).
 */
export function Field(props: {
  label: ReactNode;
  name?: string;
  hint?: ReactNode;
  children: ReactElement<{
    id?: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
    onChange?: (event: never) => void;
  }>;
}) {
  const id = useId();
  const { errors, clear } = useContext(FieldErrorsContext);
  const error = props.name ? errors[props.name] : undefined;
  const ownChange = props.children.props.onChange;
  const described = [props.hint ? `${id}-hint` : null, error ? `${id}-error` : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label className="field-label" htmlFor={id}>
        {props.label}
      </label>
      {cloneElement(props.children, {
        id,
        'aria-describedby': described || undefined,
        'aria-invalid': error ? true : undefined,
        ...(error && props.name
          ? {
              onChange: (event: never) => {
                ownChange?.(event);
                if (props.name) clear(props.name);
              },
            }
          : {}),
      })}
      {props.hint ? (
        <span className="field-hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      {error ? (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
