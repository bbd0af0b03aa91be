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

/** The parameters every figure query starts with: `$1` parks, `$2` ride, `$3` starts, `$4` ends. */
export function figureParams(scope: FigureScope): unknown[] {
  return [
    scope.buckets.map((b) => b.park),
    scope.ride,
    scope.buckets.map((b) => b.start),
    scope.buckets.map((b) => b.end),
  ];
}
