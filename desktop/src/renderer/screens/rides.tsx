import { useEffect, useState, type FormEvent } from 'react';
import type { Api, ConnectionTest, RideView, Status } from '../api.tsx';
import { errorText } from '../api.tsx';
import { plural, scheduleText } from '../format.tsx';
import { Badge, Empty, Field, Problem } from '../ui.tsx';

type AfterBuffer = 'keep' | 'delete' | 'move';

interface FormState {
  id: string;
  type: 'sftp' | 'http';
  host: string;
  port: string;
  username: string;
  auth: 'password' | 'privateKey';
  password: string;
  privateKey: string;
  url: string;
  remoteDir: string;
  afterBuffer: AfterBuffer;
  moveTo: string;
  schedule: string;
}

const EMPTY_FORM: FormState = {
  id: '',
  type: 'sftp',
  host: '',
  port: '22',
  username: '',
  auth: 'password',
  password: '',
  privateKey: '',
  url: '',
  remoteDir: '.',
  afterBuffer: 'keep',
  moveTo: 'done',
  schedule: '*/15 * * * *',
};

function formFor(ride: RideView): FormState {
  const c = ride.connection;
  const after = ride.afterBuffer;
  return {
    ...EMPTY_FORM,
    id: ride.id,
    type: c.type,
    host: c.type === 'sftp' ? c.host : '',
    port: c.type === 'sftp' ? String(c.port) : '22',
    username: c.username ?? '',
    auth: c.type === 'sftp' && c.hasPrivateKey ? 'privateKey' : 'password',
    url: c.type === 'http' ? c.url : '',
    remoteDir: ride.remoteDir,
    afterBuffer: typeof after === 'string' ? after : 'move',
    moveTo: typeof after === 'string' ? 'done' : after.moveTo,
    schedule: ride.schedule.join('\n'),
  };
}

function rules(text: string): string[] {
  return text
    .split('\n')
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
}

/** The form as the agent's `rideDraftSchema` expects it; empty credentials keep the stored ones. */
function draftOf(f: FormState) {
  const afterBuffer = f.afterBuffer === 'move' ? { moveTo: f.moveTo.trim() } : f.afterBuffer;
  const connection =
    f.type === 'sftp'
      ? {
          type: 'sftp' as const,
          host: f.host.trim(),
          port: Number(f.port),
          username: f.username.trim(),
          ...(f.auth === 'password' && f.password ? { password: f.password } : {}),
          ...(f.auth === 'privateKey' && f.privateKey ? { privateKey: f.privateKey } : {}),
        }
      : {
          type: 'http' as const,
          url: f.url.trim(),
          ...(f.username ? { username: f.username.trim(), password: f.password } : {}),
        };
  return {
    id: f.id.trim(),
    connection,
    remoteDir: f.remoteDir.trim() || '.',
    afterBuffer,
    schedule: rules(f.schedule),
  };
}

function TestResult({
  result,
  rideId,
  api,
  onAccepted,
}: {
  result: ConnectionTest;
  rideId: string | null;
  api: Api;
  onAccepted: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const key = result.hostKey;
  const needsAccept = key.state === 'unconfirmed' && key.presented !== null;
  // No credential is sent to a host key nobody accepted: the login was not tried.
  const keyBlocked = key.state === 'unconfirmed' || key.state === 'changed';
  const steps: [string, boolean | null][] = [
    ['Gateway answered', result.reachable],
    ['Login accepted', keyBlocked && !result.loggedIn ? null : result.loggedIn],
    ['Remote folder found', result.folderExists],
  ];
  return (
    <div className="test-result" role="status" aria-label="Connection test result">
      <ul className="steps">
        {steps.map(([label, ok]) => (
          <li key={label}>
            <Badge tone={ok === null ? 'neutral' : ok ? 'ok' : 'failing'}>
              {ok === null ? 'not tried' : ok ? 'yes' : 'no'}
            </Badge>{' '}
            {label}
          </li>
        ))}
        {result.zipFiles !== null ? (
          <li>
            <Badge tone="ok">found</Badge> {plural(result.zipFiles, 'drop file')} (.zip) in the
            folder
          </li>
        ) : null}
      </ul>
      {key.state !== 'not_applicable' ? (
        <div className="host-key">
          <p>
            <strong>Host key:</strong>{' '}
            {key.state === 'pinned'
              ? `accepted (${key.pinned ?? ''})`
              : key.state === 'changed'
                ? `CHANGED — the gateway presented ${key.presented ?? '?'} but ${key.pinned ?? '?'} was accepted. Do not accept a new key unless the gateway was replaced.`
                : key.presented
                  ? 'the gateway presented this fingerprint; compare it with the one the gateway supplier gave you:'
                  : 'not seen yet'}
          </p>
          {needsAccept ? <code className="fingerprint">{key.presented}</code> : null}
          {needsAccept && rideId ? (
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                api.rides.acceptHostKey
                  .mutate({ rideId, fingerprint: key.presented ?? '' })
                  .then(onAccepted, (err: unknown) => setError(errorText(err)))
                  .finally(() => setBusy(false));
              }}
            >
              Accept this host key
            </button>
          ) : null}
          {needsAccept && !rideId ? (
            <p className="field-hint">
              Save the ride first; then accept the key from the ride list.
            </p>
          ) : null}
        </div>
      ) : null}
      {result.error && !needsAccept ? <p className="ride-error">{result.error}</p> : null}
      {error ? <Problem title="The key was not accepted" message={error} /> : null}
    </div>
  );
}

function SchedulePreview({ api, text }: { api: Api; text: string }) {
  const [preview, setPreview] = useState<{ rule: string; valid: boolean; words: string | null }[]>(
    [],
  );
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      api.rides.describeSchedule
        .query({ rules: rules(text).slice(0, 50) })
        .then((p) => !cancelled && setPreview(p))
        .catch(() => undefined);
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, text]);
  if (preview.length === 0) return <p className="field-hint">Give at least one rule.</p>;
  return (
    <ul className="schedule-preview" aria-label="Schedule in words">
      {preview.map((p) => (
        <li key={p.rule} className={p.valid ? '' : 'invalid'}>
          <code>{p.rule}</code> →{' '}
          {p.valid
            ? p.words
            : 'not a rule: write "minute hour day month weekday", e.g. */15 7-23 * * *'}
        </li>
      ))}
    </ul>
  );
}

function RideForm({
  api,
  initial,
  editing,
  timeZone,
  onDone,
}: {
  api: Api;
  initial: FormState;
  editing: boolean;
  /** The time zone the rules are read in (Settings), named in the hint. */
  timeZone: string;
  onDone: (savedId: string | null) => void;
}) {
  const [f, setF] = useState<FormState>(initial);
  const [error, setError] = useState<string | null>(null);
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setF((o) => ({ ...o, [k]: v }));

  const save = (e: FormEvent) => {
    e.preventDefault();
    setBusy('save');
    setError(null);
    const call = editing ? api.rides.edit : api.rides.add;
    call
      .mutate(draftOf(f))
      .then(
        (r) => onDone(r.id),
        (err: unknown) => setError(errorText(err)),
      )
      .finally(() => setBusy(null));
  };
  const testNow = () => {
    setBusy('test');
    setTest(null);
    api.rides.testConnection
      .mutate({ draft: draftOf(f) })
      .then(setTest, (err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(null));
  };

  return (
    <form
      className="card ride-form"
      onSubmit={save}
      aria-label={editing ? `Edit ride ${f.id}` : 'Add a ride'}
    >
      <h3>{editing ? `Edit ride ${f.id}` : 'Add a ride'}</h3>
      <div className="form-grid">
        <Field label="Ride name" hint="Lower-case letters, digits and dashes, e.g. thunder-loop.">
          <input
            value={f.id}
            disabled={editing}
            required
            onChange={(e) => set('id', e.target.value)}
          />
        </Field>
        <Field label="Connection">
          <select value={f.type} onChange={(e) => set('type', e.target.value as FormState['type'])}>
            <option value="sftp">SFTP (ride gateway)</option>
            <option value="http">HTTP(S) download</option>
          </select>
        </Field>
        {f.type === 'sftp' ? (
          <>
            <Field label="Gateway address" hint="Host name or IP address.">
              <input value={f.host} onChange={(e) => set('host', e.target.value)} />
            </Field>
            <Field label="Port">
              <input
                inputMode="numeric"
                value={f.port}
                onChange={(e) => set('port', e.target.value)}
              />
            </Field>
            <Field label="User name">
              <input
                value={f.username}
                autoComplete="off"
                onChange={(e) => set('username', e.target.value)}
              />
            </Field>
            <Field label="Sign in with">
              <select
                value={f.auth}
                onChange={(e) => set('auth', e.target.value as FormState['auth'])}
              >
                <option value="password">Password</option>
                <option value="privateKey">Private key</option>
              </select>
            </Field>
            {f.auth === 'password' ? (
              <Field
                label="Password"
                hint={editing ? 'Leave empty to keep the saved password.' : undefined}
              >
                <input
                  type="password"
                  autoComplete="new-password"
                  value={f.password}
                  onChange={(e) => set('password', e.target.value)}
                />
              </Field>
            ) : (
              <Field
                label="Private key"
                hint={
                  editing ? 'Leave empty to keep the saved key.' : 'Paste the OpenSSH private key.'
                }
              >
                <textarea
                  rows={3}
                  value={f.privateKey}
                  onChange={(e) => set('privateKey', e.target.value)}
                />
              </Field>
            )}
          </>
        ) : (
          <>
            <Field label="Gateway URL" hint="e.g. https://10.20.0.5:8443/drops">
              <input value={f.url} onChange={(e) => set('url', e.target.value)} />
            </Field>
            <Field label="User name (optional)">
              <input value={f.username} onChange={(e) => set('username', e.target.value)} />
            </Field>
            <Field label="Password (optional)">
              <input
                type="password"
                value={f.password}
                onChange={(e) => set('password', e.target.value)}
              />
            </Field>
          </>
        )}
        <Field label="Remote folder" hint="The folder on the gateway holding this ride's drops.">
          <input value={f.remoteDir} onChange={(e) => set('remoteDir', e.target.value)} />
        </Field>
        <Field label="After a drop is safely buffered">
          <select
            value={f.afterBuffer}
            onChange={(e) => set('afterBuffer', e.target.value as AfterBuffer)}
          >
            <option value="keep">Leave it on the gateway</option>
            <option value="delete">Delete it from the gateway</option>
            {f.type === 'sftp' ? (
              <option value="move">Move it to a folder on the gateway</option>
            ) : null}
          </select>
        </Field>
        {f.afterBuffer === 'move' ? (
          <Field label="Move to folder">
            <input value={f.moveTo} onChange={(e) => set('moveTo', e.target.value)} />
          </Field>
        ) : null}
        <div className="field wide">
          <Field
            label="When to pull"
            hint={`One rule per line: minute hour day month weekday, in ${timeZone} time (change it in Settings).`}
          >
            <textarea
              rows={3}
              value={f.schedule}
              onChange={(e) => set('schedule', e.target.value)}
            />
          </Field>
          <SchedulePreview api={api} text={f.schedule} />
        </div>
      </div>
      {error ? (
        <Problem
          title="The ride was not saved"
          message={error}
          action="Correct the field named in the message and save again."
        />
      ) : null}
      {test ? (
        <TestResult result={test} rideId={null} api={api} onAccepted={() => undefined} />
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === 'save' ? 'Saving…' : 'Save ride'}
        </button>
        <button type="button" disabled={busy !== null} onClick={testNow}>
          {busy === 'test' ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RideRow({
  ride,
  live,
  timeZone,
  api,
  onEdit,
  refresh,
}: {
  ride: RideView;
  live: Status['rides'][number] | undefined;
  timeZone: string;
  api: Api;
  onEdit: () => void;
  refresh: () => Promise<void>;
}) {
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const c = ride.connection;
  const run = (what: string, work: () => Promise<unknown>) => {
    setBusy(what);
    setError(null);
    work()
      .then(() => refresh())
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(null));
  };
  const testNow = () =>
    run('test', async () => setTest(await api.rides.testConnection.mutate({ rideId: ride.id })));
  return (
    <article className="card" aria-label={`Ride ${ride.id}`}>
      <header className="card-head">
        <h3>{ride.id}</h3>
        {live?.hostKey.state === 'unconfirmed' ? (
          <Badge tone="attention">Host key to accept</Badge>
        ) : live?.hostKey.state === 'changed' ? (
          <Badge tone="failing">Host key changed</Badge>
        ) : live?.lastError ? (
          <Badge tone="failing">Last pull failed</Badge>
        ) : (
          <Badge tone="ok">Ready</Badge>
        )}
      </header>
      <dl className="facts">
        <dt>Gateway</dt>
        <dd>{c.type === 'sftp' ? `SFTP ${c.username}@${c.host}:${c.port}` : `HTTP ${c.url}`}</dd>
        <dt>Remote folder</dt>
        <dd>{ride.remoteDir}</dd>
        <dt>Afterwards</dt>
        <dd>
          {typeof ride.afterBuffer === 'string'
            ? ride.afterBuffer === 'keep'
              ? 'left on the gateway'
              : 'deleted from the gateway'
            : `moved to ${ride.afterBuffer.moveTo}`}
        </dd>
        <dt>Schedule</dt>
        <dd>{scheduleText(ride.scheduleInWords, timeZone)}</dd>
      </dl>
      {ride.credentialError ? (
        <Problem
          title="The saved credential cannot be read"
          message={ride.credentialError}
          action="Edit the ride and enter the password or key again."
        />
      ) : null}
      {test ? (
        <TestResult
          result={test}
          rideId={ride.id}
          api={api}
          onAccepted={() => {
            setTest(null);
            void refresh();
          }}
        />
      ) : null}
      {error ? <Problem title="That did not work" message={error} /> : null}
      <div className="actions">
        <button type="button" disabled={busy !== null} onClick={testNow}>
          {busy === 'test' ? 'Testing…' : 'Test connection'}
        </button>
        <button
          type="button"
          disabled={busy !== null}
          onClick={() => run('pull', () => api.pullNow.mutate({ ride: ride.id }))}
        >
          {busy === 'pull' ? 'Pulling…' : 'Pull now'}
        </button>
        <button type="button" onClick={onEdit}>
          Edit
        </button>
        {ride.source === 'stored' ? (
          <button
            type="button"
            className="danger"
            disabled={busy !== null}
            onClick={() => {
              if (
                window.confirm(`Remove ride ${ride.id}? Its buffered drops are still uploaded.`)
              ) {
                run('remove', () => api.rides.remove.mutate({ rideId: ride.id }));
              }
            }}
          >
            Remove
          </button>
        ) : null}
      </div>
    </article>
  );
}

export function Rides({
  api,
  status,
  refresh,
}: {
  api: Api;
  status: Status;
  refresh: () => Promise<void>;
}) {
  const [rides, setRides] = useState<RideView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState<{ initial: FormState; editing: boolean } | null>(null);
  const load = () =>
    api.rides.list.query().then(
      (r) => {
        setRides(r);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  const statusKey = status.rides.map((r) => `${r.id}:${r.hostKey.state}`).join(',');
  useEffect(() => {
    void load();
  }, [api, statusKey]);

  return (
    <section aria-labelledby="rides-title">
      <div className="section-head">
        <h2 id="rides-title">Rides</h2>
        {form ? null : (
          <button
            type="button"
            className="primary"
            onClick={() => setForm({ initial: EMPTY_FORM, editing: false })}
          >
            Add a ride
          </button>
        )}
      </div>
      {error ? <Problem title="The rides could not be loaded" message={error} /> : null}
      {form ? (
        <RideForm
          api={api}
          initial={form.initial}
          editing={form.editing}
          timeZone={status.timeZone}
          onDone={() => {
            setForm(null);
            void load();
            void refresh();
          }}
        />
      ) : null}
      {rides && rides.length === 0 && !form ? (
        <Empty>No rides yet. Press “Add a ride” and enter the gateway's address and login.</Empty>
      ) : null}
      <div className="rides-list">
        {rides?.map((r) => (
          <RideRow
            key={r.id}
            ride={r}
            live={status.rides.find((s) => s.id === r.id)}
            timeZone={status.timeZone}
            api={api}
            refresh={refresh}
            onEdit={() => setForm({ initial: formFor(r), editing: true })}
          />
        ))}
      </div>
    </section>
  );
}
