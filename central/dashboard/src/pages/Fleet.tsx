import { api, type Outputs } from '../api.ts';
import { ago, duration, percent } from '../format.ts';
import { usePoll } from '../poll.ts';
import { Link } from '../router.tsx';
import { Badge, Empty, ErrorBanner, Loading, Page, Stat } from '../ui.tsx';

type FleetPark = Outputs['dashboard']['fleet']['parks'][number];

/** What the agent's state means for a person, worst first. */
export function AgentState(props: { agent: FleetPark['agent'] }) {
  const a = props.agent;
  if (a.lastHeartbeatAt === null) return <Badge tone="idle">never heard from</Badge>;
  if (a.silent) return <Badge tone="bad">silent since {ago(a.lastHeartbeatAt)}</Badge>;
  if (a.backlogGrowing) return <Badge tone="warn">backlog growing</Badge>;
  return <Badge tone="ok">online</Badge>;
}

export function Fleet() {
  const { data, error } = usePoll(() => api.dashboard.fleet.query(), 'fleet');
  const parks = data?.parks ?? [];
  return (
    <Page title="Fleet">
      <ErrorBanner error={error} />
      {data === undefined ? (
        error ? null : (
          <Loading />
        )
      ) : parks.length === 0 ? (
        <Empty>
          <p>No parks yet.</p>
          <p>
            An admin adds a park under <Link to="/admin">Admin</Link>; its agent then uploads with
            the park token shown there.
          </p>
        </Empty>
      ) : (
        <>
          <div className="stats">
            <Stat label="Parks" value={parks.length} />
            <Stat
              label="Needing attention"
              value={parks.filter((p) => p.agent.silent || p.agent.backlogGrowing).length}
              hint="agent silent or never heard from, or backlog growing"
            />
            <Stat label="Drops today" value={parks.reduce((s, p) => s + p.today.drops, 0)} />
            <Stat label="Failed now" value={parks.reduce((s, p) => s + p.failedNow, 0)} />
          </div>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Park</th>
                <th scope="col">Agent</th>
                <th scope="col">Last upload</th>
                <th scope="col">Backlog at the park</th>
                <th scope="col" className="num">
                  Drops today
                </th>
                <th scope="col" className="num">
                  Failed
                </th>
                <th scope="col" className="num">
                  Availability today
                </th>
              </tr>
            </thead>
            <tbody>
              {parks.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/parks/${encodeURIComponent(p.id)}`}>{p.name}</Link>
                    <div className="sub">
                      {p.rides} {p.rides === 1 ? 'ride' : 'rides'} · {p.timezone}
                    </div>
                  </td>
                  <td>
                    <AgentState agent={p.agent} />
                  </td>
                  <td>{ago(p.lastUploadAt)}</td>
                  <td>
                    {p.agent.backlogDrops === null
                      ? '—'
                      : p.agent.backlogDrops === 0
                        ? 'empty'
                        : `${p.agent.backlogDrops} drops, oldest ${duration(p.agent.backlogAgeS)}`}
                  </td>
                  <td className="num">{p.today.drops}</td>
                  <td className="num">
                    {p.failedNow > 0 ? <Badge tone="bad">{p.failedNow}</Badge> : 0}
                  </td>
                  <td className="num">{percent(p.today.availability)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Page>
  );
}
