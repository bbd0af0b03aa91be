import {
  Badge,
  Banner,
  duration,
  Empty,
  ErrorBanner,
  Loading,
  Page,
  percent,
  Stat,
  Stats,
  Table,
  usePoll,
  when,
  zoneNote,
  ago,
} from '@zra/ui';
import { api } from '../api.ts';
import { DayBars } from '../charts.tsx';
import { RIDE_STATE_WORDS } from '../labels.ts';
import { Link, to } from '../router.tsx';
import { RideDrops } from './ride-drops.tsx';

export function RidePage(props: { park: string; ride: string }) {
  const { park, ride } = props;
  const { data, error } = usePoll(
    () => api.dashboard.ride.query({ park, ride, days: 30 }),
    `ride:${park}:${ride}`,
  );
  const days = data?.days ?? [];
  const sum = (f: (d: (typeof days)[number]) => number) => days.reduce((s, d) => s + f(d), 0);
  const withData = days.filter((d) => d.availability !== null);
  const meanAvailability =
    withData.length === 0
      ? null
      : withData.reduce((s, d) => s + (d.availability ?? 0), 0) / withData.length;
  const tz = data?.ride.timezone ?? 'UTC';
  const atPark = data?.atPark;
  const heard = data?.agentHeardAt
    ? `${data.agentSilent ? 'last known' : 'as of'} ${ago(data.agentHeardAt)}`
    : '';
  return (
    <Page
      title={data ? data.ride.name : ride}
      crumbs={
        <>
          <Link to="/">Fleet</Link> / <Link to={to.park(park)}>{data?.ride.parkName ?? park}</Link>{' '}
          / {data?.ride.name ?? ride}
        </>
      }
      note={data ? `${zoneNote(tz)} Days run 00:00–24:00 there.` : undefined}
    >
      <ErrorBanner error={error} />
      {!data ? (
        error ? null : (
          <Loading />
        )
      ) : (
        <>
          {atPark?.state === 'failing' || atPark?.state === 'paused' ? (
            <Banner
              tone="warn"
              title={`Pulling at the park: ${RIDE_STATE_WORDS[atPark.state].word}`}
            >
              <p className="fixer">
                {atPark.problem} ({heard}; last good pull {when(atPark.lastSuccessAt, tz)}). A
                technician at the park fixes it in the park app.
              </p>
            </Banner>
          ) : null}
          <Stats>
            <Stat label="Model" value={data.ride.model} text />
            <Stat
              label="Pulling at the park"
              value={
                atPark ? (
                  <Badge tone={RIDE_STATE_WORDS[atPark.state].tone}>
                    {RIDE_STATE_WORDS[atPark.state].word}
                  </Badge>
                ) : data.agentHeardAt === null ? (
                  'agent never heard from'
                ) : (
                  'not reported'
                )
              }
              hint={heard || undefined}
            />
            <Stat label="Cycles (30 days)" value={sum((d) => d.cycles)} />
            <Stat label="Riders (30 days)" value={sum((d) => d.riders)} />
            <Stat
              label="Mean availability"
              value={percent(meanAvailability)}
              hint="days with data"
            />
            <Stat label="Fault time (30 days)" value={duration(sum((d) => d.faultMinutes) * 60)} />
          </Stats>
          <div className="charts">
            <DayBars
              title="Cycles per day"
              days={days.map((d) => ({ date: d.date, value: d.hoursWithData ? d.cycles : null }))}
            />
            <DayBars
              title="Riders per day"
              tone="fill-riders"
              days={days.map((d) => ({ date: d.date, value: d.hoursWithData ? d.riders : null }))}
            />
            <DayBars
              title="Availability per day"
              tone="fill-availability"
              max={1}
              format={(v) => `${Math.round(v * 100)} %`}
              days={days.map((d) => ({ date: d.date, value: d.availability }))}
            />
          </div>
          <RideDrops park={park} ride={ride} timezone={tz} />
          <h2>Channel peaks (30 days)</h2>
          {data.channels.length === 0 ? (
            <Empty>
              <p>No channel peaks in this period: the drops carried no telemetry for them.</p>
            </Empty>
          ) : (
            <Table label="Channel peaks">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col" className="num">
                    p95 of cycle peaks
                  </th>
                  <th scope="col" className="num">
                    Threshold
                  </th>
                  <th scope="col" className="num">
                    Cycles
                  </th>
                  <th scope="col">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {data.channels.map((c) => {
                  const unit = c.unit ? ` ${c.unit}` : '';
                  const t = c.threshold;
                  const over =
                    (t?.max !== undefined && c.p95Peak > t.max) ||
                    (t?.min !== undefined && c.p95Peak < t.min);
                  const limit = !t
                    ? '—'
                    : [
                        t.min !== undefined ? `≥ ${t.min}${unit}` : null,
                        t.max !== undefined ? `≤ ${t.max}${unit}` : null,
                      ]
                        .filter(Boolean)
                        .join(', ');
                  return (
                    <tr key={c.channel}>
                      <td className="mono">{c.channel}</td>
                      <td className="num">
                        {c.p95Peak.toFixed(1)}
                        {unit}
                      </td>
                      <td className="num">{limit}</td>
                      <td className="num">{c.cycles}</td>
                      <td>
                        {!t ? (
                          <Badge tone="idle">no threshold</Badge>
                        ) : over ? (
                          <Badge tone="bad">beyond threshold</Badge>
                        ) : (
                          <Badge tone="ok">within threshold</Badge>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </Table>
          )}
          <h2>Most frequent alarms (30 days)</h2>
          {data.topAlarms.length === 0 ? (
            <Empty>
              <p>No alarms in this period.</p>
            </Empty>
          ) : (
            <Table label="Most frequent alarms">
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Alarm</th>
                  <th scope="col">Severity</th>
                  <th scope="col" className="num">
                    Count
                  </th>
                  <th scope="col" className="num">
                    Downtime
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.topAlarms.map((a) => (
                  <tr key={a.code}>
                    <td className="mono">{a.code}</td>
                    <td>{a.text}</td>
                    <td>
                      <Badge
                        tone={
                          a.severity === 'fault' || a.severity === 'critical'
                            ? 'bad'
                            : a.severity === 'warning'
                              ? 'warn'
                              : 'idle'
                        }
                      >
                        {a.severity}
                      </Badge>
                    </td>
                    <td className="num">{a.count}</td>
                    <td className="num">{duration(a.downtimeS)}</td>
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
