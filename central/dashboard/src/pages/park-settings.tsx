import {
  ActionButton,
  ago,
  Empty,
  ErrorBanner,
  Field,
  Form,
  Loading,
  Table,
  usePoll,
  when,
} from '@zra/ui';
import { useState } from 'react';
import { api } from '../api.ts';
import { OpeningHoursFields, type OpeningHours } from './opening-hours-fields.tsx';

/** One park's settings: opening hours, rides' names, tokens, disable and delete. */
export function ParkSettings(props: {
  park: string;
  onToken: (park: string, token: string) => void;
  /** The park was disabled or enabled: lists that name it as such (the picker) reload now. */
  onDisabledChanged: () => void;
  onDeleted: () => void;
}) {
  const { park } = props;
  const detail = usePoll(() => api.dashboard.park.query({ park, days: 1 }), `admin-park:${park}`);
  const [names, setNames] = useState<Record<string, string>>({});
  const [hours, setHours] = useState<OpeningHours | null>(null);
  const [label, setLabel] = useState('');
  const d = detail.data;
  if (!d) return detail.error ? <ErrorBanner error={detail.error} /> : <Loading />;
  const tz = d.park.timezone;
  return (
    <div>
      <ErrorBanner error={detail.error} />
      <Form
        label={`Opening hours of ${d.park.name}`}
        title="Opening hours"
        submitLabel="Save hours"
        busyLabel="Saving…"
        onSubmit={async () => {
          const set = await api.admin.setOpeningHours.mutate({
            park,
            openingHours: hours ?? d.park.openingHours,
          });
          setHours(null);
          detail.reload();
          return `Opening hours saved: ${set.openingHours.open}–${set.openingHours.close} ${tz} time. Reports from now on measure completeness by them.`;
        }}
      >
        <OpeningHoursFields
          value={hours ?? d.park.openingHours}
          onChange={setHours}
          timezone={tz}
        />
      </Form>
      <div className="two-col">
        <div>
          <h3>Rides</h3>
          {d.rides.length === 0 ? (
            <Empty>
              <p>No rides yet: a ride appears with its first drop.</p>
            </Empty>
          ) : (
            <Table label={`Rides of ${park}`} compact>
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
                        small
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
            </Table>
          )}
        </div>
        <div>
          <h3>Park tokens</h3>
          <Table label={`Tokens of ${park}`} compact>
            <thead>
              <tr>
                <th scope="col">Token</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {d.tokens.map((t) => (
                <tr key={t.id}>
                  <td>
                    {t.label || `token #${t.id}`}
                    <div className="sub">
                      #{t.id}, created {when(t.createdAt, tz)}
                    </div>
                  </td>
                  <td>{t.lastUsedAt ? ago(t.lastUsedAt) : 'never'}</td>
                  <td>
                    {t.revokedAt ? (
                      <span className="muted">revoked {when(t.revokedAt, tz)}</span>
                    ) : (
                      <ActionButton
                        label="Revoke"
                        busyLabel="Revoking…"
                        small
                        variant="danger"
                        confirm={{
                          question: 'Revoke it? An agent using it is refused at once.',
                          yes: 'Yes, revoke',
                        }}
                        run={() => api.admin.revokeParkToken.mutate({ tokenId: t.id })}
                        done={detail.reload}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <div className="form-row">
            <Field label="Label of a new token" hint='e.g. "access node, hall 2"'>
              <input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={200} />
            </Field>
            <ActionButton
              label="New park token"
              busyLabel="Creating…"
              run={async () => {
                const made = await api.admin.createParkToken.mutate({ park, label });
                setLabel('');
                props.onToken(park, made.token);
              }}
              done={detail.reload}
            />
          </div>
        </div>
      </div>
      <h3>Disable or delete</h3>
      <p className="muted">
        A disabled park keeps its data and stays in the fleet, but its tokens are refused and its
        schedules do not fire. Only a park that never sent data can be deleted.
      </p>
      <div className="row">
        <ActionButton
          label={d.park.disabledAt ? 'Enable park' : 'Disable park'}
          busyLabel="Saving…"
          variant={d.park.disabledAt ? 'primary' : 'danger'}
          confirm={
            d.park.disabledAt
              ? undefined
              : { question: `Disable ${d.park.name}? Its agent is refused.`, yes: 'Yes, disable' }
          }
          run={() => api.admin.setParkDisabled.mutate({ park, disabled: !d.park.disabledAt })}
          done={() => {
            detail.reload();
            props.onDisabledChanged();
          }}
        />
        <ActionButton
          label="Delete park"
          busyLabel="Deleting…"
          variant="danger"
          disabled={d.hasData}
          confirm={{ question: `Delete ${d.park.name} for good?`, yes: 'Yes, delete' }}
          run={() => api.admin.deletePark.mutate({ park })}
          done={props.onDeleted}
        />
        {d.hasData ? (
          <span className="sub">This park has drops or reports: disable it instead.</span>
        ) : null}
      </div>
    </div>
  );
}
