import { useState } from 'react';
import { api } from '../api.ts';
import { duration, when } from '../format.ts';
import { reportFailure, usePoll } from '../poll.ts';
import { Link } from '../router.tsx';
import { Empty, ErrorBanner, Loading, Page, Stat, StateBadge, type Viewer } from '../ui.tsx';

/** A button that runs one change and says how it went, next to itself. */
export function ActionButton(props: {
  label: string;
  busyLabel: string;
  run: () => Promise<unknown>;
  done: () => void;
  className?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="action">
      <button
        type="button"
        className={props.className ?? 'button'}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(null);
          props.run().then(
            () => {
              setBusy(false);
              props.done();
            },
            (err: unknown) => {
              setBusy(false);
              setError(reportFailure(err));
            },
          );
        }}
      >
        {busy ? props.busyLabel : props.label}
      </button>
      {error ? (
        <span className="inline-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

export function Jobs(props: { viewer: Viewer }) {
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
    <Page title="Jobs">
      <ErrorBanner error={queues.error ?? failures.error ?? runs.error} />
      {!q ? (
        <Loading />
      ) : (
        <>
          {q.broker === 'unreachable' ? (
            <p className="banner banner-error" role="alert">
              The message broker cannot be reached: {q.brokerError ?? 'no answer'}. Queued work
              waits in the outbox until it is back.
            </p>
          ) : null}
          <div className="stats">
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
              label="Outbox"
              value={`${q.outbox.unpublished} unpublished`}
              hint={q.outbox.unpublished ? `oldest ${duration(q.outbox.oldestAgeS)}` : undefined}
            />
            <Stat label="Failed drops" value={q.batchesByState.failed} />
          </div>
          <table className="table compact">
            <caption>Queues</caption>
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
          </table>
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
        <table className="table" aria-label="Failed drops">
          <thead>
            <tr>
              <th scope="col">Drop</th>
              <th scope="col">Park</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Error</th>
              {admin ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {f.failed.map((x) => (
              <tr key={x.batchId} data-batch={x.batchId}>
                <td className="mono wrap">
                  <Link to={`/drops/${x.batchId}`}>{x.fileName}</Link>
                  <div className="sub">{when(x.updatedAt)}</div>
                </td>
                <td>{x.park}</td>
                <td className="num">{x.attempts}</td>
                <td className="wrap">{x.error?.reason ?? 'no reason recorded'}</td>
                {admin ? (
                  <td>
                    <ActionButton
                      label="Requeue"
                      busyLabel="Requeueing…"
                      run={() => api.admin.requeueBatch.mutate({ batchId: x.batchId })}
                      done={reload}
                    />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {f && f.reports.length > 0 ? (
        <>
          <h2>Failed reports</h2>
          <table className="table" aria-label="Failed reports">
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
                      {when(r.period.start)} – {when(r.period.end)}
                    </div>
                  </td>
                  <td className="wrap">{r.error ?? 'no reason recorded'}</td>
                  {admin ? (
                    <td>
                      <ActionButton
                        label="Requeue"
                        busyLabel="Requeueing…"
                        run={() => api.admin.requeueReport.mutate({ reportId: r.id })}
                        done={reload}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {f && f.quarantined.length > 0 ? (
        <>
          <h2>Quarantined drops</h2>
          <p className="muted">
            These files are not valid drops; requeueing cannot help. Check the ride's PLC export.
          </p>
          <table className="table" aria-label="Quarantined drops">
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
                  <td className="mono wrap">{x.fileName}</td>
                  <td>{x.park}</td>
                  <td className="wrap">{x.error?.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
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
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Park</th>
              <th scope="col">Started</th>
              <th scope="col" className="num">
                Took
              </th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.runs.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.type} <span className="sub">attempt {r.attempt}</span>
                </td>
                <td>{r.park ?? '—'}</td>
                <td>{when(r.startedAt)}</td>
                <td className="num">{duration(r.durationS)}</td>
                <td className="wrap">
                  <StateBadge state={r.outcome} />
                  {r.error ? <div className="sub">{r.error}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
