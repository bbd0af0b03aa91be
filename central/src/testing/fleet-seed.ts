import { loadRideModels, type RideModel } from '@zra/shared';
import type pg from 'pg';
import { foldBatchStateCounts } from '../batches/batch-state-counts.ts';
import { foldParkDayStates } from '../batches/park-day-states.ts';
import { foldParkKeptBytes } from '../ingest/park-kept-bytes.ts';
import { OUTBOX_KEEP_MS } from '../queue/outbox-prune.ts';

/**
 * A realistic fleet written straight into PostgreSQL with INSERT … SELECT generate_series, for
 * the fleet benchmark (bench/central/fleet.ts, millions of rows) and the query-plan test
 * (reports/query-plans.test.ts, a few hundred thousand). Not through the API: a year of a
 * thousand parks would take days to post-process.
 *
 * What it writes, shaped like the postprocessor's output and the ingest path's rows:
 * - parks in 16 time zones (half-hour offsets and DST at midnight included) with opening hours
 *   (four variants, one closed on Mondays) and seasons: northern parks open daily from April to
 *   October, at weekends in March, November and December, closed in January and February;
 *   southern ones the same six months later; a third of the zones open all year;
 * - rides of the shipped models; every ride is powered one hour before opening to one hour
 *   after closing (one drop per UTC hour), and off for maintenance on 2 % of its days;
 * - cycles per hour from a demand curve (quiet mornings, busy afternoons, weekends busier,
 *   shoulder months quieter), each with the per-channel peak / mean / RMS the postprocessor
 *   stores; faults (0.8 % of cycles, 4–30 min down), e-stops (0.4 %), warnings (3 %), and a long
 *   fault (50–80 min, repeated in every drop it spans) in 2 % of ride-hours;
 * - revisions (0.5 % of ride-windows re-exported, both versions with their results), failed
 *   drops (0.1 %), quarantined ones (0.05 %), parks offline for part of a day (3 % of park-days:
 *   their drops arrive hours late), breaches, data-quality findings (15 % of drops), hourly
 *   aggregates, job runs (2 % retried), the last week's published outbox rows, a daily report
 *   per park (ready, 1 % failed) from a report rule, and heartbeats.
 *
 * Rows are inserted in time order, a few days of the whole fleet at a time, so their physical
 * order on disk is the one a live system produces (parks interleaved), not one park after the
 * other. Every random choice is a hash of the row's key and `seed`: the same options give the
 * same data.
 */
export interface FleetSeedOptions {
  parks: number;
  ridesPerPark: number;
  /** Parks 1..fullParks get `historyDays` of data; the others `recentDays`. */
  fullParks: number;
  historyDays: number;
  recentDays: number;
  /** The last `liveParks` parks get no data in the last `liveGapHours` (room for live drops). */
  liveParks?: number;
  liveGapHours?: number;
  /** Multiplies the cycles per hour (1 = realistic; tests use less). */
  cycleScale?: number;
  /** Days of the whole fleet per insert round (bigger: fewer, larger statements). */
  daysPerRound?: number;
  now: Date;
  seed?: number;
  /**
   * Bulk load (the benchmark): drop the large tables' non-unique indexes and skip foreign-key
   * triggers while loading (needs a superuser), then build the indexes once at the end.
   */
  bulk?: boolean;
  /** Called after each round with what has been written so far. */
  progress?: (line: string) => void;
}

/** What was written. */
export interface FleetSeedSummary {
  parks: number;
  rides: number;
  /** Ride-days with data, summed over every ride (ride-years = rideDays / 365). */
  rideDays: number;
  batches: number;
  cycles: number;
  alarms: number;
}

/** The id of park `i` (1-based): `fleet-0001` … */
export const fleetParkId = (i: number): string => `fleet-${String(i).padStart(4, '0')}`;
/** The id of ride `j` (1-based) of every park: `ride-01` … */
export const fleetRideId = (j: number): string => `ride-${String(j).padStart(2, '0')}`;
/** The plain park token the seed gives park `i` (only its SHA-256 is stored). */
export const fleetParkToken = (i: number): string => `fleet-token-${fleetParkId(i)}`;

/** [zone, season]: north / south (six months later) / all (open all year). */
const ZONES: readonly (readonly [string, 'north' | 'south' | 'all'])[] = [
  ['Europe/Rome', 'north'],
  ['America/New_York', 'north'],
  ['Asia/Tokyo', 'all'],
  ['Europe/Paris', 'north'],
  ['America/Los_Angeles', 'all'],
  ['Asia/Kolkata', 'all'],
  ['Europe/Berlin', 'north'],
  ['Australia/Sydney', 'south'],
  ['Europe/London', 'north'],
  ['America/Chicago', 'north'],
  ['Asia/Shanghai', 'all'],
  ['Europe/Madrid', 'north'],
  ['America/Sao_Paulo', 'south'],
  ['Asia/Dubai', 'all'],
  ['America/Santiago', 'south'],
  ['Australia/Lord_Howe', 'south'],
];

/** Opening hours variants (park-local), as parks.opening_hours stores them. */
const HOURS = [
  { open: '10:00', close: '18:00' },
  { open: '09:30', close: '19:00' },
  { open: '10:00', close: '22:00' },
  { open: '10:00', close: '19:00', days: { mon: null } },
] as const;

/** Deterministic pseudo-random numbers, tied to the data instead of the order of the rows. */
const random = (seed: number, salt: number) => {
  let s = (seed * 2654435761 + salt * 40503) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
};

/** Per model, 64 variants of a cycle's channels and of an hour's channel statistics. */
function channelTemplates(models: RideModel[], seed: number) {
  const rows: { model: string; v: number; channels: unknown; stats: unknown }[] = [];
  for (const [mi, m] of models.entries()) {
    const rnd = random(seed, 1000 + mi);
    for (let v = 0; v < 64; v++) {
      const channels: Record<string, unknown> = {};
      const stats: Record<string, unknown> = {};
      for (const c of m.channels) {
        const base = c.typical.running * (0.9 + 0.2 * rnd());
        const round = (x: number) => Math.round(x * 1000) / 1000;
        channels[c.channel] = {
          peak: round(base * 1.18),
          mean: round(base * 0.92),
          rms: round(base * 0.95),
          samples: Math.round(m.nominalCycleSeconds * c.rateHz * (0.97 + 0.06 * rnd())),
        };
        stats[c.channel] = {
          p50: round(base * 0.93),
          p95: round(base * 1.12),
          max: round(base * 1.2),
        };
      }
      rows.push({ model: m.id, v, channels, stats });
    }
  }
  return rows;
}

/** Per model and alarm code: severity, English text, component, and the channel it breaches. */
function alarmCodes(models: RideModel[]) {
  return models.flatMap((m) =>
    Object.entries(m.alarms).map(([code, a]) => {
      const channel =
        m.channels.find((c) => c.channel.startsWith(`${a.component}.`)) ?? m.channels[0];
      const low = /\blow\b/i.test(a.text.en) && channel?.threshold.min !== undefined;
      return {
        model: m.id,
        code,
        severity: a.severity,
        text: a.text.en,
        component: a.component,
        channel: channel?.channel ?? null,
        kind: low ? 'min' : 'max',
        lim: low
          ? (channel?.threshold.min ?? 0)
          : (channel?.threshold.max ?? channel?.typical.running ?? 1),
      };
    }),
  );
}

/**
 * A fixed "now" for tests on a seeded fleet: a Wednesday in July, when every park of the seed is
 * open. With the clock's own date, what the last days hold follows the season and the weekday
 * (park 1's zone closes in January and February and opens only at weekends in December).
 */
export const SEEDED_NOW = Date.parse('2026-07-15T14:00:00Z');

/**
 * One park (Rome: daily in late October, weekends after) with two rides and 45 days of data,
 * cycles at half the realistic rate: small enough for a test, deep enough for horizons.
 */
export const oneParkSeed = (now: Date): FleetSeedOptions => ({
  parks: 1,
  ridesPerPark: 2,
  fullParks: 1,
  historyDays: 45,
  recentDays: 45,
  cycleScale: 0.5,
  daysPerRound: 45,
  now,
});

/** Seeds {@link oneParkSeed} at `now`; returns the zone of its park, `fleetParkId(1)`. */
export async function seedOnePark(pool: pg.Pool, now: number): Promise<string> {
  await seedFleet(pool, oneParkSeed(new Date(now)));
  const r = await pool.query<{ timezone: string }>('SELECT timezone FROM parks WHERE id = $1', [
    fleetParkId(1),
  ]);
  const zone = r.rows[0]?.timezone;
  if (!zone) throw new Error('the seed wrote no park 1');
  return zone;
}

// A uniform [0, 1) number from a bigint key and a salt (hash, so parallel-safe and stable).
const FUNCTIONS = `
  CREATE FUNCTION pg_temp.u(k bigint, salt int) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (hashint8extended(k, salt) & 9007199254740991)::float8 / 9007199254740992 $$`;

/** Writes the fleet; the database must be migrated and hold no parks yet. */
export async function seedFleet(pool: pg.Pool, o: FleetSeedOptions): Promise<FleetSeedSummary> {
  const c = await pool.connect();
  try {
    return await seedWith(c, o);
  } finally {
    c.release();
  }
}

async function seedWith(c: pg.PoolClient, o: FleetSeedOptions): Promise<FleetSeedSummary> {
  const seed = o.seed ?? 1;
  const scale = o.cycleScale ?? 1;
  const roundDays = o.daysPerRound ?? 7;
  const liveParks = o.liveParks ?? 0;
  const liveGapH = o.liveGapHours ?? 0;
  const models = loadRideModels().models;
  const now = o.now.toISOString();
  const say = o.progress ?? (() => undefined);
  await c.query(`SET TimeZone = 'UTC'`);
  // Index builds and a round of a thousand parks outlast the pool's statement timeout.
  await c.query('SET statement_timeout = 0');
  // Parallel workers would each re-read the temp tables; this is bulk work on one connection.
  await c.query('SET max_parallel_workers_per_gather = 0');
  await c.query(FUNCTIONS);

  await c.query(`CREATE TEMP TABLE seed_tmpl (model text, v int, channels jsonb, stats jsonb)`);
  await c.query(
    `INSERT INTO seed_tmpl SELECT * FROM jsonb_to_recordset($1::jsonb)
       AS r(model text, v int, channels jsonb, stats jsonb)`,
    [JSON.stringify(channelTemplates(models, seed))],
  );
  await c.query(
    `CREATE TEMP TABLE seed_code AS SELECT *,
       row_number() OVER (PARTITION BY model, severity IN ('fault', 'critical'), severity
                          ORDER BY code)::int - 1 AS n
     FROM jsonb_to_recordset($1::jsonb) AS r(model text, code text, severity text, text text,
          component text, channel text, kind text, lim float8)`,
    [JSON.stringify(alarmCodes(models))],
  );

  // Parks (with the facts the windows need), rides, tokens, heartbeats, report rules.
  await c.query(
    `CREATE TEMP TABLE seed_park AS
     SELECT i, format('fleet-%s', lpad(i::text, 4, '0')) AS id, z.tz, z.season,
            (h.hours->>'open')::time AS open_t, (h.hours->>'close')::time AS close_t,
            CASE WHEN h.hours->'days' ? 'mon' THEN 1 END AS closed_dow, h.hours,
            CASE WHEN i <= $2 THEN $3::int ELSE $4::int END AS days,
            CASE WHEN i > $1 - $5 AND i > $2 THEN $6::int ELSE 0 END AS gap_h
       FROM generate_series(1, $1::int) i
       JOIN (SELECT n - 1 AS n, tz, season
               FROM unnest($7::text[], $11::text[]) WITH ORDINALITY AS x(tz, season, n)) z
         ON z.n = (i - 1) % $8
       JOIN (SELECT ordinality - 1 AS n, value AS hours
               FROM jsonb_array_elements($9::jsonb) WITH ORDINALITY AS x(value, ordinality)) h
         ON h.n = ((i - 1) / $8) % $10`,
    [
      o.parks,
      o.fullParks,
      o.historyDays,
      o.recentDays,
      liveParks,
      liveGapH,
      ZONES.map(([tz]) => tz),
      ZONES.length,
      JSON.stringify(HOURS),
      HOURS.length,
      ZONES.map(([, season]) => season),
    ],
  );
  await c.query(
    `INSERT INTO parks (id, name, timezone, language, opening_hours, created_at)
     SELECT id, format('Fleet park %s', i), tz, CASE WHEN tz = 'Europe/Rome' THEN 'it' ELSE 'en' END,
            hours, $1::timestamptz - make_interval(days => days + 30)
       FROM seed_park ORDER BY i`,
    [now],
  );
  await c.query(
    `CREATE TEMP TABLE seed_ride AS
     SELECT p.i AS park_i, p.id AS park_id, j AS ride_no,
            format('ride-%s', lpad(j::text, 2, '0')) AS ride_id, m.model, m.nominal, m.capacity
       FROM seed_park p CROSS JOIN generate_series(1, $1::int) j
       JOIN (SELECT n - 1 AS n, model, nominal, capacity
               FROM unnest($2::text[], $4::int[], $5::int[]) WITH ORDINALITY
                 AS x(model, nominal, capacity, n)) m ON m.n = (j - 1) % $3`,
    [
      o.ridesPerPark,
      models.map((m) => m.id),
      models.length,
      models.map((m) => m.nominalCycleSeconds),
      models.map((m) => m.capacity),
    ],
  );
  await c.query(
    `INSERT INTO rides (park_id, id, model, name, created_at)
     SELECT r.park_id, r.ride_id, r.model, format('Ride %s', r.ride_no),
            $1::timestamptz - make_interval(days => p.days + 30)
       FROM seed_ride r JOIN seed_park p ON p.id = r.park_id ORDER BY r.park_id, r.ride_id`,
    [now],
  );
  await c.query(
    `INSERT INTO park_tokens (park_id, token_sha256, label, created_at, last_used_at)
     SELECT id, encode(sha256(convert_to('fleet-token-' || id, 'UTF8')), 'hex'), 'access node',
            $1::timestamptz - interval '400 days', $1::timestamptz - interval '3 minutes'
       FROM seed_park ORDER BY i`,
    [now],
  );
  await c.query(
    `INSERT INTO agent_heartbeats (park_id, version, buffer_drops, buffer_bytes, buffer_cap_bytes,
            backlog_drops, backlog_bytes, backlog_oldest_pulled_at, offline_since,
            recent_backlog_drops, received_at, rides, quarantined_drops)
     SELECT p.id, '0.1.0', 300, 450000000, 20000000000, b, b * 1500000,
            CASE WHEN b > 0 THEN $1::timestamptz - interval '20 minutes' END, NULL,
            ARRAY[b, b, b], $1::timestamptz - make_interval(secs => (p.i % 50) * 7),
            (SELECT jsonb_agg(jsonb_build_object('id', r.ride_id, 'lastPullAt', $1::timestamptz,
                    'lastSuccessAt', $1::timestamptz, 'lastError', NULL, 'pausedReason', NULL,
                    'hostKeyChanged', false) ORDER BY r.ride_id)
               FROM seed_ride r WHERE r.park_id = p.id),
            0
       FROM (SELECT *, CASE WHEN i % 97 = 0 THEN 12 ELSE 0 END AS b FROM seed_park) p`,
    [now],
  );
  await c.query(
    `INSERT INTO report_rules (park_id, ride_id, cron, period, language, created_at,
            enabled_changed_at)
     SELECT id, NULL, '0 6 * * *', 'day', 'en', $1::timestamptz - interval '400 days',
            $1::timestamptz - interval '400 days'
       FROM seed_park ORDER BY i`,
    [now],
  );

  const rebuild = o.bulk ? await dropBulkIndexes(c) : [];
  const maxDays = Math.max(o.historyDays, o.recentDays);
  const summary: FleetSeedSummary = {
    parks: o.parks,
    rides: o.parks * o.ridesPerPark,
    rideDays: 0,
    batches: 0,
    cycles: 0,
    alarms: 0,
  };
  // Oldest days first, so rows land on disk in the order a live system writes them.
  for (let newest = maxDays - 1; newest >= 0; newest -= roundDays) {
    const oldest = newest;
    const youngest = Math.max(0, newest - roundDays + 1);
    const n = await seedRound(c, { now, oldest, youngest, seed, scale });
    summary.rideDays += n.rideDays;
    summary.batches += n.batches;
    summary.cycles += n.cycles;
    summary.alarms += n.alarms;
    say(
      `seeded days ${oldest}…${youngest} before today: ${summary.batches} batches, ${summary.cycles} cycles, ${summary.alarms} alarm rows`,
    );
  }
  await c.query(`SELECT setval('batches_commit_seq', (SELECT max(commit_seq) FROM batches))`);
  if (!o.bulk) {
    await foldBatchStateCounts(c);
    await foldParkDayStates(c);
    await foldParkKeptBytes(c);
  }
  if (o.bulk) {
    await c.query('RESET session_replication_role');
    // The triggers that keep the batches' counts were off with the foreign keys: count afresh.
    await c.query('DELETE FROM batch_state_counts');
    await c.query(
      'INSERT INTO batch_state_counts (state, n) SELECT state, count(*) FROM batches GROUP BY state',
    );
    await c.query('DELETE FROM park_day_state_changes');
    await c.query('DELETE FROM park_day_states');
    await c.query(
      `INSERT INTO park_day_states (day, park_id, state, n)
       SELECT (b.received_at AT TIME ZONE p.timezone)::date, b.park_id, b.state, count(*)
         FROM batches b JOIN parks p ON p.id = b.park_id
        WHERE b.superseded_by IS NULL
        GROUP BY 1, 2, 3`,
    );
    await c.query('SELECT park_kept_bytes_recount()');
    await c.query(`SET maintenance_work_mem = '1GB'`);
    for (const def of rebuild) {
      await timed(c, def);
      say(`built ${def.replace(/^CREATE INDEX (\S+) .*$/s, '$1')}`);
    }
  }
  return summary;
}

/** Tables the seed fills with many rows. */
export const LARGE_TABLES = [
  'batches',
  'cycles',
  'alarms',
  'breaches',
  'quality_findings',
  'hourly_aggregates',
  'job_runs',
  'outbox',
  'reports',
  'report_firings',
] as const;

/** Drops the large tables' plain (non-unique, non-constraint) indexes; returns their DDL. */
async function dropBulkIndexes(c: pg.PoolClient): Promise<string[]> {
  const r = await c.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [[...LARGE_TABLES]],
  );
  for (const row of r.rows) await c.query(`DROP INDEX ${row.name}`);
  // Foreign keys are checked by triggers; the seed writes consistent rows by construction.
  await c.query(`SET session_replication_role = replica`);
  return r.rows.map((row) => row.def);
}

/** Seconds spent per statement (its first words), for the bench's report of the load. */
export const seedTimings = new Map<string, number>();

async function timed<R extends pg.QueryResultRow = pg.QueryResultRow>(
  c: pg.PoolClient,
  sql: string,
  params?: unknown[],
): Promise<pg.QueryResult<R>> {
  const started = performance.now();
  try {
    return await c.query<R>(sql, params);
  } finally {
    const label = sql.trim().split(/\s+/).slice(0, 4).join(' ');
    seedTimings.set(label, (seedTimings.get(label) ?? 0) + (performance.now() - started) / 1000);
  }
}

interface Round {
  now: string;
  /** Days before today (park-local), inclusive; oldest ≥ youngest. */
  oldest: number;
  youngest: number;
  seed: number;
  scale: number;
}

/** One round: every park's ride-windows of some days, and everything that hangs off them. */
async function seedRound(c: pg.PoolClient, r: Round) {
  const s = r.seed;
  for (const t of ['seed_w', 'seed_b', 'seed_c', 'seed_o', 'seed_a']) {
    await timed(c, `DROP TABLE IF EXISTS ${t}`);
  }
  // Ride-windows: powered hours of open days, whole hours before now (minus a live gap).
  // wid = ride key × 10^6 + epoch hour: unique per ride-window, the key of every random choice.
  await timed(
    c,
    `CREATE TEMP TABLE seed_w AS
     WITH day AS (
       SELECT p.*, d.day, extract(month FROM d.day)::int AS m, extract(isodow FROM d.day)::int AS dow
         FROM seed_park p
        CROSS JOIN LATERAL (SELECT (($1::timestamptz AT TIME ZONE p.tz)::date - o) AS day
                              FROM generate_series($3::int, $2::int) o WHERE o < p.days) d),
     open_day AS (
       SELECT *,
              CASE season WHEN 'north' THEN m ELSE ((m + 5) % 12) + 1 END AS sm
         FROM day
        WHERE dow IS DISTINCT FROM closed_dow),
     season_day AS (
       SELECT *, CASE WHEN season = 'all' OR sm BETWEEN 4 AND 10 THEN
                        CASE WHEN season = 'all' OR sm BETWEEN 6 AND 8 THEN 1.0 ELSE 0.7 END
                      WHEN sm IN (3, 11, 12) AND dow IN (6, 7) THEN 0.6 END AS season_f
         FROM open_day)
     SELECT (r.park_i::bigint * 100 + r.ride_no) * 1000000 + (extract(epoch FROM h) / 3600)::bigint
              AS wid,
            r.park_i, r.park_id, r.ride_id, r.ride_no, r.model, r.nominal, r.capacity, d.tz,
            d.day, h AS win_start,
            CASE WHEN d.dow IN (6, 7) THEN 1.0 ELSE 0.75 END * d.season_f AS day_f,
            extract(epoch FROM ((h + interval '30 minutes') AT TIME ZONE d.tz)::time) / 3600 AS mid,
            extract(epoch FROM d.open_t) / 3600 AS open_h,
            extract(epoch FROM d.close_t) / 3600 AS close_h
       FROM season_day d
       JOIN seed_ride r ON r.park_id = d.id
      CROSS JOIN LATERAL generate_series(
              date_trunc('hour', (d.day + d.open_t - interval '1 hour') AT TIME ZONE d.tz),
              ((d.day + d.close_t + interval '1 hour') AT TIME ZONE d.tz) - interval '1 microsecond',
              interval '1 hour') h
      WHERE d.season_f IS NOT NULL
        AND pg_temp.u(r.park_i::bigint * 100000000 + r.ride_no * 100000 + (d.day - date '2000-01-01'), $4) >= 0.02
        AND h + interval '1 hour' <= $1::timestamptz - make_interval(hours => d.gap_h)`,
    [r.now, r.oldest, r.youngest, s],
  );
  const rideDays = await timed<{ n: string }>(
    c,
    'SELECT count(DISTINCT (park_id, ride_id, day))::text AS n FROM seed_w',
  );

  // Cycles per window: 0 outside opening, else ~3600 / (cycle + loading wait) by demand.
  await timed(
    c,
    `ALTER TABLE seed_w ADD COLUMN n int, ADD COLUMN received_at timestamptz,
       ADD COLUMN rev_at timestamptz, ADD COLUMN quarantined bool, ADD COLUMN failed bool`,
  );
  await timed(
    c,
    `UPDATE seed_w SET
       n = CASE WHEN mid < open_h OR mid >= close_h THEN 0 ELSE
             round(3600 / (nominal + 30 + (1 - greatest(0.2, least(1, 1 - abs(mid - 15.75) / 6.5)) * day_f) * 240)
                   * (0.85 + 0.3 * pg_temp.u(wid, $1)) * $2)::int END,
       received_at = win_start + interval '1 hour' + CASE
             WHEN pg_temp.u(park_i::bigint * 100000 + (day - date '2000-01-01'), $1 + 1) < 0.03
               THEN make_interval(secs => 21600 + 43200 * pg_temp.u(wid, $1 + 2))
             ELSE make_interval(secs => 20 + 280 * pg_temp.u(wid, $1 + 2)) END,
       quarantined = pg_temp.u(wid, $1 + 3) < 0.0005,
       failed = pg_temp.u(wid, $1 + 4) < 0.001`,
    [s, r.scale],
  );
  await timed(
    c,
    `UPDATE seed_w SET rev_at = received_at + make_interval(secs => 3600 + 18000 * pg_temp.u(wid, $1 + 6))
      WHERE pg_temp.u(wid, $1 + 5) < 0.005`,
    [s],
  );
  // A drop that would only arrive after now is still on its way (the agent holds it).
  await timed(c, `DELETE FROM seed_w WHERE received_at > $1::timestamptz`, [r.now]);
  await timed(c, `UPDATE seed_w SET rev_at = NULL WHERE rev_at > $1::timestamptz`, [r.now]);

  // Batches: the live one per window; with a revision, the original first (superseded).
  await timed(
    c,
    `CREATE TEMP TABLE seed_b AS
     SELECT gen_random_uuid() AS id, w.wid, v.live, v.received_at,
            CASE WHEN v.live AND w.failed THEN 'failed' ELSE 'processed' END AS state,
            encode(sha256(convert_to(w.wid || '/' || v.live, 'UTF8')), 'hex') AS sha,
            w.park_id, w.ride_id, w.win_start
       FROM seed_w w
      CROSS JOIN LATERAL (VALUES (true, coalesce(w.rev_at, w.received_at)),
                                 (false, CASE WHEN w.rev_at IS NOT NULL THEN w.received_at END)) v(live, received_at)
      WHERE v.received_at IS NOT NULL`,
  );
  await timed(c, `CREATE INDEX ON seed_b (wid, live)`);
  await timed(c, `CREATE INDEX ON seed_b (park_id, ride_id, win_start)`);
  // One statement for both versions: the original's reference to its revision is checked at
  // the end of the statement, and commit_seq follows the commit order (received_at).
  await timed(
    c,
    `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
            content_id, bytes, file_name, blob_path, state, error_code, error, superseded_by,
            received_at, queued_at, processed_at, updated_at, commit_seq)
     SELECT b.id, b.park_id, b.ride_id,
            (extract(epoch FROM b.win_start) / 3600)::bigint * 2 + (CASE WHEN b.live THEN 1 ELSE 0 END),
            b.win_start, b.win_start + interval '1 hour', b.sha,
            encode(sha256(convert_to('content/' || b.sha, 'UTF8')), 'hex'),
            1200000 + (pg_temp.u(b.wid, $1) * 500000)::int,
            format('%s_%s_%s_%s.zip', b.park_id, b.ride_id,
                   to_char(b.win_start, 'YYYYMMDD"T"HH24MISS"Z"'),
                   (extract(epoch FROM b.win_start) / 3600)::bigint % 100000),
            format('blobs/%s/%s.zip', substr(b.sha, 1, 2), b.sha),
            b.state,
            CASE WHEN b.state = 'failed' THEN 'invalid_output' END,
            CASE WHEN b.state = 'failed' THEN 'the postprocessor wrote output central could not read; send the drop to Zamperla support' END,
            CASE WHEN NOT b.live THEN (SELECT l.id FROM seed_b l WHERE l.wid = b.wid AND l.live) END,
            b.received_at, b.received_at + interval '300 milliseconds',
            CASE WHEN b.state = 'processed' THEN b.received_at + make_interval(secs => 1.5 + 4 * pg_temp.u(b.wid, $1 + 1)) END,
            b.received_at + make_interval(secs => 1.5 + 4 * pg_temp.u(b.wid, $1 + 1)),
            (SELECT coalesce(max(commit_seq), 0) FROM batches) + row_number() OVER (ORDER BY b.received_at, b.id)
       FROM seed_b b
      ORDER BY b.received_at, b.id`,
    [s + 7],
  );
  // Quarantined drops: no trusted content, ride or window.
  await timed(
    c,
    `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state, error_code, error,
            received_at, updated_at, commit_seq)
     SELECT gen_random_uuid(), w.park_id, encode(sha256(convert_to('q' || w.wid, 'UTF8')), 'hex'),
            900000, format('%s_%s_%s_q.zip', w.park_id, w.ride_id, to_char(w.win_start, 'YYYYMMDD"T"HH24MISS"Z"')),
            format('blobs/q/%s.zip', w.wid), 'quarantined', 'entry_hash_mismatch',
            'cycles.json does not match the SHA-256 in the manifest: the file was changed or damaged after the PLC wrote it',
            w.received_at + interval '30 seconds', w.received_at + interval '30 seconds',
            (SELECT max(commit_seq) FROM batches) + row_number() OVER (ORDER BY w.received_at, w.wid)
       FROM seed_w w WHERE w.quarantined ORDER BY w.received_at, w.wid`,
  );

  // Cycles of every processed batch (a revision repeats the original's cycle ids).
  await timed(
    c,
    `CREATE TEMP TABLE seed_c AS
     SELECT b.id AS batch_id, b.received_at, w.wid, w.park_id, w.ride_id, w.model, w.capacity,
            k - 1 AS ordinal, w.wid * 64 + k AS ck,
            'C' || (w.wid * 64 + k) AS cycle_id,
            w.win_start + make_interval(secs => (k - 1) * (3600.0 / w.n)
              + greatest(0, 3600.0 / w.n - w.nominal * 1.1) * pg_temp.u(w.wid * 64 + k, $1)) AS start_at,
            w.nominal * (0.97 + 0.06 * pg_temp.u(w.wid * 64 + k, $1 + 1)) AS dur,
            -- Scaled like the cycles, so a thinned test fleet keeps the alarms a real one has.
            pg_temp.u(w.wid * 64 + k, $1 + 2) * $2 AS roll,
            greatest(0.2, least(1, 1 - abs(w.mid - 15.75) / 6.5)) * w.day_f AS demand
       FROM seed_b b JOIN seed_w w ON w.wid = b.wid
      CROSS JOIN LATERAL generate_series(1, w.n) k
      WHERE b.state = 'processed' AND w.n > 0`,
    [s + 10, Math.min(1, r.scale)],
  );
  // Alarm occurrences: faults, e-stops and warnings inside cycles; long faults between them.
  await timed(
    c,
    `CREATE TEMP TABLE seed_o AS
     SELECT DISTINCT ON (x.wid, x.raised_at, x.code) x.*
       FROM (
         SELECT c.wid, c.park_id, c.ride_id, c.model, c.cycle_id, a.code, a.severity, a.text,
                a.component, a.channel, a.kind, a.lim,
                c.start_at + make_interval(secs => c.dur * (0.2 + 0.6 * pg_temp.u(c.ck, $1))) AS raised_at,
                CASE WHEN a.severity IN ('fault', 'critical') THEN 240 + 1560 * pg_temp.u(c.ck, $1 + 1)
                     WHEN a.severity = 'info' THEN 60 + 180 * pg_temp.u(c.ck, $1 + 1)
                     ELSE 15 + 345 * pg_temp.u(c.ck, $1 + 1) END AS down_s
           FROM seed_c c
           JOIN LATERAL (
             SELECT * FROM seed_code a
              WHERE a.model = c.model
                AND a.severity = ANY (CASE WHEN c.roll < 0.008 THEN ARRAY['fault', 'critical']
                                           WHEN c.roll < 0.012 THEN ARRAY['info']
                                           ELSE ARRAY['warning'] END)
              ORDER BY pg_temp.u(c.ck + hashtext(a.code), $1 + 2) LIMIT 1) a ON true
          WHERE c.roll < 0.042
            AND c.batch_id IN (SELECT id FROM seed_b WHERE live)
         UNION ALL
         SELECT w.wid, w.park_id, w.ride_id, w.model, NULL, a.code, a.severity, a.text,
                a.component, a.channel, a.kind, a.lim,
                w.win_start + make_interval(secs => 3000 * pg_temp.u(w.wid, $1 + 3)),
                3000 + 1800 * pg_temp.u(w.wid, $1 + 4)
           FROM seed_w w
           JOIN LATERAL (
             SELECT * FROM seed_code a WHERE a.model = w.model AND a.severity = 'fault'
              ORDER BY pg_temp.u(w.wid + hashtext(a.code), $1 + 5) LIMIT 1) a ON true
          WHERE w.n > 0 AND pg_temp.u(w.wid, $1 + 6) < 0.02) x
      ORDER BY x.wid, x.raised_at, x.code`,
    [s + 20],
  );
  // Each drop holds every alarm active in its window (cleared_at null while still active at
  // its end); both versions of a revised window hold them.
  await timed(
    c,
    `CREATE TEMP TABLE seed_a AS
     SELECT b.id AS batch_id, b.received_at, o.park_id, o.ride_id, o.code, o.severity, o.text,
            o.component, o.raised_at,
            CASE WHEN o.raised_at + make_interval(secs => o.down_s) <= b.win_start + interval '1 hour'
                 THEN o.raised_at + make_interval(secs => o.down_s) END AS cleared_at,
            CASE WHEN date_trunc('hour', o.raised_at) = b.win_start THEN o.cycle_id END AS cycle_id,
            date_trunc('hour', o.raised_at) = b.win_start AS raising, o.channel, o.kind, o.lim,
            b.win_start
       FROM seed_o o
      CROSS JOIN LATERAL generate_series(date_trunc('hour', o.raised_at),
                                         o.raised_at + make_interval(secs => o.down_s),
                                         interval '1 hour') h
       JOIN seed_b b ON b.park_id = o.park_id AND b.ride_id = o.ride_id AND b.win_start = h
                    AND b.state = 'processed'`,
  );

  const cycles = await timed(
    c,
    `INSERT INTO cycles (batch_id, park_id, ride_id, cycle_id, start_at, end_at, mode, outcome,
            riders, duration_s, channels, ordinal)
     SELECT c.batch_id, c.park_id, c.ride_id, c.cycle_id, c.start_at,
            c.start_at + make_interval(secs => CASE WHEN c.roll < 0.012 THEN c.dur * 0.5 ELSE c.dur END),
            CASE WHEN pg_temp.u(c.ck, $1) < 0.03 THEN 'manual' ELSE 'auto' END,
            CASE WHEN c.roll < 0.008 THEN
                   CASE WHEN pg_temp.u(c.ck, $1 + 1) < 0.25 THEN 'estop' ELSE 'aborted' END
                 WHEN c.roll < 0.012 THEN 'estop' ELSE 'completed' END,
            greatest(1, least(c.capacity, round(c.capacity * (0.25 + 0.75 * c.demand)
                                                * (0.8 + 0.3 * pg_temp.u(c.ck, $1 + 2)))))::int,
            CASE WHEN c.roll < 0.012 THEN c.dur * 0.5 ELSE c.dur END,
            t.channels, c.ordinal
       FROM seed_c c JOIN seed_tmpl t ON t.model = c.model AND t.v = c.ck % 64
      ORDER BY c.received_at, c.batch_id, c.ordinal`,
    [s + 30],
  );
  const alarms = await timed(
    c,
    `INSERT INTO alarms (batch_id, ordinal, park_id, ride_id, code, severity, text, component,
            raised_at, cleared_at, duration_s, cycle_id)
     SELECT batch_id, row_number() OVER (PARTITION BY batch_id ORDER BY raised_at, code) - 1,
            park_id, ride_id, code, severity, text, component, raised_at, cleared_at,
            extract(epoch FROM least(coalesce(cleared_at, win_start + interval '1 hour'),
                                     win_start + interval '1 hour') - greatest(raised_at, win_start)),
            cycle_id
       FROM seed_a ORDER BY received_at, batch_id, raised_at, code`,
  );
  await timed(
    c,
    `INSERT INTO breaches (batch_id, ordinal, channel, cycle_id, at, value, "limit", kind)
     SELECT batch_id, row_number() OVER (PARTITION BY batch_id ORDER BY raised_at, code) - 1,
            channel, cycle_id, raised_at - interval '1 second',
            CASE WHEN kind = 'min' THEN lim * 0.92 ELSE lim * 1.08 END, lim, kind
       FROM seed_a WHERE raising AND severity <> 'info' AND channel IS NOT NULL
      ORDER BY received_at, batch_id, raised_at, code`,
  );
  await timed(
    c,
    `INSERT INTO quality_findings (batch_id, ordinal, kind, channel, at, detail)
     SELECT b.id, 0, 'gap',
            CASE WHEN pg_temp.u(w.wid, $1 + 1) < 0.5 THEN NULL ELSE 'main_motor.current' END,
            w.win_start + make_interval(secs => 3500 * pg_temp.u(w.wid, $1 + 2)),
            format('no samples for %s s', round((1 + 44 * pg_temp.u(w.wid, $1 + 3))::numeric, 1))
       FROM seed_b b JOIN seed_w w ON w.wid = b.wid
      WHERE b.state = 'processed' AND pg_temp.u(w.wid, $1) < 0.15
      ORDER BY b.received_at, b.id`,
    [s + 40],
  );
  await timed(
    c,
    `INSERT INTO hourly_aggregates (batch_id, park_id, ride_id, hour_start, local_hour, cycles,
            riders, completed, aborted, estop, auto_minutes, fault_minutes, availability,
            channel_stats)
     SELECT b.id, b.park_id, b.ride_id, b.win_start,
            to_char(b.win_start AT TIME ZONE w.tz, 'YYYY-MM-DD"T"HH24:MI:SS')
              || CASE WHEN z.off < 0 THEN '-' ELSE '+' END
              || lpad((abs(z.off) / 60)::text, 2, '0') || ':' || lpad((abs(z.off) % 60)::text, 2, '0'),
            coalesce(x.cycles, 0), coalesce(x.riders, 0), coalesce(x.cycles, 0), 0, 0,
            coalesce(x.auto_min, 0), coalesce(f.fault_min, 0),
            1 - least(60, coalesce(f.fault_min, 0)) / 60, t.stats
       FROM seed_b b JOIN seed_w w ON w.wid = b.wid
       JOIN seed_tmpl t ON t.model = w.model AND t.v = w.wid % 64
      CROSS JOIN LATERAL (SELECT (extract(epoch FROM (b.win_start AT TIME ZONE w.tz)
                                                   - (b.win_start AT TIME ZONE 'UTC')) / 60)::int AS off) z
       LEFT JOIN (SELECT batch_id, count(*)::int AS cycles,
                         sum(round(capacity * (0.25 + 0.75 * demand) * 0.95))::int AS riders,
                         sum(dur) / 60 AS auto_min
                    FROM seed_c GROUP BY batch_id) x ON x.batch_id = b.id
       LEFT JOIN (SELECT batch_id,
                         sum(extract(epoch FROM least(coalesce(cleared_at, win_start + interval '1 hour'),
                                                      win_start + interval '1 hour')
                                               - greatest(raised_at, win_start))) / 60 AS fault_min
                    FROM seed_a WHERE severity IN ('fault', 'critical') GROUP BY batch_id) f
         ON f.batch_id = b.id
      WHERE b.state = 'processed'
      ORDER BY b.received_at, b.id`,
  );
  // Job runs and outbox rows, in the order the system writes them.
  await timed(
    c,
    `INSERT INTO job_runs (type, subject, park_id, attempt, worker, started_at, ended_at, outcome,
            error, error_code)
     SELECT 'postprocess', b.id, b.park_id, r.attempt, format('worker-%s', 1 + b.wid % 8),
            b.received_at + make_interval(secs => 0.4 + r.attempt * 2),
            b.received_at + make_interval(secs => 1.4 + r.attempt * 2),
            r.outcome, r.error, r.code
       FROM seed_b b
      CROSS JOIN LATERAL (
        SELECT a AS attempt,
               CASE WHEN b.state = 'failed' THEN CASE WHEN a = 5 THEN 'failed' ELSE 'retrying' END
                    WHEN a = n THEN 'succeeded' ELSE 'retrying' END AS outcome,
               CASE WHEN b.state = 'failed' OR a < n THEN 'the postprocessor ran out of time; it is tried again' END AS error,
               CASE WHEN b.state = 'failed' OR a < n THEN 'timeout' END AS code
          FROM (SELECT CASE WHEN b.state = 'failed' THEN 5
                            WHEN pg_temp.u(b.wid, $1) < 0.02 THEN 2 ELSE 1 END AS n) k,
               generate_series(1, k.n) a) r
      ORDER BY b.received_at, b.id, r.attempt`,
    [s + 50],
  );
  // Only the last week's published rows: the maintenance loop removes older ones.
  await timed(
    c,
    `INSERT INTO outbox (queue, message, message_id, created_at, published_at)
     SELECT 'postprocess', jsonb_build_object('batchId', id), id::text, received_at,
            received_at + interval '200 milliseconds'
       FROM seed_b
      WHERE received_at >= $1::timestamptz - make_interval(secs => $2::float8 / 1000)
      ORDER BY received_at, id`,
    [r.now, OUTBOX_KEEP_MS],
  );
  // The daily report rule of each park fired at 06:00 park-local every day of the round (open
  // or not), for the day that had just ended; 1 % of the reports failed.
  await timed(
    c,
    `WITH d AS (
       SELECT p.id AS park_id, p.i AS park_i, p.tz, ($1::timestamptz AT TIME ZONE p.tz)::date - o AS day
         FROM seed_park p CROSS JOIN generate_series($3::int, $4::int) o WHERE o < p.days),
     rep AS (
       SELECT gen_random_uuid() AS id, d.park_id, d.park_i,
              (d.day::timestamp AT TIME ZONE d.tz) AS period_start,
              ((d.day + 1)::timestamp AT TIME ZONE d.tz) AS period_end,
              (((d.day + 1)::timestamp + interval '6 hours') AT TIME ZONE d.tz) AS requested_at,
              pg_temp.u(d.park_i::bigint * 100000 + (d.day - date '2000-01-01'), $2) < 0.01 AS failed
         FROM d
        WHERE (((d.day + 1)::timestamp + interval '6 hours') AT TIME ZONE d.tz) <= $1::timestamptz),
     ins AS (
       INSERT INTO reports (id, park_id, ride_id, period_start, period_end, language, state,
              pdf_path, html_path, summary_path, error, error_code, requested_at, started_at,
              finished_at)
       SELECT id, park_id, NULL, period_start, period_end, 'en',
              CASE WHEN failed THEN 'failed' ELSE 'ready' END,
              CASE WHEN NOT failed THEN format('reports/%s/report.pdf', id) END,
              CASE WHEN NOT failed THEN format('reports/%s/report.html', id) END,
              CASE WHEN NOT failed THEN format('reports/%s/summary.json', id) END,
              CASE WHEN failed THEN 'the reporter ran out of time; request the report again' END,
              CASE WHEN failed THEN 'timeout' END,
              requested_at, requested_at + interval '1 second', requested_at + interval '3 seconds'
         FROM rep ORDER BY requested_at, id
       RETURNING id, park_id, requested_at),
     fired AS (
       INSERT INTO report_firings (rule_id, scheduled_at, report_id, fired_at)
       SELECT rr.id, ins.requested_at, ins.id, ins.requested_at
         FROM ins JOIN report_rules rr ON rr.park_id = ins.park_id)
     INSERT INTO outbox (queue, message, message_id, created_at, published_at)
     SELECT 'report', jsonb_build_object('reportId', id), id::text, requested_at,
            requested_at + interval '200 milliseconds'
       FROM ins
      WHERE requested_at >= $1::timestamptz - make_interval(secs => $5::float8 / 1000)
      ORDER BY requested_at, id`,
    [r.now, s + 60, r.youngest, r.oldest, OUTBOX_KEEP_MS],
  );
  const batches = await timed<{ n: string }>(c, 'SELECT count(*)::text AS n FROM seed_b');
  return {
    rideDays: Number(rideDays.rows[0]?.n ?? 0),
    batches: Number(batches.rows[0]?.n ?? 0),
    cycles: cycles.rowCount ?? 0,
    alarms: alarms.rowCount ?? 0,
  };
}
