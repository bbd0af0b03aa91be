import { useEffect } from 'react';
import type { Api, Status } from '../api.tsx';
import { relative, when } from '../format.tsx';
import { Badge, Empty, Problem } from '../ui.tsx';

function period(start: string, end: string): string {
  const s = new Date(start);
  const e = new Date(new Date(end).getTime() - 1);
  const fmt = (d: Date) =>
    d.toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
  return fmt(s) === fmt(e) ? fmt(s) : `${fmt(s)} – ${fmt(e)}`;
}

export function Reports({
  api,
  status,
  onOpen,
}: {
  api: Api;
  status: Status;
  onOpen: (reportId: string) => void;
}) {
  const g = status.global;
  // The agent asks central every few minutes; a person opening this screen wants it now.
  // A failure shows through status.global.error, so the promise's own error is not needed.
  useEffect(() => {
    api.globalView.refresh.mutate().catch(() => undefined);
  }, [api]);
  return (
    <section aria-labelledby="reports-title">
      <h2 id="reports-title">Reports</h2>
      <p className="lead">
        Reports are made by central from the uploaded drops. The list refreshes by itself
        {g.fetchedAt ? ` (last asked ${relative(g.fetchedAt)})` : ''}.
      </p>
      {g.error ? (
        <Problem
          title="Central’s report list could not be fetched"
          message={g.error}
          action="Check the central address and park token in Settings; the agent asks again by itself."
        />
      ) : null}
      {g.reports.length === 0 ? (
        <Empty>
          No reports yet. Central makes them on its schedule, or when an engineer asks for one in
          the central dashboard.
        </Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Ride</th>
              <th>Period</th>
              <th>State</th>
              <th>Finished</th>
              <th>
                <span className="sr-only">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {g.reports.map((r) => (
              <tr key={r.id}>
                <td>{r.ride ?? 'whole park'}</td>
                <td>{period(r.period.start, r.period.end)}</td>
                <td>
                  {r.state === 'ready' ? (
                    <Badge tone="ok">ready</Badge>
                  ) : (
                    <Badge tone="failing">failed — Zamperla has been told</Badge>
                  )}
                </td>
                <td title={when(r.finishedAt)}>{relative(r.finishedAt)}</td>
                <td className="row-actions">
                  {r.state === 'ready' ? (
                    <button type="button" onClick={() => onOpen(r.id)}>
                      Open PDF
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
