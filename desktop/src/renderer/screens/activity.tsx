import { useEffect, useState } from 'react';
import type { Api, Outputs } from '../api.tsx';
import { errorText } from '../api.tsx';
import { when } from '../format.tsx';
import { Badge, Empty, Problem, type Tone } from '../ui.tsx';

type ActivityEvent = Outputs['activity']['list']['events'][number];

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
const LEVEL: Record<ActivityEvent['level'], Tone> = {
  info: 'ok',
  warn: 'attention',
  error: 'failing',
};

const PAGE = 100;

/**
 * The agent's activity log, newest first: kept by the agent (the last 2,000 events), so it
 * shows what happened before this window opened and before a restart. Reloaded whenever the
 * status changes (`version`).
 */
export function Activity({ api, version }: { api: Api; version: unknown }) {
  const [limit, setLimit] = useState(PAGE);
  const [events, setEvents] = useState<ActivityEvent[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.activity.list
      .query({ limit })
      .then((page) => {
        if (!live) return;
        setEvents(page.events);
        setMore(page.nextCursor !== null);
        setError(null);
      })
      .catch((err: unknown) => {
        if (live) setError(errorText(err));
      });
    return () => {
      live = false;
    };
  }, [api, limit, version]);

  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      <p className="lead">
        Pulls, uploads, quarantined drops, host-key, ride and settings changes, and the central link
        going offline and back, newest first. The agent keeps the last 2,000 events, also across
        restarts.
      </p>
      {error ? <Problem title="The activity could not be loaded" message={error} /> : null}
      {events.length === 0 ? (
        <Empty>Nothing happened yet. Pulls run on each ride's schedule.</Empty>
      ) : (
        <table className="table">
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
                <td className="nowrap">{when(e.at)}</td>
                <td>
                  <Badge tone={LEVEL[e.level]}>{KIND[e.kind] ?? e.kind}</Badge>
                </td>
                <td className="nowrap">{e.ride ?? '—'}</td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {more && limit < 500 ? (
        <div className="actions">
          <button type="button" onClick={() => setLimit((l) => Math.min(l + PAGE, 500))}>
            Show older events
          </button>
        </div>
      ) : null}
    </section>
  );
}
