import {
  ActionButton,
  Banner,
  bytes,
  Card,
  count,
  Empty,
  ErrorBanner,
  Loading,
  Page,
  Stat,
  StateBadge,
  Stats,
  Table,
  usePoll,
  when,
  zoneNote,
} from '@zra/ui';
import { api, type Viewer } from '../api.ts';
import { FIXER_WORDS } from '../labels.ts';
import { Link, to } from '../router.tsx';
import { JobRunsTable } from './job-runs-table.tsx';

/** One drop: where it is in the pipeline, what failed and who fixes it, its results, its runs. */
export function DropPage(props: { batchId: string; viewer: Viewer }) {
  const { data, error, reload } = usePoll(
    () => api.dashboard.drop.query({ batchId: props.batchId }),
    `drop:${props.batchId}`,
  );
  const d = data?.drop;
  const tz = d?.timezone ?? 'UTC';
  return (
    <Page
      title={d ? d.fileName : 'Drop'}
      crumbs={
        <>
          <Link to="/">Fleet</Link>
          {d && data ? (
            <>
              {' / '}
              <Link to={to.park(d.park)}>{data.parkName}</Link>
              {d.ride ? (
                <>
                  {' / '}
                  <Link to={to.ride(d.park, d.ride)}>{data.rideName ?? d.ride}</Link>
                </>
              ) : null}
            </>
          ) : null}{' '}
          / drop
        </>
      }
      note={d ? zoneNote(tz) : undefined}
      actions={
        d && d.state === 'failed' && props.viewer.role === 'admin' ? (
          <ActionButton
            label="Requeue"
            busyLabel="Requeueing…"
            variant="primary"
            confirm={{
              question: 'Post-process this drop again?',
              yes: 'Yes, requeue',
            }}
            run={() => api.admin.requeueBatch.mutate({ batchId: d.batchId })}
            done={reload}
          />
        ) : undefined
      }
    >
      <ErrorBanner error={error} />
      {!data || !d ? (
        error ? null : (
          <Loading />
        )
      ) : (
        <>
          <Stats>
            <Stat
              label="State"
              value={<StateBadge state={d.state} />}
              hint={d.superseded ? 'replaced by a revision' : undefined}
            />
            <Stat label="Received" value={when(d.receivedAt, tz)} text hint={bytes(d.bytes)} />
            <Stat
              label="Window"
              value={d.window ? when(d.window.start, tz) : '—'}
              hint={d.window ? `to ${when(d.window.end, tz)}` : 'not read: the drop was refused'}
              text
            />
            <Stat
              label="Results"
              text
              value={
                data.results
                  ? count(data.results.cycles, 'cycle')
                  : d.state === 'failed' || d.state === 'quarantined'
                    ? 'none: not processed'
                    : 'not yet'
              }
              hint={
                data.results
                  ? `${count(data.results.alarms, 'alarm')} · ${count(data.results.breaches, 'threshold breach', 'threshold breaches')} · ${count(data.results.hours, 'hour')}`
                  : undefined
              }
            />
          </Stats>
          {data.failure ? (
            <Card
              title={d.state === 'quarantined' ? 'Why it was refused' : 'What failed'}
              label="What failed"
              tone="attention"
            >
              <p className="wrap">{data.failure.reason}</p>
              <p className="fixer">
                <strong>Who can fix it: </strong>
                {FIXER_WORDS[data.failure.fixer]}
              </p>
              <p className="sub">
                Error code {data.failure.code ?? 'none'} · drop id{' '}
                <span className="mono">{d.batchId}</span>
              </p>
            </Card>
          ) : null}
          {data.supersededBy ? (
            <Banner tone="info">
              A revision replaced this drop: <Link to={to.drop(data.supersededBy)}>see it</Link>.
            </Banner>
          ) : null}
          {data.replaces.length > 0 ? (
            <Banner tone="info">
              This drop replaced {count(data.replaces.length, 'earlier revision')}:{' '}
              {data.replaces.map((id, i) => (
                <span key={id}>
                  {i > 0 ? ', ' : ''}
                  <Link to={to.drop(id)}>{id.slice(0, 8)}</Link>
                </span>
              ))}
              .
            </Banner>
          ) : null}
          <h2>Data quality</h2>
          {data.quality === null ? (
            <Empty>
              <p>
                {d.state === 'failed' || d.state === 'quarantined'
                  ? 'Not checked: the drop was not processed.'
                  : 'Checked once the drop is processed.'}
              </p>
            </Empty>
          ) : data.quality.length === 0 ? (
            <Empty>
              <p>Nothing odd found in this drop.</p>
            </Empty>
          ) : (
            <Table label="Data quality findings">
              <thead>
                <tr>
                  <th scope="col">Finding</th>
                  <th scope="col">Channel</th>
                  <th scope="col">At</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {data.quality.map((q, i) => (
                  <tr key={`${q.kind}-${q.at}-${i}`}>
                    <td>{q.kind}</td>
                    <td className="mono">{q.channel ?? '—'}</td>
                    <td>{when(q.at, tz)}</td>
                    <td className="wrap">{q.detail}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <h2>Job runs</h2>
          {data.jobRuns.length === 0 ? (
            <Empty>
              <p>
                {d.state === 'quarantined'
                  ? 'No job runs: a drop refused at upload is never post-processed.'
                  : 'No job has run for this drop yet.'}
              </p>
            </Empty>
          ) : (
            <>
              <JobRunsTable runs={data.jobRuns} label="Job runs" showSubject={false} />
              <p className="sub">
                <Link to={to.runsOf(d.batchId)}>These runs on the Jobs page</Link>
              </p>
            </>
          )}
        </>
      )}
    </Page>
  );
}
