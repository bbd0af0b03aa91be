import {
  ago,
  Badge,
  bytes,
  Card,
  count,
  Empty,
  ErrorBanner,
  Loading,
  Page,
  percent,
  Stat,
  StateBadge,
  Stats,
  Table,
  usePoll,
  when,
  zoneNote,
} from '@zra/ui';
import { AgentState, backlogText, freshness } from '../agent-state.tsx';
import { api, type Outputs } from '../api.ts';
import { StackedBars } from '../charts.tsx';
import { ATTENTION_WORDS, RIDE_STATE_WORDS } from '../labels.ts';
import { Link, to } from '../router.tsx';

type ParkDetail = Outputs['dashboard']['park'];

/** The park-side problems of a park in sentences, with the freshness of what the agent said. */
function ParkSideProblems(props: { d: ParkDetail }) {
  const { agent } = props.d;
  const rides = agent.rides ?? [];
  const problems = rides.filter((r) => r.state === 'failing' || r.state === 'paused');
  const items: string[] = [];
  if (agent.lastHeartbeatAt === null) {
    items.push(
      'The park agent has never reported: install it with a park token from Admin, or check that it can reach central.',
    );
  } else if (agent.silent) {
    items.push(
      `The park agent has been silent since ${ago(agent.lastHeartbeatAt)}: what it said last is shown below as "last known". The park's network or the agent may be down; a technician at the park can check.`,
    );
  }
  if ((agent.quarantinedDrops ?? 0) > 0) {
    items.push(
      `${count(agent.quarantinedDrops ?? 0, 'drop')} quarantined at the park (${freshness(agent)}): the agent found them invalid and keeps them aside; the technician sees why in the park app.`,
    );
  }
  if (props.d.failedNow > 0) {
    items.push(`${count(props.d.failedNow, 'drop')} failed at central: see Latest drops below.`);
  }
  if (items.length === 0 && problems.length === 0) return null;
  return (
    <Card title="Needs attention" label="Needs attention" tone="attention">
      {items.length > 0 ? (
        <ul className="problem-list">
          {items.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
      ) : null}
      {problems.length > 0 ? (
        <Table label="Rides with problems at the park" compact>
          <thead>
            <tr>
              <th scope="col">Ride</th>
              <th scope="col">Pulling</th>
              <th scope="col">Last good pull</th>
              <th scope="col">What the agent says</th>
            </tr>
          </thead>
          <tbody>
            {problems.map((r) => (
              <tr key={r.id}>
                <td className="mono">{r.id}</td>
                <td>
                  <Badge tone={RIDE_STATE_WORDS[r.state].tone}>
                    {RIDE_STATE_WORDS[r.state].word}
                  </Badge>
                </td>
                <td>{when(r.lastSuccessAt, props.d.park.timezone)}</td>
                <td className="wrap">
                  {r.problem}
                  <div className="sub">
                    {freshness(agent)}; a technician at the park fixes it in the park app
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </Card>
  );
}

export function ParkPage(props: { park: string }) {
  const { park } = props;
  const detail = usePoll(() => api.dashboard.park.query({ park, days: 14 }), `park:${park}`);
  const drops = usePoll(() => api.dashboard.drops.query({ park, limit: 15 }), `park-drops:${park}`);
  const d = detail.data;
  const tz = d?.park.timezone ?? 'UTC';
  return (
    <Page
      title={d ? d.park.name : park}
      crumbs={
        <>
          <Link to="/">Fleet</Link> / {d?.park.name ?? park}
        </>
      }
      note={d ? zoneNote(tz) : undefined}
    >
      <ErrorBanner error={detail.error ?? drops.error} />
      {!d ? (
        detail.error ? null : (
          <Loading />
        )
      ) : (
        <>
          {d.park.disabledAt ? (
            <p className="banner banner-warn" role="status">
              This park is disabled since {when(d.park.disabledAt, tz)}: its tokens are refused and
              its report schedules do not fire. An admin enables it again under Admin.
            </p>
          ) : null}
          {d.attention.length > 0 ? (
            <p className="badges" aria-label="Status">
              {d.attention.map((a) => (
                <Badge key={a} tone={ATTENTION_WORDS[a].tone}>
                  {ATTENTION_WORDS[a].word}
                </Badge>
              ))}
            </p>
          ) : null}
          <ParkSideProblems d={d} />
          <Stats>
            <Stat
              label="Agent"
              value={<AgentState agent={d.agent} />}
              hint={
                d.agent.lastHeartbeatAt === null
                  ? 'install the park agent with a park token from Admin'
                  : `version ${d.agent.version ?? '?'}, heard ${ago(d.agent.lastHeartbeatAt)}`
              }
            />
            <Stat
              label="Backlog at the park"
              value={backlogText(d.agent)}
              text
              hint={d.agent.lastHeartbeatAt ? freshness(d.agent) : undefined}
            />
            <Stat
              label="Agent buffer"
              value={bytes(d.agent.bufferBytes)}
              hint={
                d.agent.lastHeartbeatAt
                  ? `${d.agent.bufferCapBytes ? `of ${bytes(d.agent.bufferCapBytes)}, ` : ''}${freshness(d.agent)}`
                  : undefined
              }
            />
            <Stat
              label="Quarantined at the park"
              value={d.agent.quarantinedDrops ?? '—'}
              hint={
                d.agent.quarantinedDrops === null
                  ? 'not reported by this agent'
                  : freshness(d.agent)
              }
            />
          </Stats>
          <h2>Rides</h2>
          {d.rides.length === 0 && !(d.agent.rides ?? []).length ? (
            <Empty>
              <p>No rides have sent data yet. A ride appears with its first drop.</p>
            </Empty>
          ) : (
            <Table label="Rides">
              <thead>
                <tr>
                  <th scope="col">Ride</th>
                  <th scope="col">Model</th>
                  <th scope="col">Pulling at the park</th>
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
                      <Link to={to.ride(park, r.id)}>{r.name}</Link>
                      {r.name !== r.id ? <div className="sub">{r.id}</div> : null}
                    </td>
                    <td>{r.model}</td>
                    <td>
                      {r.atPark ? (
                        <Badge tone={RIDE_STATE_WORDS[r.atPark.state].tone}>
                          {RIDE_STATE_WORDS[r.atPark.state].word}
                        </Badge>
                      ) : (
                        <span className="muted">not reported</span>
                      )}
                    </td>
                    <td>{ago(r.lastDropAt)}</td>
                    <td>{when(r.lastWindowEnd, tz)}</td>
                    <td className="num">{percent(r.availabilityToday)}</td>
                  </tr>
                ))}
                {(d.agent.rides ?? [])
                  .filter((x) => !d.rides.some((r) => r.id === x.id))
                  .map((x) => (
                    <tr key={`park-${x.id}`}>
                      <td>
                        <span className="mono">{x.id}</span>
                        <div className="sub">configured at the park, no drop at central yet</div>
                      </td>
                      <td>—</td>
                      <td>
                        <Badge tone={RIDE_STATE_WORDS[x.state].tone}>
                          {RIDE_STATE_WORDS[x.state].word}
                        </Badge>
                      </td>
                      <td>never</td>
                      <td>—</td>
                      <td className="num">—</td>
                    </tr>
                  ))}
              </tbody>
            </Table>
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
            <Table label="Latest drops">
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
                      <Link to={to.drop(x.batchId)}>{x.fileName}</Link>
                    </td>
                    <td>{x.ride ? <Link to={to.ride(park, x.ride)}>{x.ride}</Link> : '—'}</td>
                    <td>{when(x.receivedAt, tz)}</td>
                    <td>
                      <StateBadge state={x.state} />
                      {x.superseded ? <div className="sub">replaced by a revision</div> : null}
                    </td>
                    <td className="wrap">{x.error?.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </>
      )}
    </Page>
  );
}
