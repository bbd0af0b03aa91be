import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { reportFailure } from '../poll.ts';
import { Page, type Viewer } from '../ui.tsx';

/** Change one's own password; the user's other sessions end (docs/central.md). */
export function Account(props: { viewer: Viewer }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (next !== again) {
      setMessage({ ok: false, text: 'The two new passwords differ: type the same one twice.' });
      return;
    }
    setBusy(true);
    setMessage(null);
    api.auth.changePassword.mutate({ currentPassword: current, newPassword: next }).then(
      () => {
        setBusy(false);
        setCurrent('');
        setNext('');
        setAgain('');
        setMessage({
          ok: true,
          text: 'Password changed. Your other sessions were signed out; this one goes on.',
        });
      },
      (err: unknown) => {
        setBusy(false);
        setMessage({ ok: false, text: reportFailure(err) });
      },
    );
  };
  return (
    <Page title="Account">
      <p className="muted">
        Signed in as <strong>{props.viewer.username}</strong> ({props.viewer.role}).
      </p>
      <form className="card narrow-form" onSubmit={submit} aria-label="Change password">
        <h2>Change password</h2>
        <label>
          Current password
          <input
            type="password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        <label>
          New password (12+ characters)
          <input
            type="password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            autoComplete="new-password"
            required
          />
        </label>
        <label>
          New password again
          <input
            type="password"
            value={again}
            onChange={(e) => setAgain(e.target.value)}
            autoComplete="new-password"
            required
          />
        </label>
        {message ? (
          <p className={message.ok ? 'banner banner-ok' : 'banner banner-error'} role="status">
            {message.text}
          </p>
        ) : null}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </Page>
  );
}
