import { Empty, Field, Loading, StateBadge, Table, usePoll, when } from '@zra/ui';
import { useState } from 'react';
import { api } from '../api.ts';
import { Link, to } from '../router.tsx';
import { CursorPager } from './cursor-pager.tsx';

const STATES = ['stored', 'queued', 'processing', 'processed', 'failed', 'quarantined'] as const;
type State = (typeof STATES)[number];
const PAGE = 8;

/** A ride's drops, newest first, a page at a time, optionally of one state. */
export function RideDrops(props: { park: string; ride: string; timezone: string }) {
  const { park, ride, timezone } = props;
  const [state, setState] = useState<State | ''>('');
  // Cursors of the pages shown so far: the last one is the current page's.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const page = usePoll(
    () =>
      api.dashboard.drops.query({
        park,
        ride,
        limit: PAGE,
        ...(state ? { state } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    `ride-drops:${park}:${ride}:${state}:${cursor ?? ''}`,
  );
  const drops = page.data?.drops;
  return (
    <section aria-label="Drops of this ride">
      <h2>Drops</h2>
      <div className="form-row pager-filter">
        <Field label="State">
          <select
            value={state}
            onChange={(e) => {
              setState(STATES.find((s) => s === e.target.value) ?? '');
              setCursors([undefined]);
            }}
          >
            <option value="">every state</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {!drops ? (
        <Loading />
      ) : drops.length === 0 ? (
        <Empty>
          <p>
            {state
              ? `No ${state} drops of this ride.`
              : 'No drops of this ride yet: they appear as the park agent uploads them.'}
          </p>
        </Empty>
      ) : (
        <Table label="Drops of this ride">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Window</th>
              <th scope="col">Received</th>
              <th scope="col">State</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {drops.map((x) => (
              <tr key={x.batchId}>
                <td className="mono wrap">
                  <Link to={to.drop(x.batchId)}>{x.fileName}</Link>
                </td>
                <td>{x.window ? when(x.window.start, timezone) : '—'}</td>
                <td>{when(x.receivedAt, timezone)}</td>
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
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={page.data?.nextCursor} />
    </section>
  );
}
