import { addDays, dayLabel, Field, Form, localDate, usePoll } from '@zra/ui';
import { useState } from 'react';
import { api } from '../api.ts';

/**
 * Requests a report by park-local days (every role may): the first and the last day, each
 * from 00:00 to 24:00 on the park's clock, whatever the reader's own time zone.
 */
export function ReportRequestForm(props: {
  parks: { id: string; name: string; timezone: string }[];
  done: () => void;
}) {
  const [park, setPark] = useState('');
  const [ride, setRide] = useState('');
  const chosen = props.parks.find((p) => p.id === park) ?? props.parks[0];
  const tz = chosen?.timezone ?? 'UTC';
  // Yesterday on the park's clock: the last whole day.
  const yesterday = addDays(localDate(Date.now(), tz), -1);
  const [firstDay, setFirstDay] = useState<string | null>(null);
  const [lastDay, setLastDay] = useState<string | null>(null);
  const rides = usePoll(
    () =>
      chosen
        ? api.dashboard.park.query({ park: chosen.id, days: 1 }).then((d) => d.rides)
        : Promise.resolve([]),
    `report-rides:${chosen?.id ?? ''}`,
  );
  const first = firstDay ?? yesterday;
  const last = lastDay ?? yesterday;
  return (
    <Form
      label="Request a report"
      title="Request a report"
      submitLabel="Request"
      busyLabel="Requesting…"
      disabled={!chosen}
      onSubmit={async () => {
        if (!chosen) throw new Error('Add a park first: there is nothing to report on.');
        await api.dashboard.requestReport.mutate({
          park: chosen.id,
          ...(ride ? { ride } : {}),
          firstDay: first,
          lastDay: last,
        });
        props.done();
        const days = first === last ? dayLabel(first) : `${dayLabel(first)} to ${dayLabel(last)}`;
        return `Report queued for ${days} (${tz} days): it appears below and is ready in a minute or two.`;
      }}
    >
      <p className="muted" data-testid="period-zone">
        Days are the park's: {tz}. Each runs from 00:00 to 24:00 there.
      </p>
      <Field label="Park" name="park">
        <select
          value={chosen?.id ?? ''}
          onChange={(e) => {
            setPark(e.target.value);
            setRide('');
            setFirstDay(null);
            setLastDay(null);
          }}
          required
        >
          {props.parks.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Ride" name="ride">
        <select value={ride} onChange={(e) => setRide(e.target.value)}>
          <option value="">Whole park</option>
          {(rides.data ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={`First day (${tz})`} name="firstDay">
        <input type="date" value={first} onChange={(e) => setFirstDay(e.target.value)} required />
      </Field>
      <Field label={`Last day (${tz}, included)`} name="lastDay">
        <input type="date" value={last} onChange={(e) => setLastDay(e.target.value)} required />
      </Field>
    </Form>
  );
}
