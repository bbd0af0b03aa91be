import {
  ago,
  Badge,
  count,
  Empty,
  ErrorBanner,
  Loading,
  Page,
  percent,
  Stat,
  Stats,
  Table,
  usePoll,
} from '@zra/ui';
import { backlogText, AgentState, freshness, ridesAtParkText } from '../agent-state.tsx';
import { api } from '../api.ts';
import { ATTENTION_WORDS } from '../labels.ts';
import { Link, to } from '../router.tsx';

/** "Is every park's data flowing?" in one screen: central's side and the park's side. */
export function FleetPage() {
  const { data, error } = usePollFleet();
  const parks = data?.parks ?? [];
  const attention = parks.filter((p) => p.attention.length > 0 && !p.disabled);
  return (
    <Page
      title="Fleet"
      note="Each park's day and times are in its own time zone, named under it. Park-side figures come with the park agent's heartbeat and say how fresh they are."
    >
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
          <Stats>
            {/* One computed page is shared for a few seconds (FLEET_SNAPSHOT_S), and its
                availability counted less often (FLEET_AVAILABILITY_S): say when. */}
            <Stat
              label="Parks"
              value={parks.length}
              hint={
                data.availabilityCountedAt === data.generatedAt
                  ? `counted ${ago(data.generatedAt)}`
                  : `counted ${ago(data.generatedAt)}; availability ${ago(data.availabilityCountedAt)}`
              }
            />
            <Stat
              label="Needing attention"
              value={attention.length}
              hint={
                attention.length === 0
                  ? 'every park reports and flows'
                  : attention.map((p) => p.name).join(', ')
              }
            />
            <Stat label="Drops today" value={parks.reduce((s, p) => s + p.today.drops, 0)} />
            <Stat label="Failed now" value={parks.reduce((s, p) => s + p.failedNow, 0)} />
          </Stats>
          <Table label="Parks">
            <thead>
              <tr>
                <th scope="col">Park</th>
                <th scope="col">Status</th>
                <th scope="col">Agent</th>
                <th scope="col">Rides at the park</th>
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
                <tr key={p.id} data-park={p.id}>
                  <td>
                    <Link to={to.park(p.id)}>{p.name}</Link>
                    <div className="sub">
                      {count(p.rides, 'ride')} · {p.timezone}
                    </div>
                  </td>
                  <td>
                    {p.attention.length === 0 ? (
                      <Badge tone="ok">flowing</Badge>
                    ) : (
                      <span className="badges">
                        {p.attention.map((a) => (
                          <Badge key={a} tone={ATTENTION_WORDS[a].tone}>
                            {ATTENTION_WORDS[a].word}
                          </Badge>
                        ))}
                      </span>
                    )}
                  </td>
                  <td>
                    <AgentState agent={p.agent} />
                    <div className="sub">last upload {ago(p.lastUploadAt)}</div>
                  </td>
                  <td>
                    {ridesAtParkText(p.agent)}
                    {p.agent.quarantinedDrops ? (
                      <div className="sub">
                        {count(p.agent.quarantinedDrops, 'drop')} quarantined at the park
                      </div>
                    ) : null}
                    {p.agent.lastHeartbeatAt ? (
                      <div className="sub">{freshness(p.agent)}</div>
                    ) : null}
                  </td>
                  <td>
                    {backlogText(p.agent)}
                    {p.agent.lastHeartbeatAt ? (
                      <div className="sub">{freshness(p.agent)}</div>
                    ) : null}
                  </td>
                  <td className="num">{p.today.drops}</td>
                  <td className="num">
                    {p.failedNow > 0 ? <Badge tone="bad">{p.failedNow}</Badge> : 0}
                  </td>
                  <td className="num">{percent(p.today.availability)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </Page>
  );
}

function usePollFleet() {
  return usePoll(() => api.dashboard.fleet.query(), 'fleet');
}
