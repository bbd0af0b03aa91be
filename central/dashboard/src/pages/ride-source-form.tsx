import { Field, Form } from '@zra/ui';
import { useState } from 'react';
import { api, type Outputs } from '../api.ts';

type Source = Outputs['centralPull']['list']['rides'][number];

/** The form's state: every field as text, as the inputs hold it. */
interface Draft {
  park: string;
  ride: string;
  type: 'sftp' | 'http';
  host: string;
  port: string;
  url: string;
  username: string;
  credentialKind: 'password' | 'privateKey';
  secret: string;
  remoteDir: string;
  cron: string;
  after: 'keep' | 'delete' | 'move';
  moveTo: string;
  minAge: string;
}

const BLANK: Draft = {
  park: '',
  ride: '',
  type: 'sftp',
  host: '',
  port: '22',
  url: '',
  username: '',
  credentialKind: 'password',
  secret: '',
  remoteDir: '',
  cron: '*/15 9-22 * * *',
  after: 'keep',
  moveTo: 'done',
  minAge: '60',
};

/** A ride's stored settings as the form's starting point (the credential is never sent back). */
export function draftOf(s: Source): Draft {
  const g = s.gateway;
  const after = s.afterDownload;
  return {
    ...BLANK,
    park: s.park,
    ride: s.ride,
    type: g?.type ?? 'sftp',
    host: g?.type === 'sftp' ? g.host : '',
    port: g?.type === 'sftp' ? String(g.port) : '22',
    url: g?.type === 'http' ? g.url : '',
    username: g?.username ?? '',
    remoteDir: s.remoteDir ?? '',
    cron: s.cron ?? BLANK.cron,
    after: typeof after === 'string' ? after : 'move',
    moveTo: typeof after === 'object' ? after.moveTo : BLANK.moveTo,
    minAge: String(s.minAgeSeconds),
  };
}

/**
 * Sets a ride up for central pull, or changes its settings: the gateway (SFTP or HTTP(S)), the
 * login (a password or a private key, sent once and stored sealed; left empty on an edit it
 * stays as stored), the folder, the schedule on the park's clock, what happens to a file after
 * central has it. The host key is not entered here: central shows the one the gateway presents
 * and an admin accepts it.
 */
export function RideSourceForm(props: {
  parks: { id: string; name: string; timezone: string }[];
  editing: Source | null;
  onSaved: (park: string, ride: string) => void;
}) {
  const [draft, setDraft] = useState<Draft>(() =>
    props.editing ? draftOf(props.editing) : { ...BLANK, park: props.parks[0]?.id ?? '' },
  );
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const park = props.parks.find((p) => p.id === draft.park);
  const editing = props.editing !== null;
  return (
    <Form
      label="Central pull settings"
      title={editing ? `Settings of ${draft.park} / ${draft.ride}` : 'Pull a ride from its gateway'}
      submitLabel={editing ? 'Save settings' : 'Set up central pull'}
      busyLabel="Saving…"
      layout="column"
      onSubmit={async () => {
        const secret = draft.secret;
        const saved = await api.centralPull.set.mutate({
          park: draft.park,
          ride: draft.ride.trim(),
          mode: 'central',
          gateway:
            draft.type === 'sftp'
              ? {
                  type: 'sftp',
                  host: draft.host.trim(),
                  port: Number(draft.port),
                  username: draft.username.trim(),
                }
              : {
                  type: 'http',
                  url: draft.url.trim(),
                  ...(draft.username.trim() ? { username: draft.username.trim() } : {}),
                },
          ...(secret
            ? {
                credential:
                  draft.credentialKind === 'password'
                    ? { password: secret }
                    : { privateKey: secret },
              }
            : {}),
          remoteDir: draft.remoteDir.trim(),
          cron: draft.cron.trim(),
          afterDownload: draft.after === 'move' ? { moveTo: draft.moveTo.trim() } : draft.after,
          minAgeSeconds: Number(draft.minAge),
        });
        set({ secret: '' });
        props.onSaved(saved.park, saved.ride);
        return saved.hostKey.state === 'pinned' || saved.hostKey.state === 'not_applicable'
          ? `Saved. Central pulls ${saved.park} / ${saved.ride} on "${saved.cron ?? ''}" (${saved.timezone} time).`
          : `Saved. Now press "Check connection": central contacts the gateway and shows its host key for you to accept; nothing is pulled before.`;
      }}
    >
      <Field label="Park" name="park">
        <select
          value={draft.park}
          disabled={editing}
          onChange={(e) => set({ park: e.target.value })}
        >
          {props.parks.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.id})
            </option>
          ))}
        </select>
      </Field>
      <Field label="Ride id" name="ride" hint="as the PLC writes it in the drops' file names">
        <input
          value={draft.ride}
          disabled={editing}
          onChange={(e) => set({ ride: e.target.value })}
          placeholder="e.g. ride-1"
          required
        />
      </Field>
      <Field label="Gateway protocol" name="gateway.type">
        <select
          value={draft.type}
          onChange={(e) => set({ type: e.target.value === 'http' ? 'http' : 'sftp' })}
        >
          <option value="sftp">SFTP (port 22)</option>
          <option value="http">HTTP(S) listing</option>
        </select>
      </Field>
      {draft.type === 'sftp' ? (
        <>
          <Field label="Gateway host" name="gateway.host" hint="its address on the VPN">
            <input value={draft.host} onChange={(e) => set({ host: e.target.value })} required />
          </Field>
          <Field label="Gateway port" name="gateway.port">
            <input
              inputMode="numeric"
              value={draft.port}
              onChange={(e) => set({ port: e.target.value })}
              required
            />
          </Field>
        </>
      ) : (
        <Field label="Gateway URL" name="gateway.url" hint="e.g. https://10.20.0.5:8443/drops">
          <input value={draft.url} onChange={(e) => set({ url: e.target.value })} required />
        </Field>
      )}
      <Field label="Gateway user" name="gateway.username">
        <input
          value={draft.username}
          onChange={(e) => set({ username: e.target.value })}
          autoComplete="off"
          required={draft.type === 'sftp'}
        />
      </Field>
      <Field label="Login with" name="credentialKind">
        <select
          value={draft.credentialKind}
          onChange={(e) =>
            set({ credentialKind: e.target.value === 'privateKey' ? 'privateKey' : 'password' })
          }
        >
          <option value="password">a password</option>
          <option value="privateKey">a private key</option>
        </select>
      </Field>
      {draft.credentialKind === 'password' ? (
        <Field
          label="Gateway password"
          name="credential.password"
          hint={
            editing ? 'leave empty to keep the stored one' : 'stored encrypted; never shown again'
          }
        >
          <input
            type="password"
            value={draft.secret}
            onChange={(e) => set({ secret: e.target.value })}
            autoComplete="new-password"
          />
        </Field>
      ) : (
        <Field
          label="Private key"
          name="credential.privateKey"
          hint={editing ? 'leave empty to keep the stored one' : 'PEM or OpenSSH; stored encrypted'}
        >
          <textarea
            rows={4}
            value={draft.secret}
            onChange={(e) => set({ secret: e.target.value })}
            spellCheck={false}
          />
        </Field>
      )}
      <Field label="Folder on the gateway" name="remoteDir" hint="where the ride's drops appear">
        <input
          value={draft.remoteDir}
          onChange={(e) => set({ remoteDir: e.target.value })}
          required
        />
      </Field>
      <Field
        label={`Schedule (cron, ${park?.timezone ?? 'park'} time)`}
        name="cron"
        hint='"*/15 9-22 * * *" = every 15 minutes from 09:00 to 22:45'
      >
        <input value={draft.cron} onChange={(e) => set({ cron: e.target.value })} required />
      </Field>
      <Field label="After central has a file" name="afterDownload">
        <select
          value={draft.after}
          onChange={(e) =>
            set({
              after:
                e.target.value === 'delete'
                  ? 'delete'
                  : e.target.value === 'move'
                    ? 'move'
                    : 'keep',
            })
          }
        >
          <option value="keep">keep it on the gateway</option>
          <option value="delete">delete it from the gateway</option>
          <option value="move">move it to a folder on the gateway</option>
        </select>
      </Field>
      {draft.after === 'move' ? (
        <Field label="Move to folder" name="afterDownload.moveTo">
          <input value={draft.moveTo} onChange={(e) => set({ moveTo: e.target.value })} />
        </Field>
      ) : null}
      <Field
        label="Minimum file age (seconds)"
        name="minAgeSeconds"
        hint="a younger file may still be being written"
      >
        <input
          inputMode="numeric"
          value={draft.minAge}
          onChange={(e) => set({ minAge: e.target.value })}
        />
      </Field>
    </Form>
  );
}
