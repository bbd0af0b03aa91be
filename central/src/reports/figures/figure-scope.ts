/** One stretch of time a figure is computed for, in one park: the half-open `[start, end)`. */
export interface FigureBucket {
  park: string;
  start: Date;
  end: Date;
}

/**
 * What a figure query reads. Every query answers per bucket, so the dashboard can ask for 30
 * park-local days (or today in every park) in one round trip, and a report for its period.
 */
export interface FigureScope {
  buckets: FigureBucket[];
  /** Only this ride (of each bucket's park), or every ride. */
  ride: string | null;
}

/**
 * The parameters every figure query starts with: `$1` parks, `$2` ride, `$3` starts, `$4` ends
 * (one entry per bucket), then `$5` / `$6` the earliest start and the latest end of all buckets
 * and `$7` the distinct parks. `$5`–`$7` repeat what the arrays say in a form the planner can
 * read (it cannot see which rows an unnest will give): with them it knows that one park's
 * month, or the fleet's today, is a sliver of the batches, and reads it by index.
 */
export function figureParams(scope: FigureScope): unknown[] {
  const starts = scope.buckets.map((b) => b.start.getTime());
  const ends = scope.buckets.map((b) => b.end.getTime());
  return [
    scope.buckets.map((b) => b.park),
    scope.ride,
    scope.buckets.map((b) => b.start),
    scope.buckets.map((b) => b.end),
    new Date(Math.min(...starts)),
    new Date(Math.max(...ends)),
    [...new Set(scope.buckets.map((b) => b.park))],
  ];
}
