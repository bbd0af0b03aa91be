import { api } from '../api.ts';
import { StackedBars } from '../charts.tsx';
import { ago, bytes, duration, percent, when } from '../format.ts';
import { usePoll } from '../poll.ts';
import { Link } from '../router.tsx';
import { Empty, ErrorBanner, Loading, Page, Stat, StateBadge } from '../ui.tsx';
import { AgentState } from './Fleet.tsx';

export function Park(props: { park: string }) {
  const { park } = props;
  const detail = usePoll(() => api.dashboard.park.query({ park, days: 14 }), `park:${park}`);
  const drops = usePoll(() => api.dashboard.drops.query({ park, limit: 15 }), `park-drops:${park}`);
  const d = detail.data;
  return (
    <Page title={d ? d.park.name : park}>
      <p className="crumbs">
        <Link to="/">Fleet</Link> / {d?.park.name ?? park}
      </p>
      <ErrorBanner error={detail.error ?? drops.error} />
      {!d ? (
        detail.error ? null : (
          <Loading />
        )
      ) : (
        <>
          <div className="stats">
            <Stat
              label="Agent"
              value={<AgentState agent={d.agent} />}
              hint={
                d.agent.lastHeartbeatAt === null
                  ? 'install the park agent with a park token from Admin'
                  : `version ${d.agent.version ?? '?'}`
              }
            />
            <Stat label="Last heartbeat" value={ago(d.agent.lastHeartbeatAt)} />
            <Stat
              label="Backlog at the park"
              value={d.agent.backlogDrops === null ? '—' : `${d.agent.backlogDrops} drops`}
              hint={
                d.agent.backlogDrops ? `oldest waits ${duration(d.agent.backlogAgeS)}` : undefined
              }
            />
            <Stat
              label="Agent buffer"
              value={bytes(d.agent.bufferBytes)}
              hint={d.agent.bufferCapBytes ? `of ${bytes(d.agent.bufferCapBytes)}` : undefined}
            />
          </div>
          <h2>Rides</h2>
          {d.rides.length === 0 ? (
            <Empty>
              <p>No rides have sent data yet. A ride appears with its first drop.</p>
            </Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Ride</th>
                  <th scope="col">Model</th>
                  <th scope="col">Last drop</th>
                  <th scope="col">Data up to</th>
                  <th scope="col" className="num">
                    Availability today
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.rides.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link
                        to={`/parks/${encodeURIComponent(park)}/rides/${encodeURIComponent(r.id)}`}
                      >
                        {r.name}
                      </Link>
                      {r.name !== r.id ? <div className="sub">{r.id}</div> : null}
                    </td>
                    <td>{r.model}</td>
                    <td>{ago(r.lastDropAt)}</td>
                    <td>{when(r.lastWindowEnd)}</td>
                    <td className="num">{percent(r.availabilityToday)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <StackedBars title="Drops per day by state (last 14 days)" days={d.dropsByDay} />
          <h2>Latest drops</h2>
          {drops.data === undefined ? (
            <Loading />
          ) : drops.data.drops.length === 0 ? (
            <Empty>
              <p>No drops received from this park yet.</p>
            </Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Ride</th>
                  <th scope="col">Received</th>
                  <th scope="col">State</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {drops.data.drops.map((x) => (
                  <tr key={x.batchId}>
                    <td className="mono wrap">
                      <Link to={`/drops/${x.batchId}`}>{x.fileName}</Link>
                    </td>
                    <td>{x.ride ?? '—'}</td>
                    <td>{when(x.receivedAt)}</td>
                    <td>
                      <StateBadge state={x.state} />
                      {x.superseded ? <div className="sub">replaced by a revision</div> : null}
                    </td>
                    <td className="wrap">{x.error?.reason ?? ''}</td>
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
