import { Field, Form, Page } from '@zra/ui';
import { useState } from 'react';
import { api, type Viewer } from '../api.ts';
import { ROLE_WORDS } from '../labels.ts';

/** Change one's own password; the user's other sessions end (docs/central.md). */
export function AccountPage(props: { viewer: Viewer }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  return (
    <Page title="Account">
      <p className="muted">
        Signed in as <strong>{props.viewer.username}</strong> ({props.viewer.role}): a{' '}
        {props.viewer.role} {ROLE_WORDS[props.viewer.role]}
      </p>
      <Form
        label="Change password"
        title="Change password"
        layout="column"
        submitLabel="Change password"
        busyLabel="Changing…"
        onSubmit={async () => {
          if (next !== again) {
            throw new Error('The two new passwords differ: type the same one twice.');
          }
          await api.auth.changePassword.mutate({ currentPassword: current, newPassword: next });
          setCurrent('');
          setNext('');
          setAgain('');
          return 'Password changed. Your other sessions were signed out; this one goes on.';
        }}
      >
        <Field label="Current password" name="currentPassword">
          <input
            type="password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            autoComplete="current-password"
            required
          />
        </Field>
        <Field label="New password (12+ characters)" name="newPassword">
          <input
            type="password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            autoComplete="new-password"
            required
          />
        </Field>
        <Field label="New password again">
          <input
            type="password"
            value={again}
            onChange={(e) => setAgain(e.target.value)}
            autoComplete="new-password"
            required
          />
        </Field>
      </Form>
    </Page>
  );
}
