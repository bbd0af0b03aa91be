import { count, Field, Form } from '@zra/ui';
import { useState } from 'react';
import { api, type Outputs } from '../api.ts';
import { Link } from '../router.tsx';

type UserView = Outputs['admin']['users']['users'][number];

const EMPTY = { username: '', password: '', again: '' };

/**
 * An admin sets another user's password (forgotten, or leaked): every session of that user
 * ends with it. The password policy's refusal shows beside the field, in central's words.
 * One's own password is changed on the Account page (a reset would end this session too).
 */
export function ResetPasswordForm(props: { users: UserView[]; onReset: () => void }) {
  const [reset, setReset] = useState(EMPTY);
  const chosen = props.users.some((u) => u.username === reset.username) ? reset.username : '';
  return (
    <Form
      label="Reset a password"
      title="Reset a password"
      submitLabel="Reset password"
      busyLabel="Resetting…"
      disabled={props.users.length === 0}
      onSubmit={async () => {
        if (!chosen) throw new Error('Choose whose password to reset.');
        if (reset.password !== reset.again) {
          throw new Error('The two new passwords differ: type the same one twice.');
        }
        const done = await api.admin.resetPassword.mutate({
          username: chosen,
          newPassword: reset.password,
        });
        setReset(EMPTY);
        props.onReset();
        const ended =
          done.sessionsEnded === 0
            ? `${done.username} had no session open`
            : `${count(done.sessionsEnded, 'session')} ended`;
        return `Password of ${done.username} reset; ${ended}. They sign in with the new password from now on.`;
      }}
    >
      <p className="sub">
        Every session of the user ends: they sign in again with the new password. For your own
        password use <Link to="/account">Account</Link>.
      </p>
      <Field label="User" name="username">
        <select
          value={chosen}
          onChange={(e) => setReset({ ...reset, username: e.target.value })}
          required
        >
          <option value="">choose a user</option>
          {props.users.map((u) => (
            <option key={u.id} value={u.username}>
              {u.username} ({u.role}
              {u.disabledAt ? ', disabled' : ''})
            </option>
          ))}
        </select>
      </Field>
      <Field label="New password (12+ characters)" name="newPassword">
        <input
          type="password"
          value={reset.password}
          onChange={(e) => setReset({ ...reset, password: e.target.value })}
          autoComplete="new-password"
          required
        />
      </Field>
      <Field label="New password again">
        <input
          type="password"
          value={reset.again}
          onChange={(e) => setReset({ ...reset, again: e.target.value })}
          autoComplete="new-password"
          required
        />
      </Field>
    </Form>
  );
}
