import {
  ActionButton,
  Badge,
  Banner,
  Card,
  count,
  ErrorBanner,
  Field,
  Form,
  Loading,
  Table,
  usePoll,
  when,
} from '@zra/ui';
import { useState } from 'react';
import { api, describeFailure, type Outputs, type Viewer } from '../api.ts';
import { Link, to } from '../router.tsx';
import { ResetPasswordForm } from './reset-password-form.tsx';

type UserView = Outputs['admin']['users']['users'][number];

/** "3 sessions ended" in a sentence about `who` (the admin's own keep the current one). */
function sessionsWords(username: string, ended: number, self: boolean): string {
  if (self) {
    return ended === 0
      ? 'You had no other session open; this one goes on.'
      : `${count(ended, 'other session')} of yours ended; this one goes on.`;
  }
  return ended === 0
    ? `${username} had no session open; nothing to end.`
    : `${count(ended, 'session')} of ${username} ended: they must sign in again.`;
}

/** One user's Access cell: end sessions, disable / enable, delete, each confirmed first. */
function UserActions(props: {
  user: UserView;
  self: boolean;
  said: (sentence: string) => void;
  reload: () => void;
}) {
  const { user, self, said, reload } = props;
  const name = user.username;
  const endSessions = (
    <ActionButton
      label={self ? 'End my other sessions' : 'End sessions'}
      busyLabel="Ending…"
      small
      confirm={
        self
          ? { question: 'Sign out your other browsers?', yes: 'Yes, end them' }
          : { question: `Sign ${name} out everywhere?`, yes: 'Yes, end them' }
      }
      run={() =>
        api.admin.endSessions
          .mutate({ username: name })
          .then((r) => said(sessionsWords(name, r.sessionsEnded, self)))
      }
      done={reload}
    />
  );
  // Nobody disables or deletes themselves (central refuses it too).
  if (self) return endSessions;
  return (
    <span className="row">
      {user.disabledAt ? null : endSessions}
      <ActionButton
        label={user.disabledAt ? 'Enable' : 'Disable'}
        busyLabel="Saving…"
        small
        {...(user.disabledAt
          ? {}
          : {
              confirm: {
                question: `Disable ${name}? They are signed out at once.`,
                yes: 'Yes, disable',
              },
            })}
        run={() =>
          api.admin.setUserDisabled
            .mutate({ username: name, disabled: !user.disabledAt })
            .then((u) =>
              said(
                u.disabledAt
                  ? `${name} is disabled: signed out everywhere and cannot sign in.`
                  : `${name} is enabled: they can sign in again.`,
              ),
            )
        }
        done={reload}
      />
      <ActionButton
        label="Delete"
        busyLabel="Deleting…"
        small
        variant="danger"
        confirm={{ question: `Delete ${name}?`, yes: 'Yes, delete' }}
        run={() =>
          api.admin.deleteUser.mutate({ username: name }).then(() => said(`${name} deleted.`))
        }
        done={reload}
      />
    </span>
  );
}

/** The Admin page's users: roles, taking access away, password resets, adding users. */
export function Users(props: { viewer: Viewer }) {
  const users = usePoll(() => api.admin.users.query(), 'users');
  const [user, setUser] = useState({
    username: '',
    password: '',
    role: 'viewer' as 'admin' | 'viewer',
  });
  const [roleError, setRoleError] = useState<string | null>(null);
  // What the last row action did, in words ("3 sessions of bob ended…").
  const [notice, setNotice] = useState<string | null>(null);
  const list = users.data?.users;
  return (
    <>
      <Card title="Users" label="Users">
        <ErrorBanner error={users.error ?? roleError} />
        {notice ? <Banner tone="ok">{notice}</Banner> : null}
        {!list ? (
          <Loading />
        ) : (
          <Table label="Users" stack>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Since</th>
                <th scope="col">Role</th>
                <th scope="col">Access</th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => {
                const self = u.username === props.viewer.username;
                return (
                  <tr key={u.id} data-user={u.username}>
                    <td data-label="User">
                      <strong>{u.username}</strong>
                      {self ? <span className="sub"> (you)</span> : null}{' '}
                      {u.disabledAt ? <Badge tone="idle">disabled</Badge> : null}
                    </td>
                    <td data-label="Since">{when(u.createdAt, 'UTC')} UTC</td>
                    <td data-label="Role">
                      <label className="inline">
                        <span className="sr-only">Role of {u.username}</span>
                        <select
                          value={u.role}
                          onChange={(e) => {
                            const role = e.target.value === 'admin' ? 'admin' : 'viewer';
                            setRoleError(null);
                            api.admin.setUserRole.mutate({ username: u.username, role }).then(
                              () => {
                                setNotice(`${u.username} is now ${role}.`);
                                users.reload();
                              },
                              (err: unknown) => setRoleError(describeFailure(err)),
                            );
                          }}
                        >
                          <option value="viewer">viewer</option>
                          <option value="admin">admin</option>
                        </select>
                      </label>
                    </td>
                    <td>
                      <UserActions user={u} self={self} said={setNotice} reload={users.reload} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
        <p className="sub">
          Disabling signs the user out at once and keeps their name; delete only accounts made by
          mistake. Nobody disables or deletes themselves, and the last admin stays. Every change is
          in the <Link to={to.auditLog}>audit log</Link>.
        </p>
      </Card>
      <ResetPasswordForm
        users={(list ?? []).filter((u) => u.username !== props.viewer.username)}
        onReset={users.reload}
      />
      <Form
        label="Add a user"
        title="Add a user"
        submitLabel="Add user"
        busyLabel="Adding…"
        onSubmit={async () => {
          const made = await api.admin.createUser.mutate({
            username: user.username.trim(),
            password: user.password,
            role: user.role,
          });
          setUser({ username: '', password: '', role: 'viewer' });
          users.reload();
          return `User ${made.username} added as ${made.role}.`;
        }}
      >
        <Field label="Username" name="username">
          <input
            value={user.username}
            onChange={(e) => setUser({ ...user, username: e.target.value })}
            autoComplete="off"
            required
          />
        </Field>
        <Field label="Password (12+ characters)" name="password">
          <input
            type="password"
            value={user.password}
            onChange={(e) => setUser({ ...user, password: e.target.value })}
            autoComplete="new-password"
            required
          />
        </Field>
        <Field label="Role" name="role">
          <select
            value={user.role}
            onChange={(e) =>
              setUser({ ...user, role: e.target.value === 'admin' ? 'admin' : 'viewer' })
            }
          >
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </Field>
      </Form>
    </>
  );
}
