/**
 * Channel health against the oracle (oracle-peaks.ts): per channel (and ride and park-local
 * day, for a report) the cycles that measured it and the p95 of their peaks.
 */
import { near, show } from './compare.ts';
import { expectedPeaks } from './oracle-peaks.ts';
import type { OracleModel } from './oracle.ts';
import type { Summary } from './report-outputs.ts';

/** Channel peaks of one group (a channel, or a ride's channel on a day), named by `key`. */
export interface KeyedPeaks {
  key: string;
  cycles: number;
  p95Peak: number;
}

/** Expected and shown groups matched by key: one line per difference, and the count compared. */
export function comparePeaks(
  expected: KeyedPeaks[],
  shown: KeyedPeaks[],
): { lines: string[]; compared: number } {
  const lines: string[] = [];
  let compared = 0;
  const got = new Map(shown.map((g) => [g.key, g]));
  for (const e of expected) {
    const g = got.get(e.key);
    got.delete(e.key);
    compared += 2;
    const want = `expected ${e.cycles} cycles, p95 peak ${show(e.p95Peak)}`;
    if (!g) lines.push(`channel ${e.key}: ${want}; not shown`);
    else if (g.cycles !== e.cycles || !near(e.p95Peak, g.p95Peak)) {
      lines.push(`channel ${e.key}: ${want}; got ${g.cycles}, ${show(g.p95Peak)}`);
    }
  }
  for (const key of got.keys())
    lines.push(`channel ${key}: shown, but no counted cycle measured it`);
  return { lines, compared };
}

/** A report's `channelHealth` days, for the report's rides and period. */
export function compareChannelHealth(
  model: OracleModel,
  rides: string[],
  period: { from: number; to: number },
  timezone: string,
  summary: Summary,
): { lines: string[]; compared: number } {
  const expected = rides.flatMap((ride) =>
    expectedPeaks(model, ride, period.from, period.to, timezone).map((e) => ({
      ...e,
      key: `${e.ride} ${e.channel} ${e.date ?? ''}`,
    })),
  );
  const shown = summary.channelHealth.flatMap((c) =>
    c.days.map((d) => ({ ...d, key: `${c.ride} ${c.channel} ${d.date}` })),
  );
  return comparePeaks(expected, shown);
}
