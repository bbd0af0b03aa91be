import { api } from '../api.ts';
import { bytes, duration, when } from '../format.ts';
import { usePoll } from '../poll.ts';
import { Link } from '../router.tsx';
import { Empty, ErrorBanner, Loading, Page, Stat, StateBadge } from '../ui.tsx';

/** One drop: where it is in the pipeline, what it produced, what was odd in it, its job runs. */
export function Drop(props: { batchId: string }) {
  const { data, error } = usePoll(
    () => api.dashboard.drop.query({ batchId: props.batchId }),
    `drop:${props.batchId}`,
  );
  const d = data?.drop;
  return (
    <Page title={d ? d.fileName : 'Drop'}>
      <p className="crumbs">
        <Link to="/">Fleet</Link>
        {d ? (
          <>
            {' / '}
            <Link to={`/parks/${encodeURIComponent(d.park)}`}>{d.park}</Link>
          </>
        ) : null}{' '}
        / drop
      </p>
      <ErrorBanner error={error} />
      {!data || !d ? (
        error ? null : (
          <Loading />
        )
      ) : (
        <>
          <div className="stats">
            <Stat
              label="State"
              value={<StateBadge state={d.state} />}
              hint={d.error?.reason ?? undefined}
            />
            <Stat label="Received" value={when(d.receivedAt)} hint={bytes(d.bytes)} />
            <Stat
              label="Window"
              value={d.window ? when(d.window.start) : '—'}
              hint={d.window ? `to ${when(d.window.end)}` : undefined}
              text
            />
            <Stat
              label="Results"
              value={`${data.results.cycles} cycles`}
              hint={`${data.results.alarms} alarms · ${data.results.breaches} threshold breaches · ${data.results.hours} hours`}
            />
          </div>
          {data.supersededBy ? (
            <p className="banner banner-info">
              A revision replaced this drop: <Link to={`/drops/${data.supersededBy}`}>see it</Link>.
            </p>
          ) : null}
          <h2>Data quality</h2>
          {data.quality.length === 0 ? (
            <Empty>
              <p>Nothing odd found in this drop.</p>
            </Empty>
          ) : (
            <table className="table">
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
                    <td>{when(q.at)}</td>
                    <td className="wrap">{q.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Job runs</h2>
          {data.jobRuns.length === 0 ? (
            <Empty>
              <p>No job has run for this drop yet.</p>
            </Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Attempt</th>
                  <th scope="col">Worker</th>
                  <th scope="col">Started</th>
                  <th scope="col" className="num">
                    Took
                  </th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {data.jobRuns.map((r) => (
                  <tr key={r.id}>
                    <td>{r.attempt}</td>
                    <td className="mono wrap">{r.worker}</td>
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
        </>
      )}
    </Page>
  );
}
