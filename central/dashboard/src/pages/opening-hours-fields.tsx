import { Field } from '@zra/ui';
import type { Outputs } from '../api.ts';

export type OpeningHours = Outputs['dashboard']['park']['park']['openingHours'];
const WEEKDAYS = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Wed'],
  ['thu', 'Thu'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
] as const;
type Weekday = (typeof WEEKDAYS)[number][0];

/**
 * Opening and closing time (park-local) and the weekdays the park is closed; weekdays with
 * hours of their own (set through the API) are kept as they are.
 */
export function OpeningHoursFields(props: {
  value: OpeningHours;
  onChange: (v: OpeningHours) => void;
  timezone: string;
}) {
  const { value } = props;
  const closed = (d: Weekday) => value.days?.[d] === null;
  const toggle = (d: Weekday, isClosed: boolean) => {
    const kept = Object.entries(value.days ?? {}).filter(([k]) => k !== d);
    const days = Object.fromEntries(isClosed ? [...kept, [d, null]] : kept);
    props.onChange({ ...value, days });
  };
  return (
    <>
      <Field label={`Opens (${props.timezone})`} name="openingHours.open">
        <input
          type="time"
          value={value.open}
          onChange={(e) => props.onChange({ ...value, open: e.target.value })}
          required
        />
      </Field>
      <Field label={`Closes (${props.timezone})`} name="openingHours.close">
        <input
          type="time"
          value={value.close === '24:00' ? '23:59' : value.close}
          onChange={(e) => props.onChange({ ...value, close: e.target.value })}
          required
        />
      </Field>
      <fieldset className="weekdays">
        <legend>Closed on</legend>
        {WEEKDAYS.map(([d, label]) => (
          <label key={d} className="inline">
            <input
              type="checkbox"
              checked={closed(d)}
              onChange={(e) => toggle(d, e.target.checked)}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
    </>
  );
}
