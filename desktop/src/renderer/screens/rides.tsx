import { ActionButton, Badge, Banner, count, Empty, Field, Form } from '@zra/ui';
import { useEffect, useRef, useState } from 'react';
import type { Api, ConnectionTest, RideView, Status } from '../api.tsx';
import { describeError } from '../api.tsx';
import { scheduleText, tone } from '../format.tsx';
import { rideState } from './ride-state.tsx';

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
            <Badge tone={ok === null ? 'idle' : ok ? 'ok' : 'bad'}>
              {ok === null ? 'not tried' : ok ? 'yes' : 'no'}
            </Badge>{' '}
            {label}
          </li>
        ))}
        {result.zipFiles !== null ? (
          <li>
            <Badge tone="ok">found</Badge> {count(result.zipFiles, 'drop file')} (.zip) in the
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
            <ActionButton
              label="Accept this host key"
              busyLabel="Accepting…"
              variant="primary"
              run={() =>
                api.rides.acceptHostKey.mutate({ rideId, fingerprint: key.presented ?? '' })
              }
              done={onAccepted}
            />
          ) : null}
          {needsAccept && !rideId ? (
            <p className="field-hint">
              Save the ride first; then accept the key from the ride list.
            </p>
          ) : null}
        </div>
      ) : null}
      {result.error && !needsAccept ? <p className="problem">{result.error}</p> : null}
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
  onDone: () => void;
}) {
  const [f, setF] = useState<FormState>(initial);
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setF((o) => ({ ...o, [k]: v }));

  const save = async (): Promise<string> => {
    const call = editing ? api.rides.edit : api.rides.add;
    const r = await call.mutate(draftOf(f));
    onDone();
    return `Ride ${r.id} saved.`;
  };

  return (
    <Form
      label={editing ? `Edit ride ${f.id}` : 'Add a ride'}
      title={editing ? `Edit ride ${f.id}` : 'Add a ride'}
      layout="column"
      submitLabel="Save ride"
      busyLabel="Saving…"
      onSubmit={save}
    >
      <div className="form-grid">
        <Field
          label="Ride name"
          name="id"
          hint="Lower-case letters, digits and dashes, as in the drop file names, e.g. thunder-loop."
        >
          <input
            value={f.id}
            disabled={editing}
            required
            onChange={(e) => set('id', e.target.value)}
          />
        </Field>
        <Field label="Connection" name="connection.type">
          <select value={f.type} onChange={(e) => set('type', e.target.value as FormState['type'])}>
            <option value="sftp">SFTP (ride gateway)</option>
            <option value="http">HTTP(S) download</option>
          </select>
        </Field>
        {f.type === 'sftp' ? (
          <>
            <Field label="Gateway address" name="connection.host" hint="Host name or IP address.">
              <input value={f.host} onChange={(e) => set('host', e.target.value)} />
            </Field>
            <Field label="Port" name="connection.port">
              <input
                inputMode="numeric"
                value={f.port}
                onChange={(e) => set('port', e.target.value)}
              />
            </Field>
            <Field label="User name" name="connection.username">
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
                name="connection.password"
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
                name="connection.privateKey"
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
            <Field
              label="Gateway URL"
              name="connection.url"
              hint="e.g. https://10.20.0.5:8443/drops"
            >
              <input value={f.url} onChange={(e) => set('url', e.target.value)} />
            </Field>
            <Field label="User name (optional)" name="connection.username">
              <input value={f.username} onChange={(e) => set('username', e.target.value)} />
            </Field>
            <Field label="Password (optional)" name="connection.password">
              <input
                type="password"
                value={f.password}
                onChange={(e) => set('password', e.target.value)}
              />
            </Field>
          </>
        )}
        <Field
          label="Remote folder"
          name="remoteDir"
          hint="The folder on the gateway holding this ride's drops."
        >
          <input value={f.remoteDir} onChange={(e) => set('remoteDir', e.target.value)} />
        </Field>
        <Field label="After a drop is safely buffered" name="afterBuffer">
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
          <Field label="Move to folder" name="afterBuffer.moveTo">
            <input value={f.moveTo} onChange={(e) => set('moveTo', e.target.value)} />
          </Field>
        ) : null}
        <div className="field wide">
          <Field
            label="When to pull"
            name="schedule"
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
      {test ? (
        <TestResult result={test} rideId={null} api={api} onAccepted={() => undefined} />
      ) : null}
      <div className="row">
        <ActionButton
          label="Test connection"
          busyLabel="Testing…"
          run={async () => {
            setTest(null);
            setTest(await api.rides.testConnection.mutate({ draft: draftOf(f) }));
          }}
        />
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </Form>
  );
}

function RideRow({
  ride,
  status,
  focused,
  api,
  onEdit,
  reload,
}: {
  ride: RideView;
  status: Status;
  focused: boolean;
  api: Api;
  onEdit: () => void;
  reload: () => void;
}) {
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (focused) ref.current?.scrollIntoView({ block: 'center' });
  }, [focused]);
  const live = status.rides.find((s) => s.id === ride.id);
  const state = live ? rideState(live, status) : { tone: 'neutral' as const, words: 'Loading' };
  const c = ride.connection;
  return (
    <article
      ref={ref}
      className={focused ? 'card ride-card card-attention' : 'card ride-card'}
      aria-label={`Ride ${ride.id}`}
    >
      <header className="card-head">
        <h3>{ride.id}</h3>
        <Badge tone={tone(state.tone)}>{state.words}</Badge>
      </header>
      <dl className="facts">
        <dt>Gateway</dt>
        <dd className="wrap">
          {c.type === 'sftp' ? `SFTP ${c.username}@${c.host}:${c.port}` : `HTTP ${c.url}`}
        </dd>
        <dt>Remote folder</dt>
        <dd className="wrap">{ride.remoteDir}</dd>
        <dt>Afterwards</dt>
        <dd>
          {typeof ride.afterBuffer === 'string'
            ? ride.afterBuffer === 'keep'
              ? 'left on the gateway'
              : 'deleted from the gateway'
            : `moved to ${ride.afterBuffer.moveTo}`}
        </dd>
        <dt>Schedule</dt>
        <dd>{scheduleText(ride.scheduleInWords, status.timeZone)}</dd>
      </dl>
      {live?.lastError ? (
        <p className="problem" role="status">
          <strong>Problem:</strong> {live.lastError}
        </p>
      ) : null}
      {ride.credentialError ? (
        <Banner tone="error" title="The saved credential cannot be read">
          <p>{ride.credentialError}</p>
          <p>What to do: edit the ride and enter the password or key again.</p>
        </Banner>
      ) : null}
      {test ? (
        <TestResult
          result={test}
          rideId={ride.id}
          api={api}
          onAccepted={() => {
            setTest(null);
            reload();
          }}
        />
      ) : null}
      {note ? (
        <p className="banner banner-info" role="status">
          {note}
        </p>
      ) : null}
      <div className="row">
        <ActionButton
          label="Test connection"
          busyLabel="Testing…"
          run={async () => {
            setTest(null);
            setTest(await api.rides.testConnection.mutate({ rideId: ride.id }));
          }}
          done={reload}
        />
        <ActionButton
          label="Pull now"
          busyLabel="Pulling…"
          run={async () => {
            setNote(null);
            const [r] = await api.pullNow.mutate({ ride: ride.id });
            setNote(
              r?.error
                ? `The pull failed: ${r.error}`
                : `Pulled: ${count(r?.result?.buffered ?? 0, 'new drop')}${r?.result?.quarantined ? `, ${r.result.quarantined} kept aside` : ''}.`,
            );
          }}
          done={reload}
        />
        <button type="button" className="button" onClick={onEdit}>
          Edit
        </button>
        {ride.source === 'stored' ? (
          <ActionButton
            label="Remove"
            busyLabel="Removing…"
            variant="danger"
            confirm={{
              question: `Remove ride ${ride.id}? Its drops already pulled are still uploaded; nothing changes on the gateway.`,
              yes: 'Remove the ride',
            }}
            run={() => api.rides.remove.mutate({ rideId: ride.id })}
            done={reload}
          />
        ) : (
          <span className="muted">
            Set up in the agent’s config file: remove it there and restart the agent (a ride removed
            here would come back from the file at the next start).
          </span>
        )}
      </div>
    </article>
  );
}

export function Rides({
  api,
  status,
  focus,
  reload,
}: {
  api: Api;
  status: Status;
  focus: string | null;
  reload: () => void;
}) {
  const [rides, setRides] = useState<RideView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState<{ initial: FormState; editing: boolean } | null>(null);
  const [version, setVersion] = useState(0);
  const statusKey = status.rides.map((r) => `${r.id}:${r.hostKey.state}`).join(',');
  useEffect(() => {
    let live = true;
    api.rides.list.query().then(
      (r) => {
        if (!live) return;
        setRides(r);
        setError(null);
      },
      (err: unknown) => live && setError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, statusKey, version]);
  const changed = () => {
    setVersion((v) => v + 1);
    reload();
  };

  return (
    <>
      <div className="section-head">
        <p className="muted">
          Each ride’s gateway, login and pull times. Test a connection before relying on it.
        </p>
        {form ? null : (
          <button
            type="button"
            className="button primary"
            onClick={() => setForm({ initial: EMPTY_FORM, editing: false })}
          >
            Add a ride
          </button>
        )}
      </div>
      {error ? (
        <Banner tone="error" title="The rides could not be loaded">
          {error}
        </Banner>
      ) : null}
      {form ? (
        <RideForm
          api={api}
          initial={form.initial}
          editing={form.editing}
          timeZone={status.timeZone}
          onDone={() => {
            setForm(null);
            changed();
          }}
        />
      ) : null}
      {rides && rides.length === 0 && !form ? (
        <Empty>
          <p>No rides yet. Press “Add a ride” and enter the gateway's address and login.</p>
        </Empty>
      ) : null}
      <div className="rides-list">
        {rides?.map((r) => (
          <RideRow
            key={r.id}
            ride={r}
            status={status}
            focused={focus === r.id}
            api={api}
            reload={changed}
            onEdit={() => setForm({ initial: formFor(r), editing: true })}
          />
        ))}
      </div>
    </>
  );
}
