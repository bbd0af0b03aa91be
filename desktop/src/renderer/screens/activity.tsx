import { Badge, Banner, Empty, Loading, Table, whenZoned, type Tone } from '@zra/ui';
import { useEffect, useState } from 'react';
import type { Api, Outputs, Status } from '../api.tsx';
import { describeError } from '../api.tsx';
import { go, href } from '../router.tsx';

type ActivityEvent = Outputs['activity']['list']['events'][number];
type Level = ActivityEvent['level'];

const KIND: Record<string, string> = {
  pull: 'pull',
  upload: 'upload',
  quarantine: 'quarantine',
  host_key: 'host key',
  settings: 'settings',
  drop: 'drop',
  ride: 'ride',
  central: 'central link',
};
const LEVEL: Record<Level, [Tone, string]> = {
  info: ['ok', 'information'],
  warn: ['warn', 'warnings'],
  error: ['bad', 'errors'],
};

const PAGE = 100;

/**
 * The agent's activity log, newest first: kept by the agent (the last 2,000 events), so it
 * shows what happened before this window opened and before a restart. Filtered by ride and
 * level in the address (`#/activity?ride=x&level=error`), so a filtered view can be reloaded
 * and linked. Reloaded whenever the status changes.
 */
export function Activity({
  api,
  status,
  query,
}: {
  api: Api;
  status: Status;
  query: URLSearchParams;
}) {
  const ride = query.get('ride') ?? '';
  const rawLevel = query.get('level') ?? '';
  const level: Level | '' = rawLevel in LEVEL ? (rawLevel as Level) : '';
  const [limit, setLimit] = useState(PAGE);
  const [events, setEvents] = useState<ActivityEvent[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Until the first answer the log is unknown, not empty.
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    let live = true;
    api.activity.list
      .query({ limit, ...(ride ? { ride } : {}), ...(level ? { level } : {}) })
      .then((page) => {
        if (!live) return;
        setEvents(page.events);
        setMore(page.nextCursor !== null);
        setLoaded(true);
        setError(null);
      })
      .catch((err: unknown) => {
        if (live) setError(describeError(err));
      });
    return () => {
      live = false;
    };
  }, [api, limit, ride, level, status]);

  const filter = (next: { ride?: string; level?: string }) =>
    go(href('activity', { ride, level, ...next }));
  return (
    <>
      <p className="muted">
        Pulls, uploads, quarantined drops, host-key, ride and settings changes, and the central link
        going offline and back, newest first. The agent keeps the last 2,000 events, also across
        restarts.
      </p>
      <div className="row filters">
        <label className="inline-field">
          <span>Ride</span>
          <select value={ride} onChange={(e) => filter({ ride: e.target.value })}>
            <option value="">All rides</option>
            {status.rides.map((r) => (
              <option key={r.id} value={r.id}>
                {r.id}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>Level</span>
          <select value={level} onChange={(e) => filter({ level: e.target.value })}>
            <option value="">All levels</option>
            {(Object.keys(LEVEL) as Level[]).map((l) => (
              <option key={l} value={l}>
                {LEVEL[l][1]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? (
        <Banner tone="error" title="The activity could not be loaded">
          {error}
        </Banner>
      ) : null}
      {!loaded ? (
        error ? null : (
          <Loading what="the activity" />
        )
      ) : events.length === 0 ? (
        <Empty>
          <p>
            {ride || level
              ? 'Nothing of this ride and level yet.'
              : 'Nothing happened yet. Pulls run on each ride’s schedule.'}
          </p>
        </Empty>
      ) : (
        <Table label="Activity" stack>
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Ride</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td data-label="When" className="nowrap">
                  <time dateTime={e.at}>{whenZoned(e.at, status.timeZone)}</time>
                </td>
                <td data-label="What">
                  <Badge tone={LEVEL[e.level][0]}>{KIND[e.kind] ?? e.kind}</Badge>
                </td>
                <td data-label="Ride" className="nowrap">
                  {e.ride ?? '—'}
                </td>
                <td data-label="Details" className="wrap">
                  {e.message}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {more && limit < 500 ? (
        <div className="row">
          <button
            type="button"
            className="button"
            onClick={() => setLimit((l) => Math.min(l + PAGE, 500))}
          >
            Show older events
          </button>
        </div>
      ) : null}
    </>
  );
}
