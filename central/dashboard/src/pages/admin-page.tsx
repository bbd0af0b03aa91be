import { Card, Empty, ErrorBanner, Field, Form, Page, usePoll } from '@zra/ui';
import { useState } from 'react';
import { api, type Viewer } from '../api.ts';
import { ROLE_WORDS } from '../labels.ts';
import { Link, to } from '../router.tsx';
import { Users } from './admin-users.tsx';
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
  const parkList = usePoll(() => api.dashboard.parks.query(), 'parks');
  const [selected, setSelected] = useState('');
  const [token, setToken] = useState<{ park: string; token: string } | null>(null);
  const parks = parkList.data?.parks ?? [];
  const current = parks.some((p) => p.id === selected) ? selected : (parks[0]?.id ?? '');
  return (
    <Page
      title="Admin"
      actions={
        <Link to={to.auditLog} className="button">
          Audit log
        </Link>
      }
    >
      <ErrorBanner error={parkList.error} />
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
          parkList.reload();
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
              onDisabledChanged={parkList.reload}
              onDeleted={() => {
                setSelected('');
                parkList.reload();
              }}
            />
          </>
        )}
      </Card>
      <Users viewer={props.viewer} />
    </Page>
  );
}
