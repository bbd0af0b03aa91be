/**
 * The counting rule (docs/central.md, "Counting rule"), written once as SQL common table
 * expressions that every figure query — report input, dashboard, park standing — builds on.
 * Parameters: `$1` parks (text[]), `$2` ride (text or null), `$3` / `$4` bucket starts and
 * ends (timestamptz[]), one entry per bucket, `$5` / `$6` the earliest start and latest end,
 * `$7` the distinct parks (figure-scope.ts).
 *
 * - `bucket`: (i, park_id, b_start, b_end), i from 1.
 * - `live`: batches of the scope that no revision replaced, valid and post-processed, whose
 *   window touches a bucket of their park. With one live batch per ride-window (enforced at
 *   commit) no ride-hour is counted twice; legacy batches with overlapping windows are
 *   handled by the identities below, never by adding their rows up.
 * - `cycle`: one row per (park, ride, cycle id): among the versions held by live batches
 *   that started inside their own window, the newest commit's (the first in its drop).
 * - `alarm_span`: each stored alarm row's active span inside its own window,
 *   `[max(raisedAt, window.start), min(clearedAt ?? window.end, window.end)]`; rows not
 *   active in their window are left out, a momentary alarm (raised = cleared) is kept.
 * - `occurrence`: one row per (park, ride, code, raisedAt): the union of its rows' spans
 *   (`active`, a tstzmultirange), severity and text of its newest row among all live batches,
 *   not only those the buckets touch, so a day's figures do not depend on the period asked.
 */
// Results are read per live batch (LATERAL, by the results' primary key): the planner cannot
// estimate how few batches are live in a bucket, and a hash join would read every cycle.
// OFFSET 0 keeps each LATERAL subquery a probe by batch id: flattened into a join, a small
// table of results (a test's, a young install's) looks cheaper to read whole.
export const LIVE_BATCHES = `
  bucket AS (
    SELECT k.i::int AS i, k.park_id, k.b_start, k.b_end
      FROM unnest($1::text[], $3::timestamptz[], $4::timestamptz[])
           WITH ORDINALITY AS k(park_id, b_start, b_end, i)),
  span AS (
    SELECT park_id, min(b_start) AS lo, max(b_end) AS hi FROM bucket GROUP BY park_id),
  live AS (
    SELECT b.id, b.park_id, b.ride_id, b.window_start, b.window_end, b.commit_seq
      FROM span s JOIN batches b ON b.park_id = s.park_id
     WHERE b.park_id = ANY ($7::text[]) AND ($2::text IS NULL OR b.ride_id = $2)
       AND b.superseded_by IS NULL AND b.content_id IS NOT NULL AND b.processed_at IS NOT NULL
       AND b.window_start < s.hi AND b.window_end > s.lo
       AND b.window_start < $6::timestamptz AND b.window_end > $5::timestamptz)`;

/*
 * `cycle`, with or without the per-channel statistics (a wide jsonb only channel-peaks.ts reads).
 * The other versions of a cycle are found by an index-only probe (cycles_versions_idx carries
 * batch, ordinal and start); a cycle with no other version — nearly all — then needs nothing
 * more, because its own row is excluded before any batch is read (it could never win over
 * itself).
 *
 * For one ride (`$2`), even that probe is skipped for a cycle id the ride holds only once:
 * `versioned` lists the ride's ids with more than one row, read in one pass over the ride's
 * part of cycles_versions_idx (a year is ≈ 36,000 entries, ≈ 7 ms), where a probe per cycle
 * was ≈ 70 ms of a ride-year. Any other version of a cycle is another row with its id, so an
 * id outside the list has none; both come from the statement's one snapshot. For parks and
 * the fleet ($2 null) the list stays empty and every cycle is probed: their scopes are a
 * sliver of the parks' whole history, which the list would read.
 */
const liveCycles = (channels: boolean) => `
  versioned AS MATERIALIZED (
    SELECT cycle_id FROM cycles
     WHERE $2::text IS NOT NULL AND park_id = ANY ($7::text[]) AND ride_id = $2
     GROUP BY park_id, cycle_id HAVING count(*) > 1),
  cycle AS (
    SELECT c.park_id, c.ride_id, c.cycle_id, c.start_at, c.end_at, c.mode, c.outcome,
           c.riders${channels ? ', c.channels' : ''}
      FROM live l
     CROSS JOIN LATERAL (
       SELECT batch_id, ordinal, park_id, ride_id, cycle_id, start_at, end_at, mode, outcome,
              riders${channels ? ', channels' : ''}
         FROM cycles
        WHERE batch_id = l.id AND start_at >= l.window_start AND start_at < l.window_end
       OFFSET 0) c
     WHERE ($2::text IS NOT NULL AND c.cycle_id NOT IN (SELECT cycle_id FROM versioned))
        OR NOT EXISTS (
         SELECT 1 FROM cycles o JOIN batches ob ON ob.id = o.batch_id
          WHERE o.park_id = c.park_id AND o.ride_id = c.ride_id AND o.cycle_id = c.cycle_id
            AND (o.batch_id <> c.batch_id OR o.ordinal <> c.ordinal)
            AND ob.superseded_by IS NULL AND ob.content_id IS NOT NULL
            AND ob.processed_at IS NOT NULL
            AND o.start_at >= ob.window_start AND o.start_at < ob.window_end
            AND (ob.commit_seq, -o.ordinal) > (l.commit_seq, -c.ordinal)))`;

export const LIVE_CYCLES = liveCycles(false);
export const LIVE_CYCLES_WITH_CHANNELS = liveCycles(true);

/** Whether alarm row `a` of batch `b` is active in its own window (the rows that count). */
const ACTIVE_IN_OWN_WINDOW = (a: string, b: string) => `
       ${a}.raised_at < ${b}.window_end
       AND (${a}.cleared_at IS NULL OR ${a}.cleared_at >= ${a}.raised_at)
       AND (coalesce(${a}.cleared_at, ${b}.window_end) > ${b}.window_start
            OR (${a}.cleared_at = ${a}.raised_at AND ${a}.raised_at >= ${b}.window_start))`;

/*
 * An occurrence's rows can lie in batches the buckets do not touch: a long alarm repeated in
 * the next hour's drop, or a revision of an earlier window committed later. Its severity and
 * text are those of its newest row of any live batch (one index probe per occurrence), or a
 * day's downtime would change with the period it is asked in (a fault that a later drop
 * raised from a warning counted in a month's report but not in its day's).
 */
export const ALARM_OCCURRENCES = `
  alarm_span AS (
    SELECT l.park_id, a.ride_id, a.code, a.raised_at,
           greatest(a.raised_at, l.window_start) AS lo,
           least(coalesce(a.cleared_at, l.window_end), l.window_end) AS hi,
           coalesce(a.cleared_at = a.raised_at, false) AS momentary
      FROM live l
     CROSS JOIN LATERAL (SELECT * FROM alarms WHERE batch_id = l.id OFFSET 0) a
     WHERE ${ACTIVE_IN_OWN_WINDOW('a', 'l')}),
  occurrence AS (
    SELECT o.park_id, o.ride_id, o.code, o.raised_at, n.severity, n.text, o.active, o.momentary
      FROM (SELECT park_id, ride_id, code, raised_at,
                   range_agg(tstzrange(lo, hi)) AS active, bool_or(momentary) AS momentary
              FROM alarm_span GROUP BY park_id, ride_id, code, raised_at) o
     CROSS JOIN LATERAL (
       SELECT a.severity, a.text
         FROM alarms a JOIN batches b ON b.id = a.batch_id
        WHERE a.park_id = o.park_id AND a.ride_id = o.ride_id AND a.raised_at = o.raised_at
          AND a.code = o.code
          AND b.superseded_by IS NULL AND b.content_id IS NOT NULL AND b.processed_at IS NOT NULL
          AND ${ACTIVE_IN_OWN_WINDOW('a', 'b')}
        ORDER BY b.commit_seq DESC, a.ordinal
        LIMIT 1) n)`;

/** Severities whose active time is downtime; `info` and `warning` alarms carry none. */
export const DOWNTIME_SEVERITIES = `('fault', 'critical')`;

/** SQL for the seconds a tstzmultirange expression covers (0 for null or empty). */
export const seconds = (multirange: string): string =>
  `(SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r))), 0)::float8
      FROM unnest(${multirange}) AS r)`;
