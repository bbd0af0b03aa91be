import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api.ts';
import { when } from '../format.ts';
import { reportFailure, usePoll } from '../poll.ts';
import { Empty, ErrorBanner, Loading, Page, type Viewer } from '../ui.tsx';
import { ActionButton } from './Jobs.tsx';

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

/** A small form whose submit runs one change and shows the outcome in words. */
function FormCard(props: {
  title: string;
  submitLabel: string;
  onSubmit: () => Promise<string>;
  children: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    props.onSubmit().then(
      (text) => {
        setBusy(false);
        setMessage({ ok: true, text });
      },
      (err: unknown) => {
        setBusy(false);
        setMessage({ ok: false, text: reportFailure(err) });
      },
    );
  };
  return (
    <form className="card form-row" onSubmit={submit} aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.children}
      <button type="submit" className="button primary" disabled={busy}>
        {props.submitLabel}
      </button>
      {message ? (
        <p className={message.ok ? 'banner banner-ok' : 'banner banner-error'} role="status">
          {message.text}
        </p>
      ) : null}
    </form>
  );
}

function ParkRides(props: { park: string; onToken: (park: string, token: string) => void }) {
  const { park } = props;
  const detail = usePoll(() => api.dashboard.park.query({ park, days: 1 }), `admin-park:${park}`);
  const [names, setNames] = useState<Record<string, string>>({});
  const d = detail.data;
  if (!d) return detail.error ? <ErrorBanner error={detail.error} /> : <Loading />;
  return (
    <div className="two-col">
      <div>
        <h3>Rides</h3>
        {d.rides.length === 0 ? (
          <Empty>
            <p>No rides yet: a ride appears with its first drop.</p>
          </Empty>
        ) : (
          <table className="table compact">
            <tbody>
              {d.rides.map((r) => (
                <tr key={r.id}>
                  <td className="mono">{r.id}</td>
                  <td>
                    <label className="inline">
                      <span className="sr-only">Name of {r.id}</span>
                      <input
                        value={names[r.id] ?? r.name}
                        onChange={(e) => setNames({ ...names, [r.id]: e.target.value })}
                      />
                    </label>
                  </td>
                  <td>
                    <ActionButton
                      label="Rename"
                      busyLabel="Saving…"
                      run={() =>
                        api.admin.renameRide.mutate({
                          park,
                          ride: r.id,
                          name: names[r.id] ?? r.name,
                        })
                      }
                      done={detail.reload}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div>
        <h3>Park tokens</h3>
        <table className="table compact" aria-label={`Tokens of ${park}`}>
          <tbody>
            {d.tokens.map((t) => (
              <tr key={t.id}>
                <td>#{t.id}</td>
                <td>created {when(t.createdAt)}</td>
                <td>
                  {t.revokedAt ? (
                    <span className="muted">revoked {when(t.revokedAt)}</span>
                  ) : (
                    <ActionButton
                      label="Revoke"
                      busyLabel="Revoking…"
                      className="button danger"
                      run={() => api.admin.revokeParkToken.mutate({ tokenId: t.id })}
                      done={detail.reload}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <ActionButton
          label="New park token"
          busyLabel="Creating…"
          run={async () => {
            const made = await api.admin.createParkToken.mutate({ park });
            props.onToken(park, made.token);
          }}
          done={detail.reload}
        />
      </div>
    </div>
  );
}

export function Admin(props: { viewer: Viewer }) {
  const fleet = usePoll(() => api.dashboard.fleet.query(), 'fleet');
  const users = usePoll(
    () =>
      props.viewer.role === 'admin'
        ? api.admin.users.query()
        : Promise.resolve({ users: [] as never[] }),
    'users',
  );
  const [selected, setSelected] = useState('');
  const [token, setToken] = useState<{ park: string; token: string } | null>(null);
  const [park, setPark] = useState({ id: '', name: '', timezone: 'Europe/Rome', language: 'en' });
  const [user, setUser] = useState({ username: '', password: '', role: 'viewer' });
  if (props.viewer.role !== 'admin') {
    return (
      <Page title="Admin">
        <Empty>
          <p>Only an admin can manage parks, rides, tokens and users. Ask an admin for access.</p>
        </Empty>
      </Page>
    );
  }
  const parks = fleet.data?.parks ?? [];
  const current = selected || parks[0]?.id || '';
  return (
    <Page title="Admin">
      <ErrorBanner error={fleet.error ?? users.error} />
      {token ? (
        <TokenOnce park={token.park} token={token.token} close={() => setToken(null)} />
      ) : null}
      <FormCard
        title="Add a park"
        submitLabel="Add park"
        onSubmit={async () => {
          const made = await api.admin.createPark.mutate({
            id: park.id.trim(),
            name: park.name.trim(),
            timezone: park.timezone.trim(),
            language: park.language === 'it' ? 'it' : 'en',
          });
          setToken({ park: made.park.id, token: made.token });
          setPark({ ...park, id: '', name: '' });
          fleet.reload();
          return `Park ${made.park.name} added.`;
        }}
      >
        <label>
          Id
          <input
            value={park.id}
            onChange={(e) => setPark({ ...park, id: e.target.value })}
            placeholder="e.g. gardaland"
            required
          />
        </label>
        <label>
          Name
          <input
            value={park.name}
            onChange={(e) => setPark({ ...park, name: e.target.value })}
            required
          />
        </label>
        <label>
          Time zone
          <input
            value={park.timezone}
            onChange={(e) => setPark({ ...park, timezone: e.target.value })}
            required
          />
        </label>
        <label>
          Report language
          <select
            value={park.language}
            onChange={(e) => setPark({ ...park, language: e.target.value })}
          >
            <option value="en">English</option>
            <option value="it">Italiano</option>
          </select>
        </label>
      </FormCard>
      <section className="card" aria-label="Parks, rides and tokens">
        <h2>Parks, rides and tokens</h2>
        {parks.length === 0 ? (
          <Empty>
            <p>No parks yet: add one above.</p>
          </Empty>
        ) : (
          <>
            <label className="inline">
              Park{' '}
              <select value={current} onChange={(e) => setSelected(e.target.value)}>
                {parks.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.id})
                  </option>
                ))}
              </select>
            </label>
            <ParkRides
              key={current}
              park={current}
              onToken={(p, t) => setToken({ park: p, token: t })}
            />
          </>
        )}
      </section>
      <section className="card" aria-label="Users">
        <h2>Users</h2>
        {!users.data ? (
          <Loading />
        ) : (
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Since</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.id}>
                  <td>{u.username}</td>
                  <td>{when(u.createdAt)}</td>
                  <td>
                    <label className="inline">
                      <span className="sr-only">Role of {u.username}</span>
                      <select
                        value={u.role}
                        onChange={(e) => {
                          const role = e.target.value === 'admin' ? 'admin' : 'viewer';
                          api.admin.setUserRole.mutate({ username: u.username, role }).then(
                            () => users.reload(),
                            (err: unknown) => window.alert(reportFailure(err)),
                          );
                        }}
                      >
                        <option value="viewer">viewer</option>
                        <option value="admin">admin</option>
                      </select>
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <FormCard
        title="Add a user"
        submitLabel="Add user"
        onSubmit={async () => {
          const made = await api.admin.createUser.mutate({
            username: user.username.trim(),
            password: user.password,
            role: user.role === 'admin' ? 'admin' : 'viewer',
          });
          setUser({ username: '', password: '', role: 'viewer' });
          users.reload();
          return `User ${made.username} added as ${made.role}.`;
        }}
      >
        <label>
          Username
          <input
            value={user.username}
            onChange={(e) => setUser({ ...user, username: e.target.value })}
            autoComplete="off"
            required
          />
        </label>
        <label>
          Password (12+ characters)
          <input
            type="password"
            value={user.password}
            onChange={(e) => setUser({ ...user, password: e.target.value })}
            autoComplete="new-password"
            required
          />
        </label>
        <label>
          Role
          <select value={user.role} onChange={(e) => setUser({ ...user, role: e.target.value })}>
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </label>
      </FormCard>
    </Page>
  );
}
