/**
 * The independent oracle, part 3: channel health. A counted cycle's peak on a channel is the
 * largest non-null sample of its drop's telemetry in `[start, end)`, and inside the drop's
 * window (docs/rust.md); a channel with no such sample was not measured in that cycle. Per
 * ride and channel (and park-local date of the cycles' starts, when asked), the nearest-rank
 * 95th percentile of the peaks of the counted cycles that start in `[from, to)`.
 */
import { localDate } from './oracle-calendar.ts';
import type { OracleModel } from './oracle.ts';

export interface ExpectedPeaks {
  ride: string;
  channel: string;
  /** Park-local date, or null over the whole period. */
  date: string | null;
  cycles: number;
  p95Peak: number;
}

/** Nearest rank: the smallest value with at least 95 % of the values at or below it. */
function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(0.95 * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function expectedPeaks(
  model: OracleModel,
  ride: string,
  from: number,
  to: number,
  perDayIn: string | null,
): ExpectedPeaks[] {
  const groups = new Map<string, { channel: string; date: string | null; peaks: number[] }>();
  for (const { ride: r, cycle, window } of model.countedCycles) {
    if (r !== ride || cycle.start < from || cycle.start >= to) continue;
    const end = Math.min(cycle.end, window.drop.windowEnd);
    const date = perDayIn === null ? null : localDate(cycle.start, perDayIn);
    for (const t of window.drop.telemetry) {
      let peak = Number.NEGATIVE_INFINITY;
      t.values.forEach((v, i) => {
        const at = t.start + (i * 1000) / t.rateHz;
        if (v !== null && at >= cycle.start && at < end && at >= window.windowStart) {
          peak = Math.max(peak, v);
        }
      });
      if (peak === Number.NEGATIVE_INFINITY) continue;
      const key = `${t.channel}\u0000${date ?? ''}`;
      const g = groups.get(key) ?? { channel: t.channel, date, peaks: [] };
      g.peaks.push(peak);
      groups.set(key, g);
    }
  }
  return [...groups.values()]
    .map((g) => ({
      ride,
      channel: g.channel,
      date: g.date,
      cycles: g.peaks.length,
      p95Peak: p95(g.peaks),
    }))
    .sort((a, b) => (a.channel + (a.date ?? '') < b.channel + (b.date ?? '') ? -1 : 1));
}
