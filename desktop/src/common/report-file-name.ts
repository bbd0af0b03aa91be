/** A report as both the agent's router and the renderer name its PDF. */
export interface ReportNaming {
  park: string;
  /** Null for a whole-park report. */
  ride: string | null;
  period: { start: string; end: string };
}

/** The calendar date (`yyyy-mm-dd`) the clock of `timeZone` shows at `ms`. */
export function parkLocalDate(ms: number, timeZone: string): string {
  // en-CA writes dates as yyyy-mm-dd.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}

/**
 * The park-local first and last day a report covers, as its PDF shows them: a period ends at
 * the start of the day after, so its last day is the day of the instant before the end.
 */
export function reportDays(
  period: ReportNaming['period'],
  timeZone: string,
): { first: string; last: string } {
  return {
    first: parkLocalDate(Date.parse(period.start), timeZone),
    last: parkLocalDate(Date.parse(period.end) - 1, timeZone),
  };
}

/**
 * A report's PDF file name that says what it is: park, ride (or whole park) and the park-local
 * days, e.g. `lago_thunder-loop_2026-12-02.pdf` or `lago_whole-park_2026-11-01_to_2026-11-30.pdf`.
 */
export function reportFileName(r: ReportNaming, timeZone: string): string {
  const { first, last } = reportDays(r.period, timeZone);
  const days = first === last ? first : `${first}_to_${last}`;
  return `${r.park}_${r.ride ?? 'whole-park'}_${days}.pdf`;
}
