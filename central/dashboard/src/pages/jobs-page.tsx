import {
  ActionButton,
  Banner,
  duration,
  Empty,
  ErrorBanner,
  Loading,
  Page,
  periodLabel,
  Stat,
  Stats,
  Table,
  usePoll,
  whenZoned,
} from '@zra/ui';
import { api, type Viewer } from '../api.ts';
import { FIXER_SHORT } from '../labels.ts';
import { Link, to } from '../router.tsx';
import { JobRunsTable } from './job-runs-table.tsx';

/** The runs of one drop or report (`/jobs?subject=…`), linked back to it. */
function RunsOf(props: { subject: string }) {
  const runs = usePoll(
    () => api.dashboard.jobRuns.query({ subject: props.subject, limit: 100 }),
    `runs-of:${props.subject}`,
  );
  const first = runs.data?.runs[0];
  return (
    <Page
      title="Job runs"
      crumbs={
        <>
          <Link to="/jobs">Jobs</Link> / runs of {first?.subjectName ?? props.subject}
        </>
      }
      note="Each time is in its park's time zone."
    >
      <ErrorBanner error={runs.error} />
      {!runs.data ? (
        <Loading />
      ) : runs.data.runs.length === 0 ? (
        <Empty>
          <p>No job has run for this drop or report.</p>
        </Empty>
      ) : (
        <>
          <p>
            {first?.type === 'postprocess' ? (
              <Link to={to.drop(props.subject)}>Open the drop {first.subjectName}</Link>
            ) : (
              <Link to="/reports">Open the reports</Link>
            )}
          </p>
          <JobRunsTable runs={runs.data.runs} label="Job runs" showSubject={false} />
        </>
      )}
    </Page>
  );
}

export function JobsPage(props: { viewer: Viewer; subject: string | null }) {
  if (props.subject) return <RunsOf subject={props.subject} />;
  return <AllJobs viewer={props.viewer} />;
}

function AllJobs(props: { viewer: Viewer }) {
  const admin = props.viewer.role === 'admin';
  const queues = usePoll(() => api.dashboard.queues.query(), 'queues');
  const failures = usePoll(() => api.dashboard.failures.query({ limit: 50 }), 'failures');
  const runs = usePoll(() => api.dashboard.jobRuns.query({ limit: 15 }), 'runs');
  const reload = () => {
    queues.reload();
    failures.reload();
    runs.reload();
  };
  const q = queues.data;
  const f = failures.data;
  return (
    <Page title="Jobs" note="Each time is in its park's time zone, named after it.">
      <ErrorBanner error={queues.error ?? failures.error ?? runs.error} />
      {!q ? (
        <Loading />
      ) : (
        <>
          {q.broker === 'unreachable' ? (
            <Banner tone="error">
              The message broker cannot be reached: {q.brokerError ?? 'no answer'}. Queued work
              waits in the outbox until it is back.
            </Banner>
          ) : null}
          <Stats>
            <Stat
              label="Post-processing"
              value={`${q.running.postprocess} running`}
              hint={`${q.queues.find((x) => x.queue === 'postprocess' && !x.deadLetter)?.messages ?? 0} waiting`}
            />
            <Stat
              label="Reports"
              value={`${q.running.report} running`}
              hint={`${q.queues.find((x) => x.queue === 'report' && !x.deadLetter)?.messages ?? 0} waiting`}
            />
            <Stat
              label="Gateway downloads"
              value={`${q.running.download} running`}
              hint={`${q.queues.find((x) => x.queue === 'download' && !x.deadLetter)?.messages ?? 0} waiting`}
            />
            <Stat
              label="Outbox"
              value={`${q.outbox.unpublished} unpublished`}
              hint={q.outbox.unpublished ? `oldest ${duration(q.outbox.oldestAgeS)}` : undefined}
            />
            <Stat label="Failed drops" value={q.batchesByState.failed} />
          </Stats>
          <Table label="Queues" caption="Queues" compact>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col" className="num">
                  Messages
                </th>
                <th scope="col" className="num">
                  Consumers
                </th>
              </tr>
            </thead>
            <tbody>
              {q.queues.map((x) => (
                <tr key={x.name}>
                  <td className="mono">
                    {x.name}
                    {x.deadLetter ? ' (dead letters)' : ''}
                  </td>
                  <td className="num">{x.messages}</td>
                  <td className="num">{x.consumers}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
      <h2>Failed drops</h2>
      {!admin ? <p className="muted">Only an admin can requeue a failed job.</p> : null}
      {!f ? (
        <Loading />
      ) : f.failed.length === 0 ? (
        <Empty>
          <p>No failed drops. Every drop central received was processed or is on its way.</p>
        </Empty>
      ) : (
        <Table label="Failed drops">
          <thead>
            <tr>
              <th scope="col">Drop</th>
              <th scope="col">Park</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Error</th>
              <th scope="col">Who can fix it</th>
              {admin ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {f.failed.map((x) => (
              <tr key={x.batchId} data-batch={x.batchId}>
                <td className="mono wrap">
                  <Link to={to.drop(x.batchId)}>{x.fileName}</Link>
                  <div className="sub">{whenZoned(x.updatedAt, x.timezone)}</div>
                </td>
                <td>
                  <Link to={to.park(x.park)}>{x.park}</Link>
                </td>
                <td className="num">{x.attempts}</td>
                <td className="wrap">{x.error?.reason ?? 'no reason recorded'}</td>
                <td>{FIXER_SHORT[x.fixer]}</td>
                {admin ? (
                  <td>
                    <ActionButton
                      label="Requeue"
                      busyLabel="Requeueing…"
                      confirm={{ question: 'Post-process this drop again?', yes: 'Yes, requeue' }}
                      run={() => api.admin.requeueBatch.mutate({ batchId: x.batchId })}
                      done={reload}
                    />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {f && f.reports.length > 0 ? (
        <>
          <h2>Failed reports</h2>
          <Table label="Failed reports">
            <thead>
              <tr>
                <th scope="col">Report</th>
                <th scope="col">Error</th>
                {admin ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {f.reports.map((r) => (
                <tr key={r.id}>
                  <td>
                    {r.park}
                    {r.ride ? ` / ${r.ride}` : ''}
                    <div className="sub">
                      {periodLabel(r.period, r.timezone)} ({r.timezone} time)
                    </div>
                  </td>
                  <td className="wrap">{r.error ?? 'no reason recorded'}</td>
                  {admin ? (
                    <td>
                      <ActionButton
                        label="Requeue"
                        busyLabel="Requeueing…"
                        confirm={{ question: 'Build this report again?', yes: 'Yes, requeue' }}
                        run={() => api.admin.requeueReport.mutate({ reportId: r.id })}
                        done={reload}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      ) : null}
      {f && f.quarantined.length > 0 ? (
        <>
          <h2>Quarantined drops</h2>
          <p className="muted">
            Central refused these files at upload: they are not valid drops, so requeueing cannot
            help. The park's PLC export has to be checked.
          </p>
          <Table label="Quarantined drops">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Park</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {f.quarantined.map((x) => (
                <tr key={x.batchId}>
                  <td className="mono wrap">
                    <Link to={to.drop(x.batchId)}>{x.fileName}</Link>
                  </td>
                  <td>{x.park}</td>
                  <td className="wrap">{x.error?.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      ) : null}
      <h2>Recent job runs</h2>
      {!runs.data ? (
        <Loading />
      ) : runs.data.runs.length === 0 ? (
        <Empty>
          <p>No job has run yet.</p>
        </Empty>
      ) : (
        <JobRunsTable runs={runs.data.runs} label="Recent job runs" showSubject />
      )}
    </Page>
  );
}
