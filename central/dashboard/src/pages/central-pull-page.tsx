import {
  ActionButton,
  Badge,
  Banner,
  bytes,
  Card,
  Empty,
  ErrorBanner,
  Loading,
  Page,
  Table,
  usePoll,
  whenZoned,
} from '@zra/ui';
import { useState } from 'react';
import { api, type Outputs, type Viewer } from '../api.ts';
import { Link, to } from '../router.tsx';
import { RideSourceDetail } from './ride-source-detail.tsx';
import { RideSourceForm } from './ride-source-form.tsx';

type Source = Outputs['centralPull']['list']['rides'][number];

/**
 * Central pull: parks without the app. Which path feeds each ride (the park app uploads, or
 * central downloads from the park gateway on the ride's schedule), each central-pull ride's
 * status and host key, its settings (admins), and the drops central pull quarantined with the
 * app quarantine's reasons and actions.
 */
export function CentralPullPage(props: { viewer: Viewer }) {
  const admin = props.viewer.role === 'admin';
  const list = usePoll(() => api.centralPull.list.query({}), 'central-pull');
  const parkList = usePoll(() => api.dashboard.parks.query(), 'parks');
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState<Source | null>(null);
  const rides = list.data?.rides ?? [];
  const keyOf = (s: { park: string; ride: string }) => `${s.park}/${s.ride}`;
  const current = rides.find((s) => keyOf(s) === selected) ?? rides[0];
  const parks = parkList.data?.parks ?? [];
  return (
    <Page
      title="Central pull"
      note="Each ride is fed by the park app (it uploads) or by central pull (central downloads from the park gateway on the ride's schedule). The same drop by both paths is stored once."
    >
      <ErrorBanner error={list.error ?? parkList.error} />
      {list.data?.problem ? (
        <Banner tone="error" title="Central pull is stopped">
          {list.data.problem}
        </Banner>
      ) : null}
      <Card title="Rides with gateway settings" label="Central pull rides">
        {!list.data ? (
          <Loading />
        ) : rides.length === 0 ? (
          <Empty>
            <p>Every ride is fed by its park app.</p>
            {admin ? <p>Set one up below to have central pull it from its gateway.</p> : null}
          </Empty>
        ) : (
          <Table label="Central pull rides">
            <thead>
              <tr>
                <th scope="col">Ride</th>
                <th scope="col">Fed by</th>
                <th scope="col">Gateway</th>
                <th scope="col">Last successful pull</th>
                <th scope="col" className="num">
                  Waiting
                </th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {rides.map((s) => (
                <tr key={keyOf(s)} data-ride={keyOf(s)}>
                  <td>
                    <button
                      type="button"
                      className="button small"
                      onClick={() => {
                        setSelected(keyOf(s));
                        setEditing(null);
                      }}
                    >
                      {s.park} / {s.ride}
                    </button>
                  </td>
                  <td>{s.mode === 'central' ? 'central pull' : 'park app'}</td>
                  <td className="mono wrap">
                    {s.gateway?.type === 'sftp'
                      ? `sftp://${s.gateway.username}@${s.gateway.host}:${s.gateway.port}`
                      : (s.gateway?.url ?? '—')}
                    {s.remoteDir ? <div className="sub">{s.remoteDir}</div> : null}
                  </td>
                  <td>
                    {s.status.lastSuccessAt
                      ? whenZoned(s.status.lastSuccessAt, s.timezone)
                      : 'never'}
                  </td>
                  <td className="num">{s.status.filesWaiting ?? '—'}</td>
                  <td>
                    {s.status.lastError ? (
                      <Badge tone="bad">failing</Badge>
                    ) : s.hostKey.state === 'presented' || s.hostKey.state === 'unconfirmed' ? (
                      <Badge tone="warn">host key to accept</Badge>
                    ) : s.mode === 'central' ? (
                      <Badge tone="ok">pulling</Badge>
                    ) : (
                      <Badge tone="idle">app</Badge>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      {current ? (
        <RideSourceDetail
          key={keyOf(current)}
          source={current}
          viewer={props.viewer}
          reload={list.reload}
          onEdit={() => setEditing(current)}
        />
      ) : null}
      {admin && parks.length > 0 ? (
        <RideSourceForm
          key={editing ? `edit:${keyOf(editing)}` : 'new'}
          parks={parks}
          editing={editing}
          onSaved={(park, ride) => {
            // The form stays as it is, its outcome sentence below it.
            setSelected(`${park}/${ride}`);
            list.reload();
          }}
        />
      ) : null}
      <PulledQuarantine admin={admin} />
    </Page>
  );
}

/** Drops central pull quarantined: the app quarantine's reasons, check again and delete. */
function PulledQuarantine(props: { admin: boolean }) {
  const q = usePoll(() => api.centralPull.quarantined.query({}), 'central-pull-quarantine');
  const drops = q.data?.drops;
  return (
    <Card title="Quarantined by central pull" label="Quarantined by central pull">
      <ErrorBanner error={q.error} />
      {!drops ? (
        <Loading />
      ) : drops.length === 0 ? (
        <Empty>
          <p>Nothing quarantined: every file central pulled was a valid drop.</p>
        </Empty>
      ) : (
        <Table label="Quarantined by central pull">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Why</th>
              <th scope="col">Pulled</th>
              {props.admin ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {drops.map((d) => (
              <tr key={d.batchId} data-quarantined={d.fileName}>
                <td className="wrap">
                  <Link to={to.drop(d.batchId)}>{d.fileName}</Link>
                  <div className="sub">
                    {d.park}
                    {d.ride ? ` / ${d.ride}` : ''} · {bytes(d.bytes)}
                  </div>
                </td>
                <td className="wrap">
                  <span className="mono">{d.code}</span>
                  <div className="sub">{d.reason}</div>
                </td>
                <td>{whenZoned(d.receivedAt, 'UTC')}</td>
                {props.admin ? (
                  <td>
                    <span className="row">
                      <ActionButton
                        label="Check again"
                        busyLabel="Checking…"
                        small
                        run={() => api.centralPull.recheck.mutate({ batchId: d.batchId })}
                        done={q.reload}
                      />
                      <ActionButton
                        label="Delete"
                        busyLabel="Deleting…"
                        small
                        variant="danger"
                        confirm={{
                          question: `Delete ${d.fileName}? The gateway file is not pulled again unless it changes.`,
                          yes: 'Yes, delete',
                        }}
                        run={() => api.centralPull.deleteQuarantined.mutate({ batchId: d.batchId })}
                        done={q.reload}
                      />
                    </span>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
