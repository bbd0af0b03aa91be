import { ActionButton, Badge, Banner, Empty, periodLabel, Table } from '@zra/ui';
import { useEffect } from 'react';
import type { Api, Status } from '../api.tsx';
import { Ago } from '../format.tsx';

type Report = Status['global']['reports'][number];

export function Reports({
  api,
  status,
  onOpen,
}: {
  api: Api;
  status: Status;
  onOpen: (r: Report) => Promise<void>;
}) {
  const g = status.global;
  const zone = g.standing?.today.timezone ?? status.timeZone;
  // The agent asks central every few minutes; a person opening this screen wants it now.
  // A failure shows through status.global.error, so the promise's own error is not needed.
  useEffect(() => {
    api.globalView.refresh.mutate().catch(() => undefined);
  }, [api]);
  return (
    <>
      <p className="muted">
        Reports are made by central from the uploaded drops; their days are the park’s ({zone}). The
        list refreshes by itself
        {g.fetchedAt ? (
          <>
            {' '}
            (last asked <Ago iso={g.fetchedAt} zone={status.timeZone} />)
          </>
        ) : null}
        .
      </p>
      {g.error ? (
        <Banner tone="warn" title="Central’s report list could not be fetched">
          <p>{g.error}</p>
          <p>
            Check the central address and park token in Settings (“Test central”); the agent asks
            again by itself.
          </p>
        </Banner>
      ) : null}
      {g.reports.length === 0 ? (
        <Empty>
          <p>
            No reports yet. Central makes them on its schedule, or when an engineer asks for one in
            the central dashboard.
          </p>
        </Empty>
      ) : (
        <Table label="Reports" stack>
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
                <td data-label="Ride">{r.ride ?? 'whole park'}</td>
                <td data-label="Period">{periodLabel(r.period, zone)}</td>
                <td data-label="State">
                  {r.state === 'ready' ? (
                    <Badge tone="ok">ready</Badge>
                  ) : (
                    <Badge tone="bad">failed — Zamperla has been told</Badge>
                  )}
                </td>
                <td data-label="Finished">
                  <Ago iso={r.finishedAt} zone={status.timeZone} />
                </td>
                <td className="row-actions">
                  {r.state === 'ready' ? (
                    <ActionButton
                      small
                      label="Open PDF"
                      busyLabel="Fetching from central…"
                      run={() => onOpen(r)}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
