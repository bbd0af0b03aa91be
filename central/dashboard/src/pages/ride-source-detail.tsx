import {
  ActionButton,
  ago,
  Badge,
  Banner,
  Card,
  Empty,
  ErrorBanner,
  Field,
  Form,
  Loading,
  Stat,
  Stats,
  Table,
  usePoll,
  whenZoned,
} from '@zra/ui';
import { useState } from 'react';
import { api, type Outputs, type Viewer } from '../api.ts';

type Source = Outputs['centralPull']['list']['rides'][number];

const REASON_WORDS: Record<string, string> = {
  schedule: 'schedule',
  now: 'pull now',
  backfill: 'backfill',
  continue: 'rest of a listing',
  check: 'connection check',
};

const HOST_KEY_WORDS: Record<Source['hostKey']['state'], string> = {
  pinned: 'accepted',
  presented: 'waiting for an admin',
  unconfirmed: 'not seen yet',
  changed: 'changed: ride stopped',
  not_applicable: 'HTTPS certificate',
};

const DOWNLOAD_TONES = {
  queued: 'idle',
  running: 'busy',
  done: 'ok',
  failed: 'bad',
} as const;

/** What the counts of a download say, in a few words. */
function countsInWords(c: Record<string, number> | null): string {
  if (!c) return '';
  const parts = [
    `${c.listed ?? 0} listed`,
    `${c.stored ?? 0} new`,
    c.duplicates ? `${c.duplicates} already at central` : '',
    c.quarantined ? `${c.quarantined} quarantined` : '',
    c.young ? `${c.young} still being written` : '',
    c.failed ? `${c.failed} failed` : '',
    c.waiting ? `${c.waiting} waiting` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/**
 * One ride's central pull: which path feeds it, its last successful pull, files waiting on
 * the gateway, the last error in words, the gateway's host key (accepted only by an admin who
 * compared it), and for admins pull now, the connection check, backfill and switching back
 * to the park app; its latest downloads below.
 */
export function RideSourceDetail(props: {
  source: Source;
  viewer: Viewer;
  reload: () => void;
  onEdit: () => void;
}) {
  const { source: s, viewer } = props;
  const ref = { park: s.park, ride: s.ride };
  const admin = viewer.role === 'admin';
  const requests = usePoll(
    () => api.centralPull.requests.query({ ...ref, limit: 8 }),
    `pull-requests:${s.park}/${s.ride}`,
  );
  const [from, setFrom] = useState('');
  const tz = s.timezone;
  const done = () => {
    props.reload();
    requests.reload();
  };
  const key = s.hostKey;
  return (
    <Card title={`${s.park} / ${s.ride}`} label={`Ride ${s.park}/${s.ride}`}>
      <p className="sub">Times are {tz} time (the park's).</p>
      <Stats>
        <Stat
          label="Fed by"
          text
          value={
            s.mode === 'central' ? (
              <Badge tone="ok">central pull</Badge>
            ) : (
              <Badge tone="idle">park app</Badge>
            )
          }
          hint={[
            s.fedBy.centralLastAt ? `central: last drop ${ago(s.fedBy.centralLastAt)}` : '',
            s.fedBy.appLastAt ? `park app: last drop ${ago(s.fedBy.appLastAt)}` : '',
          ]
            .filter(Boolean)
            .join(' · ')}
        />
        <Stat
          label="Last successful pull"
          text
          value={s.status.lastSuccessAt ? whenZoned(s.status.lastSuccessAt, tz) : 'never'}
          hint={s.status.lastSuccessAt ? ago(s.status.lastSuccessAt) : undefined}
        />
        <Stat
          label="Files waiting on the gateway"
          value={s.status.filesWaiting ?? '—'}
          hint={
            s.status.filesWaitingAt ? `as of ${ago(s.status.filesWaitingAt)}` : 'not listed yet'
          }
        />
        <Stat
          label="Next pull"
          text
          value={s.status.nextPullAt ? whenZoned(s.status.nextPullAt, tz) : '—'}
          hint={s.cron ? `schedule ${s.cron}` : undefined}
        />
      </Stats>
      {s.status.lastError ? (
        <Banner tone="error" title="Last download failed">
          {s.status.lastError}
          {s.status.consecutiveFailures > 1
            ? ` (${s.status.consecutiveFailures} failures in a row)`
            : ''}
        </Banner>
      ) : null}
      <div className="host-key">
        <strong>Gateway host key: </strong>
        <Badge
          tone={
            key.state === 'pinned' || key.state === 'not_applicable'
              ? 'ok'
              : key.state === 'changed'
                ? 'bad'
                : 'warn'
          }
        >
          {HOST_KEY_WORDS[key.state]}
        </Badge>
        {key.pinned ? (
          <div className="sub">
            Accepted: <code data-testid="pinned-key">{key.pinned}</code>
          </div>
        ) : null}
        {key.presented && key.presented !== key.pinned ? (
          <div>
            <p>
              The gateway presented <code data-testid="presented-key">{key.presented}</code>.
              Compare it with <code>ssh-keygen -lf &lt;host key&gt;.pub -E sha256</code> on the
              gateway (ask the park) before you accept it; nothing is pulled until then.
            </p>
            {admin ? (
              <ActionButton
                label="Accept this host key"
                busyLabel="Accepting…"
                confirm={{
                  question: `Accept ${key.presented} as the gateway's key?`,
                  yes: 'Yes, accept',
                }}
                run={() =>
                  api.centralPull.acceptHostKey.mutate({ ...ref, fingerprint: key.presented ?? '' })
                }
                done={done}
              />
            ) : null}
          </div>
        ) : null}
      </div>
      {admin ? (
        <div className="row">
          <ActionButton
            label="Pull now"
            busyLabel="Queueing…"
            variant="primary"
            run={() => api.centralPull.pullNow.mutate(ref)}
            done={done}
          />
          <ActionButton
            label="Check connection"
            busyLabel="Queueing…"
            run={() => api.centralPull.check.mutate(ref)}
            done={done}
          />
          <button type="button" className="button" onClick={props.onEdit}>
            Edit settings
          </button>
          {s.mode === 'central' ? (
            <ActionButton
              label="Let the park app feed it"
              busyLabel="Saving…"
              confirm={{
                question: 'Stop central pull for this ride? Its settings are kept.',
                yes: 'Yes, stop',
              }}
              run={() => api.centralPull.set.mutate({ ...ref, mode: 'app' })}
              done={done}
            />
          ) : null}
        </div>
      ) : null}
      {admin ? (
        <Form
          label={`Backfill ${s.park}/${s.ride}`}
          submitLabel="Backfill"
          busyLabel="Queueing…"
          onSubmit={async () => {
            const queued = await api.centralPull.backfill.mutate({ ...ref, from });
            requests.reload();
            return `Queued: every file of the ride from ${whenZoned(queued.since, tz)} on is pulled again; content central has is not stored twice.`;
          }}
        >
          <Field label={`Backfill from (${tz} day)`} name="from">
            <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />
          </Field>
        </Form>
      ) : null}
      <h3>Latest downloads</h3>
      <ErrorBanner error={requests.error} />
      {!requests.data ? (
        <Loading />
      ) : requests.data.requests.length === 0 ? (
        <Empty>
          <p>No download yet.</p>
        </Empty>
      ) : (
        <Table label={`Downloads of ${s.park}/${s.ride}`} compact>
          <thead>
            <tr>
              <th scope="col">Asked</th>
              <th scope="col">Why</th>
              <th scope="col">State</th>
              <th scope="col">What it did</th>
            </tr>
          </thead>
          <tbody>
            {requests.data.requests.map((r) => (
              <tr key={r.id} data-download={r.id}>
                <td>
                  {whenZoned(r.requestedAt, tz)}
                  <div className="sub">{r.requestedBy}</div>
                </td>
                <td>{REASON_WORDS[r.reason] ?? r.reason}</td>
                <td>
                  <Badge tone={DOWNLOAD_TONES[r.state]}>{r.state}</Badge>
                </td>
                <td className="wrap">
                  {countsInWords(r.counts)}
                  {r.error ? <div className="sub">{r.error}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
