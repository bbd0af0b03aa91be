import {
  ActionButton,
  Badge,
  Card,
  Empty,
  ErrorBanner,
  Field,
  Form,
  Loading,
  Page,
  Table,
  usePoll,
  when,
} from '@zra/ui';
import { useState } from 'react';
import { api, describeFailure, type Viewer } from '../api.ts';
import { ROLE_WORDS } from '../labels.ts';
import { OpeningHoursFields, type OpeningHours } from './opening-hours-fields.tsx';
import { ParkSettings } from './park-settings.tsx';

/** A freshly made park token: central keeps only its hash, so this is the one chance to copy it. */
function TokenOnce(props: { park: string; token: string; close: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="card token-once" role="status" aria-label="New park token">
      <h2>New token for {props.park}</h2>
      <p>
        Copy it now into the park agent's <strong>Settings → Park token</strong>. It is shown only
        this once; central keeps only a hash of it.
      </p>
      <code className="token" data-testid="park-token">
        {props.token}
      </code>
      <div className="row">
        <button
          type="button"
          className="button"
          onClick={() => {
            void navigator.clipboard.writeText(props.token).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button" onClick={props.close}>
          I have copied it
        </button>
      </div>
    </div>
  );
}

const NEW_PARK = {
  id: '',
  name: '',
  timezone: 'Europe/Rome',
  language: 'en' as 'en' | 'it',
  hours: { open: '09:00', close: '19:00' } as OpeningHours,
};

function AddPark(props: { onCreated: (park: string, token: string) => void }) {
  const [park, setPark] = useState(NEW_PARK);
  return (
    <Form
      label="Add a park"
      title="Add a park"
      submitLabel="Add park"
      busyLabel="Adding…"
      onSubmit={async () => {
        const made = await api.admin.createPark.mutate({
          id: park.id.trim(),
          name: park.name.trim(),
          timezone: park.timezone.trim(),
          language: park.language,
          openingHours: park.hours,
        });
        props.onCreated(made.park.id, made.token);
        setPark(NEW_PARK);
        return `Park ${made.park.name} added; copy its first token above.`;
      }}
    >
      <Field label="Id" name="id" hint="lower case, as in the drops' file names">
        <input
          value={park.id}
          onChange={(e) => setPark({ ...park, id: e.target.value })}
          placeholder="e.g. gardaland"
          required
        />
      </Field>
      <Field label="Name" name="name">
        <input
          value={park.name}
          onChange={(e) => setPark({ ...park, name: e.target.value })}
          required
        />
      </Field>
      <Field label="Time zone" name="timezone" hint="IANA, e.g. Europe/Rome">
        <input
          value={park.timezone}
          onChange={(e) => setPark({ ...park, timezone: e.target.value })}
          required
        />
      </Field>
      <Field label="Report language" name="language">
        <select
          value={park.language}
          onChange={(e) => setPark({ ...park, language: e.target.value === 'it' ? 'it' : 'en' })}
        >
          <option value="en">English</option>
          <option value="it">Italiano</option>
        </select>
      </Field>
      <OpeningHoursFields
        value={park.hours}
        onChange={(hours) => setPark({ ...park, hours })}
        timezone={park.timezone || 'park'}
      />
    </Form>
  );
}

function Users(props: { viewer: Viewer }) {
  const users = usePoll(() => api.admin.users.query(), 'users');
  const [user, setUser] = useState({
    username: '',
    password: '',
    role: 'viewer' as 'admin' | 'viewer',
  });
  const [roleError, setRoleError] = useState<string | null>(null);
  return (
    <>
      <Card title="Users" label="Users">
        <ErrorBanner error={users.error ?? roleError} />
        {!users.data ? (
          <Loading />
        ) : (
          <Table label="Users" compact>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Since</th>
                <th scope="col">Role</th>
                <th scope="col">Access</th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.id} data-user={u.username}>
                  <td>
                    {u.username}
                    {u.username === props.viewer.username ? <div className="sub">you</div> : null}
                  </td>
                  <td>{when(u.createdAt, 'UTC')} UTC</td>
                  <td>
                    <label className="inline">
                      <span className="sr-only">Role of {u.username}</span>
                      <select
                        value={u.role}
                        onChange={(e) => {
                          const role = e.target.value === 'admin' ? 'admin' : 'viewer';
                          setRoleError(null);
                          api.admin.setUserRole.mutate({ username: u.username, role }).then(
                            () => users.reload(),
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
                    <span className="row">
                      {u.disabledAt ? <Badge tone="idle">disabled</Badge> : null}
                      {u.username === props.viewer.username ? null : (
                        <>
                          <ActionButton
                            label={u.disabledAt ? 'Enable' : 'Disable'}
                            busyLabel="Saving…"
                            small
                            run={() =>
                              api.admin.setUserDisabled.mutate({
                                username: u.username,
                                disabled: !u.disabledAt,
                              })
                            }
                            done={users.reload}
                          />
                          <ActionButton
                            label="Delete"
                            busyLabel="Deleting…"
                            small
                            variant="danger"
                            confirm={{ question: `Delete ${u.username}?`, yes: 'Yes, delete' }}
                            run={() => api.admin.deleteUser.mutate({ username: u.username })}
                            done={users.reload}
                          />
                        </>
                      )}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <p className="sub">
          Disabling signs the user out at once and keeps their name; delete only accounts made by
          mistake. Nobody disables or deletes themselves, and the last admin stays.
        </p>
      </Card>
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

export function AdminPage(props: { viewer: Viewer }) {
  if (props.viewer.role !== 'admin') {
    return (
      <Page title="Admin">
        <Empty>
          <p>Only an admin can manage parks, rides, tokens and users. Ask an admin for access.</p>
        </Empty>
      </Page>
    );
  }
  return <Admin viewer={props.viewer} />;
}

function Admin(props: { viewer: Viewer }) {
  const fleet = usePoll(() => api.dashboard.fleet.query(), 'fleet');
  const [selected, setSelected] = useState('');
  const [token, setToken] = useState<{ park: string; token: string } | null>(null);
  const parks = fleet.data?.parks ?? [];
  const current = parks.some((p) => p.id === selected) ? selected : (parks[0]?.id ?? '');
  return (
    <Page title="Admin">
      <ErrorBanner error={fleet.error} />
      <Card title="Roles" label="Roles">
        <ul className="problem-list">
          <li>
            <strong>viewer</strong> {ROLE_WORDS.viewer}
          </li>
          <li>
            <strong>admin</strong> {ROLE_WORDS.admin}
          </li>
        </ul>
      </Card>
      {token ? (
        <TokenOnce park={token.park} token={token.token} close={() => setToken(null)} />
      ) : null}
      <AddPark
        onCreated={(park, t) => {
          setToken({ park, token: t });
          setSelected(park);
          fleet.reload();
        }}
      />
      <Card title="Parks, rides and tokens" label="Parks, rides and tokens">
        {parks.length === 0 ? (
          <Empty>
            <p>No parks yet: add one above.</p>
          </Empty>
        ) : (
          <>
            <Field label="Park">
              <select value={current} onChange={(e) => setSelected(e.target.value)}>
                {parks.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.id}){p.disabled ? ' — disabled' : ''}
                  </option>
                ))}
              </select>
            </Field>
            <ParkSettings
              key={current}
              park={current}
              onToken={(p, t) => setToken({ park: p, token: t })}
              onDeleted={() => {
                setSelected('');
                fleet.reload();
              }}
            />
          </>
        )}
      </Card>
      <Users viewer={props.viewer} />
    </Page>
  );
}
