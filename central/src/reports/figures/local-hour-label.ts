import { localParts, zoneOffsetMs } from '@zra/shared';

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A UTC instant as the park's wall clock with its offset, e.g. `2026-03-29T03:00:00+02:00`
 * (the label the postprocessor gives an hour; `+05:30` in Kolkata).
 */
export function localHourLabel(at: Date, timeZone: string): string {
  const ms = at.getTime();
  const p = localParts(ms, timeZone);
  const offsetMin = Math.round(zoneOffsetMs(ms, timeZone) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return (
    `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}` +
    `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`
  );
}
