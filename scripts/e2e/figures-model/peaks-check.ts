/**
 * A report's channel health against the oracle (oracle-peaks.ts): per ride, channel and
 * park-local day of the period, the cycles that measured the channel and the p95 of their
 * peaks, as summary.json lists them.
 */
import { near } from './compare.ts';
import { expectedPeaks } from './oracle-peaks.ts';
import type { OracleModel } from './oracle.ts';
import type { Summary } from './report-outputs.ts';

export function compareChannelHealth(
  model: OracleModel,
  rides: string[],
  period: { from: number; to: number },
  timezone: string,
  summary: Summary,
): { lines: string[]; compared: number } {
  const lines: string[] = [];
  let compared = 0;
  const got = new Map<string, { cycles: number; p95Peak: number }>();
  for (const c of summary.channelHealth) {
    for (const d of c.days) got.set(`${c.ride} ${c.channel} ${d.date}`, d);
  }
  const expected = rides.flatMap((ride) =>
    expectedPeaks(model, ride, period.from, period.to, timezone),
  );
  for (const e of expected) {
    const key = `${e.ride} ${e.channel} ${e.date ?? ''}`;
    const g = got.get(key);
    got.delete(key);
    compared += 2;
    if (!g) {
      lines.push(
        `channel health ${key}: expected ${e.cycles} cycles, p95 peak ${e.p95Peak}; not listed`,
      );
    } else if (g.cycles !== e.cycles || !near(e.p95Peak, g.p95Peak)) {
      lines.push(
        `channel health ${key}: expected ${e.cycles} cycles, p95 peak ${e.p95Peak}; got ${g.cycles}, ${g.p95Peak}`,
      );
    }
  }
  for (const key of got.keys())
    lines.push(`channel health ${key}: listed, but no counted cycle measured it`);
  return { lines, compared };
}
